"""The TUI answers a question before any review (with its sources in the sources panel), and offers a review when
the question reads like a plan too (`/review`). Real index of examples/homelab, real pilot."""

from __future__ import annotations

from textual.widgets import OptionList

from assistant.knowledge_base.knowledge import Knowledge
from tests.test_tui import SIZE, make_app, send, turns


async def test_a_question_is_answered_with_its_sources(example_knowledge: Knowledge) -> None:
    app = make_app(example_knowledge)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, app, "How do I restore a CNPG cluster from its Garage backup?")
        conv = app.main.conversation
        assert not conv.started and conv.verdict is None  # answered, not reviewed
        reply = turns(app, "note")[-1].turn.text
        assert "restore-cnpg-cluster.md:" in reply and "/review" not in reply
        cited = app.main.sources.citations
        assert cited and cited[0].path == "docs/runbooks/restore-cnpg-cluster.md"
        assert app.main.query_one("#source-list", OptionList).option_count == len(cited)
        # a plan typed next is still reviewed
        await send(pilot, app, "Deploy Bitnami Redis for Authentik, one replica, monitoring can come later")
        assert conv.started and conv.verdict is not None


async def test_a_question_about_a_plan_is_answered_then_reviewed_on_request(example_knowledge: Knowledge) -> None:
    app = make_app(example_knowledge)
    async with app.run_test(size=SIZE) as pilot:
        question = "Should we deploy Redis for Authentik?"
        await send(pilot, app, question)
        assert app.main.conversation.verdict is None
        assert "/review" in turns(app, "note")[-1].turn.text and app.main.plan == question
        await send(pilot, app, "/review")
        conv = app.main.conversation
        assert conv.proposal == question and conv.verdict is not None
        assert any(f.category == "overlap" for f in conv.verdict.findings)
