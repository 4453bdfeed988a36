"""Errors a user may see: each carries a one-line message and, where one exists, the command that fixes it."""

from __future__ import annotations


class AssistantError(Exception):
    """An expected failure, shown to the user as one clear line (never a traceback)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InputError(AssistantError):
    """The proposal, diff or path given is unusable."""


class IndexMissingError(AssistantError):
    """No index yet, or one this version cannot read."""


class LLMUnavailableError(AssistantError):
    """The configured model could not be reached or returned an unusable answer."""
