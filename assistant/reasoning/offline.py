"""The offline engine: criteria ratings, open questions and anti-pattern challenges from the rubric, the
deterministic findings and the proposal's own words. No model; the same Verdict shape as the LLM path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

from assistant.checks import CheckSpec, load_checks
from assistant.checks.predicates import ProposalText, affirmed, rx
from assistant.knowledge_base.framework import Criterion, Question, Rubric
from assistant.knowledge_base.stack import StackCatalog
from assistant.models import CriterionResult, Finding, Rating


class Topic(BaseModel):
    id: str
    question: str
    answers: list[str]


@lru_cache(maxsize=4)
def load_topics(path: Path) -> tuple[Topic, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(Topic.model_validate(t) for t in data["topics"])


@dataclass
class Answer:
    question: Question
    topic: str | None
    evidence: str | None  # the proposal's words that answer it


def answer_questions(criterion: Criterion, doc: ProposalText, topics: tuple[Topic, ...]) -> list[Answer]:
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
        out.append(Answer(q, topic.id if topic else None, evidence))
    return out


def _plain(q: Question) -> str:
    return q.text.rstrip("?").lower()


def rate_criteria(
    rubric: Rubric,
    doc: ProposalText,
    findings: list[Finding],
    topics: tuple[Topic, ...],
    specs: tuple[CheckSpec, ...] | None = None,
) -> tuple[list[CriterionResult], list[str]]:
    """Each criterion: weak when a finding counts against it, else strong/neutral/unknown by how many of its
    questions the proposal answers. Returns the ratings and the open questions in plain words."""
    by_category = {s.category: s for s in specs or load_checks()}
    results: list[CriterionResult] = []
    questions: list[str] = []
    for c in rubric.criteria:
        against = [f for f in findings if c.id in by_category[f.category].criteria]
        answers = answer_questions(c, doc, topics)
        answered = [a for a in answers if a.evidence]
        share = len(answered) / len(answers) if answers else 0.0
        citations = [c.citation]
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
                    req = (
                        f" The framework requires: {a.question.requirement}."
                        if a.question.requirement.startswith(("Must", "No ", "Always", "Default", "Strong"))
                        else (f" ({a.question.requirement})" if a.question.requirement else "")
                    )
                    questions.append(f"{a.question.text}{req}")
    return results, questions


def challenges(
    rubric: Rubric, findings: list[Finding], stack: StackCatalog, specs: tuple[CheckSpec, ...] | None = None
) -> list[str]:
    """One challenge per anti-pattern found: why it is wrong, the correct approach, the stack's existing answer."""
    by_category = {s.category: s for s in specs or load_checks()}
    seen: set[str] = set()
    out: list[str] = []
    for f in findings:
        spec = by_category[f.category]
        anti = rubric.anti_pattern(spec.anti_pattern) if spec.anti_pattern else None
        key = f"{spec.anti_pattern}:{f.component}"
        if anti is None or key in seen:
            continue
        seen.add(key)
        comp = stack.component(f.component)
        answer = f" The stack's answer: {comp.name} ({comp.purpose})." if comp else ""
        name = re.sub(r"[\"“”]", "", anti.name)
        out.append(f"{name}: {anti.why.rstrip('.')}. Correct approach: {anti.correct.rstrip('.')}.{answer}")
    return out
