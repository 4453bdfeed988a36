"""App units: the folders of a repo that each deploy one app (a Flux HelmRelease, a Deployment/StatefulSet/DaemonSet,
an Argo CD Application or a compose file; a wrapper chart; a Flux Operator ResourceSet input). Layout folders (`app/`,
`base/`, `templates/`…) belong to the unit above them. Archived folders, test fixtures and folders the repo switched off
(liveness) are never units."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from assistant.inputs.manifests import parse_documents
from assistant.inputs.repo_files import RepoFile, is_fixture
from assistant.inputs.safe_yaml import YAMLLimitError
from assistant.stack.discovery import ignored
from assistant.stack.liveness import disabled_folders, is_disabled

WORKLOAD_KINDS = {"HelmRelease", "Deployment", "StatefulSet", "DaemonSet", "Application", "CronJob"}
# Folders inside a unit that hold its parts, not another app
_LAYOUT = {"app", "apps", "base", "release", "resources", "helm", "manifests", "templates", "config", "crds", "chart"}


@dataclass
class Unit:
    path: str
    docs: list[tuple[str, Any]] = field(default_factory=list)  # (file path, parsed data)
    text: str = ""
    names: set[str] = field(default_factory=set)  # what else lists may call it (a ResourceSet input's namespace)

    @property
    def kinds(self) -> set[str]:
        return {str(d.get("kind")) for _, d in self.docs if isinstance(d, dict) and d.get("kind")}


def unit_folder(path: str) -> str:
    """The unit a workload file belongs to: its folder, above any layout folders (`x/app/helmrelease.yaml` -> `x`)."""
    folder = posixpath.dirname(path)
    while posixpath.basename(folder).lower() in _LAYOUT and "/" in folder:
        folder = posixpath.dirname(folder)
    return folder


def is_compose(data: Any) -> bool:
    services = data.get("services") if isinstance(data, dict) else None
    return isinstance(services, dict) and any(isinstance(s, dict) and "image" in s for s in services.values())


def find_units(files: list[RepoFile]) -> list[Unit]:
    return units_and_files(files)[0]


def units_and_files(files: list[RepoFile]) -> tuple[list[Unit], list[tuple[RepoFile, list[Any]]]]:
    off = disabled_folders(files)
    parsed: list[tuple[RepoFile, list[Any]]] = []
    for f in files:
        if not f.path.lower().endswith((".yaml", ".yml")) or ignored(f.path) or is_fixture(f.path):
            continue
        if is_disabled(f.path, off):
            continue
        try:
            docs, _ = parse_documents(f.text, f.path)
        except YAMLLimitError:
            continue
        parsed.append((f, [d.data for d in docs]))
    folders: set[str] = set()
    inputs: dict[str, str] = {}  # ResourceSet input name -> its unit's label
    input_names: dict[str, set[str]] = {}
    for f, datas in parsed:
        if posixpath.basename(f.path) == "Chart.yaml" and "/charts/" not in f"/{f.path}":
            folders.add(posixpath.dirname(f.path))  # a wrapper chart (Argo CD directory per app)
        for d in datas:
            if not isinstance(d, dict):
                continue
            if d.get("kind") in WORKLOAD_KINDS or is_compose(d):
                folder = unit_folder(f.path)
                if folder:
                    folders.add(folder)
            elif d.get("kind") == "ResourceSet":  # Flux Operator: one release per input, its files named after it
                for item in (d.get("spec") or {}).get("inputs") or []:
                    if isinstance(item, dict) and isinstance(item.get("name"), str) and item.get("chart"):
                        inputs[item["name"]] = f"{f.path}#{item['name']}"
                        input_names[inputs[item["name"]]] = {str(item.get("namespace") or item["name"])}
    # a unit is the innermost workload folder: a file belongs to the deepest unit above it
    units = {p: Unit(p) for p in folders}
    ordered = sorted(folders, key=len, reverse=True)
    for f, datas in parsed:
        owner = next((u for u in ordered if f.path.startswith(u + "/")), None)
        if owner is None and inputs:
            owner = _input_of(f.path, inputs)
            if owner is not None and owner not in units:
                units[owner] = Unit(owner, names=input_names.get(owner, set()))
        if owner is None:
            continue
        units[owner].docs += [(f.path, d) for d in datas]
        units[owner].text += f.text + "\n"
    return sorted(units.values(), key=lambda u: u.path), parsed


def workload_names(unit: Unit) -> frozenset[str]:
    """The names of the unit's workloads (metadata.name of each workload object, a compose file's services)."""
    out: set[str] = set()
    for _, d in unit.docs:
        if not isinstance(d, dict):
            continue
        if d.get("kind") in WORKLOAD_KINDS and isinstance(d.get("metadata"), dict):
            out |= {str(d["metadata"]["name"])} if d["metadata"].get("name") else set()
        elif is_compose(d) and isinstance(d.get("services"), dict):
            out |= {str(k) for k in d["services"]}
    return frozenset(out)


def _input_of(path: str, inputs: dict[str, str]) -> str | None:
    """The ResourceSet input a file belongs to: `charts/<name>.yaml` or a `config/<name>/` folder."""
    parts = path.split("/")
    stem = posixpath.splitext(parts[-1])[0]
    if stem in inputs and len(parts) > 1 and parts[-2] in ("charts", "values"):
        return inputs[stem]
    return next((inputs[p] for p in parts[:-1] if p in inputs), None)
