"""The verdict formula, in one place (documented in the README). The model never supplies the number.

The verdict comes from the findings; the score places the review inside its verdict's band, so that an approved
change always scores above one to revise, which scores above one to reject.

verdict = reject  if any blocker
          revise  if any major, or (a written proposal only) fewer than half the criteria could be assessed:
                  a vague idea gets its questions answered first; a diff is concrete, so its unknowns stay questions
          approve otherwise
quality = weighted mean of the criteria ratings     strong 1.0 · neutral 0.6 · weak 0.0 (weight 1 each)
                                                    unknown 0.5, weight 0.25: an open question, not a failing
band    = approve 60–100 · revise 30–59 · reject 0–29
damping = 0.8 ^ (findings at the verdict's severity beyond the first) × 0.9 ^ (findings below it, minor or more)
score   = band low + round((band high − band low) × quality × damping)
"""

from __future__ import annotations

from typing import Literal

from assistant.models import SEVERITY_ORDER, CriterionResult, Finding, VerdictName

SubjectKind = Literal["proposal", "pull_request"]

RATING_VALUE = {"strong": 1.0, "neutral": 0.6, "unknown": 0.5, "weak": 0.0}
RATING_WEIGHT = {"strong": 1.0, "neutral": 1.0, "unknown": 0.25, "weak": 1.0}
BANDS: dict[VerdictName, tuple[int, int]] = {"approve": (60, 100), "revise": (30, 59), "reject": (0, 29)}
VERDICT_SEVERITY: dict[VerdictName, str | None] = {"reject": "blocker", "revise": "major", "approve": None}
SAME_SEVERITY_DAMPING = 0.8
LOWER_SEVERITY_DAMPING = 0.9
MIN_ASSESSED = 0.5


def quality(criteria: list[CriterionResult]) -> float:
    """0–1: how well the criteria are met; unknown criteria count a quarter as much as rated ones."""
    weights = sum(RATING_WEIGHT[c.rating] for c in criteria)
    if not weights:
        return RATING_VALUE["neutral"]
    return sum(RATING_WEIGHT[c.rating] * RATING_VALUE[c.rating] for c in criteria) / weights


def assessed(criteria: list[CriterionResult]) -> float:
    """The share of criteria the review could rate (not unknown)."""
    return sum(c.rating != "unknown" for c in criteria) / len(criteria) if criteria else 0.0


def verdict_of(criteria: list[CriterionResult], findings: list[Finding], kind: SubjectKind) -> VerdictName:
    severities = {f.severity for f in findings}
    if "blocker" in severities:
        return "reject"
    if "major" in severities:
        return "revise"
    if kind == "proposal" and assessed(criteria) < MIN_ASSESSED:
        return "revise"
    return "approve"


def score(criteria: list[CriterionResult], findings: list[Finding], kind: SubjectKind = "proposal") -> int:
    name = verdict_of(criteria, findings, kind)
    low, high = BANDS[name]
    top = VERDICT_SEVERITY[name]
    rank = SEVERITY_ORDER[top] if top else SEVERITY_ORDER["major"]  # approve: every minor finding damps
    same = sum(1 for f in findings if f.severity == top)
    lower = sum(1 for f in findings if 1 <= SEVERITY_ORDER[f.severity] < rank)
    damping = SAME_SEVERITY_DAMPING ** max(same - 1, 0) * LOWER_SEVERITY_DAMPING**lower
    return low + round((high - low) * quality(criteria) * damping)


def assess(
    criteria: list[CriterionResult], findings: list[Finding], kind: SubjectKind = "proposal"
) -> tuple[VerdictName, int]:
    """The verdict and its score."""
    return verdict_of(criteria, findings, kind), score(criteria, findings, kind)
