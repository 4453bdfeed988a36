"""Run each case through the same entry point as a user's message and score the rendered Markdown."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.config import PROJECT_DIR, Settings
from assistant.errors import AssistantError
from assistant.evaluation.cases import Case
from assistant.knowledge_base.knowledge import Knowledge
from assistant.models import Answer, Verdict


class CaseResult(BaseModel):
    id: str
    kind: str
    severity: str
    passed: bool
    skipped: bool = False
    reasons: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    verdict: str | None = None
    score: int | None = None
    cited: list[str] = Field(default_factory=list)
    cited_paths: list[str] = Field(default_factory=list)
    invalid_citations: int = 0
    engine_mode: str = "offline"
    fallback: bool = False
    fallback_reason: str | None = None
    tokens: int = 0
    seconds: float = 0.0


def _resolve(path: str, case: Case) -> Path:
    p = Path(path)
    for base in (Path.cwd(), PROJECT_DIR, Path(case.origin).parent):
        if (base / p).exists():
            return base / p
    return p


def answer_case(case: Case, settings: Settings, knowledge: Knowledge) -> tuple[str, Verdict | None, list[str]]:
    """(rendered Markdown, the verdict if it was a review, cited chunk ids)."""
    from assistant.pipeline import review_text
    from assistant.reasoning.ask import answer_question, render_answer_markdown
    from assistant.render.markdown import render_markdown
    from assistant.respond import respond

    if case.kind == "patch":
        from assistant.inputs.resolve import resolve
        from assistant.review import review_subject

        assert case.patch is not None
        repo = _resolve(case.repo, case) if case.repo else None
        pr = review_subject(resolve(diff=str(_resolve(case.patch, case)), repo=repo), settings, knowledge=knowledge)
        return render_markdown(pr), pr, [c.id for c in pr.citations]
    answer: Answer | None
    v: Verdict | None
    if case.kind == "prompt":  # routed as `assistant ask` routes it; a plan that is also a question is reviewed too
        r = respond(case.input, settings, knowledge, ref=case.id, review_plans=True)
        answer, v = r.answer, r.verdict
    elif case.kind == "proposal":
        answer, v = None, review_text(case.input, settings, ref=case.id, knowledge=knowledge)
    else:
        answer, v = answer_question(case.input, knowledge, settings), None
    parts = [render_answer_markdown(answer)] if answer else []
    parts += [render_markdown(v)] if v else []
    cited = [c.id for c in answer.citations] if answer else []
    cited += [c.id for c in v.citations] if v else []
    return "\n".join(parts), v, cited


def score(case: Case, text: str, verdict: Verdict | None) -> list[str]:
    reasons: list[str] = []
    low = text.lower()
    kw = case.keywords
    reasons += [f"missing keyword {k!r}" for k in kw.required if k.lower() not in low]
    if kw.any_of and not any(k.lower() in low for k in kw.any_of):
        reasons.append(f"none of {kw.any_of!r}")
    reasons += [f"forbidden keyword {k!r}" for k in kw.forbidden if k.lower() in low]
    if verdict is not None:
        got = {f.category for f in verdict.findings}
        if case.categories is not None:
            reasons += [f"missed category {c}" for c in case.categories if c not in got]
        reasons += [f"unexpected category {c}" for c in case.absent_categories if c in got]
        if case.clean and got:
            reasons.append(f"findings on a clean case: {sorted(got)}")
        comps = {f.component for f in verdict.findings if f.category == "overlap"}
        reasons += [f"overlap does not name {c}" for c in case.components if c not in comps]
        if case.verdict and verdict.verdict not in case.verdict:
            reasons.append(f"verdict {verdict.verdict}, expected {'/'.join(case.verdict)}")
    elif case.kind in ("proposal", "patch"):
        reasons.append("no verdict")
    return reasons


def run_case(case: Case, settings: Settings, knowledge: Knowledge, judge: Any | None = None) -> CaseResult:
    started = time.perf_counter()
    base = CaseResult(id=case.id, kind=case.kind, severity=case.severity, passed=False)
    if case.mode == "judge" and judge is None:
        return base.model_copy(update={"skipped": True, "passed": True, "reasons": ["judge mode: no LLM configured"]})
    if case.manual_review and not (case.keywords.required or case.keywords.any_of or case.keywords.forbidden):
        return base.model_copy(update={"skipped": True, "passed": True, "reasons": ["manual review"]})
    try:
        text, verdict, cited = answer_case(case, settings, knowledge)
    except AssistantError as exc:
        return base.model_copy(update={"reasons": [f"error: {exc}"], "seconds": time.perf_counter() - started})
    reasons = [] if case.mode == "judge" else score(case, text, verdict)
    if judge is not None and case.mode in ("judge", "both") and case.judge_criteria:
        judged, why = judge(case, text)
        if case.mode == "judge" and not judged:
            reasons.append(f"judge: {why}")
    chunks = [knowledge.chunk(c) for c in cited]
    paths = [c.path for c in chunks if c is not None]
    if case.sources and not any(p in case.sources for p in paths):
        reasons.append(f"expected source not cited ({', '.join(case.sources)})")
    engine = verdict.engine if verdict else None
    return base.model_copy(
        update={
            "passed": not reasons,
            "reasons": reasons,
            "categories": sorted({f.category for f in verdict.findings}) if verdict else [],
            "verdict": verdict.verdict if verdict else None,
            "score": verdict.score if verdict else None,
            "cited": cited,
            "cited_paths": paths,
            "invalid_citations": sum(c is None for c in chunks),
            "engine_mode": engine.mode if engine else "offline",
            "fallback": bool(engine and engine.fallback_reason),
            "fallback_reason": engine.fallback_reason if engine else None,
            "tokens": (engine.prompt_tokens + engine.completion_tokens) if engine else 0,
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
