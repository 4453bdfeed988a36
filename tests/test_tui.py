"""The TUI (`assistant chat`): driven with App.run_test() and the pilot against the real review pipeline and a real
index of examples/homelab; plus unit tests of its pure parts (conversation, export, history, editor command)."""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import OptionList, Static

import assistant.pipeline as pipeline
import assistant.review
from assistant.config import Settings
from assistant.knowledge_base.knowledge import Knowledge
from assistant.models import Citation, CriterionResult, EngineInfo, Finding, Subject, Verdict
from tests.conftest import EXAMPLE_REPO, PROJECT, refused_llm_settings, settings_for
from tui.app import ReviewApp
from tui.conversation import ANSWERS_HEADING, Conversation
from tui.editor import editor_command, source_path
from tui.export import adr_markdown, export, next_adr_number, slugify, write_adr
from tui.history import HISTORY_ENV, HistoryStore, history_dir
from tui.screens.export import ExportScreen
from tui.screens.help import HelpScreen
from tui.screens.history import HistoryScreen
from tui.screens.main import MainScreen
from tui.service import ReviewService
from tui.widgets.conversation import AssistantTurn, OperatorTurn

BAD = "Deploy Bitnami Redis for Authentik, one replica, monitoring can come later"
ANSWERS = [
    "ServiceMonitor and PrometheusRule from day one, with alerts on memory and evictions.",
    "Use the shared Dragonfly instead, database index 4, as ADR 0001 says.",
    "Backups: CNPG barman to Garage, restore runbook in docs/runbooks",
    "Deployed by Flux as a HelmRelease from the ResourceSet, promoted dev to integration to live.",
]
SIZE = (140, 45)


def make_app(knowledge: Knowledge, settings: Settings | None = None, **kw: object) -> ReviewApp:
    return ReviewApp(settings or knowledge.settings, knowledge=knowledge, **kw)  # type: ignore[arg-type]


def turns(app: ReviewApp, kind: str | None = None) -> list[AssistantTurn]:
    return [t for t in app.main.query(AssistantTurn) if kind is None or t.turn.kind == kind]


async def send(pilot: object, app: ReviewApp, text: str, *, type_it: bool = False) -> None:
    """Put text in the prompt (typed key by key when type_it) and press Enter; wait for the review."""
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    if type_it:
        await pilot.press(*text)
    else:
        app.main.pane.prompt.insert(text)
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()


# -- the app, driven with the pilot ----------------------------------------------------------------------------------


async def test_bad_proposal_gets_revise_a_challenge_then_one_question(example_knowledge: Knowledge) -> None:
    app = make_app(example_knowledge)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.focused, type(app.main.pane.prompt))
        await send(pilot, app, BAD, type_it=True)
        verdict = app.main.conversation.verdict
        assert verdict is not None and verdict.verdict in ("revise", "reject")
        panel = str(app.main.query_one("#verdict-body", Static).render())
        assert verdict.verdict.upper() in panel and f"{verdict.score}/100" in panel
        assert "Stack Fit" in panel and "Principle Alignment" in panel and "no-observability" in panel
        reply = turns(app, "verdict")[0].turn.text
        assert verdict.summary in reply
        # the first anti-pattern is challenged with the framework's reason and the stack's answer
        challenge = turns(app, "challenge")
        assert len(challenge) == 1 and "Monitoring is day-1" in challenge[0].turn.text
        assert "kube-prometheus-stack" in challenge[0].turn.text
        assert not turns(app, "question")
        for _ in verdict.challenges:  # skip every challenge: then exactly one question, the first open one
            await send(pilot, app, "/skip")
        questions = turns(app, "question")
        assert len(questions) == 1
        assert verdict.questions[0] in questions[0].turn.text
        assert app.main.pane.prompt.border_title == "your answer"


async def test_answers_are_re_reviewed_and_the_score_moves(example_knowledge: Knowledge) -> None:
    app = make_app(example_knowledge)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, app, BAD)
        conv = app.main.conversation
        first = conv.trajectory[-1]
        for answer in ANSWERS:
            await send(pilot, app, answer)
        last = conv.trajectory[-1]
        assert len(conv.trajectory) == 1 + len(ANSWERS)
        assert last.score > first.score
        assert last.findings < first.findings and last.questions < first.questions
        assert [a.text for a in conv.answers] == ANSWERS
        # the reply says how the verdict moved, and the panel shows the new score
        reply = turns(app, "verdict")[-1].turn.text
        before = conv.trajectory[-2]
        assert f"score {before.score} → {last.score}" in reply
        assert f"{last.score}/100" in str(app.main.query_one("#verdict-body", Static).render())
        # the operator's answers were reviewed, the questions themselves were not
        assert conv.review_input().count("Does it") == 0 and ANSWERS[2] in conv.review_input()


async def test_open_a_citation_shows_its_chunk_and_builds_the_editor_command(
    example_knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(example_knowledge)
    launched: list[list[str]] = []
    monkeypatch.setattr(MainScreen, "run_external", lambda self, argv: launched.append(argv))
    monkeypatch.setenv("EDITOR", "vim")
    monkeypatch.delenv("VISUAL", raising=False)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, app, BAD)
        sources = app.main.sources
        assert sources.citations
        app.main.query_one("#source-list", OptionList).focus()
        await pilot.press("down")  # highlights [1]
        await app.workers.wait_for_complete()
        await pilot.pause()
        first = sources.citations[0]
        chunk = example_knowledge.chunk(first.id)
        assert chunk is not None
        body = str(app.main.query_one("#source-body", Static).render())
        assert body.startswith(f"[1] {chunk.path}")
        assert chunk.section in body and f"lines {chunk.lines[0]}–{chunk.lines[1]}" in body
        assert chunk.text.splitlines()[-1].strip() in body  # the full chunk, not only the excerpt
        # a repo source opens relative to settings.repo, at its first line
        index = next(i for i, c in enumerate(sources.citations) if c.source == "repo")
        for _ in range(index):
            await pilot.press("down")
        await pilot.pause()
        await pilot.press("e")
        cit = sources.citations[index]
        repo = example_knowledge.settings.repo
        assert repo is not None
        assert launched == [["vim", f"+{cit.lines[0]}", str(repo / cit.path)]]


async def test_export_an_adr_numbered_after_the_existing_ones(
    example_knowledge: Knowledge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / "docs" / "adr").mkdir(parents=True)
    (repo / "docs/adr/0001-use-dragonfly.md").write_text("# ADR 0001\n")
    (repo / "docs/adr/0002-gateway-api.md").write_text("# ADR 0002\n")
    monkeypatch.chdir(tmp_path)
    settings = example_knowledge.settings.model_copy(update={"repo": repo})
    app = make_app(example_knowledge, settings)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, app, BAD)
        await send(pilot, app, ANSWERS[0])
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        await pilot.press("a")
        await pilot.pause()
        written = app.main.last_export
        verdict = app.main.conversation.verdict
        assert verdict is not None
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("j")  # JSON, to the default path in the current directory
        await pilot.pause()
        json_path = app.main.last_export
    assert written is not None and written.parent == repo / "docs" / "adr"
    assert written.name.startswith("0003-redis-for-authentik") or written.name.startswith("0003-deploy-bitnami-redis")
    text = written.read_text()
    assert text.startswith("# ADR 0003: ")
    for heading in ("## Status", "## Context", "## Decision", "## Consequences", "## Sources"):
        assert heading in text
    assert "Proposed" in text and f"score {verdict.score}/100" in text
    assert all(f.message in text for f in verdict.findings)
    assert BAD in text and ANSWERS[0] in text  # the proposal and the answer given are the ADR's context
    assert "`framework#stack-fit`" in text
    assert json_path == tmp_path / f"review-{slugify(verdict.subject.title)}.json"
    assert json.loads(json_path.read_text())["score"] == verdict.score


async def test_resume_a_saved_conversation_from_history(example_knowledge: Knowledge, history_env: Path) -> None:
    first = make_app(example_knowledge)
    async with first.run_test(size=SIZE) as pilot:
        await send(pilot, first, BAD)
        await send(pilot, first, ANSWERS[0])
        saved = first.main.conversation
        saved_turns = len(saved.turns)
    assert len(list(history_env.glob("*.json"))) == 1

    second = make_app(example_knowledge)
    async with second.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(second.screen, HistoryScreen)
        await pilot.press("enter")
        await pilot.pause()
        conv = second.main.conversation
        assert conv.id == saved.id and len(conv.turns) == saved_turns
        assert len(second.main.query(AssistantTurn)) + len(second.main.query(OperatorTurn)) == saved_turns
        assert conv.verdict is not None and saved.verdict is not None and conv.verdict.score == saved.verdict.score
        assert f"{conv.verdict.score}/100" in str(second.main.query_one("#verdict-body", Static).render())
        assert len(second.main.sources.citations) == len(conv.verdict.citations)
        # the conversation goes on where it stopped: the pending challenge is answered and re-reviewed
        pending = conv.pending
        assert pending is not None
        await send(pilot, second, ANSWERS[1])
        assert conv.answers[-1].prompt == pending.text and len(conv.trajectory) == 3


async def test_an_llm_failure_falls_back_offline_with_a_notice(example_knowledge: Knowledge) -> None:
    settings = refused_llm_settings(example_knowledge.settings)
    app = make_app(example_knowledge, settings)
    async with app.run_test(size=SIZE) as pilot:
        assert "LLM" in str(app.main.sub_title)
        await send(pilot, app, BAD)
        verdict = app.main.conversation.verdict
        assert verdict is not None and verdict.engine.mode == "offline" and verdict.engine.fallback_reason
        notices = [n for n in app._notifications if n.title == "LLM unavailable"]
        assert len(notices) == 1 and notices[0].severity == "warning"
        assert verdict.engine.fallback_reason in notices[0].message
        assert "Offline review: the LLM was unavailable" in turns(app, "verdict")[-1].turn.text
        assert "LLM unavailable" in str(app.main.query_one("#verdict-body", Static).render())
        # the switch turns the LLM off (and on again)
        await pilot.press("ctrl+t")
        assert app.session.settings.llm == "off" and "offline" in str(app.main.sub_title)
        await pilot.press("ctrl+t")
        assert str(app.session.settings.llm) == "auto"


async def test_bad_input_is_shown_and_the_next_message_is_the_proposal(example_knowledge: Knowledge) -> None:
    app = make_app(example_knowledge)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, app, "hi there")
        errors = turns(app, "error")
        assert len(errors) == 1 and "too short" in errors[0].turn.text
        assert any(n.severity == "error" for n in app._notifications)
        assert not app.main.conversation.started and app.main.pane.prompt.border_title == "proposal"
        await send(pilot, app, BAD)
        assert app.main.conversation.verdict is not None and app.main.conversation.proposal == BAD


async def test_typing_stays_possible_while_a_review_runs(example_knowledge: Knowledge) -> None:
    gate = threading.Event()

    class GatedService(ReviewService):
        def review(self, text: str, settings: Settings, ref: str = "-") -> Verdict:
            gate.wait(20)
            return super().review(text, settings, ref)

    app = make_app(example_knowledge, service=GatedService(example_knowledge.settings, example_knowledge))
    async with app.run_test(size=SIZE) as pilot:
        app.main.pane.prompt.insert(BAD)
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.pane.prompt.border_subtitle == "reviewing…"
        await pilot.press(*"one more")
        assert app.main.pane.prompt.text == "one more"  # the review is still held by the gate
        assert app.main.conversation.verdict is None
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.main.conversation.verdict is not None and app.main.pane.prompt.border_subtitle == ""


async def test_copy_toggle_help_palette_and_new_review(example_knowledge: Knowledge) -> None:
    app = make_app(example_knowledge)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+l")
        assert app.clipboard == ""  # nothing to copy yet
        await send(pilot, app, BAD)
        await pilot.press("ctrl+l")
        assert app.clipboard == app.main.conversation.last_reply()
        assert app.clipboard.startswith("**🟡 REVISE") and "**Challenge 1 of 3**" in app.clipboard
        await pilot.press("f2")
        assert not app.main.verdict_panel.display and app.main.sources.display
        await pilot.press("f3")
        assert not app.main.query_one("#side").display
        await pilot.press("f2")
        assert app.main.verdict_panel.display and app.main.query_one("#side").display
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"New review", "Copy last reply", "Export verdict", "History", "Switch model / offline"} <= titles
        assert {"Toggle verdict panel", "Toggle sources panel", "Help"} <= titles
        await pilot.press("ctrl+p")  # the command palette runs the same actions
        await pilot.pause()
        await pilot.press(*"New review")
        assert isinstance(app.screen, CommandPalette)
        for _ in range(100):  # the palette searches asynchronously: wait for its first hit to be highlighted
            found = app.screen.query_one(CommandList).highlighted_option
            if found is not None:
                break
            await pilot.pause(0.02)
        assert found is not None and "New review" in str(found.prompt)
        await pilot.press("enter")
        await pilot.pause()
        assert not app.main.conversation.started and not turns(app)
        assert app.main.verdict_panel.verdict is None and not app.main.sources.citations


async def test_without_a_repo_index_the_app_says_what_reviews_are_grounded_in(
    example_knowledge: Knowledge, tmp_path: Path
) -> None:
    bare = make_app(Knowledge(settings_for(tmp_path / "no-index")))
    async with bare.run_test(size=SIZE) as pilot:
        await bare.workers.wait_for_complete()
        await pilot.pause()
        notes = [n for n in bare._notifications if n.title == "No repo index"]
        assert len(notes) == 1 and "assistant index" in notes[0].message and notes[0].severity == "warning"
    indexed = make_app(example_knowledge)
    async with indexed.run_test(size=SIZE) as pilot:
        await indexed.workers.wait_for_complete()
        await pilot.pause()
        assert not [n for n in indexed._notifications if n.title == "No repo index"]


async def test_switch_model_without_an_llm_only_notifies(example_knowledge: Knowledge) -> None:
    app = make_app(example_knowledge)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+t")
        assert app.session.settings.llm == "off"
        assert any("No LLM is configured" in n.message for n in app._notifications)


async def test_a_proposal_file_is_reviewed_even_when_it_asks_questions(example_knowledge: Knowledge) -> None:
    """`assistant chat --proposal FILE` is a review request: the example proposal routes as "both" when typed, but
    given as a file it is reviewed at once, as `assistant review --proposal` does."""
    from assistant.reasoning.intent import route

    text = (PROJECT / "examples" / "proposals" / "redis-for-authentik.md").read_text()
    assert route(text).route == "both"
    app = make_app(example_knowledge, proposal=text)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        verdict = app.main.conversation.verdict
    assert verdict is not None and verdict.subject.title == "Redis for Authentik"


async def test_initial_proposal_and_pr_option(example_knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(example_knowledge, proposal=BAD)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.main.conversation.proposal == BAD and app.main.conversation.verdict is not None

    calls: list[str] = []

    def review_pr(pr: str, settings: Settings, *, knowledge: Knowledge | None = None) -> Verdict:
        calls.append(pr)
        return pipeline.review_text(BAD, settings, ref=pr, knowledge=knowledge)

    monkeypatch.setattr(assistant.review, "review_pull_request", review_pr)
    app = make_app(example_knowledge, pr="123")
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        conv = app.main.conversation
        assert calls == ["123"] and conv.kind == "pull_request" and conv.verdict is not None
        await send(pilot, app, "We keep it.")  # recorded, not re-scored
        assert conv.answers[-1].text == "We keep it." and len(conv.trajectory) == 1


def test_run_chat_builds_the_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import tui.app

    ran: list[ReviewApp] = []
    monkeypatch.setattr(tui.app.ReviewApp, "run", lambda self: ran.append(self))
    tui.app.run_chat(settings_for(tmp_path), proposal=BAD, pr=None)
    assert len(ran) == 1 and ran[0]._proposal == BAD and ran[0]._pr is None


# -- pure logic --------------------------------------------------------------------------------------------------------


def verdict_of(
    *,
    score: int = 40,
    name: str = "revise",
    questions: list[str] | None = None,
    challenges: list[str] | None = None,
    findings: int = 1,
) -> Verdict:
    cit = Citation(
        id="framework#stack-fit",
        source="framework",
        path="knowledge/framework.md",
        section="Framework > Stack Fit",
        lines=(37, 43),
        excerpt="Does this overlap…",
    )
    return Verdict(
        subject=Subject(kind="proposal", title="Redis for Authentik", ref="-"),
        verdict=name,  # type: ignore[arg-type]
        score=score,
        criteria=[
            CriterionResult(id="stack-fit", group="Stack Fit", name="Stack Fit", rating="weak", rationale="overlap")
        ],
        findings=[
            Finding(
                id=f"overlap:{n}",
                category="overlap",
                severity="major",
                component="dragonfly",
                message=f"Adds Redis ({n}).",
                suggestion="Use Dragonfly.",
                citations=["framework#stack-fit"],
            )
            for n in range(findings)
        ],
        questions=questions if questions is not None else ["How is it backed up?", "How is it monitored?"],
        challenges=challenges if challenges is not None else ["Adding a new tool: bloat. Correct approach: reuse."],
        citations=[cit],
        engine=EngineInfo(mode="offline", model="offline-rules"),
        summary="1 finding.",
    )


def test_conversation_challenges_first_then_questions_one_at_a_time() -> None:
    conv = Conversation()
    conv.submit("Deploy Redis for Authentik")
    new = conv.record_review(verdict_of())
    assert [t.kind for t in new] == ["verdict", "challenge"]
    assert conv.pending is not None and conv.pending.kind == "challenge"
    assert conv.last_reply() == f"{new[0].text.strip()}\n\n{new[1].text.strip()}\n"
    conv.submit("We need Redis Streams semantics.")
    assert conv.answers[-1].prompt == conv.challenged[0]
    new = conv.record_review(verdict_of(challenges=[]))  # the answer settled the challenge
    assert [t.kind for t in new] == ["verdict", "question"]
    assert conv.pending is not None and conv.pending.text == "How is it backed up?"
    assert "Question 1" in new[-1].text and "1 more open" in new[-1].text
    new = conv.skip()
    assert [t.kind for t in new] == ["question"] and conv.pending is not None
    assert conv.pending.text == "How is it monitored?" and conv.skipped == ["How is it backed up?"]
    conv.submit("No metrics yet.")
    new = conv.record_review(verdict_of(challenges=[], questions=["How is it monitored?", "How is it backed up?"]))
    # not settled: said so, and not asked again; nothing left to ask
    assert [t.kind for t in new] == ["verdict", "note", "done"] and conv.pending is None
    assert "stays open" in new[1].text
    conv.submit("More detail.")
    assert conv.answers[-1].prompt is None
    new = conv.record_review(verdict_of(challenges=[], questions=[]))
    assert [t.kind for t in new] == ["verdict"]  # "done" is said once


def test_review_input_is_proposal_plus_answers_without_the_questions() -> None:
    conv = Conversation()
    conv.submit("Deploy Redis for Authentik")
    assert conv.review_input() == "Deploy Redis for Authentik"
    conv.record_review(verdict_of(challenges=[]))
    conv.submit("Backups:  CNPG barman\nto Garage")
    text = conv.review_input()
    assert text.startswith("Deploy Redis for Authentik\n\n" + ANSWERS_HEADING)
    assert "- Backups: CNPG barman to Garage" in text and "How is it backed up?" not in text


def test_conversation_edit_error_and_json_round_trip() -> None:
    conv = Conversation()
    conv.submit("hi")
    conv.record_error("the proposal is too short", "describe it")
    assert not conv.started and conv.turns[-1].kind == "error" and "*Hint:* describe it" in conv.turns[-1].text
    conv.submit("Deploy Redis for Authentik")
    conv.record_review(verdict_of())
    assert conv.begin_edit() == "Deploy Redis for Authentik"
    conv.submit("Use Dragonfly for Authentik")
    assert conv.proposal == "Use Dragonfly for Authentik" and not conv.editing and conv.pending is None
    conv.record_error("boom", None)  # a failed edit restores the proposal it replaced
    assert conv.proposal == "Deploy Redis for Authentik"
    conv.submit("We need Streams.")  # answers the pending challenge, which stands after the re-review
    assert [t.kind for t in conv.record_review(verdict_of())] == ["verdict", "note", "question"]
    conv.begin_edit()
    conv.submit("Use Dragonfly for Authentik")  # an edit is not an answer: no "still stands" note
    assert [t.kind for t in conv.record_review(verdict_of())] == ["verdict", "question"]
    conv.record_review(verdict_of(score=55))
    conv.submit("an answer")
    data = json.loads(json.dumps(conv.to_json()))
    back = Conversation.from_json(data)
    assert back == conv and back.verdict == conv.verdict and back.title == "Redis for Authentik"
    with pytest.raises(ValueError):
        Conversation.from_json({**data, "schema_version": 99})


def test_adr_numbering(tmp_path: Path) -> None:
    adr = tmp_path / "docs" / "adr"
    assert next_adr_number(adr) == 1
    adr.mkdir(parents=True)
    (adr / "README.md").write_text("index")
    (adr / "template.md").write_text("t")
    assert next_adr_number(adr) == 1
    (adr / "0001-a.md").write_text("a")
    (adr / "0002-b.md").write_text("b")
    assert next_adr_number(adr) == 3
    (adr / "0007-c.md").write_text("c")
    assert next_adr_number(adr) == 8
    path = write_adr(tmp_path, verdict_of(), today=date(2025, 1, 2))
    assert path == adr / "0008-redis-for-authentik.md"
    assert write_adr(tmp_path, verdict_of(), today=date(2025, 1, 2)).name == "0009-redis-for-authentik.md"


def test_adr_content_and_other_formats(tmp_path: Path) -> None:
    conv = Conversation()
    conv.submit("# Redis for Authentik\n\nOne replica.\n\n```\n# not a heading\n```")
    conv.record_review(verdict_of())
    conv.submit("We need Streams.")
    text = adr_markdown(3, verdict_of(name="reject"), conv, date(2025, 1, 2))
    assert text.startswith("# ADR 0003: Redis for Authentik\n\n## Status\n\nRejected (2025-01-02).")
    assert "\n### Redis for Authentik\n" in text and "\n# not a heading\n" in text  # demoted outside fences only
    assert "- *Adding a new tool: bloat. Correct approach: reuse.* — We need Streams." in text
    assert "- **major** `overlap` (dragonfly): Adds Redis (0). [1]" in text
    assert "1. `framework#stack-fit` — knowledge/framework.md · Framework > Stack Fit (lines 37–43)" in text
    md = export("md", verdict_of(), repo=tmp_path, path=tmp_path / "out" / "v.md")
    assert md.read_text().startswith("## 🟡 REVISE · score 40/100")
    js = export("json", verdict_of(), repo=tmp_path, path=tmp_path / "v.json")
    assert Verdict.model_validate_json(js.read_text()) == verdict_of()
    assert slugify("Deploy Bitnami Redis — for Authentik!") == "deploy-bitnami-redis-for-authentik"
    assert slugify("Deploy Bitnami Redis for Authentik, one replica", limit=30) == "deploy-bitnami-redis-for"
    assert slugify("…") == "review"


def test_history_store(tmp_path: Path) -> None:
    assert history_dir({HISTORY_ENV: str(tmp_path / "h")}) == tmp_path / "h"
    assert history_dir({}).name == "conversations" and "review-assistant" in str(history_dir({}))
    store = HistoryStore(tmp_path / "h")
    assert store.entries() == []
    old, new = Conversation(id="20250101-000000-aaaaaa"), Conversation(id="20250102-000000-bbbbbb")
    old.submit("Old proposal about Redis")
    old.updated = "2025-01-01T00:00:00Z"
    new.submit("New proposal about Immich")
    new.record_review(verdict_of(score=77, name="approve"))
    new.updated = "2025-01-02T00:00:00Z"
    store.save(old)
    store.save(new)
    (tmp_path / "h" / "broken.json").write_text("{not json")
    entries = store.entries()
    assert [e.id for e in entries] == [new.id, old.id]
    assert (entries[0].verdict, entries[0].score, entries[0].title) == ("approve", 77, "Redis for Authentik")
    assert entries[1].verdict is None and entries[1].title == "Old proposal about Redis"
    assert store.load(new.id) == new
    store.delete(old.id)
    assert [e.id for e in store.entries()] == [new.id]
    with pytest.raises(ValueError):
        store.path("../escape")


def test_editor_command(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "index", repo=tmp_path / "repo")
    repo_cit = Citation(id="repo:docs/a.md#x", source="repo", path="docs/a.md", section="x", lines=(12, 20), excerpt="")
    fw_cit = Citation(
        id="framework#x", source="framework", path="knowledge/framework.md", section="", lines=(3, 4), excerpt=""
    )
    target = str(tmp_path / "repo" / "docs" / "a.md")
    assert editor_command(repo_cit, settings, {"EDITOR": "nvim"}) == ["nvim", "+12", target]
    assert editor_command(repo_cit, settings, {"EDITOR": "vi", "VISUAL": "code --wait"}) == [
        "code",
        "--wait",
        "--goto",
        f"{target}:12",
    ]
    assert editor_command(repo_cit, settings, {"EDITOR": "/usr/bin/hx"}) == ["/usr/bin/hx", f"{target}:12"]
    assert editor_command(repo_cit, settings, {"EDITOR": "ed"}) == ["ed", target]
    assert editor_command(repo_cit, settings, {}) == ["vi", "+12", target]
    assert editor_command(fw_cit, settings, {}) == ["vi", "+3", str(settings.framework_path)]
    no_repo = settings_for(tmp_path / "index")
    assert source_path(repo_cit, no_repo, cwd=tmp_path) == tmp_path / "docs" / "a.md"


def test_service_reviews_a_patch_file_through_the_one_engine(tmp_path: Path) -> None:
    """`/pr PATH` with a patch file: resolved by inputs.resolve, reviewed by assistant.review like the CLI's --diff."""
    settings = settings_for(tmp_path / "no-index", repo=EXAMPLE_REPO)
    service = ReviewService(settings)
    patch = PROJECT / "examples" / "prs" / "0001-add-mealie.patch"
    verdict = service.review_pr(str(patch), settings)
    assert verdict.subject.kind == "pull_request" and verdict.pull_request is not None
    assert verdict.pull_request.apps == ["mealie"] and verdict.verdict == "approve"


async def test_edit_replaces_the_proposal_and_the_verdict_moves(example_knowledge: Knowledge) -> None:
    revised = (
        "Point Authentik at the shared Dragonfly (database index 4, ADR 0001) instead of deploying Redis. "
        "Its ServiceMonitor and PrometheusRule already cover it."
    )
    app = make_app(example_knowledge)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, app, BAD)
        conv = app.main.conversation
        first = conv.trajectory[-1]
        await send(pilot, app, "/edit")
        prompt = app.main.pane.prompt
        assert prompt.text == BAD and conv.editing and "revised proposal" in str(prompt.border_title)
        prompt.clear()
        await send(pilot, app, revised)
        assert conv.proposal == revised and not conv.editing and len(conv.trajectory) == 2
        assert conv.verdict is not None and "overlap" not in {f.category for f in conv.verdict.findings}
        assert conv.trajectory[-1].findings < first.findings and conv.trajectory[-1].score > first.score


async def test_the_palette_shows_the_repos_discovered_stack(example_knowledge: Knowledge) -> None:
    from textual.widgets import Markdown

    from tui.screens.stack import StackScreen

    app = make_app(example_knowledge)
    async with app.run_test(size=SIZE) as pilot:
        await app.main.run_action("show_stack")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, StackScreen)
        text = app.screen.markdown
        assert "Dragonfly" in text and "CloudNativePG" in text  # what examples/homelab runs, discovered at index
        assert "platform-charts.yaml:" in text  # with where
        assert app.screen.query_one(Markdown) is not None
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, StackScreen)


async def test_the_palette_shows_the_repos_house_conventions(example_knowledge: Knowledge, tmp_path: Path) -> None:
    """The conventions page: every measured habit with its support and the units that prove it; a repo with none to
    read says so in a notice, not a traceback."""
    from tui.screens.stack import StackScreen

    app = make_app(example_knowledge)
    async with app.run_test(size=SIZE) as pilot:
        await app.main.run_action("show_conventions")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, StackScreen) and app.screen.title == "Conventions"
        text = app.screen.markdown
        assert "2 app units" in text and "route through gateway internal" in text
        assert "`kubernetes/clusters/live/resourcesets/apps.yaml#paperless`" in text  # the unit that proves it
        await pilot.press("escape")
    gone = example_knowledge.settings.model_copy(update={"repo": tmp_path / "missing"})
    app = make_app(example_knowledge, settings=gone)
    async with app.run_test(size=SIZE) as pilot:
        await app.main.run_action("show_conventions")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, StackScreen)
        assert any("no repo to learn conventions from" in n.message for n in app._notifications)
