"""Progress on stderr while the configured LLM is thinking, so stdout stays the verdict alone (clean JSON).

On a terminal a Rich spinner counts the seconds against the timeout; elsewhere (CI, a pipe) one plain line says
what is being waited for and for how long at most."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape

from assistant.config import Settings


def waiting_line(settings: Settings, what: str) -> str:
    where = settings.openai_base_url or "OpenAI"
    return f"{what} with {settings.model} at {where} (up to {settings.timeout:.0f}s, then offline)"


@contextmanager
def llm_progress(settings: Settings, console: Console, what: str = "reviewing") -> Iterator[None]:
    if not settings.llm_configured:
        yield
        return
    line = waiting_line(settings, what)
    if not console.is_terminal:
        console.print(f"{line}…", markup=False, highlight=False, soft_wrap=True)
        yield
        return
    with console.status(f"[dim]{escape(line)}…[/]", spinner="dots"):
        yield


def fallback_line(reason: str | None) -> str | None:
    """One stderr line when a configured LLM gave no usable answer (the verdict JSON says it too)."""
    return f"the LLM gave no usable answer ({reason}): this review is the offline one" if reason else None
