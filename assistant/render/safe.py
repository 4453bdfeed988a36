"""Terminal-safe output: data (a PR title, a file name, a model's words) never reaches a terminal as control codes.

Every C0 and C1 control character but newline and tab, DEL included, is shown as a visible escape (`\\x1b`): an OSC 52
clipboard write, a title change, a carriage return that hides a line or a cursor move are printed as text, not run.
`SafeConsole` does this to every piece of text it renders, while its own styling (the escape codes Rich adds for
colours) is untouched. JSON output needs none of it: its encoder escapes control characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel
from rich.console import Console
from rich.segment import Segment

M = TypeVar("M", bound=BaseModel)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """The text with each control character but newline and tab written as a visible `\\xNN` escape."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text) if _CONTROL.search(text) else text


def terminal_safe_model(model: M) -> M:
    """A copy of a pydantic model (a Verdict) with every string in it terminal-safe, for a display that draws its
    fields one by one (the TUI)."""
    return type(model).model_validate(_safe(model.model_dump()))


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        return terminal_safe(value)
    if isinstance(value, dict):
        return {k: _safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_safe(v) for v in value)
    return value


class SafeConsole(Console):
    """A Rich console whose rendered text is terminal-safe; Rich's own control segments (cursor, styles) pass."""

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        safe = (s if s.control else Segment(terminal_safe(s.text), s.style, s.control) for s in buffer)
        return super()._render_buffer(safe)
