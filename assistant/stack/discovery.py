"""Discover what a repo runs from its own files: Helm charts (HelmRelease, ResourceSet inputs, Argo CD Applications,
Chart.yaml dependencies, kustomize helmCharts), chart and Git repository URLs, container images, CRD kinds in use,
Gateway classes, secret-store providers, Terraform/OpenTofu providers and modules, and file markers.

Each file yields signals (tool, file:line, how); they are cached per file digest so a re-index only reads what
changed, then aggregated into the inventory. Prose (Markdown) is never evidence: a doc that mentions a tool does not
mean the repo runs it."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.inputs.manifests import LDict, LList, parse_documents
from assistant.inputs.safe_yaml import YAMLLimitError
from assistant.knowledge_base.files import SKIP_DIRS, RepoFile
from assistant.stack.catalog import RoleCatalog
from assistant.stack.inventory import Evidence, Signal, Strength

YAML_EXT = (".yaml", ".yml")
HCL_EXT = (".tf", ".hcl")
# Folders whose files describe no running tool: archives, fixtures, and the assistant's own data.
IGNORED_DIRS = {"archive", "archived", ".archive", "deprecated", "testdata", "fixtures", "__fixtures__"}
BUNDLED_ROLES = {"db-postgres", "db-mysql", "db-mongodb", "in-memory", "message-broker", "object-storage"}
_TEMPLATED = re.compile(r"\{\{|\$\{|<<|\{%")
_URL_KEYS = {"url", "repourl", "repository", "repo", "source", "registry", "chartrepo"}
_IMAGE_KEYS = {"image", "img"}
_HCL_SOURCE = re.compile(r'^\s*source\s*=\s*"([^"]+)"', re.M)
_HCL_PROVIDER = re.compile(r'^\s*provider\s+"([\w-]+)"', re.M)


@dataclass
class Matchers:
    """The catalog's recognition data as lookups."""

    charts: dict[str, str] = field(default_factory=dict)
    images: list[tuple[str, str]] = field(default_factory=list)  # (image repo, tool)
    groups: dict[str, str] = field(default_factory=dict)  # api group -> tool
    kinds: dict[str, str] = field(default_factory=dict)  # group/Kind -> tool
    repos: list[tuple[str, str]] = field(default_factory=list)
    terraform: list[tuple[str, str]] = field(default_factory=list)
    gateway_classes: dict[str, str] = field(default_factory=dict)
    secret_providers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, catalog: RoleCatalog) -> Matchers:
        m = cls()
        for t in catalog.tools:
            for c in t.charts:
                m.charts.setdefault(c.lower(), t.slug)
            m.images += [(i.lower().strip("/"), t.slug) for i in t.images]
            for crd in t.crds:
                if "/" in crd:
                    m.kinds.setdefault(crd.lower(), t.slug)
                else:
                    m.groups.setdefault(crd.lower(), t.slug)
            m.repos += [(r.lower(), t.slug) for r in t.repos]
            m.terraform += [(s.lower(), t.slug) for s in t.terraform]
            for g in t.gateway_classes:
                m.gateway_classes.setdefault(g.lower(), t.slug)
            for p in t.secret_providers:
                m.secret_providers.setdefault(p.lower(), t.slug)
        m.images.sort(key=lambda x: -len(x[0]))  # the most specific repository wins
        return m

    def image(self, ref: str) -> str | None:
        repo = image_repository(ref)
        for pattern, tool in self.images:
            if repo == pattern or repo.endswith("/" + pattern):
                return tool
        return None

    def url(self, value: str) -> str | None:
        low = value.lower()
        return next((tool for pattern, tool in self.repos if pattern in low), None)


def image_repository(ref: str) -> str:
    """`ghcr.io/x/y:1.2@sha256:…` -> `ghcr.io/x/y`; `docker.io/library/redis` -> `docker.io/library/redis`."""
    ref = ref.strip().split("@", 1)[0].lower()
    head, _, last = ref.rpartition("/")
    last = last.split(":", 1)[0]
    return f"{head}/{last}" if head else last


def _walk(value: Any, trail: tuple[str, ...], line: int) -> Iterator[tuple[tuple[str, ...], Any, int]]:
    """(key path, value, line) for every node; the line is the key's own line where known."""
    yield trail, value, line
    if isinstance(value, LDict):
        for k, v in value.items():
            yield from _walk(v, (*trail, str(k)), value.lines.get(k, line))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, (*trail, str(k)), line)
    elif isinstance(value, list):
        base = value.line if isinstance(value, LList) else line
        for i, v in enumerate(value):
            yield from _walk(v, (*trail, str(i)), getattr(v, "line", base))


def _plain(value: Any) -> str | None:
    if isinstance(value, str) and value.strip() and not _TEMPLATED.search(value):
        return value.strip()
    return None


class Discoverer:
    def __init__(self, catalog: RoleCatalog) -> None:
        self.catalog = catalog

    @cached_property
    def matchers(self) -> Matchers:
        return Matchers.of(self.catalog)

    # -- one file ----------------------------------------------------------------------------------------------
    def scan(self, f: RepoFile) -> tuple[list[Signal], list[str]]:
        """A file's signals and the Kubernetes kinds it declares."""
        if ignored(f.path):
            return [], []
        if f.path.lower().endswith(YAML_EXT):
            return self._yaml(f)
        if f.path.lower().endswith(HCL_EXT):
            return self._hcl(f), []
        return [], []

    def _sig(
        self,
        tool: str | None,
        path: str,
        line: int,
        how: str,
        strength: Strength = "strong",
        roles: tuple[str, ...] = (),
    ) -> list[Signal]:
        if tool is None:
            return []
        evidence = Evidence(path=path, line=line, how=how)
        return [Signal(tool=tool, evidence=evidence, strength=strength, roles=list(roles))]

    def _yaml(self, f: RepoFile) -> tuple[list[Signal], list[str]]:
        try:
            docs, _ = parse_documents(f.text, f.path)
        except YAMLLimitError:  # a YAML bomb proves nothing and is never expanded
            return [], []
        m = self.matchers
        out: list[Signal] = []
        for doc in docs:
            data = doc.data
            if not isinstance(data, dict):
                continue
            out += self._kind(data, f.path, doc.line)
            for trail, value, line in _walk(data, (), doc.line):
                key = trail[-1].lower() if trail else ""
                parent = trail[-2].lower() if len(trail) > 1 else ""
                if isinstance(value, LDict) and value.get("enabled") is True and trail and not is_client(value):
                    # a chart's bundled database/store/broker switched on (`postgresql: {enabled: true}`) runs it
                    tool = m.charts.get(trail[-1].lower())
                    if tool and set(self.catalog.by_slug[tool].roles) & BUNDLED_ROLES:
                        out += self._sig(tool, f.path, line, f"bundled subchart {trail[-1]}")
                if isinstance(value, LDict) and _names_a_chart(value):
                    # `{name: cilium, repository: https://helm.cilium.io}`: a Chart.yaml dependency, a kustomize
                    # helmCharts entry, a ResourceSet input
                    name = str(value["name"])
                    out += self._sig(m.charts.get(name.lower()), f.path, value.lines.get("name", line), f"chart {name}")
                text = _plain(value)
                if text is None:
                    continue
                if key == "chart" or (key == "name" and parent == "chart"):
                    out += self._sig(m.charts.get(text.lower().rsplit("/", 1)[-1]), f.path, line, f"chart {text}")
                elif key in _IMAGE_KEYS or (key == "repository" and _image_context(trail)):
                    ref = _image_ref(data, trail, text)
                    out += self._sig(m.image(ref), f.path, line, f"image {image_repository(ref)}")
                elif key in _URL_KEYS and ("://" in text or "." in text.split("/", 1)[0]):
                    out += self._sig(m.url(text), f.path, line, f"repository {text}")
                    if text.startswith("oci://"):
                        name = text.rstrip("/").rsplit("/", 1)[-1].lower()
                        out += self._sig(m.charts.get(name), f.path, line, f"OCI chart {name}")
                elif key == "gatewayclassname" or (key == "controllername" and data.get("kind") == "GatewayClass"):
                    cls = m.gateway_classes.get(text.lower()) or m.gateway_classes.get(text.lower().split("/", 1)[0])
                    out += self._sig(cls, f.path, line, f"gateway class {text}", roles=("ingress",))
        return out, [d.kind for d in docs if d.kind]

    def _kind(self, data: dict[str, Any], path: str, line: int) -> list[Signal]:
        api, kind = _plain(data.get("apiVersion")), _plain(data.get("kind"))
        if not api or not kind:
            return []
        group = api.split("/", 1)[0].lower() if "/" in api else ""
        m = self.matchers
        tool = m.kinds.get(f"{group}/{kind.lower()}") or m.groups.get(group)
        kind_line = data.lines.get("kind", line) if isinstance(data, LDict) else line
        out = self._sig(tool, path, kind_line, f"kind {group}/{kind}", "weak")
        if kind in ("SecretStore", "ClusterSecretStore"):
            provider = (data.get("spec") or {}).get("provider")
            if isinstance(provider, dict):
                for name in provider:
                    p_line = provider.lines.get(name, line) if isinstance(provider, LDict) else line
                    out += self._sig(m.secret_providers.get(str(name).lower()), path, p_line, f"{kind} provider {name}")
        return out

    def _hcl(self, f: RepoFile) -> list[Signal]:
        out: list[Signal] = []
        low = f.text.lower()
        for pattern, tool in self.matchers.terraform:
            pos = low.find(pattern)
            if pos >= 0 and (_HCL_SOURCE.search(f.text) or _HCL_PROVIDER.search(f.text)):
                line = f.text.count("\n", 0, pos) + 1
                out += self._sig(tool, f.path, line, f"terraform {pattern}")
        return out

    # -- file markers ----------------------------------------------------------------------------------------
    def marker_signals(self, root: Path, paths: list[str]) -> list[Signal]:
        out: list[Signal] = []
        for tool in self.catalog.tools:
            for marker in tool.markers:
                for p in paths:
                    if ignored(p) or not _glob(p, marker.glob):
                        continue
                    line = 1
                    if marker.regex:
                        line = _first_line(root / p, marker.regex)
                        if not line:
                            continue
                    out += self._sig(tool.slug, p, line, "file marker")
                    break
        return out


def ignored(path: str) -> bool:
    return any(part.lower() in IGNORED_DIRS for part in path.split("/")[:-1])


def _glob(path: str, pattern: str) -> bool:
    if fnmatch.fnmatchcase(path, pattern):
        return True
    return pattern.startswith("**/") and fnmatch.fnmatchcase(path, pattern[3:])


def _first_line(path: Path, regex: str) -> int:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")[:400_000]
    except OSError:
        return 0
    m = re.search(regex, text, re.M)
    return text.count("\n", 0, m.start()) + 1 if m else 0


_CLIENT_KEYS = {"host", "hostname", "hosts", "url", "uri", "address", "addr", "endpoint", "endpoints", "server"}


def is_client(node: dict[str, Any]) -> bool:
    """`redis: {enabled: true, host: dragonfly.cache.svc}` points the app at a shared service: reuse, not a bundle."""
    return any(str(k).lower() in _CLIENT_KEYS and v not in (None, "", [], {}) for k, v in node.items())


_CHART_REPO_KEYS = ("repository", "repo", "repourl", "url", "chartrepo")


def _names_a_chart(node: LDict) -> bool:
    """`name` beside a chart repository URL; a bare `url` only with a `version` (a Grafana datasource has a name and
    a url too)."""
    name = _plain(node.get("name"))
    if not name or "/" in name:
        return False
    for key, value in node.items():
        text = _plain(value)
        if not text or not re.match(r"(?:https?|oci)://", text) or key.lower() not in _CHART_REPO_KEYS:
            continue
        if key.lower() != "url" or "version" in node:
            return True
    return False


def _image_context(trail: tuple[str, ...]) -> bool:
    return any("image" in t.lower() for t in trail[-3:-1])


def _image_ref(data: Any, trail: tuple[str, ...], text: str) -> str:
    """`image: {registry: ghcr.io, repository: x/y}` -> `ghcr.io/x/y`; a plain string as it is."""
    if trail[-1].lower() != "repository":
        return text
    node: Any = data
    for key in trail[:-1]:
        node = node[int(key)] if isinstance(node, list) else node.get(key)
    registry = _plain(node.get("registry")) if isinstance(node, dict) else None
    return f"{registry}/{text}" if registry and not text.startswith(registry) else text


def list_paths(root: Path) -> list[str]:
    """Every file path under the repo (for markers), without the folders the walker skips."""
    out = []
    for p in root.rglob("*"):
        rel = p.relative_to(root).parts
        if any(part in SKIP_DIRS for part in rel[:-1]) or not p.is_file():
            continue
        out.append("/".join(rel))
    return sorted(out)
