"""Deployment facts read from parsed YAML nodes: the app unit around a value, a Flux source and the releases that use
it, image references (`image: {registry, repository}`), chart names beside a repository URL, and whether a chart's
sub-block points at a shared service rather than bundling one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from assistant.inputs.manifests import LDict, LList
from assistant.stack.catalog import slugify
from assistant.stack.inventory import Evidence, Signal

# Folder and resource names that name no tool: layout words of GitOps repos
NOT_UNITS = frozenset(
    {
        "app", "apps", "application", "applications", "base", "bases", "cluster", "clusters", "component", "components",
        "config", "configs", "core", "default", "deploy", "deployment", "deployments", "docker", "env", "envs",
        "environments", "flux", "helm", "infra", "infrastructure", "kubernetes", "k8s", "manifests", "overlays",
        "platform", "prod", "production", "release", "releases", "repo", "services", "stack", "stacks", "staging",
        "system", "templates", "test", "tools", "values", "main", "live", "dev", "app-template", "common"
    }
)  # fmt: skip
TEMPLATED = re.compile(r"\{\{|\$\{|<<|\{%")


def image_names(repo: str) -> list[str]:
    """The name parts of an image repository, last first: `ghcr.io/home-operations/plex` -> plex, home-operations."""
    parts = repo.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    return [p for p in reversed(parts) if p]


_SOURCE_KINDS = {"HelmRepository", "OCIRepository", "GitRepository"}


def as_source(signals: list[Signal], data: Any) -> list[Signal]:
    """A Flux source declares where charts could come from; it proves a tool only where a HelmRelease uses it
    (repos often declare sources for apps they have switched off)."""
    if kind_of(data) not in _SOURCE_KINDS or not isinstance(data.get("metadata"), dict):
        return signals
    name = str(data["metadata"].get("name", ""))
    return [s.model_copy(update={"strength": "source", "source": name}) for s in signals if s.strength == "strong"]


def source_refs(data: dict[str, Any], path: str, line: int) -> list[Signal]:
    """The sources a HelmRelease uses (`chartRef.name`, `chart.spec.sourceRef.name`)."""
    if kind_of(data) != "HelmRelease" or not isinstance(data.get("spec"), dict):
        return []
    spec = data["spec"]
    names = []
    if isinstance(spec.get("chartRef"), dict):
        names.append(spec["chartRef"].get("name"))
    chart = spec.get("chart")
    chart_spec = chart.get("spec") if isinstance(chart, dict) else None
    if isinstance(chart_spec, dict) and isinstance(chart_spec.get("sourceRef"), dict):
        names.append(chart_spec["sourceRef"].get("name"))
    ev = Evidence(path=path, line=line, how="HelmRelease source")
    return [Signal(tool="", evidence=ev, strength="ref", source=str(n)) for n in names if n]


def unit_tool(image: str, units: set[str]) -> tuple[str, str] | None:
    """The tool an image or chart name and its unit's names agree on, with its other name: the unit itself where
    they are equal or the image extends it (`teleport-distroless` in unit `teleport`), the image where the unit
    extends it (image `echo` in release `echo-server`)."""
    if image in units:
        return image, image
    for unit in sorted(units, key=len, reverse=True):
        if image.startswith(unit + "-"):
            return unit, image
        if len(image) >= 4 and image not in NOT_UNITS and unit.startswith(image + "-"):
            return image, unit
    return None


def units_at(data: Any, trail: tuple[str, ...], path: str) -> set[str]:
    """The names of the app unit around a value: the resource's name, the compose service, the file's folders."""
    names: set[str] = set()
    if isinstance(data, dict):
        meta = data.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("name"), str):
            names.add(meta["name"])
        if len(trail) > 1 and trail[0] == "services":
            names.add(trail[1])
    names.update(path.split("/")[:-1])
    return {s for n in names if len(s := slugify(n)) >= 3 and s not in NOT_UNITS}


_WORKLOAD_KINDS = {"HelmRelease", "Deployment", "StatefulSet", "DaemonSet", "CronJob"}


def main_unit(data: Any, trail: tuple[str, ...]) -> str | None:
    """The unit an image is the main container of: a compose service, or a workload or HelmRelease named by its
    metadata where the image sits in `containers` (not `initContainers`, not a sidecar list)."""
    low = [t.lower() for t in trail]
    name: Any = None
    if len(trail) > 2 and low[0] == "services":
        name = trail[1]
    elif "containers" in low and isinstance(data, dict) and kind_of(data) in _WORKLOAD_KINDS:
        meta = data.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
    else:
        return None
    slug = slugify(name) if isinstance(name, str) else ""
    return slug if len(slug) >= 3 and slug not in NOT_UNITS else None


def image_repository(ref: str) -> str:
    """`ghcr.io/x/y:1.2@sha256:…` -> `ghcr.io/x/y`; `docker.io/library/redis` -> `docker.io/library/redis`."""
    ref = ref.strip().split("@", 1)[0].lower()
    head, _, last = ref.rpartition("/")
    last = last.split(":", 1)[0]
    return f"{head}/{last}" if head else last


def walk_lines(value: Any, trail: tuple[str, ...], line: int) -> Iterator[tuple[tuple[str, ...], Any, int]]:
    """(key path, value, line) for every node; the line is the key's own line where known."""
    yield trail, value, line
    if isinstance(value, LDict):
        for k, v in value.items():
            yield from walk_lines(v, (*trail, str(k)), value.lines.get(k, line))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from walk_lines(v, (*trail, str(k)), line)
    elif isinstance(value, list):
        base = value.line if isinstance(value, LList) else line
        for i, v in enumerate(value):
            yield from walk_lines(v, (*trail, str(i)), getattr(v, "line", base))


def plain(value: Any) -> str | None:
    if isinstance(value, str) and value.strip() and not TEMPLATED.search(value):
        return value.strip()
    return None


_CLIENT_KEYS = {"host", "hostname", "hosts", "url", "uri", "address", "addr", "endpoint", "endpoints", "server"}


def is_client(node: dict[str, Any]) -> bool:
    """`redis: {enabled: true, host: dragonfly.cache.svc}` points the app at a shared service: reuse, not a bundle."""
    return any(str(k).lower() in _CLIENT_KEYS and v not in (None, "", [], {}) for k, v in node.items())


_CHART_REPO_KEYS = ("repository", "repo", "repourl", "url", "chartrepo")


def names_a_chart(node: LDict) -> bool:
    """`name` beside a chart repository URL; a bare `url` only with a `version` (a Grafana datasource has a name and
    a url too)."""
    name = plain(node.get("name"))
    if not name or "/" in name:
        return False
    for key, value in node.items():
        text = plain(value)
        if not text or not re.match(r"(?:https?|oci)://", text) or key.lower() not in _CHART_REPO_KEYS:
            continue
        if key.lower() != "url" or "version" in node:
            return True
    return False


def kind_of(data: Any) -> Any:
    return data.get("kind") if isinstance(data, dict) else None


def image_context(trail: tuple[str, ...]) -> bool:
    return any("image" in t.lower() for t in trail[-3:-1])


def image_ref(data: Any, trail: tuple[str, ...], text: str) -> str:
    """`image: {registry: ghcr.io, repository: x/y}` -> `ghcr.io/x/y`; a plain string as it is."""
    if trail[-1].lower() != "repository":
        return text
    node: Any = data
    for key in trail[:-1]:
        node = node[int(key)] if isinstance(node, list) else node.get(key)
    registry = plain(node.get("registry")) if isinstance(node, dict) else None
    return f"{registry}/{text}" if registry and not text.startswith(registry) else text
