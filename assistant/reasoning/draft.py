"""What reasoning reads and writes, shared by the pipeline and the LLM chain (neither imports the other for it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.models import CriterionResult, Finding, Hit, Subject


@dataclass
class Draft:
    """What reasoning produces before citations are resolved and the score is computed."""

    criteria: list[CriterionResult]
    findings: list[Finding]
    questions: list[str]
    challenges: list[str]
    summary: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class ReviewInput:
    text: str  # the proposal as given (never sent anywhere)
    redacted: str  # what an LLM may see
    redactions: int
    subject: Subject
    findings: list[Finding]  # deterministic evidence, the floor
    offline: Draft
    hits: list[Hit]
