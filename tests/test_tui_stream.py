"""The TUI's streamed explanation: with an LLM, after a review, an explanation reply grows token by token under the
verdict; offline nothing changes. Replayed from responses recorded with a real llama.cpp server (see
tests/cassettes/README.md); re-record with `ASSISTANT_RECORD=1` while ../shared/tools/local-llm is running."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.errors import LLMUnavailableError
from assistant.knowledge_base.knowledge import Knowledge
from assistant.models import Verdict
from assistant.pipeline import review_text
from assistant.reasoning import explain
from tests.conftest import (
    EXAMPLE_REPO,
    RECORD,
    RERECORD,
    local_llm_settings,
    refused_llm_settings,
    settings_for,
    use_cassette,
)
from tui.app import ReviewApp
from tui.widgets.conversation import AssistantTurn, ConversationPane, ExplanationTurn

PROPOSAL = (
    "Plan: deploy Bitnami Redis as Authentik's cache, one replica, monitoring can come later. "
    "The admin password: hunter2secret goes in the values."
)
SIZE = (140, 45)


def body_of(request: object) -> str:
    body = getattr(request, "body", b"") or b""
    return body.decode() if isinstance(body, bytes) else str(body)


def offline_verdict(tmp_path: Path) -> Verdict:
    settings = settings_for(tmp_path / "no-index", repo=EXAMPLE_REPO)  # the example's stack, wherever tests run
    return review_text(PROPOSAL, settings, knowledge=Knowledge(settings))


class Spy:
    """Wraps explain.stream_explanation: records what it yields, and the explanation's length after each append."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.chunks: list[str] = []
        self.lengths: list[int] = []
        real_stream = explain.stream_explanation
        real_append = ExplanationTurn.append

        def stream(*args: object, **kw: object) -> Iterator[str]:
            for chunk in real_stream(*args, **kw):  # type: ignore[arg-type]
                self.chunks.append(chunk)
                yield chunk

        def append(widget: ExplanationTurn, markdown: str) -> object:
            result = real_append(widget, markdown)
            self.lengths.append(len(widget.source))
            return result

        monkeypatch.setattr(explain, "stream_explanation", stream)
        monkeypatch.setattr(ExplanationTurn, "append", append)


async def review(app: ReviewApp, pilot: object) -> None:
    """Send PROPOSAL, wait for the review, then for the explanation the review's reply starts."""
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    app.main.pane.prompt.insert(PROPOSAL)
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert app.main.conversation.verdict is not None  # the reply is posted, so the explanation worker has started
    await app.workers.wait_for_complete()
    await pilot.pause()


def explanation_notices(app: ReviewApp) -> list[object]:
    return [n for n in app._notifications if n.title == "Explanation unavailable"]


# -- stream_explanation on its own ------------------------------------------------------------------------------------


def test_stream_explanation_yields_the_models_tokens(tmp_path: Path) -> None:
    verdict = offline_verdict(tmp_path)
    with use_cassette("tui-explain") as cassette:
        chunks = list(explain.stream_explanation(verdict, local_llm_settings(tmp_path, max_tokens=120), PROPOSAL))
    assert cassette.play_count == 1 or RECORD, f"the recorded request no longer matches: {RERECORD}"
    body = body_of(cassette.requests[0])
    assert '"stream": true' in body or '"stream":true' in body
    assert "hunter2secret" not in body and "REDACTED" in body  # redacted before it left the machine
    assert all(f.id in body for f in verdict.findings)  # the prompt lists the findings by id
    assert len(chunks) >= 2 and all(isinstance(c, str) and c for c in chunks)
    assert "".join(chunks).strip()


def test_stream_explanation_failure_is_llm_unavailable(tmp_path: Path) -> None:
    verdict = offline_verdict(tmp_path)
    settings = refused_llm_settings(settings_for(tmp_path / "no-index"))
    with pytest.raises(LLMUnavailableError, match="explanation failed"):
        list(explain.stream_explanation(verdict, settings, PROPOSAL))


# -- the TUI ---------------------------------------------------------------------------------------------------------


async def test_the_explanation_streams_under_the_verdict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    settings = local_llm_settings(tmp_path, max_tokens=120)
    with use_cassette("tui-stream") as cassette:
        app = ReviewApp(settings, knowledge=Knowledge(settings))
        async with app.run_test(size=SIZE) as pilot:
            await review(app, pilot)
            explanations = list(app.main.query(ExplanationTurn))
            transcript = list(app.main.query_one("#transcript").children)
            verdicts = [t for t in app.main.query(AssistantTurn) if t.turn.kind == "verdict"]
            notices = explanation_notices(app)
    assert cassette.play_count >= 1 or RECORD, f"the recorded requests no longer match: {RERECORD}"
    streamed = [b for b in map(body_of, cassette.requests) if '"stream": true' in b or '"stream":true' in b]
    assert len(streamed) == 1 and "hunter2secret" not in streamed[0]
    assert not notices
    assert len(explanations) == 1 and len(verdicts) == 1
    widget = explanations[0]
    # (a) it grew append by append, one append per streamed chunk
    assert len(spy.chunks) >= 2
    assert len(spy.lengths) == len(spy.chunks)
    assert all(a < b for a, b in zip(spy.lengths, spy.lengths[1:], strict=False))
    # (b) what it shows is exactly what the model streamed
    assert widget.source == "".join(spy.chunks) and widget.source.strip()
    # placed right under the verdict reply, which is unchanged
    assert transcript.index(widget) == transcript.index(verdicts[0]) + 1
    assert verdicts[0].source == verdicts[0].turn.text


async def test_an_llm_failure_while_streaming_keeps_the_offline_reply(tmp_path: Path) -> None:
    settings = refused_llm_settings(settings_for(tmp_path / "no-index"))
    app = ReviewApp(settings, knowledge=Knowledge(settings))
    async with app.run_test(size=SIZE) as pilot:
        await review(app, pilot)
        verdict = app.main.conversation.verdict
        assert verdict is not None and verdict.engine.mode == "offline"
        notices = explanation_notices(app)
        assert len(notices) == 1 and notices[0].severity == "warning"  # type: ignore[attr-defined]
        assert not list(app.main.query(ExplanationTurn))
        replies = [t for t in app.main.query(AssistantTurn) if t.turn.kind == "verdict"]
        assert len(replies) == 1 and "Offline review: the LLM was unavailable" in replies[0].source


async def test_a_stream_cut_off_midway_is_removed_with_a_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kw: object) -> Iterator[str]:
        yield "The verdict is "
        yield "reject because"
        raise LLMUnavailableError("explanation failed: ReadTimeout")

    monkeypatch.setattr(explain, "stream_explanation", broken)
    mounted: list[ExplanationTurn] = []
    real_add_explanation = ConversationPane.add_explanation

    async def add_explanation(pane: ConversationPane, after: object = None) -> ExplanationTurn:
        widget = await real_add_explanation(pane, after)  # type: ignore[arg-type]
        mounted.append(widget)
        return widget

    monkeypatch.setattr(ConversationPane, "add_explanation", add_explanation)
    settings = refused_llm_settings(settings_for(tmp_path / "no-index"))
    app = ReviewApp(settings, knowledge=Knowledge(settings))
    async with app.run_test(size=SIZE) as pilot:
        await review(app, pilot)
        assert len(mounted) == 1 and mounted[0].source == "The verdict is reject because"
        assert not list(app.main.query(ExplanationTurn))  # a half explanation is not left behind
        assert len(explanation_notices(app)) == 1
        assert next(t.turn.kind for t in app.main.query(AssistantTurn)) == "verdict"


async def test_offline_there_is_no_explanation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr(explain, "stream_explanation", lambda *a, **kw: calls.append(a) or iter(()))
    settings = settings_for(tmp_path / "no-index")
    app = ReviewApp(settings, knowledge=Knowledge(settings))
    async with app.run_test(size=SIZE) as pilot:
        await review(app, pilot)
        assert app.main.conversation.verdict is not None
        assert not calls and not list(app.main.query(ExplanationTurn)) and not explanation_notices(app)


async def test_the_operators_secret_is_not_echoed_on_screen(tmp_path: Path) -> None:
    """The proposal shows as it is saved and sent: redacted. The offline review still sees the value."""
    from tui.widgets.conversation import OperatorTurn

    settings = settings_for(tmp_path / "no-index", repo=EXAMPLE_REPO)
    app = ReviewApp(settings, knowledge=Knowledge(settings))
    async with app.run_test(size=SIZE) as pilot:
        app.main.pane.prompt.insert(PROPOSAL)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = [w.source for w in app.main.query(OperatorTurn)]
        replies = [w.source for w in app.main.query(AssistantTurn)]
    assert len(shown) == 1 and "hunter2secret" not in shown[0] and "[REDACTED:" in shown[0]
    assert "Authentik" in shown[0]  # the rest of the proposal reads as typed
    assert replies and not any("hunter2secret" in r for r in replies)


async def test_the_prompt_counts_the_seconds_while_the_llm_is_awaited(tmp_path: Path) -> None:
    settings = local_llm_settings(tmp_path, max_tokens=120)
    app = ReviewApp(settings, knowledge=Knowledge(settings))
    async with app.run_test(size=SIZE) as pilot:
        main = app.main
        main._busy(True)
        first = main.pane.prompt.border_subtitle
        main._busy_since -= 7  # as if the model had been thinking for 7 s: the next tick says so
        for _ in range(25):  # the 1 s ticker, waited for up to 5 s on a loaded machine
            await pilot.pause(0.2)
            if not main.pane.prompt.border_subtitle.endswith("· 0s"):
                break
        later = main.pane.prompt.border_subtitle
        main._busy(False)
        idle = main.pane.prompt.border_subtitle
        ticking = main._ticker
    assert settings.model in first and f"up to {settings.timeout:.0f}s, then offline" in first
    assert first.endswith("· 0s") and later.endswith(("· 7s", "· 8s", "· 9s", "· 10s", "· 11s", "· 12s"))
    assert idle == "" and ticking is None


async def test_offline_the_prompt_just_says_reviewing(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "no-index", repo=EXAMPLE_REPO)
    app = ReviewApp(settings, knowledge=Knowledge(settings))
    async with app.run_test(size=SIZE):
        app.main._busy(True)
        line = app.main.pane.prompt.border_subtitle
        ticking = app.main._ticker
    assert line == "reviewing…" and ticking is None
