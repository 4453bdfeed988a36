"""A short explanation of a verdict, streamed token by token from the configured LLM (the TUI shows it as it comes).

The verdict itself never depends on it: the explanation only restates the verdict, its findings and open questions.
The proposal is redacted before it leaves the machine."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.config import Settings
from assistant.errors import LLMUnavailableError
from assistant.models import Verdict
from assistant.reasoning import prompts
from assistant.redaction import redact

PROMPT = "explain.md"
QUESTIONS = 3


def explain_prompt(verdict: Verdict, settings: Settings, proposal: str = "") -> str:
    redacted, _ = redact(proposal)
    return prompts.render(
        settings.prompts_dir,
        PROMPT,
        verdict=verdict.verdict,
        score=verdict.score,
        findings=[{"id": f.id, "category": f.category, "message": f.message} for f in verdict.findings],
        questions=verdict.questions[:QUESTIONS],
        proposal=redacted,
    )


def stream_explanation(verdict: Verdict, settings: Settings, proposal: str = "") -> Iterator[str]:
    """The explanation's text chunks as the model sends them; LLMUnavailableError on any failure."""
    from assistant.reasoning.chain import chat_model

    try:
        prompt = explain_prompt(verdict, settings, proposal)
        for chunk in chat_model(settings).stream(prompt):
            content = chunk.content
            if isinstance(content, str):
                if content:
                    yield content
            else:  # a list of content parts (some providers): keep the text ones
                text = "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in content)
                if text:
                    yield text
    except Exception as exc:  # transport, server, template: the caller keeps the offline reply
        raise LLMUnavailableError(f"explanation failed: {exc.__class__.__name__}: {str(exc)[:200]}") from None
