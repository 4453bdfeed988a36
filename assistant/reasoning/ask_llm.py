"""The LLM path of `assistant ask`: the offline answer's sources, rewritten into an answer by the chat model, which
may cite only the sources it was given. Beside `ask` (which calls it), apart from the review chain."""

from __future__ import annotations

from assistant.config import Settings
from assistant.errors import LLMUnavailableError
from assistant.knowledge_base.knowledge import Knowledge
from assistant.models import Answer
from assistant.reasoning import prompts
from assistant.reasoning.chain import SOURCE_CHARS, capped, chat_model


def answer_with_llm(question: str, offline: Answer, knowledge: Knowledge, settings: Settings) -> Answer:
    from assistant.redaction import redact

    sources = []
    for c in offline.citations:
        chunk = knowledge.chunk(c.id)
        sources.append({"id": c.id, "text": " ".join((chunk.text if chunk else c.excerpt).split())[:SOURCE_CHARS]})
    prompt = prompts.render(settings.prompts_dir, "ask.md", sources=sources, question=redact(question)[0])
    try:
        reply = chat_model(settings).invoke(prompt)
    except Exception as exc:
        raise LLMUnavailableError(f"{exc.__class__.__name__}: {str(exc)[:200]}") from None
    text = reply.content if isinstance(reply.content, str) else str(reply.content)
    answer = validate_citations(capped(text, 8000), offline)  # a model that runs on is cut, and says so
    return offline.model_copy(update={"answer": answer, "mode": "llm"})


def validate_citations(text: str, offline: Answer) -> str:
    """The LLM's answer cites only the sources it was given: "[2] (framework#x)" is renumbered to x's number; an
    answer that cites nothing, or a number it was not given, is refused (the caller falls back offline)."""
    import re

    number = {c.id: n for n, c in enumerate(offline.citations, 1)}

    def by_id(m: re.Match[str]) -> str:
        n = number.get(m.group(2))
        return f"[{n}]" if n else m.group(0)

    text = re.sub(r"\[(\d+)\]\s*\(([^()\s]+)\)", by_id, text)
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    if not cited:
        raise LLMUnavailableError("the answer cites none of the retrieved sources")
    unknown = sorted(n for n in cited if not 1 <= n <= len(offline.citations))
    if unknown:
        raise LLMUnavailableError(f"the answer cites source(s) {unknown} it was not given")
    return text
