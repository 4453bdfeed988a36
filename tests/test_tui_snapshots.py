"""Snapshots of the TUI (pytest-textual-snapshot): the main screen after an offline review of a fixed proposal, and
the help screen, at a fixed terminal size. No index (framework and stack citations only), so the picture depends on
the framework, the example repo's discovered stack and the checks, not on the embedding of a repo. Update with
--snapshot-update."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from assistant.knowledge_base.knowledge import Knowledge
from tests.conftest import EXAMPLE_REPO, PROJECT, settings_for
from tui.app import ReviewApp
from tui.history import HistoryStore
from tui.widgets.conversation import PromptArea

SIZE = (140, 45)
PROPOSAL = (PROJECT / "examples" / "proposals" / "redis-for-authentik.md").read_text(encoding="utf-8")

SnapCompare = Callable[..., bool]


def offline_app(tmp_path: Path, proposal: str | None = None) -> ReviewApp:
    # a fixed folder: the no-index note names it on screen; the example's stack, not the checkout's tree
    settings = settings_for(Path(tempfile.gettempdir()) / "ra-snapshot-no-index", repo=EXAMPLE_REPO)
    return ReviewApp(
        settings, knowledge=Knowledge(settings), history=HistoryStore(tmp_path / "history"), proposal=proposal
    )


async def settle(pilot: Pilot[None]) -> None:
    """Wait for the review (or the warm-up), then stop the prompt's cursor blinking so the frame is fixed. The
    warm-up's "No repo index" notice names a temp folder, so it is cleared (test_tui.py checks that notice)."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    pilot.app.clear_notifications()
    await pilot.pause()
    pilot.app.screen.query_one(PromptArea).cursor_blink = False
    await pilot.wait_for_scheduled_animations()  # highlights and scrolls end before the frame is taken
    await pilot.pause(0.3)
    pilot.app.clear_notifications()  # a warm-up notice can land after the first clear
    await pilot.pause()


def test_main_screen_after_an_offline_review(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(offline_app(tmp_path, PROPOSAL), terminal_size=SIZE, run_before=settle)


def test_help_screen(snap_compare: SnapCompare, tmp_path: Path) -> None:
    async def open_help(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        pilot.app.clear_notifications()  # a warm-up notice can land after settle cleared them
        await pilot.pause()

    assert snap_compare(offline_app(tmp_path), terminal_size=SIZE, run_before=open_help)
