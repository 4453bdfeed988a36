"""`assistant ask`: a grounded answer with citations; a proposed change is handed to the review engine."""

from __future__ import annotations

import re

from pydantic import BaseModel

from assistant.config import Settings
from assistant.errors import InputError
from assistant.knowledge_base.keyword import tokenize
from assistant.knowledge_base.knowledge import Knowledge
from assistant.models import Citation, Hit

_PROPOSAL = re.compile(
    r"^\s*(?:please\s+)?(?:add|deploy|install|introduce|adopt|replace|migrate|switch|run|set\s+up|spin\s+up)\b|"
    r"\b(?:should|shall|could|can)\s+(?:we|i)\s+(?:add|deploy|use|run|install|introduce|switch|replace|migrate|"
    r"adopt|set\s+up|spin\s+up|bring\s+in|move|host|self-host)\b|"
    r"\b(?:i|we)(?:\s+|'|’)(?:want|would\s+like|d\s+like|'d\s+like|plan|am\s+planning|are\s+planning|intend|need|"
    r"m\s+planning|re\s+planning)\s+to\s+"
    r"(?:add|deploy|use|run|install|introduce|switch|replace|migrate|adopt|set\s+up|spin\s+up|host|self-host|ship|"
    r"move|put|store|expose)\b|"
    r"\b(?:thinking\s+(?:of|about)|proposal:|proposing|let'?s)\s+(?:adding|deploying|using|running|installing|add|"
    r"deploy|use|run|install|move|switch|ship|shipping|moving|put|store|expose)\b",
    re.I,
)


def is_proposal(text: str) -> bool:
    return bool(_PROPOSAL.search(text)) or len(text.split()) > 60


class Answer(BaseModel):
    question: str
    answer: str  # Markdown with [n] markers
    citations: list[Citation]
    mode: str = "offline"


def _best_passage(hit: Hit, words: set[str], max_chars: int = 420) -> str:
    """The sentences of a chunk that share the most words with the question, in their original order."""
    body = re.sub(r"^#+\s.*$", "", hit.chunk.text, flags=re.M)
    parts = [p.strip() for p in re.split(r"(?<=[.!?])\s+|\n(?=\s*[-*|]|\s*\d+\.)|\n\s*\n", body) if p.strip()]
    if not parts:
        return ""
    scored = sorted(range(len(parts)), key=lambda i: -len(words & set(tokenize(parts[i]))))
    keep: list[int] = []
    size = 0
    for i in scored:
        if size + len(parts[i]) > max_chars and keep:
            break
        keep.append(i)
        size += len(parts[i])
    text = " ".join(" ".join(parts[i].split()) for i in sorted(keep))
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def answer_offline(question: str, knowledge: Knowledge, k: int = 4) -> Answer:
    question = question.strip()
    if len(re.findall(r"\w+", question)) < 2:
        raise InputError("the question is empty or too short")
    knowledge.require_index()
    hits = knowledge.search(question, k=k)
    if not hits:
        return Answer(
            question=question,
            answer="Nothing in the framework or the indexed repo matches this question.",
            citations=[],
        )
    words = set(tokenize(question))
    lines = ["From the framework and the repo:", ""]
    cites: list[Citation] = []
    for hit in hits:
        passage = _best_passage(hit, words)
        cit = knowledge.citation(hit.chunk.id)
        if not passage or cit is None:
            continue
        cites.append(cit)
        lines.append(f"- **{hit.chunk.section}** ({hit.chunk.path}): {passage} [{len(cites)}]")
    return Answer(question=question, answer="\n".join(lines), citations=cites)


def render_answer_markdown(a: Answer) -> str:
    out = [a.answer, ""]
    if a.citations:
        out += ["**Sources**", ""]
        out += [f"{n}. `{c.id}` — {c.path}, lines {c.lines[0]}–{c.lines[1]}" for n, c in enumerate(a.citations, 1)]
    return "\n".join(out) + "\n"


def answer_question(question: str, knowledge: Knowledge, settings: Settings) -> Answer:
    """The LLM answers from the retrieved chunks when one is configured; otherwise (or on failure) extractive."""
    offline = answer_offline(question, knowledge)
    if not settings.llm_configured or not offline.citations:
        return offline
    from assistant.errors import AssistantError
    from assistant.reasoning.chain import answer_with_llm

    try:
        return answer_with_llm(question, offline, knowledge, settings)
    except AssistantError as exc:
        offline.answer += f"\n\n_(offline answer: the LLM was unavailable: {exc})_"
        return offline
