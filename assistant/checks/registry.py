"""Load check metadata from definitions/*.yaml (no hand-kept list) and run the checks on a proposal."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.checks.predicates import PREDICATES, Mention, ProposalText
from assistant.inputs.safe_yaml import load_document
from assistant.models import Category, Finding, Severity
from assistant.redaction import redact
from assistant.stack.view import RolePhrases, Stack

DEFINITIONS = Path(__file__).resolve().parent / "definitions"


class CheckSpec(BaseModel):
    id: str
    category: Category
    severity: Severity
    title: str
    framework: list[str]
    anti_pattern: str | None = None
    criteria: list[str] = Field(default_factory=list)
    role: str | None = None  # the finding names this repo's tool in that role (its incumbent), if any
    message: str
    suggestion: str
    # for a proposal worded as a need rather than a tool (`need` among the mention's values)
    need_message: str | None = None
    need_suggestion: str | None = None
    repo_query: str | None = None
    proposal: dict[str, Any]
    # the manifest detectors (assistant/checks/detectors) that find this category in a PR, by name
    detectors: list[str] = Field(default_factory=list)


class _Defaults(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


@lru_cache(maxsize=1)
def load_checks(folder: Path = DEFINITIONS) -> tuple[CheckSpec, ...]:
    specs = []
    for path in sorted(folder.glob("*.yaml")):
        spec = CheckSpec.model_validate(load_document(path.read_text(encoding="utf-8")))
        if spec.proposal.get("predicate") not in PREDICATES:
            raise ValueError(f"{path.name}: unknown predicate {spec.proposal.get('predicate')!r}")
        specs.append(spec)
    return tuple(specs)


@lru_cache(maxsize=1)
def _by_category() -> dict[str, CheckSpec]:
    return {s.category: s for s in load_checks()}


def spec(category: str) -> CheckSpec:
    """The one check of a finding category."""
    return _by_category()[category]


def template_values(stack: Stack, **values: str) -> _Defaults:
    """Values for a check's message: its own, plus `{in:ROLE}` (this repo's tools in a role, with where they run)
    and `{names:ROLE}` (their names)."""
    out = _Defaults(**values)
    out["in"] = RolePhrases(stack, where=True)  # type: ignore[assignment]
    out["names"] = RolePhrases(stack, where=False)  # type: ignore[assignment]
    return out


def _template(for_tool: str, for_need: str | None, mention: Mention) -> str:
    return for_need if for_need and "need" in mention.params else for_tool


def run_checks(text: str, stack: Stack, specs: tuple[CheckSpec, ...] | None = None) -> list[Finding]:
    """Every check's findings on a proposal: one per check (or per overlapping tool), framework-cited."""
    doc = ProposalText.of(text)
    findings: list[Finding] = []
    for spec in specs or load_checks():
        params = dict(spec.proposal)
        mentions = PREDICATES[params.pop("predicate")](doc, params, stack)
        per_key: dict[str, bool] = {}
        for m in mentions:
            key = m.params.get("tool", spec.id)
            if key in per_key:
                continue
            per_key[key] = True
            values = template_values(stack, match=redact(m.text)[0], **m.params)  # never echo a secret back
            comp = m.params.get("component") or stack.component(spec.role)
            suffix = "" if key == spec.id else ":" + key.lower().replace(" ", "-")
            findings.append(
                Finding(
                    id=f"{spec.id}{suffix}" if suffix else f"{spec.id}:{comp or 'proposal'}",
                    category=spec.category,
                    severity=spec.severity,
                    component=comp or None,
                    message=_template(spec.message, spec.need_message, m).format_map(values),
                    suggestion=_template(spec.suggestion, spec.need_suggestion, m).format_map(values),
                    location=None,
                    citations=list(spec.framework),
                    evidence=redact(m.sentence)[0],
                )
            )
    return findings
