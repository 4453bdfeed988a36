"""Measure stack awareness on a real repo against hand-written ground truth (`evals/stack/<repo>.*.yaml`):
inventory recall/precision, overlap recall with the right incumbent, false overlaps, and any tool a review names
that the repo does not run."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from assistant.config import Settings
from assistant.knowledge_base.knowledge import Knowledge
from assistant.models import Verdict
from assistant.stack.catalog import RoleCatalog, slugify
from assistant.stack.inventory import Inventory, InventoryEntry
from assistant.stack.matching import loose_pattern
from assistant.stack.view import Stack

FRAMEWORK_QUOTE = re.compile(r"framework's words: “[^”]*”")


class TruthTool(BaseModel):
    tool: str
    roles: list[str] = Field(default_factory=list)
    evidence: str = ""
    why: str = ""


class Truth(BaseModel):
    repo: str
    # `infrastructure`: the truth lists the tools in the hand-written catalog's roles only (the first two corpus
    # repos were written that way, before the catalog knew applications), so only those are scored.
    scope: str = "all"
    tools: list[TruthTool]
    not_running: list[TruthTool] = Field(default_factory=list)
    # Tools the truth's brief left out on purpose (game servers): found or not, they count neither way.
    excluded: list[str] = Field(default_factory=list)


class StackCase(BaseModel):
    id: str
    input: str
    overlap: list[str]
    role: str = ""
    why: str = ""
    worded_as: str = "tool"  # tool | need: a need names no tool ("a password manager for the family")


class StackCases(BaseModel):
    repo: str
    cases: list[StackCase]


class InventoryScore(BaseModel):
    recall: float
    precision: float
    missed: list[str]
    extra: list[str]


class CaseOutcome(BaseModel):
    id: str
    expected: list[str]
    named: list[str]  # incumbents the overlap findings name
    passed: bool
    foreign: list[str] = Field(default_factory=list)  # tools named that the repo does not run


class OverlapScore(BaseModel):
    overlap_recall: float  # overlap cases whose findings name every expected incumbent
    false_overlap: int  # no-overlap cases with an overlap finding
    foreign_mentions: int  # tools named in findings, suggestions, questions or challenges that the repo does not run
    cases: list[CaseOutcome]


def load_truth(path: Path) -> Truth:
    return Truth.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_stack_cases(path: Path) -> StackCases:
    return StackCases.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def entry_keys(entry: InventoryEntry, catalog: RoleCatalog | None) -> set[str]:
    """Every slug a hand-written truth may use for a found tool: its own, and its catalog names and aliases
    (`node-exporter` is `prometheus-node-exporter` to one writer)."""
    keys = {entry.tool, slugify(entry.name), *(slugify(a) for a in entry.aliases)}
    tool = catalog.tool(entry.tool) if catalog is not None else None
    if tool is not None:
        keys |= {slugify(n) for n in tool.names} | {c.lower() for c in tool.charts}
        keys |= {i.rsplit("/", 1)[-1].lower() for i in tool.images}  # `foxcpp/maddy`: Maddy Mail Server is `maddy`
    return keys


def score_inventory(inventory: Inventory, truth: Truth, catalog: RoleCatalog) -> InventoryScore:
    entries = inventory.entries
    if truth.scope == "infrastructure":
        platform = {r.id for r in catalog.roles if not (r.app or r.family)}
        entries = [e for e in entries if set(e.roles) & platform]
    keys = {e.tool: entry_keys(e, catalog) for e in entries}
    keys = {tool: k for tool, k in keys.items() if not k & set(truth.excluded)}
    wanted = {t.tool for t in truth.tools}
    hit = {w for w in wanted if any(w in k for k in keys.values())}
    right = {tool for tool, k in keys.items() if k & wanted}
    return InventoryScore(
        recall=len(hit) / len(wanted) if wanted else 1.0,
        precision=len(right) / len(keys) if keys else 1.0,
        missed=sorted(wanted - hit),
        extra=sorted(set(keys) - right),
    )


def foreign_mentions(verdict: Verdict, stack: Stack, proposal: str) -> list[str]:
    """Catalog tools named in what the review says (not what it quotes from the framework) that the repo does not
    run and the proposal does not name."""
    said = [f.message for f in verdict.findings] + [f.suggestion for f in verdict.findings]
    said += verdict.questions + verdict.challenges + [c.rationale for c in verdict.criteria]
    text = FRAMEWORK_QUOTE.sub("", "\n".join(said))
    for role in stack.catalog.roles:  # a role's name ("MySQL and MariaDB databases") claims no tool
        text = re.sub(re.escape(role.name), "", text, flags=re.I)
    for entry in stack.inventory.entries:  # "Prometheus Blackbox Exporter" runs here: it claims no Prometheus
        text = re.sub(re.escape(entry.name), "", text, flags=re.I)
    out = []
    for tool in stack.candidates(text):
        pattern = loose_pattern(tool.names)  # `Flux-deployable` names Flux too
        if stack.runs(tool.slug) or pattern.search(proposal):
            continue
        if pattern.search(text):
            out.append(tool.slug)
    return out


def score_overlaps(cases: StackCases, knowledge: Knowledge, settings: Settings) -> OverlapScore:
    from assistant.pipeline import review_text

    stack = knowledge.stack
    outcomes: list[CaseOutcome] = []
    for case in cases.cases:
        verdict = review_text(case.input, settings, ref=case.id, knowledge=knowledge)
        overlap_text = " ".join(f.message for f in verdict.findings if f.category == "overlap")
        named = [
            slug
            for slug in {*case.overlap, *(e.tool for e in stack.inventory.entries)}
            if any(re.search(rf"\b{re.escape(n)}\b", overlap_text, re.I) for n in stack.names_of(slug))
        ]
        expected = set(case.overlap)
        passed = expected <= set(named) if expected else not overlap_text
        outcomes.append(
            CaseOutcome(
                id=case.id,
                expected=sorted(expected),
                named=sorted(named),
                passed=passed,
                foreign=foreign_mentions(verdict, stack, case.input),
            )
        )
    overlap_cases = [o for o in outcomes if o.expected]
    return OverlapScore(
        overlap_recall=sum(o.passed for o in overlap_cases) / len(overlap_cases) if overlap_cases else 1.0,
        false_overlap=sum(not o.passed for o in outcomes if not o.expected),
        foreign_mentions=sum(len(o.foreign) for o in outcomes),
        cases=outcomes,
    )
