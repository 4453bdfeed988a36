"""The verdict formula (assistant/scoring.py): findings decide the verdict, the score sits in its verdict's band."""

from __future__ import annotations

from assistant import scoring
from assistant.models import CriterionResult, Finding, Rating, Severity


def criteria(*ratings: Rating) -> list[CriterionResult]:
    return [CriterionResult(id=f"c{i}", group="g", name=f"c{i}", rating=r, rationale="") for i, r in enumerate(ratings)]


def finding(severity: Severity, n: int = 0) -> Finding:
    return Finding(id=f"f{n}", category="overlap", severity=severity, message="m", suggestion="s")


def test_each_verdict_scores_inside_its_band() -> None:
    best, worst = criteria(*["strong"] * 6), criteria(*["weak"] * 6)
    for crit in (best, worst, criteria("strong", "unknown", "neutral", "weak")):
        assert 60 <= scoring.score(crit, []) <= 100
        assert 30 <= scoring.score(crit, [finding("major")]) <= 59
        assert 0 <= scoring.score(crit, [finding("blocker")]) <= 29
    assert scoring.score(best, []) == 100 and scoring.score(worst, []) == 60


def test_more_findings_of_the_same_severity_score_lower_but_never_leave_the_band() -> None:
    crit = criteria(*["strong"] * 4)
    one, three = [finding("major")], [finding("major", n) for n in range(3)]
    assert scoring.score(crit, three) < scoring.score(crit, one)
    assert scoring.assess(crit, three)[0] == "revise" and scoring.score(crit, three) >= 30


def test_unknown_criteria_weigh_a_quarter_and_a_vague_proposal_is_revise() -> None:
    rated = criteria("strong", "strong", "strong", "unknown", "unknown")  # 3 of 5 assessed
    assert scoring.assess(rated, []) == ("approve", 60 + round(40 * (3 + 0.25) / 3.5))
    vague = criteria("strong", "unknown", "unknown", "unknown")  # 1 of 4 assessed
    assert scoring.assess(vague, [])[0] == "revise"
    assert scoring.assess(vague, [], "pull_request")[0] == "approve"  # a diff is concrete: its unknowns are questions
