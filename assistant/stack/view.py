"""The one lookup every check, message and answer asks: which tool in this repo fills a role, and where."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from assistant.models import Chunk
from assistant.stack.catalog import CloudService, RoleCatalog, Tool
from assistant.stack.inventory import Decision, Inventory, InventoryEntry
from assistant.stack.matching import alias_pattern, matches_near, word_starts
from assistant.stack.needs import NeedLexicon

INVENTORY_CHUNK = "stack#inventory"
_WORDS = re.compile(r"[a-z0-9]+")


@dataclass
class Stack:
    catalog: RoleCatalog
    inventory: Inventory

    # -- lookups --------------------------------------------------------------------------------------------
    def incumbents_for(self, tool: Tool) -> list[InventoryEntry]:
        """What this repo already runs in any role of `tool` (the same tool included). Where the repo runs the tool,
        its roles are the ones it fills here (kube-vip holding only the API address is no Service load balancer)."""
        entry = self.inventory.entry(tool.slug)
        if entry is not None and entry.origin == "discovered":
            roles = set(entry.roles)
        else:  # a tool added: roles it holds only with some kind or setting deployed are not assumed (Rook-Ceph's S3,
            # kube-vip's Service IPs next to its control-plane VIP)
            roles = set(tool.roles) - set(tool.role_kinds) - set(tool.role_if)
        roles = {r for r in roles if not self.catalog.is_family(r)}  # two "Observability" tools need not overlap
        return [e for e in self.inventory.entries if set(e.roles) & roles]

    def incumbents(self, role: str) -> list[InventoryEntry]:
        return self.inventory.incumbents(role)

    def runs(self, slug: str) -> bool:
        """The repo runs the tool, itself or inside an umbrella it runs (kube-prometheus-stack brings Prometheus)."""
        return self.inventory.has(slug) or slug in self._bundled

    @cached_property
    def _bundled(self) -> frozenset[str]:
        """What the umbrellas this repo runs bring with them (asked once per catalog tool in every review)."""
        return frozenset(b for e in self.inventory.entries if (t := self.catalog.tool(e.tool)) for b in t.bundles)

    def component(self, role: str | None) -> str | None:
        """The slug a finding in this role names: the repo's incumbent, or none."""
        if not role:
            return None
        found = self.incumbents(role)
        return found[0].tool if found else None

    def names_of(self, slug: str) -> list[str]:
        """Every prose name of a tool (the catalog's), or the override's name for a tool the catalog lacks."""
        tool = self.catalog.tool(slug)
        entry = self.inventory.entry(slug)
        return tool.names if tool else ([entry.name] if entry else [slug])

    def role_name(self, role: str) -> str:
        r = self.catalog.role(role)
        return r.name if r else role

    def role_label(self, role: str) -> str:
        """The role's name for a sentence: lower-case, without its parenthetical ("in-memory store and cache")."""
        return re.sub(r"\s*\([^)]*\)", "", self.role_name(role)).lower()

    def decision_for(self, tool: str, incumbent: str) -> Decision | None:
        return next((d for d in self.inventory.decisions if d.use == incumbent and tool in d.instead_of), None)

    def accepted(self, service: CloudService) -> bool:
        return (
            service.slug in self.inventory.accepted_cloud
            or self.inventory.has(service.slug)
            or any(self.runs(c) for c in service.connectors)
        )

    @cached_property
    def needs(self) -> NeedLexicon:
        return NeedLexicon.of(self.catalog)

    @cached_property
    def prose_tools(self) -> list[tuple[Tool, re.Pattern[str]]]:
        return [(t, alias_pattern(t.names)) for t in self.catalog.tools]

    @cached_property
    def _by_first_word(self) -> dict[str, list[Tool]]:
        index: dict[str, list[Tool]] = {}
        for tool in self.catalog.tools:
            for name in tool.names:
                words = _WORDS.findall(name.lower())
                if words and tool not in index.setdefault(words[0], []):
                    index[words[0]].append(tool)
        return index

    def candidates(self, text: str) -> list[Tool]:
        """The catalog tools a text may name: those whose name starts with one of its words. A prefilter for the
        name patterns, so a review tests a handful of the catalog's thousands of tools."""
        index = self._by_first_word
        seen: dict[str, Tool] = {}
        for word in set(_WORDS.findall(text.lower())):
            for tool in index.get(word, ()):
                seen.setdefault(tool.slug, tool)
        order = self._catalog_order
        return sorted(seen.values(), key=lambda t: order[t.slug])  # the catalog's order: hand-written entries first

    def named_in(self, text: str) -> list[Tool]:
        """The catalog tools a text names (whole-name patterns), in the catalog's order. Each tool's pattern is
        tried only around the places its names' first words occur, so a long text costs one pass, not one per
        candidate tool."""
        at = word_starts(text)
        return [t for t in self.candidates(text) if next(matches_near(t.names, alias_pattern(t.names), text, at), None)]

    @cached_property
    def _catalog_order(self) -> dict[str, int]:
        return {t.slug: i for i, t in enumerate(self.catalog.tools)}

    # -- words ----------------------------------------------------------------------------------------------
    def phrase(self, role: str, where: bool = True) -> str:
        """`Velero (apps/velero/helmrelease.yaml:12)`, or the role and the framework's requirement when none runs."""
        found = self.incumbents(role) or [e for e in self.inventory.entries if role in e.assists]
        if found:
            return _join([e.label() if where else e.name for e in found])
        r = self.catalog.role(role)
        if r is None:
            return role
        need = f"; the framework asks for {r.requirement}" if r.requirement and where else ""
        return f"a {r.name.lower()} tool (none found in this repo{need})"

    def chunks(self) -> list[Chunk]:
        """One citable chunk per tool the repo runs, at its evidence, and one for the whole inventory."""
        out: list[Chunk] = []
        for e in self.inventory.entries:
            roles = ", ".join(self.role_name(r) for r in e.roles)
            lines = "\n".join(f"- {ev.path}:{ev.line} ({ev.how})" for ev in e.evidence)
            first = e.evidence[0] if e.evidence else None
            out.append(
                Chunk(
                    id=f"stack#{e.tool}",
                    source="stack",
                    path=first.path if first else "assistant-stack.yaml",
                    section=f"{e.name} ({roles})",
                    lines=(first.line, first.line) if first else (1, 1),
                    text=f"This repo runs {e.name} for {roles}."
                    + (f" {e.note}" if e.note else "")
                    + f"\nEvidence ({e.evidence_count} places):\n{lines}",
                    kind="stack",
                    extra={"component": e.tool},
                )
            )
        by_role = self.inventory.roles()
        summary = "\n".join(
            f"- {self.role_name(r.id)}: {', '.join(e.name for e in by_role[r.id])}"
            for r in self.catalog.roles
            if r.id in by_role
        )
        none = ", ".join(self.role_name(r.id) for r in self.catalog.roles if r.id not in by_role)
        out.append(
            Chunk(
                id=INVENTORY_CHUNK,
                source="stack",
                path="inventory",
                section="Discovered stack",
                text=(f"What this repo runs, by role:\n{summary}\n" if summary else "No deployed tools found.\n")
                + (f"Nothing found for: {none}." if none else ""),
                kind="stack",
            )
        )
        return out


class RolePhrases:
    """For message templates: `{in:backup}` names the incumbents with where they run, `{names:backup}` only names."""

    def __init__(self, stack: Stack, where: bool) -> None:
        self.stack = stack
        self.where = where

    def __format__(self, spec: str) -> str:
        return self.stack.phrase(spec, self.where)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
