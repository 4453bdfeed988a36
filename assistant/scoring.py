"""The verdict formula, in one place (documented in the README). The model never supplies the number.

base    = 100 × mean(rating value over all criteria)   strong 1.0 · neutral 0.6 · unknown 0.4 · weak 0.0
penalty = Σ per finding                                 blocker 30 · major 12 · minor 4 · info 0
score   = clamp(round(base − penalty), 0, 100)
verdict = reject  if any blocker
          revise  if any major, or score < 60
          approve otherwise
"""

from __future__ import annotations

from assistant.models import CriterionResult, Finding, VerdictName

RATING_VALUE = {"strong": 1.0, "neutral": 0.6, "unknown": 0.4, "weak": 0.0}
SEVERITY_PENALTY = {"blocker": 30, "major": 12, "minor": 4, "info": 0}
APPROVE_THRESHOLD = 60


def score(criteria: list[CriterionResult], findings: list[Finding]) -> int:
    base = 100 * sum(RATING_VALUE[c.rating] for c in criteria) / len(criteria) if criteria else 50.0
    penalty = sum(SEVERITY_PENALTY[f.severity] for f in findings)
    return max(0, min(100, round(base - penalty)))


def verdict(score_value: int, findings: list[Finding]) -> VerdictName:
    severities = {f.severity for f in findings}
    if "blocker" in severities:
        return "reject"
    if "major" in severities or score_value < APPROVE_THRESHOLD:
        return "revise"
    return "approve"
