"""The Textual app for `assistant chat`: builds the session (settings, review service, history) and the main
screen; `run_chat` is what the CLI calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.screen import Screen

from assistant.config import Settings
from tui.history import HistoryStore
from tui.screens.main import MainScreen
from tui.service import Reviewer, ReviewService, Session

if TYPE_CHECKING:
    from assistant.knowledge_base.knowledge import Knowledge

PALETTE = [
    ("New review", "Start a new conversation (the current one stays in the history)", "new_review"),
    ("Copy last reply", "Copy the assistant's last reply to the clipboard as Markdown", "copy_reply"),
    ("Export verdict", "Write the verdict as Markdown, JSON, or an ADR in docs/adr/", "export"),
    ("History", "Resume a saved conversation", "history"),
    ("Switch model / offline", "Toggle the LLM on or off (when one is configured)", "switch_model"),
    ("Toggle verdict panel", "Show or hide the verdict panel", "toggle_verdict"),
    ("Toggle sources panel", "Show or hide the sources panel", "toggle_sources"),
    ("Toggle side panels", "Show or hide both side panels", "toggle_side"),
    ("Open source in editor", "Open the selected source in $EDITOR at its line", "open_source"),
    ("Skip question", "Leave the current question open and move on", "skip"),
    ("Edit proposal", "Put the proposal back in the prompt to revise it", "edit_proposal"),
    ("Show stack", "What this repo runs, by role, with the file:line that proves each tool", "show_stack"),
    ("Show conventions", "What most of this repo's apps carry (backups, policies, routes…)", "show_conventions"),
    ("Help", "Keys and commands", "help"),
]


class ReviewApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Review Assistant"

    def __init__(
        self,
        settings: Settings,
        *,
        knowledge: Knowledge | None = None,
        service: Reviewer | None = None,
        history: HistoryStore | None = None,
        proposal: str | None = None,
        pr: str | None = None,
    ) -> None:
        super().__init__()
        self.session = Session(
            settings=settings,
            service=service or ReviewService(settings, knowledge),
            history=history or HistoryStore(),
        )
        self._proposal = proposal
        self._pr = pr

    def get_default_screen(self) -> Screen[None]:
        return MainScreen(self.session, proposal=self._proposal, pr=self._pr)

    @property
    def main(self) -> MainScreen:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("the main screen is not mounted")

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for title, help_text, action in PALETTE:
            yield SystemCommand(title, help_text, self._palette_action(action))

    def _palette_action(self, action: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await self.main.run_action(action)

        return run


def run_chat(settings: Settings, proposal: str | None = None, pr: str | None = None) -> None:
    """Open the TUI; with `proposal`, its review starts at once; with `pr`, the pull request's (when available)."""
    ReviewApp(settings, proposal=proposal, pr=pr).run()
