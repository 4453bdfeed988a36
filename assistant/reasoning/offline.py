"""The offline engine: criteria ratings, open questions and anti-pattern challenges from the rubric, the
deterministic findings and the proposal's own words. No model; the same Verdict shape as the LLM path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from assistant.checks import registry
from assistant.checks.predicates import ProposalText, affirmed, rx
from assistant.inputs.safe_yaml import load_document
from assistant.knowledge_base.framework import Criterion, Question, Rubric
from assistant.models import CriterionResult, Finding, Rating
from assistant.stack.catalog import Tool
from assistant.stack.inventory import InventoryEntry
from assistant.stack.matching import loose_pattern
from assistant.stack.view import INVENTORY_CHUNK, Stack


class Topic(BaseModel):
    id: str
    question: str
    answers: list[str]


@lru_cache(maxsize=4)
def load_topics(path: Path) -> tuple[Topic, ...]:
    data = load_document(path.read_text(encoding="utf-8"))
    return tuple(Topic.model_validate(t) for t in data["topics"])


_PLACEHOLDER = re.compile(r"\{(inventory|role:[a-z0-9-]+)\}")
_NEVER = "(?!x)x"


def topics_for(path: Path, stack: Stack) -> tuple[Topic, ...]:
    """The answer topics with `{inventory}` and `{role:ID}` filled with the names of this repo's tools."""
    names: dict[str, list[str]] = {"inventory": []}
    for e in stack.inventory.entries:
        tool = stack.catalog.tool(e.tool)
        words = tool.names if tool else [e.name]
        names["inventory"] += words
        for r in e.roles:
            names.setdefault(f"role:{r}", []).extend(words)
    key = tuple((k, tuple(sorted(set(v)))) for k, v in sorted(names.items()))
    return _expand(path, key)


@lru_cache(maxsize=16)
def _expand(path: Path, names: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[Topic, ...]:
    topics = load_topics(path)
    lookup = dict(names)

    def fill(m: re.Match[str]) -> str:
        words = lookup.get(m.group(1), ())
        return "|".join(re.escape(w).replace(r"\ ", r"[\s_-]+") for w in words) or _NEVER

    return tuple(t.model_copy(update={"answers": [_PLACEHOLDER.sub(fill, a) for a in t.answers]}) for t in topics)


@dataclass
class Answer:
    question: Question
    topic: str | None
    evidence: str | None  # the proposal's words that answer it


def answer_questions(
    criterion: Criterion, doc: ProposalText, topics: tuple[Topic, ...], stack: Stack | None = None
) -> list[Answer]:
    out: list[Answer] = []
    for q in criterion.questions:
        topic = next((t for t in topics if rx(t.question).search(q.text)), None)
        evidence = None
        if topic:
            for pattern in topic.answers:
                hits = affirmed(doc, pattern)
                if hits:
                    evidence = hits[0][1].group(0)
                    break
            if evidence is None and topic.id in ("existing-components", "overlap") and stack is not None:
                evidence = roles_without_incumbent(doc, stack)
        out.append(Answer(q, topic.id if topic else None, evidence))
    return out


def roles_without_incumbent(doc: ProposalText, stack: Stack) -> str | None:
    """"What existing components could solve this?" for a tool in a role this repo fills with nothing: none found."""
    empty: list[str] = []
    for tool in stack.named_in(doc.text):
        if not stack.incumbents_for(tool):
            empty += [stack.role_name(r).lower() for r in tool.roles if stack.role_name(r).lower() not in empty]
    if not empty:
        return None
    return f"none found for {', '.join(empty)} in this repo's inventory"


def _requirement_words(requirement: str, stack: Stack | None) -> str:
    """What follows a question: the framework's requirement, in this repo's terms where it names tools."""
    if not requirement:
        return ""
    if stack is not None:
        local = in_repo_terms(requirement, stack)
        if local is None:
            return ""  # an example about tools this repo never ran says nothing about this repo
        if foreign_tools(local, stack):
            return f" The framework's words: “{requirement}”."
        requirement = local
    if requirement.startswith(("Must", "No ", "Always", "Default", "Strong")):
        return f" The framework requires: {requirement}."
    return f" ({requirement})"


def in_repo_terms(text: str, stack: Stack) -> str | None:
    """The framework's example in this repo's terms: each tool it names that the repo does not run becomes the repo's
    tool in that role ("Redis when Dragonfly exists" on a Valkey repo: "Redis" stays the tool being added only where
    the swap would name one tool twice). The text as it is where the repo runs what it names, or where it names at
    least one tool the repo runs; None where every tool it names is foreign to this repo and none can stand in."""
    named = [t for t in stack.candidates(text) if loose_pattern(t.names).search(text)]
    foreign = [t for t in named if not stack.runs(t.slug)]
    if not foreign:
        return text
    swaps = {t.slug: _closest(t, stack) for t in foreign}
    if all(swaps.values()):
        out = text
        used = {t.slug for t in named if stack.runs(t.slug)}
        for tool in foreign:
            incumbent = swaps[tool.slug][0]
            if incumbent.tool in used:
                break
            used.add(incumbent.tool)
            out = loose_pattern(tool.names).sub(incumbent.name, out)
        else:
            return out
    return text if len(foreign) < len(named) else None


def _closest(tool: Tool, stack: Stack) -> list[InventoryEntry]:
    """This repo's tools in the roles of `tool`, the one sharing most of its roles first (kube-prometheus-stack:
    Prometheus before Grafana)."""
    return sorted(stack.incumbents_for(tool), key=lambda e: -len(set(e.roles) & set(tool.roles)))


def foreign_tools(text: str, stack: Stack) -> list[str]:
    """Catalog tools a text names that this repo does not run."""
    return [t.slug for t in stack.candidates(text) if not stack.runs(t.slug) and loose_pattern(t.names).search(text)]


def _plain(q: Question) -> str:
    return q.text.rstrip("?").lower()


def rate_criteria(
    rubric: Rubric,
    doc: ProposalText,
    findings: list[Finding],
    topics: tuple[Topic, ...],
    stack: Stack | None = None,
) -> tuple[list[CriterionResult], list[str]]:
    """Each criterion: weak when a finding counts against it, else strong/neutral/unknown by how many of its
    questions the proposal answers. Returns the ratings and the open questions in plain words."""
    results: list[CriterionResult] = []
    questions: list[str] = []
    for c in rubric.criteria:
        against = [f for f in findings if c.id in registry.spec(f.category).criteria]
        answers = answer_questions(c, doc, topics, stack)
        answered = [a for a in answers if a.evidence]
        share = len(answered) / len(answers) if answers else 0.0
        citations = [c.citation]
        inventory_answers = [a for a in answers if a.topic in ("existing-components", "overlap")]
        if any((a.evidence or "").startswith("none found") for a in inventory_answers):
            citations.append(INVENTORY_CHUNK)
        if against:
            # only minor findings against a criterion cap it at neutral; a blocker or major makes it weak
            rating: Rating = "weak" if any(f.severity in ("blocker", "major") for f in against) else "neutral"
            worst = against[0]
            rationale = f"{rating.capitalize()}: {worst.message}"
            if len(against) > 1:
                rationale += f" (+{len(against) - 1} more finding{'s' if len(against) > 2 else ''})"
            citations += [cid for f in against for cid in f.citations if cid not in citations]
        elif share >= 0.6 or (share > 0 and len(answers) == 1):
            rating = "strong"
            rationale = "Answered: " + "; ".join(f"{_plain(a.question)} → “{a.evidence}”" for a in answered)
        elif share > 0:
            rating = "neutral"
            open_ = [a for a in answers if not a.evidence]
            rationale = (
                "Partly answered: "
                + "; ".join(f"{_plain(a.question)} → “{a.evidence}”" for a in answered)
                + ". Open: "
                + "; ".join(_plain(a.question) for a in open_)
            )
        else:
            rating = "unknown"
            rationale = "The proposal does not say: " + "; ".join(_plain(a.question) for a in answers)
        results.append(
            CriterionResult(
                id=c.id, group=c.group, name=c.name, rating=rating, rationale=rationale, citations=citations
            )
        )
        if c.group == c.name:  # principle criteria are rated, not asked; groups' questions are asked
            for a in answers:
                if not a.evidence:
                    questions.append(f"{a.question.text}{_requirement_words(a.question.requirement, stack)}")
    return results, questions


def challenges(
    rubric: Rubric, findings: list[Finding], stack: Stack
) -> list[str]:
    """One challenge per anti-pattern found: why it is wrong, the correct approach, the stack's existing answer."""
    seen: set[str] = set()
    out: list[str] = []
    for f in findings:
        spec = registry.spec(f.category)
        anti = rubric.anti_pattern(spec.anti_pattern) if spec.anti_pattern else None
        key = f"{spec.anti_pattern}:{f.component}"
        if anti is None or key in seen:
            continue
        seen.add(key)
        entry = stack.inventory.entry(f.component) if f.component else None
        answer = f" This repo's answer: {entry.label()}." if entry else ""
        name = re.sub(r"[\"“”]", "", anti.name)
        correct = anti.correct.rstrip(".")
        local = in_repo_terms(correct, stack)
        if local is None:
            approach = ""  # the framework's example names only tools this repo never ran
        elif foreign_tools(local, stack):
            approach = f" Correct approach: the framework's words: “{correct}”."
        else:
            approach = f" Correct approach: {local}."
        out.append(f"{name}: {anti.why.rstrip('.')}.{approach}{answer}")
    return out
