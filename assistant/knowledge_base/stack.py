"""The stack catalog (`knowledge/stack.yaml`): current components, the tools each already covers, and
cloud-only services. It drives overlap and cloud-only detection."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from assistant.errors import InputError
from assistant.models import Chunk


class CoveredTool(BaseModel):
    name: str
    aliases: list[str]


class Component(BaseModel):
    slug: str
    name: str
    layer: str
    purpose: str
    provides: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    docs: list[str] = Field(default_factory=list)
    covers: list[CoveredTool] = Field(default_factory=list)


class CloudService(BaseModel):
    slug: str
    name: str
    aliases: list[str]
    alternative: str | None = None


class StackCatalog(BaseModel):
    version: int = 1
    components: list[Component]
    cloud_only: list[CloudService] = Field(default_factory=list)

    def component(self, slug: str | None) -> Component | None:
        return next((c for c in self.components if c.slug == slug), None)

    def chunks(self, path: str = "knowledge/stack.yaml") -> list[Chunk]:
        out: list[Chunk] = []
        for c in self.components:
            covers = "; ".join(f"{t.name} ({', '.join(t.aliases)})" for t in c.covers)
            text = (
                f"{c.name} ({c.layer}): {c.purpose}.\nProvides: {', '.join(c.provides)}.\n"
                f"Also known as: {', '.join(c.aliases)}.\nAlready covers (do not add): {covers or 'n/a'}.\n"
                f"House pattern: {', '.join(c.docs) or 'n/a'}."
            )
            out.append(
                Chunk(
                    id=f"stack#{c.slug}",
                    source="stack",
                    path=path,
                    section=c.name,
                    text=text,
                    kind="stack",
                    extra={"component": c.slug},
                )
            )
        if self.cloud_only:
            lines = [
                f"- {s.name} ({', '.join(s.aliases)}) → self-hosted: {s.alternative or 'n/a'}" for s in self.cloud_only
            ]
            out.append(
                Chunk(
                    id="stack#cloud-only",
                    source="stack",
                    path=path,
                    section="Cloud-only services",
                    text="Cloud-only services (the stack runs on bare metal):\n" + "\n".join(lines),
                    kind="stack",
                )
            )
        return out


def alias_pattern(aliases: list[str]) -> re.Pattern[str]:
    """Whole-word, case-insensitive match of any alias; `-`, `_` and spaces in an alias match each other."""
    return _alias_pattern(tuple(aliases))


@lru_cache(maxsize=2048)
def _alias_pattern(aliases: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for a in sorted({a.lower() for a in aliases if a.strip()}, key=len, reverse=True):
        esc = re.escape(a).replace(r"\ ", r"[\s_-]+").replace(r"\-", r"[\s_-]?")
        parts.append(esc)
    return re.compile(r"(?<![\w.-])(?:" + "|".join(parts) + r")(?![\w])", re.I)


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> StackCatalog:
    try:
        return StackCatalog.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise InputError(f"stack catalog {path} is invalid: {str(exc).splitlines()[0]}") from None


def load_stack(path: Path) -> StackCatalog:
    try:
        return _load(str(path), path.stat().st_mtime)
    except FileNotFoundError:
        raise InputError(f"stack catalog not found: {path}") from None
