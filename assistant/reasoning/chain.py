"""The LLM chain: prompt | ChatOpenAI.with_structured_output(LLMReview) | merge under guardrails.

Works with OpenAI and any OpenAI-compatible server (Ollama, vLLM, llama.cpp). The model rates criteria and
adds findings and questions; it cannot remove or downgrade a deterministic finding, its citations must name
a chunk it was given, and it never supplies the score."""

from __future__ import annotations

import copy
import json
import re
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from assistant.config import Settings
from assistant.errors import LLMUnavailableError
from assistant.knowledge_base.knowledge import Knowledge
from assistant.models import CATEGORIES, Category, CriterionResult, EngineInfo, Finding, Rating
from assistant.reasoning import prompts
from assistant.reasoning.draft import Draft, ReviewInput
from assistant.redaction import redact_text

SOURCES_FOR_LLM = 8
SOURCE_CHARS = 700


class LLMCriterion(BaseModel):
    id: str = Field(description="criterion id from the list")
    rating: Rating
    rationale: str = Field(description="one sentence")
    citations: list[str] = Field(default_factory=list, description="source ids")


class LLMFinding(BaseModel):
    category: Category
    severity: Literal["major", "minor", "info"]
    component: str | None = None
    message: str
    suggestion: str = ""
    citations: list[str] = Field(default_factory=list)


class LLMReview(BaseModel):
    """Structured review of a homelab architecture proposal."""

    criteria: list[LLMCriterion] = Field(default_factory=list)
    findings: list[LLMFinding] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    challenges: list[str] = Field(default_factory=list)
    summary: str = ""


def attempt_timeout(settings: Settings) -> float:
    """`timeout` is what one LLM call may take in all: each of the 1 + max_retries tries gets its share, so a
    server that never answers costs `timeout` seconds, not a multiple of it."""
    return max(1.0, settings.timeout / (1 + max(0, settings.max_retries)))


def chat_model(settings: Settings) -> Any:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.model,
        api_key=settings.openai_api_key or "not-needed",  # type: ignore[arg-type]
        base_url=settings.openai_base_url,
        timeout=attempt_timeout(settings),
        max_retries=max(0, settings.max_retries),
        max_tokens=settings.max_tokens,  # type: ignore[call-arg]
        temperature=settings.temperature,
        # langchain sends max_completion_tokens, which llama.cpp's server ignores (a small model then loops
        # inside the schema until the context is full): servers by base URL also get the classic max_tokens
        extra_body={"max_tokens": settings.max_tokens} if settings.openai_base_url else None,
    )


def probe_llm(settings: Settings) -> tuple[bool, str]:
    import httpx

    base = (settings.openai_base_url or "https://api.openai.com/v1").rstrip("/")
    try:
        r = httpx.get(
            f"{base}/models",
            timeout=5.0,
            headers={"Authorization": f"Bearer {settings.openai_api_key or 'not-needed'}"},
        )
        r.raise_for_status()
        return True, f"{settings.model} at {base} · reachable · structured output: {settings.structured_output_method}"
    except httpx.HTTPError as exc:
        return (
            False,
            f"{settings.model} at {base} · NOT reachable ({exc.__class__.__name__}); reviews fall back offline",
        )


def _sources(inp: Any, knowledge: Knowledge) -> list[dict[str, str]]:
    ids: list[str] = [h.chunk.id for h in inp.hits[:SOURCES_FOR_LLM]]
    for f in inp.findings:
        ids.extend(f.citations)
    out = []
    for cid in dict.fromkeys(ids):
        chunk = knowledge.chunk(cid)
        if chunk:
            out.append({"id": cid, "text": redact_text(" ".join(chunk.text.split())[:SOURCE_CHARS])})
    return out


# json_object: the schema goes with the request and llama.cpp's server turns it into a grammar, so even a small model
# answers in it. A grammar is slow to sample and a small model fills every list it may, so the schema sent is a
# tighter one: references inlined, every field required, lists bounded, free-text extras left out. Every criterion
# and finding must cite (the framework asks it of every claim); a citation naming no given source is dropped later.
GRAMMAR_LIMITS = {"criteria": (1, 3), "findings": (0, 2), "questions": (1, 2), "citations": (1, 2)}
GRAMMAR_OMIT = ("challenges", "component", "suggestion")


def grammar_schema(schema: type[BaseModel]) -> dict[str, Any]:
    raw = schema.model_json_schema()
    defs = raw.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[-1]]))
            return {k: inline(v) for k, v in node.items()}
        return [inline(x) for x in node] if isinstance(node, list) else node

    def tighten(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node:
                props = {k: v for k, v in node["properties"].items() if k not in GRAMMAR_OMIT}
                for key, value in props.items():
                    for extra in ("default", "title", "description"):
                        value.pop(extra, None)
                    if value.get("type") == "array" and key in GRAMMAR_LIMITS:
                        value["minItems"], value["maxItems"] = GRAMMAR_LIMITS[key]
                node["properties"] = props
                node["required"] = list(props)
                node.pop("title", None)
                node.pop("description", None)
            for value in node.values():
                tighten(value)
        elif isinstance(node, list):
            for value in node:
                tighten(value)

    out: dict[str, Any] = inline(raw)
    tighten(out)
    return out


def structured(model: Any, schema: type[BaseModel], method: str) -> Any:
    """A runnable answering {"raw", "parsed", "parsing_error"} whatever the structured-output method."""
    if method != "json_object":
        return model.with_structured_output(schema, method=method, include_raw=True)
    from langchain_core.runnables import RunnableLambda

    bound = model.bind(response_format={"type": "json_object", "schema": grammar_schema(schema)})

    def call(prompt: Any) -> dict[str, Any]:
        raw = bound.invoke(prompt)
        content = raw.content if isinstance(raw.content, str) else str(raw.content)
        try:  # strict=False: a grammar lets a raw newline into a string, which JSON forbids but means no harm
            parsed = schema.model_validate(json.loads(content, strict=False))
            return {"raw": raw, "parsed": parsed, "parsing_error": None}
        except (ValueError, ValidationError) as exc:
            return {"raw": raw, "parsed": None, "parsing_error": f"{exc.__class__.__name__}: {str(exc)[:160]}"}

    return RunnableLambda(call)


_CLAIMS = {
    "approve": r"\b(?:approved?|approving|lgtm|looks good to me|ship it|merge it|safe to merge|good to merge|"
    r"ready to merge|good to go)\b",
    "reject": r"\b(?:reject(?:ed)?|do not merge|don't merge|must not (?:be )?merged?|blocked)\b",
    "revise": r"\b(?:revise|needs? (?:changes|work|revision))\b",
}
_NEGATION = re.compile(r"\b(?:not|never|no|cannot|can't|won't|n't|without)\W+(?:\w+\W+){0,2}$", re.I)


def _claims(text: str) -> set[str]:
    """The verdicts a model's text claims; a negated claim ("do not approve") is no claim, a reject always is."""
    return {
        name
        for name, pattern in _CLAIMS.items()
        for m in re.finditer(pattern, text, re.I)
        if name == "reject" or not _NEGATION.search(text[: m.start()])
    }


def claims_verdict(text: str) -> bool:
    """Whether a model's text claims a verdict of its own ("APPROVED: safe to merge"): never a criterion's rationale."""
    return bool(_claims(text) & {"approve", "reject"})


def summary_contradicts(summary: str, verdict: str) -> bool:
    """Whether a model's summary claims another verdict than the computed one ("APPROVED: merge it" under reject)."""
    claims = _claims(summary)
    if verdict == "approve":
        return bool(claims - {"approve"})
    return "approve" in claims or (verdict == "revise" and "reject" in claims)


class LLMReasoner:
    def __init__(self, settings: Settings, model: Any | None = None) -> None:
        self.settings = settings
        self.model = model

    def __call__(self, inp: ReviewInput, knowledge: Knowledge) -> tuple[Draft, EngineInfo]:
        s = self.settings
        sources = _sources(inp, knowledge)
        prompt = prompts.render(
            s.prompts_dir,
            "review.md",
            criteria=knowledge.rubric.criteria,
            anti_patterns=knowledge.rubric.anti_patterns,
            findings=inp.findings,
            sources=sources,
            categories=list(CATEGORIES),
            proposal=inp.redacted,
        )
        model = self.model or chat_model(s)
        runnable = structured(model, LLMReview, s.structured_output_method)
        try:
            result = runnable.invoke(prompt)
        except Exception as exc:  # any transport, server or parsing failure: fall back offline
            raise LLMUnavailableError(f"{exc.__class__.__name__}: {str(exc)[:200]}") from None
        parsed: LLMReview | None = result.get("parsed")
        if parsed is None:
            raise LLMUnavailableError(f"the model's answer did not fit the schema ({result.get('parsing_error')})")
        usage = getattr(result.get("raw"), "usage_metadata", None) or {}
        allowed = {x["id"] for x in sources} | {c.citation for c in knowledge.rubric.criteria}
        draft, dropped = merge(inp.offline, parsed, allowed, Draft)
        contradicts = draft.summary != inp.offline.summary and summary_contradicts(
            draft.summary, planned(draft, inp.subject.kind)
        )
        if contradicts:  # the verdict is computed, never the model's: a summary that says otherwise goes
            draft.summary = inp.offline.summary
        info = EngineInfo(
            mode="llm",
            model=s.model,
            dropped_citations=dropped,
            dropped_summaries=int(contradicts),
            prompt_tokens=int(usage.get("input_tokens", 0)),
            completion_tokens=int(usage.get("output_tokens", 0)),
            prompt_version=prompts.version(s.prompts_dir, "review.md"),
        )
        return draft, info


def planned(draft: Any, kind: Literal["proposal", "pull_request"]) -> str:
    """The verdict a draft will get (the formula in `scoring`; citations do not move it)."""
    from assistant import scoring

    return scoring.verdict_of(draft.criteria, draft.findings, kind)


# What a model's text may take in a verdict: longer is cut and marked (10 MB of output was printed whole)
MAX_MODEL_TEXT = 2000
MAX_MODEL_ITEMS = 30  # questions, challenges, findings


_CUT = "… [cut: the model's text ran on]"


def capped(text: str, limit: int = MAX_MODEL_TEXT) -> str:
    """At most `limit` characters, the mark included."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - len(_CUT)].rstrip() + _CUT


# How far a rating carries a review up: a model's rating above the offline one must cite a source it was given
RATING_RANK = {"weak": 0, "unknown": 1, "neutral": 2, "strong": 3}


def merge(offline: Any, llm: LLMReview, allowed: set[str], draft_type: Any) -> tuple[Any, int]:
    """Guardrails: deterministic findings stay as they are; criteria weakened by a finding stay weak; citations
    outside `allowed` are dropped and counted. The model cannot raise a review on its own word: a rating above
    the offline one stands only with a valid citation (else the offline rating stays), and a rationale or summary
    that claims a verdict ("approved", "safe to merge") is not shown."""
    dropped = 0

    def keep(ids: list[str]) -> list[str]:
        nonlocal dropped
        good = [i for i in ids if i in allowed]
        dropped += len(ids) - len(good)
        return good

    by_id = {c.id: c for c in llm.criteria}
    criteria: list[CriterionResult] = []
    for c in offline.criteria:
        proposed = by_id.get(c.id)
        if proposed is None or c.rating == "weak":
            criteria.append(c)
            continue
        cited = keep(proposed.citations)
        if RATING_RANK[proposed.rating] > RATING_RANK[c.rating] and not cited:
            criteria.append(c)  # raised without evidence: the offline rating stands
            continue
        rationale = capped(proposed.rationale, 600)
        if not rationale or claims_verdict(rationale):
            rationale = c.rationale
        criteria.append(
            c.model_copy(
                update={
                    "rating": proposed.rating,
                    "rationale": rationale,
                    "citations": list(dict.fromkeys([*c.citations, *cited])),
                }
            )
        )
    findings = list(offline.findings)
    have = {(f.category, f.component) for f in findings}
    for n, f in enumerate(llm.findings[:MAX_MODEL_ITEMS], 1):
        if (f.category, f.component) in have or f.category not in CATEGORIES:
            continue
        findings.append(
            Finding(
                id=f"llm:{f.category}:{n}",
                category=f.category,
                severity=f.severity,
                component=capped(f.component, 200) if f.component else None,
                message=capped(f.message),
                suggestion=capped(f.suggestion),
                citations=keep(f.citations),
                origin="llm",
            )
        )
    asked = [capped(q, 600) for q in llm.questions[:MAX_MODEL_ITEMS]]
    questions = list(dict.fromkeys([*asked, *offline.questions]))
    challenges = [capped(c, 600) for c in llm.challenges[:MAX_MODEL_ITEMS]] or offline.challenges
    return draft_type(
        criteria=criteria,
        findings=findings,
        questions=questions,
        challenges=challenges,
        summary=capped(llm.summary) or offline.summary,
    ), dropped
