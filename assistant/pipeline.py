"""The one place that wires a review: input → checks → retrieval → reasoning (LLM or offline) → verdict."""

from __future__ import annotations

import time
from collections.abc import Callable

from assistant import scoring
from assistant.checks import registry, run_checks
from assistant.checks.predicates import ProposalText
from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.inputs.proposal import title_of, validate_text
from assistant.knowledge_base.knowledge import Knowledge
from assistant.models import (
    SEVERITY_ORDER,
    Citation,
    CriterionResult,
    EngineInfo,
    Finding,
    Subject,
    Verdict,
    VerdictReason,
)
from assistant.reasoning.draft import Draft, ReviewInput
from assistant.reasoning.offline import challenges, rate_criteria, topics_for
from assistant.redaction import redact

Reasoner = Callable[[ReviewInput, Knowledge], tuple[Draft, EngineInfo]]


def prepare(text: str, knowledge: Knowledge, subject: Subject, evidence: list[Finding] | None = None) -> ReviewInput:
    """The one assembly for both subjects: deterministic evidence (the text checks for a proposal; the manifest
    detectors' findings, passed in, for a pull request), retrieval on the text, the offline rating, redaction."""
    findings = run_checks(text, knowledge.stack) if evidence is None else evidence
    findings.sort(key=lambda f: (-SEVERITY_ORDER[f.severity], f.category, f.id))
    hits = knowledge.search(text[:4000], k=8)
    cite_house_patterns(findings, knowledge)
    doc = ProposalText.of(text)
    topics = topics_for(knowledge.answers_path, knowledge.stack)
    criteria, questions = rate_criteria(knowledge.rubric, doc, findings, topics, knowledge.stack)
    offline = Draft(
        criteria=criteria,
        findings=findings,
        questions=questions,
        challenges=challenges(knowledge.rubric, findings, knowledge.stack),
        summary=summarise_findings(findings, criteria),
    )
    redacted, count = redact(text)
    return ReviewInput(text, redacted, count, subject, findings, offline, hits)


def cite_house_patterns(findings: list[Finding], knowledge: Knowledge) -> None:
    """Cite where this repo runs the incumbent (its inventory evidence) and the repo doc that shows the house
    pattern (the index's best repo hit for the check's query, in this repo's tool names)."""
    from assistant.checks.registry import template_values

    stack = knowledge.stack
    for f in findings:
        entry = stack.inventory.entry(f.component) if f.component else None
        if entry is not None and f"stack#{entry.tool}" not in f.citations:
            f.citations.insert(0, f"stack#{entry.tool}")
        if knowledge.retriever is None:
            continue
        spec = registry.spec(f.category)
        query = (spec.repo_query or spec.title).format_map(template_values(stack))
        hits = knowledge.search(" ".join(x for x in (entry.name if entry else "", query) if x), k=1, sources={"repo"})
        if hits and hits[0].chunk.id not in f.citations:
            f.citations.append(hits[0].chunk.id)


def summarise_findings(findings: list[Finding], criteria: list[CriterionResult]) -> str:
    strong = sum(c.rating == "strong" for c in criteria)
    unknown = sum(c.rating == "unknown" for c in criteria)
    if not findings:
        return (
            f"No anti-pattern found; {strong} of {len(criteria)} criteria answered strongly, {unknown} not addressed."
        )
    worst = findings[0]
    return f"{len(findings)} finding(s), the worst {worst.severity}: {worst.message}"


def offline_reasoner(inp: ReviewInput, knowledge: Knowledge) -> tuple[Draft, EngineInfo]:
    return inp.offline, EngineInfo(mode="offline", model="offline-rules")


def finish(inp: ReviewInput, draft: Draft, engine: EngineInfo, knowledge: Knowledge, started: float) -> Verdict:
    """Resolve citations (dropping and counting any that name no known chunk), then score."""
    known: dict[str, Citation] = {}
    dropped = 0

    def keep(ids: list[str]) -> list[str]:
        nonlocal dropped
        out = []
        for cid in dict.fromkeys(ids):
            cit = known.get(cid) or knowledge.citation(cid)
            if cit is None:
                dropped += 1
                continue
            known[cid] = cit
            out.append(cid)
        return out

    for f in draft.findings:
        f.citations = keep(f.citations)
    for c in draft.criteria:
        c.citations = keep(c.citations)
    engine.dropped_citations += dropped
    engine.duration_ms = int((time.perf_counter() - started) * 1000)
    engine.retrieval = knowledge.retrieval
    name, value = scoring.assess(draft.criteria, draft.findings, inp.subject.kind)
    reason, summary = _reason(name, inp.subject.kind, draft, len(inp.text.split()))
    return Verdict(
        subject=inp.subject,
        verdict=name,
        score=value,
        criteria=draft.criteria,
        findings=draft.findings,
        questions=draft.questions,
        citations=list(known.values()),
        engine=engine,
        challenges=draft.challenges,
        summary=summary,
        reason=reason,
    )


THIN_ANSWERED = 3  # criteria a proposal answers at most, with no major finding, to be too thin to judge
THIN_WORDS = 30  # or a proposal this short: one line says what, not how


def _reason(verdict: str, kind: str, draft: Draft, words: int) -> tuple[VerdictReason | None, str]:
    """Why a verdict is not approve, and the summary that says so: a proposal with no major finding that answers
    almost none of the criteria is a request for detail (the three questions that matter most), not a judgement."""
    if verdict == "approve":
        return None, draft.summary
    serious = any(f.severity in ("major", "blocker") for f in draft.findings)
    answered = sum(c.rating != "unknown" for c in draft.criteria)
    if kind != "proposal" or serious or (answered > THIN_ANSWERED and words >= THIN_WORDS):
        return "findings", draft.summary
    asks = " ".join(f"({i}) {q}" for i, q in enumerate(draft.questions[:3], 1))
    return "insufficient-detail", (
        f"Too thin to judge, not a rejection: {answered} of {len(draft.criteria)} criteria answered and no "
        f"anti-pattern found. Say more: {asks}".rstrip()
    )


def review_text(
    text: str,
    settings: Settings,
    *,
    ref: str = "-",
    knowledge: Knowledge | None = None,
    reasoner: Reasoner | None = None,
) -> Verdict:
    started = time.perf_counter()
    text = validate_text(text, settings.max_input_bytes)
    knowledge = knowledge or Knowledge(settings)
    subject = Subject(kind="proposal", title=title_of(text), ref=ref)
    inp = prepare(text, knowledge, subject)
    draft, engine = reason(inp, knowledge, settings, reasoner)
    return finish(inp, draft, engine, knowledge, started)


def reason(
    inp: ReviewInput, knowledge: Knowledge, settings: Settings, reasoner: Reasoner | None = None
) -> tuple[Draft, EngineInfo]:
    """The LLM when configured, else offline; on any LLM failure the offline draft, with the reason."""
    try:
        return (reasoner or default_reasoner(settings))(inp, knowledge)
    except AssistantError as exc:
        return inp.offline, EngineInfo(mode="offline", model="offline-rules", fallback_reason=str(exc))


def default_reasoner(settings: Settings) -> Reasoner:
    if not settings.llm_configured:
        return offline_reasoner
    from assistant.reasoning.chain import LLMReasoner

    return LLMReasoner(settings)
