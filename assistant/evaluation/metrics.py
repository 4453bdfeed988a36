"""Summary metrics of an eval run, and the gate against thresholds."""

from __future__ import annotations

import itertools

from pydantic import BaseModel, Field

from assistant.config import EvalThresholds
from assistant.evaluation.cases import Case
from assistant.evaluation.runner import CaseResult


class Summary(BaseModel):
    cases: int
    passed: int
    failed: int
    skipped: int
    category_recall: float | None = None
    category_precision: float | None = None
    verdict_accuracy: float | None = None
    keyword_pass_rate: dict[str, float] = Field(default_factory=dict)  # by severity
    citation_validity: float = 1.0
    retrieval_recall_at_k: float | None = None
    structured_output_validity: float | None = None
    score_ordering: float | None = None  # pairwise: approve cases above revise cases above reject cases
    zero_scores: float | None = None  # share of scored cases at 0/100
    tokens: int = 0
    gate_failures: list[str] = Field(default_factory=list)


def summarise(cases: list[Case], results: list[CaseResult], thresholds: EvalThresholds) -> Summary:
    by_id = {c.id: c for c in cases}
    tp = fp = fn = 0
    verdict_ok = verdict_n = 0
    for r in results:
        case = by_id[r.id]
        if r.skipped or case.categories is None:
            continue
        want = set(case.categories)
        got = set(r.categories)
        tp += len(want & got)
        fn += len(want - got)
        fp += len((got - want) & set(case.absent_categories)) + (len(got) if case.clean else 0)
        if case.verdict:
            verdict_n += 1
            verdict_ok += r.verdict in case.verdict
    keyword_rate: dict[str, float] = {}
    for sev in ("critical", "high", "medium", "low"):
        scored = [r for r in results if r.severity == sev and not r.skipped]
        if scored:
            keyword_rate[sev] = round(
                sum(not any("keyword" in x or "none of" in x for x in r.reasons) for r in scored) / len(scored), 3
            )
    scored = [r for r in results if r.score is not None and not r.skipped]
    cited = sum(len(r.cited) for r in results)
    invalid = sum(r.invalid_citations for r in results)
    with_sources = [r for r in results if by_id[r.id].sources and not r.skipped]
    llm = [r for r in results if r.engine_mode == "llm" or r.fallback]
    s = Summary(
        cases=len(results),
        passed=sum(r.passed and not r.skipped for r in results),
        failed=sum(not r.passed for r in results),
        skipped=sum(r.skipped for r in results),
        category_recall=round(tp / (tp + fn), 3) if tp + fn else None,
        category_precision=round(tp / (tp + fp), 3) if tp + fp else None,
        verdict_accuracy=round(verdict_ok / verdict_n, 3) if verdict_n else None,
        keyword_pass_rate=keyword_rate,
        citation_validity=round(1 - invalid / cited, 4) if cited else 1.0,
        retrieval_recall_at_k=round(
            sum(any(p in by_id[r.id].sources for p in r.cited_paths) for r in with_sources) / len(with_sources), 3
        )
        if with_sources
        else None,
        structured_output_validity=round(sum(r.engine_mode == "llm" for r in llm) / len(llm), 3) if llm else None,
        score_ordering=score_ordering(
            [(by_id[r.id].verdict[0], r.score) for r in results if _one_verdict(by_id[r.id].verdict, r.score)]
        ),
        zero_scores=round(sum(r.score == 0 for r in scored) / len(scored), 3) if scored else None,
        tokens=sum(r.tokens for r in results),
    )
    gates = [
        f"{r.severity} case failed: {r.id}" for r in results if not r.passed and r.severity in ("critical", "high")
    ]
    for name, value, floor in (
        ("category recall", s.category_recall, thresholds.category_recall),
        ("category precision", s.category_precision, thresholds.category_precision),
        ("verdict accuracy", s.verdict_accuracy, thresholds.verdict_accuracy),
        ("score ordering", s.score_ordering, thresholds.score_ordering),
        ("citation validity", s.citation_validity, thresholds.citation_validity),
        ("expected source cited", s.retrieval_recall_at_k, thresholds.expected_source_cited),
    ):
        if value is not None and value < floor:
            gates.append(f"{name} {value} < {floor}")
    s.gate_failures = gates
    return s


VERDICT_RANK = {"reject": 0, "revise": 1, "approve": 2}


def _one_verdict(expected: list[str] | None, score: int | None) -> bool:
    return score is not None and bool(expected) and len(expected or []) == 1


def score_ordering(labelled: list[tuple[str, int | None]]) -> float | None:
    """Over all pairs of cases labelled with different verdicts: the share where the better-labelled case scores
    strictly higher (approve above revise above reject). None when no such pair exists."""
    pairs = good = 0
    for (va, sa), (vb, sb) in itertools.combinations(labelled, 2):
        if va == vb or sa is None or sb is None:
            continue
        pairs += 1
        better, worse = (sa, sb) if VERDICT_RANK[va] > VERDICT_RANK[vb] else (sb, sa)
        good += better > worse
    return round(good / pairs, 3) if pairs else None
