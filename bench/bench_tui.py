"""TUI benchmark: prints figures, asserts nothing. `python bench/bench_tui.py [--runs 5] [--keys 100] [--no-index]`

- first frame: from a fresh interpreter's start (imports included) to the prompt having focus under
  App.run_test; and the same in-process once the imports are warm. Median over --runs. Target: < 1.5 s cold.
- typing while a review runs: per keypress, key event → the prompt's text updated, and the event loop's lag (how
  late a 10 ms timer fires, i.e. how soon a frame can be painted), with the app idle and then while the review
  thread worker runs real offline reviews of the example proposals back to back (warm knowledge)."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from textual import events  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.models import Verdict  # noqa: E402
from tui.app import ReviewApp  # noqa: E402
from tui.history import HistoryStore  # noqa: E402
from tui.service import ReviewService  # noqa: E402
from tui.widgets.conversation import PromptArea  # noqa: E402

SIZE = (140, 45)
PROPOSALS = sorted((PROJECT / "examples" / "proposals").glob("*.md"))

COLD = """
import time; t0 = time.perf_counter()
import asyncio, sys, tempfile
from pathlib import Path
sys.path.insert(0, {project!r})
from assistant.config import Settings
from tui.app import ReviewApp
from tui.history import HistoryStore
from tui.widgets.conversation import PromptArea

async def first_frame() -> None:
    settings = Settings(index_dir=Path({index!r}), llm="off", openai_api_key=None, openai_base_url=None)
    app = ReviewApp(settings, history=HistoryStore(Path(tempfile.mkdtemp())))
    async with app.run_test(size={size!r}) as pilot:
        while not isinstance(app.focused, PromptArea):
            await pilot.pause(0.001)
        print((time.perf_counter() - t0) * 1000)

asyncio.run(first_frame())
"""


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values):7.1f} ms  min {min(values):7.1f}  max {max(values):7.1f}"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def first_frame_cold(index: Path, runs: int) -> list[float]:
    code = COLD.format(project=str(PROJECT), index=str(index), size=SIZE)
    out = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        out.append(float(done.stdout.strip().splitlines()[-1]))
    return out


async def first_frame_warm(settings: Settings, history: Path, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        app = ReviewApp(settings, history=HistoryStore(history))
        async with app.run_test(size=SIZE) as pilot:
            while not isinstance(app.focused, PromptArea):
                await pilot.pause(0.001)
            out.append((time.perf_counter() - t0) * 1000)
            await app.workers.wait_for_complete()  # the warm-up worker, before the next run
    return out


class LoopingService(ReviewService):
    """Reviews for real, over and over, until told to stop: a review that stays busy while we type."""

    def __init__(self, settings: Settings, stop: threading.Event) -> None:
        super().__init__(settings)
        self.stop = stop
        self.reviews = 0

    def review(self, text: str, settings: Settings, ref: str = "-") -> Verdict:
        verdict = super().review(text, settings, ref)
        while not self.stop.is_set():
            proposal = PROPOSALS[self.reviews % len(PROPOSALS)].read_text(encoding="utf-8")
            verdict = super().review(proposal, settings, ref)
            self.reviews += 1
        return verdict


async def echo(app: ReviewApp, prompt: PromptArea, keys: int) -> list[float]:
    """Per key: from the key event posted to the app until the prompt's text has it (the widget handled it).
    Not pilot.press: its wait_for_idle waits for the whole process to stop using CPU (up to 2 s), which a
    busy review thread never does, so it would time the review, not the typing."""
    lat = []
    for i in range(keys):
        char = "abcdefghij"[i % 10]
        before = len(prompt.text)
        t0 = time.perf_counter()
        app.post_message(events.Key(char, char))
        while len(prompt.text) == before:
            await asyncio.sleep(0.0005)
        lat.append((time.perf_counter() - t0) * 1000)
        await asyncio.sleep(0.02)  # a fast typist: about 50 keys a second
    return lat


async def loop_lag(samples: int) -> list[float]:
    """How late a 10 ms timer fires on the UI's event loop: the delay before a frame can be painted."""
    lag = []
    for _ in range(samples):
        t0 = time.perf_counter()
        await asyncio.sleep(0.01)
        lag.append((time.perf_counter() - t0) * 1000 - 10)
    return lag


async def typing(settings: Settings, history: Path, keys: int) -> dict[str, float | int | bool]:
    stop = threading.Event()
    service = LoopingService(settings, stop)
    service.warm_up()
    app = ReviewApp(settings, service=service, history=HistoryStore(history))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        prompt = app.main.pane.prompt
        idle, idle_lag = await echo(app, prompt, keys), await loop_lag(keys)
        prompt.clear()
        prompt.insert(PROPOSALS[0].read_text(encoding="utf-8"))
        await pilot.press("enter")
        await asyncio.sleep(0.2)
        running = any(w.group == "review" and w.is_running for w in app.main.workers)
        t0 = time.perf_counter()
        busy, busy_lag = await echo(app, prompt, keys), await loop_lag(keys)
        wall = time.perf_counter() - t0
        still_running = any(w.group == "review" and w.is_running for w in app.main.workers)
        typed = len(prompt.text)
        stop.set()
        await app.workers.wait_for_complete()
    return {
        "keys": keys,
        "review_worker_busy_throughout": running and still_running,
        "idle_key_p50_ms": round(pct(idle, 0.5), 2),
        "idle_key_p95_ms": round(pct(idle, 0.95), 2),
        "busy_key_p50_ms": round(pct(busy, 0.5), 2),
        "busy_key_p95_ms": round(pct(busy, 0.95), 2),
        "busy_key_max_ms": round(max(busy), 1),
        "idle_loop_lag_p95_ms": round(pct(idle_lag, 0.95), 2),
        "busy_loop_lag_p95_ms": round(pct(busy_lag, 0.95), 2),
        "reviews_done_while_typing": service.reviews,
        "reviews_per_s": round(service.reviews / wall, 1),
        "characters_typed_while_busy": typed,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keys", type=int, default=100)
    ap.add_argument("--no-index", action="store_true", help="skip indexing examples/homelab (framework citations)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ra-bench-tui-"))
    try:
        settings = Settings(index_dir=work / "index", llm="off", openai_api_key=None, openai_base_url=None)
        if not args.no_index:
            from assistant.knowledge_base.index import IndexStore

            repo = PROJECT / "examples" / "homelab"
            settings = settings.model_copy(update={"repo": repo})
            IndexStore(settings).build(repo)
        cold = first_frame_cold(settings.index_dir, args.runs)
        warm = asyncio.run(first_frame_warm(settings, work / "history", args.runs))
        keys = asyncio.run(typing(settings, work / "history", args.keys))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    index = "none" if args.no_index else "examples/homelab"
    print(f"[first frame] {SIZE[0]}x{SIZE[1]}, {args.runs} runs, index: {index}")
    print(f"  cold (fresh interpreter, imports included) {ms(cold)}")
    print(f"  warm (in-process, imports done)             {ms(warm)}")
    print("[typing while a review runs]")
    for key, value in keys.items():
        print(f"  {key:<32} {value}")


if __name__ == "__main__":
    main()
