"""The repo's inventory: which catalog tools it runs, by role, each with the file:line that proves it."""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import BaseModel, Field

from assistant.stack.catalog import RoleCatalog, Tool

INVENTORY_VERSION = 3  # 2: deployed tools the catalog lacks (role `unclassified`); 3: their aliases
UNCLASSIFIED = "unclassified"
# weak: a CRD kind (counts only when no strong tool fills the role); default: shipped switched on by a chart the repo
# deploys; off: values that switch such a subchart off (cancels `default` signals of the tool in the same folder).
# source: a Flux HelmRepository/OCIRepository/GitRepository, which counts only where a HelmRelease uses it (`ref`).
Strength = Literal["strong", "weak", "default", "off", "source", "ref"]


class Evidence(BaseModel):
    path: str
    line: int
    how: str  # "chart cilium", "image ghcr.io/dragonflydb/dragonfly", "kind postgresql.cnpg.io/Cluster" …

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class Signal(BaseModel):
    """One file's hint that a tool runs. Weak signals (CRD kinds) count only when no strong tool fills the role."""

    tool: str
    evidence: Evidence
    strength: Strength = "strong"
    roles: list[str] = Field(default_factory=list)  # roles this use adds (a Gateway class makes its tool the ingress)
    source: str | None = None  # the source object's name, for `source` and `ref` signals
    alias: str | None = None  # another name of a tool the catalog lacks (the image of unit `zwave2mqtt`)


class Decision(BaseModel):
    """The operator's own choice: `use` instead of `instead_of`, with why."""

    use: str
    instead_of: list[str] = Field(default_factory=list)
    why: str = ""


class InventoryEntry(BaseModel):
    tool: str
    name: str
    roles: list[str]
    evidence: list[Evidence] = Field(default_factory=list)
    evidence_count: int = 0
    assists: list[str] = Field(default_factory=list)  # roles it helps with in this repo, never an overlap
    origin: Literal["discovered", "override"] = "discovered"
    aliases: list[str] = Field(default_factory=list)  # other names of a tool the catalog lacks
    hosted: bool = False  # a hosted service the repo relies on (alerts to Discord), not one it deploys
    note: str = ""  # the catalog's compatibility note ("Redis-compatible")

    @property
    def where(self) -> str:
        """The first evidence as `path:line`, or the override's origin."""
        return str(self.evidence[0]) if self.evidence else "declared in the stack overrides"

    def label(self) -> str:
        return f"{self.name} ({'hosted; ' if self.hosted else ''}{self.where})"


class Inventory(BaseModel):
    version: int = INVENTORY_VERSION
    repo: str | None = None
    entries: list[InventoryEntry] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    accepted_cloud: list[str] = Field(default_factory=list)
    kinds: dict[str, int] = Field(default_factory=dict)  # Kubernetes kinds in use, counted: the house patterns
    files_scanned: int = 0
    notes: list[str] = Field(default_factory=list)

    @cached_property
    def by_tool(self) -> dict[str, InventoryEntry]:
        return {e.tool: e for e in self.entries}

    def has(self, tool: str) -> bool:
        return tool in self.by_tool

    def entry(self, tool: str) -> InventoryEntry | None:
        return self.by_tool.get(tool)

    def incumbents(self, role: str) -> list[InventoryEntry]:
        return [e for e in self.entries if role in e.roles]

    def roles(self) -> dict[str, list[InventoryEntry]]:
        out: dict[str, list[InventoryEntry]] = {}
        for e in self.entries:
            for r in e.roles:
                out.setdefault(r, []).append(e)
        return out

    @property
    def empty(self) -> bool:
        return not self.entries

    def names(self) -> list[str]:
        """Every prose name of the tools this repo runs (for answer topics and the like)."""
        return sorted({e.name for e in self.entries})


def entry_for(tool: Tool, evidence: list[Evidence], origin: Literal["discovered", "override"]) -> InventoryEntry:
    return InventoryEntry(
        tool=tool.slug,
        name=tool.name,
        roles=list(tool.roles),
        evidence=evidence[:5],
        evidence_count=len(evidence),
        origin=origin,
        hosted=tool.hosted,
        note=tool.note,
    )


_HOW_RANK = ("chart", "kustomize", "OCI chart", "image", "repository", "terraform", "file", "gateway", "Cluster")


def _folder(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _rank(signal: Signal) -> int:
    """Deployment evidence first (a chart), then images and the rest; shipped-by-default next; weak kinds last."""
    if signal.strength == "weak":
        return len(_HOW_RANK) + 2
    if signal.strength == "default":
        return len(_HOW_RANK) + 1
    return next((i for i, p in enumerate(_HOW_RANK) if signal.evidence.how.startswith(p)), len(_HOW_RANK))


def aggregate(signals: list[Signal], catalog: RoleCatalog, kinds: dict[str, int] | None = None) -> list[InventoryEntry]:
    """Tools with any strong signal; a weak-only tool only where no strong tool fills any of its roles."""
    off = {(s.tool, _folder(s.evidence.path)) for s in signals if s.strength == "off"}
    used_sources = {s.source for s in signals if s.strength == "ref"}
    signals = [
        s.model_copy(update={"strength": "strong"}) if s.strength == "source" and s.source in used_sources else s
        for s in signals
        if s.strength != "ref" and (s.strength != "source" or s.source in used_sources)
    ]
    by_tool: dict[str, list[Signal]] = {}
    unknown: dict[str, list[Signal]] = {}
    cloud: dict[str, list[Signal]] = {}
    for s in signals:
        if s.tool in catalog.cloud_by_slug and s.strength == "strong":
            cloud.setdefault(s.tool, []).append(s)
        if catalog.tool(s.tool) is None and s.roles == [UNCLASSIFIED] and s.strength == "strong":
            unknown.setdefault(s.tool, []).append(s)
        if catalog.tool(s.tool) is None or s.strength == "off":
            continue
        if s.strength == "default" and (s.tool, _folder(s.evidence.path)) in off:
            continue  # the chart ships it, but its values beside the chart switch it off
        by_tool.setdefault(s.tool, []).append(s)
    strong = {t for t, sigs in by_tool.items() if any(s.strength in ("strong", "default") for s in sigs)}
    strong_roles = {r for t in strong for r in catalog.by_slug[t].roles}
    keep = set(strong)
    for t in by_tool.keys() - strong:
        if not set(catalog.by_slug[t].roles) & strong_roles:
            keep.add(t)
    entries = []
    for slug in sorted(keep):
        sigs = sorted(by_tool[slug], key=lambda s: (_rank(s), s.evidence.path, s.evidence.line))
        seen: set[tuple[str, int]] = set()
        evidence = []
        for s in sigs:
            key = (s.evidence.path, s.evidence.line)
            if key not in seen:
                seen.add(key)
                evidence.append(s.evidence)
        entry = entry_for(catalog.by_slug[slug], evidence, "discovered")
        entry.roles += sorted({r for s in sigs for r in s.roles} - set(entry.roles) - {UNCLASSIFIED})
        parts = catalog.by_slug[slug].part_roles
        entry.roles += sorted(
            {r for part, rs in parts.items() for r in rs if any(s.evidence.how.startswith(part) for s in sigs)}
            - set(entry.roles)
        )
        needs = catalog.by_slug[slug].role_kinds
        entry.roles = [r for r in entry.roles if r not in needs or any((kinds or {}).get(k) for k in needs[r])]
        tool = catalog.by_slug[slug]
        entry.assists = [r for r in tool.assists if r not in needs or any((kinds or {}).get(k) for k in needs[r])]
        entries.append(entry)
    for slug, sigs in sorted(cloud.items()):
        service = catalog.cloud_by_slug[slug]
        evidence = sorted({s.evidence.model_dump_json(): s.evidence for s in sigs}.values(), key=_evidence_order)
        entries.append(
            InventoryEntry(
                tool=slug,
                name=service.name,
                roles=[service.role] if service.role else [],
                evidence=evidence[:5],
                evidence_count=len(evidence),
                hosted=True,
            )
        )
    for slug, sigs in sorted(unknown.items()):
        if any(slug.startswith(known + "-") and catalog.tool(slug[len(known) + 1 :]) for known in keep):
            continue  # `external-dns-opnsense`: the External DNS the repo runs, for OPNsense; not a tool of its own
        evidence = sorted({s.evidence.model_dump_json(): s.evidence for s in sigs}.values(), key=_evidence_order)
        entries.append(
            InventoryEntry(
                tool=slug,
                name=slug,
                roles=[UNCLASSIFIED],
                evidence=evidence[:5],
                evidence_count=len(evidence),
                aliases=sorted({s.alias for s in sigs if s.alias and s.alias != slug}),
            )
        )
    return entries


def _evidence_order(e: Evidence) -> tuple[int, str, int]:
    return (0 if e.how.startswith("chart") else 1, e.path, e.line)
