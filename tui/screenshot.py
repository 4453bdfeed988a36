"""Screenshots of the main screen after an offline review, for the README:
`python -m tui.screenshot docs/tui-main.svg` writes the SVG and, beside it, the same screen as plain text (.txt).

Offline, with the example proposal; the index is used when `assistant index` has built one (ASSISTANT_INDEX_DIR,
default .assistant), otherwise the citations are the framework's and the discovered stack's."""

from __future__ import annotations

import argparse
import asyncio
import io
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.app import App

from assistant.config import PROJECT_DIR, Settings
from tui.app import ReviewApp
from tui.history import HistoryStore

PROPOSAL = PROJECT_DIR / "examples" / "proposals" / "redis-for-authentik.md"
SIZE = (140, 45)


def screen_text(app: App[Any]) -> str:
    """The current screen as plain text, the way `App.export_screenshot` renders it for the SVG."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, color_system=None, legacy_windows=False
    )
    # the compositor's full render, as in App.export_screenshot (Textual has no public text export)
    console.print(app.screen._compositor.render_update(full=True))
    return "\n".join(line.rstrip() for line in console.export_text(styles=False).splitlines()) + "\n"


async def capture(svg: Path, settings: Settings, proposal: str, size: tuple[int, int] = SIZE) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        app = ReviewApp(settings, proposal=proposal, history=HistoryStore(Path(tmp)))
        async with app.run_test(size=size) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.main.pane.prompt.cursor_blink = False
            await pilot.pause()
            svg.parent.mkdir(parents=True, exist_ok=True)
            app.save_screenshot(filename=svg.name, path=str(svg.parent))
            text = screen_text(app)
    svg.with_suffix(".txt").write_text(text, encoding="utf-8")
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("svg", type=Path, nargs="?", default=Path("docs/tui-main.svg"))
    ap.add_argument("--proposal", type=Path, default=PROPOSAL)
    args = ap.parse_args()
    settings = Settings(llm="off")
    asyncio.run(capture(args.svg, settings, args.proposal.read_text(encoding="utf-8")))
    print(f"wrote {args.svg} and {args.svg.with_suffix('.txt')}")


if __name__ == "__main__":
    main()
