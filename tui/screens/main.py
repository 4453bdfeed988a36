"""The main screen: the conversation on the left, the verdict and its sources on the right. It coordinates:
prompt → Conversation → review worker → replies, verdict panel, sources panel, history."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Footer, Header
from textual.worker import get_current_worker

from assistant.config import Settings
from assistant.errors import AssistantError, LLMUnavailableError
from assistant.models import Verdict
from assistant.render.progress import waiting_line
from tui.conversation import EDIT_COMMANDS, SKIP_COMMANDS, Conversation, Turn
from tui.messages import (
    AnswerFinished,
    ChunkLoaded,
    CitationChosen,
    OpenSource,
    PromptSubmitted,
    ReviewFailed,
    ReviewFinished,
)
from tui.screens.history import HistoryScreen
from tui.screens.panels import PanelScreen
from tui.screens.stack import StackScreen
from tui.service import Session
from tui.widgets.conversation import ConversationPane, ExplanationTurn
from tui.widgets.sources import SourcesPanel
from tui.widgets.verdict import VerdictPanel

REVIEW_COMMAND = "/review"
PROMPT_TITLE = {
    "challenge": "your answer to the challenge",
    "question": "your answer",
}


class MainScreen(PanelScreen):
    AUTO_FOCUS = "#prompt"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", tooltip="this screen"),
        Binding("ctrl+n", "new_review", "New", tooltip="new review (the current one stays in the history)"),
        Binding("ctrl+l", "copy_reply", "Copy reply", tooltip="copy the last reply to the clipboard as Markdown"),
        Binding("ctrl+s", "export", "Export", tooltip="export the verdict: Markdown, JSON, or an ADR in docs/adr/"),
        Binding("ctrl+r", "history", "History", tooltip="resume a saved conversation"),
        Binding("ctrl+t", "switch_model", "Model", tooltip="switch between the configured LLM and offline"),
        Binding("ctrl+o", "open_source", "Open source", tooltip="open the selected source in $EDITOR"),
        Binding("f2", "toggle_verdict", "Verdict", tooltip="show or hide the verdict panel"),
        Binding("f3", "toggle_sources", "Sources", tooltip="show or hide the sources panel"),
        Binding("ctrl+b", "toggle_side", "Panels", show=False, tooltip="show or hide both side panels"),
    ]

    def __init__(self, session: Session, proposal: str | None = None, pr: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.conversation = Conversation()
        self._initial = proposal
        self._pr = pr
        self._seq = 0
        self._ticker: Timer | None = None
        self._busy_since = time.monotonic()
        self.last_export: Path | None = None
        self.plan: str | None = None  # a question answered that reads like a plan too: `/review` reviews it

    # -- layout ---------------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            yield ConversationPane(id="conversation")
            with Vertical(id="side"):
                yield VerdictPanel(id="verdict")
                yield SourcesPanel(id="sources")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.session.engine_label
        if self._initial:  # `assistant chat --proposal FILE` asks for a review: no routing, as `review --proposal`
            self.pane.add_turns([self.conversation.submit(self._initial)])
            self.start_review()
        elif self._pr:
            self.start_pr_review(self._pr)
        else:
            self.warm_up()

    # -- the conversation -----------------------------------------------------------------------------------------

    @on(PromptSubmitted)
    def _submitted(self, event: PromptSubmitted) -> None:
        event.stop()
        self.submit(event.text)

    def submit(self, text: str) -> None:
        command = text.strip().lower()
        if command in SKIP_COMMANDS:
            self.action_skip()
            return
        if command in EDIT_COMMANDS:
            self.action_edit_proposal()
            return
        if command == REVIEW_COMMAND:
            self.action_review_plan()
            return
        if command.startswith("/") and " " not in command:
            self.notify(f"Unknown command {command}: try /skip or /edit (F1 for help)", severity="warning")
            return
        if self._ask_instead(text):
            return
        turn = self.conversation.submit(text)
        self.pane.add_turns([turn])
        if self.conversation.kind == "pull_request":
            note = self.conversation.note(
                "Noted; it is kept with the conversation and the ADR. A pull request's verdict is computed from "
                "its diff, so the answer does not re-score it."
            )
            self.pane.add_turns([note, *self.conversation.advance()])
            self._after_turn()
            return
        self.start_review()

    def _ask_instead(self, text: str) -> bool:
        """Before a review has started, a question is answered (with its sources) rather than reviewed."""
        from assistant.reasoning.intent import route

        if self.conversation.started or self.conversation.editing:
            return False
        intent = route(text)
        if intent.route == "review" or intent.fallback:
            return False
        self.plan = text.strip() if intent.route == "both" else None
        self.pane.add_turns([Turn("operator", "addition", text.strip())])
        self._seq += 1
        self._busy(True)
        self.ask_worker(self._seq, text, self.session.settings, intent.route)
        return True

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def ask_worker(self, seq: int, question: str, settings: Settings, route: str) -> None:
        worker = get_current_worker()
        message: AnswerFinished | ReviewFailed
        try:
            message = AnswerFinished(seq, self.session.service.ask(question, settings), route)
        except AssistantError as exc:
            message = ReviewFailed(seq, exc.message, exc.hint)
        except Exception as exc:  # not expected: show its real cause rather than lose the app
            self.log.error(f"ask failed: {exc!r}")
            message = ReviewFailed(seq, f"{type(exc).__name__}: {exc}", "this is a bug; please report it")
        if not worker.is_cancelled:
            self.post_message(message)

    @on(AnswerFinished)
    async def _answered(self, event: AnswerFinished) -> None:
        from assistant.reasoning.ask import render_answer_markdown

        event.stop()
        if event.seq != self._seq:
            return
        self._busy(False)
        text = render_answer_markdown(event.answer)
        if event.route == "both":
            text += f"\n*This reads like a plan too: type `{REVIEW_COMMAND}` to review it.*\n"
            self.notify(f"This reads like a plan too: type {REVIEW_COMMAND} to review it", title="Review it?")
        self.sources.show(event.answer.citations)
        await self.pane.add_turns([Turn("assistant", "note", text)])

    def action_review_plan(self) -> None:
        """Review the question just answered as a plan (it read like one too)."""
        if self.plan is None or self.conversation.started:
            self.notify("Nothing to review as a plan: type the proposal", severity="warning")
            return
        plan, self.plan = self.plan, None
        self.pane.add_turns([self.conversation.submit(plan)])
        self.start_review()

    def start_review(self) -> None:
        self._seq += 1
        self._busy(True)
        self.review_worker(self._seq, self.conversation.review_input(), self.session.settings)

    def start_pr_review(self, pr: str) -> None:
        self._seq += 1
        self._busy(True)
        self.pr_worker(self._seq, pr, self.session.settings)

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def review_worker(self, seq: int, text: str, settings: Settings) -> None:
        self._post_outcome(seq, lambda: self.session.service.review(text, settings))

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def pr_worker(self, seq: int, pr: str, settings: Settings) -> None:
        self._post_outcome(seq, lambda: self.session.service.review_pr(pr, settings), pr=pr)

    def _post_outcome(self, seq: int, call: Callable[[], Verdict], pr: str | None = None) -> None:
        """Run the review in this worker thread and post its outcome, unless a newer review superseded it."""
        worker = get_current_worker()
        message: ReviewFinished | ReviewFailed
        try:
            message = ReviewFinished(seq, call(), pr)
        except AssistantError as exc:
            message = ReviewFailed(seq, exc.message, exc.hint)
        except Exception as exc:  # not expected: show its real cause rather than lose the app
            self.log.error(f"review failed: {exc!r}")
            message = ReviewFailed(seq, f"{type(exc).__name__}: {exc}", "this is a bug; please report it")
        if not worker.is_cancelled:
            self.post_message(message)

    @work(thread=True, exclusive=True, group="warm-up", exit_on_error=False)
    def warm_up(self) -> None:
        try:
            note = self.session.service.warm_up()
        except Exception as exc:  # the first review will meet the same problem and show it
            self.log.warning(f"warm-up failed: {exc!r}")
            return
        if note:
            self.app.call_from_thread(self.notify, note, title="No repo index", severity="warning", timeout=15)

    @on(ReviewFinished)
    async def _finished(self, event: ReviewFinished) -> None:
        event.stop()
        if event.seq != self._seq:
            return
        self._busy(False)
        conv = self.conversation
        if event.pr is not None and not conv.started:
            await self.pane.add_turns([conv.start_pull_request(event.pr)])
        before = conv.trajectory[-1] if conv.trajectory else None
        turns = conv.record_review(event.verdict)
        self.verdict_panel.show(event.verdict, before)
        self.sources.show(event.verdict.citations)
        await self.pane.add_turns(turns)
        if event.verdict.engine.fallback_reason:
            self.notify(
                f"The LLM failed; this review is offline. {event.verdict.engine.fallback_reason}",
                title="LLM unavailable",
                severity="warning",
                timeout=10,
            )
        self._after_turn()
        settings = self.session.settings
        if settings.llm_configured:  # offline nothing more: the reply above is the whole answer
            proposal = conv.review_input() if conv.kind == "proposal" else ""
            self.explain_worker(event.seq, event.verdict, settings, proposal, turns[0] if turns else None)

    @work(thread=True, exclusive=True, group="explain", exit_on_error=False)
    def explain_worker(self, seq: int, verdict: Verdict, settings: Settings, proposal: str, after: Turn | None) -> None:
        """Stream the LLM's explanation of the verdict into a reply under it, mounted on the first chunk."""
        worker = get_current_worker()

        def current() -> bool:
            return not worker.is_cancelled and seq == self._seq

        widget: ExplanationTurn | None = None
        # call_from_thread awaits what it is given (mount, append): the stream waits for the screen to keep up
        call: Callable[..., Any] = self.app.call_from_thread
        try:
            for chunk in self.session.service.explain(verdict, settings, proposal):
                if not current():
                    return
                if widget is None:
                    widget = call(self.pane.add_explanation, after)
                call(widget.append, chunk)
        except LLMUnavailableError as exc:
            if current():
                call(self._explanation_failed, exc.message, widget)
        except RuntimeError as exc:  # the app stopped while the stream ran
            self.log.warning(f"explanation stopped: {exc!r}")

    async def _explanation_failed(self, message: str, widget: ExplanationTurn | None) -> None:
        if widget is not None:  # a half explanation would read as a whole one
            await widget.remove()
        self.notify(
            f"No explanation: {message}. The review above stands.",
            title="Explanation unavailable",
            severity="warning",
        )

    @on(ReviewFailed)
    async def _failed(self, event: ReviewFailed) -> None:
        event.stop()
        if event.seq != self._seq:
            return
        self._busy(False)
        await self.pane.add_turns([self.conversation.record_error(event.message, event.hint)])
        self.notify(event.message + (f"\n{event.hint}" if event.hint else ""), title="Cannot review", severity="error")
        self._after_turn(save=False)

    def _busy(self, busy: bool) -> None:
        """While a review or an answer runs: with an LLM configured, the prompt's subtitle says which model at
        which endpoint is being waited for and counts the seconds against its timeout (then offline)."""
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self._busy_since = time.monotonic()
        self.pane.set_busy(busy, self._waiting())
        self.verdict_panel.set_busy(busy)
        if busy and self.session.settings.llm_configured:
            self._ticker = self.set_interval(1.0, lambda: self.pane.set_busy(True, self._waiting()))

    def _waiting(self) -> str:
        settings = self.session.settings
        if not settings.llm_configured:
            return "reviewing…"
        return f"{waiting_line(settings, 'waiting')} · {time.monotonic() - self._busy_since:.0f}s"

    def _after_turn(self, save: bool = True) -> None:
        conv = self.conversation
        if conv.editing:
            self.pane.set_prompt_title("revised proposal (replaces the old one)", "edit")
        elif not conv.started:
            self.pane.set_prompt_title("proposal", "proposal")
        elif conv.pending is not None:
            self.pane.set_prompt_title(PROMPT_TITLE[conv.pending.kind], "answer")
        else:
            self.pane.set_prompt_title("more detail (re-reviewed)", "detail")
        if save and conv.started:
            try:
                self.session.history.save(conv)
            except OSError as exc:
                self.notify(f"Could not save the conversation: {exc}", severity="error")

    # -- sources ----------------------------------------------------------------------------------------------------

    @on(CitationChosen)
    def _citation_chosen(self, event: CitationChosen) -> None:
        event.stop()
        self.chunk_worker(event.citation_id)

    @work(thread=True, exclusive=True, group="chunk", exit_on_error=False)
    def chunk_worker(self, citation_id: str) -> None:
        worker = get_current_worker()
        try:
            chunk = self.session.service.chunk(citation_id)
        except Exception as exc:  # an index error: keep the excerpt, say why the full text is missing
            self.app.call_from_thread(self.notify, f"Cannot read {citation_id}: {exc}", severity="warning")
            return
        if not worker.is_cancelled:
            self.post_message(ChunkLoaded(citation_id, chunk))

    @on(ChunkLoaded)
    def _chunk_loaded(self, event: ChunkLoaded) -> None:
        event.stop()
        selected = self.sources.selected
        if event.chunk is not None and selected is not None and selected.id == event.citation_id:
            self.sources.show_chunk(event.citation_id, event.chunk)

    @on(OpenSource)
    def _open_source(self, event: OpenSource) -> None:
        event.stop()
        self.open_in_editor(event.citation_id)

    # -- actions (bindings and the command palette) -----------------------------------------------------------------

    def action_show_stack(self) -> None:
        self.show_markdown("Stack", self.session.service.stack_markdown)

    def action_show_conventions(self) -> None:
        self.show_markdown("Conventions", self.session.service.conventions_markdown)

    @work(thread=True, exclusive=True, group="markdown")
    def show_markdown(self, title: str, make: Callable[[], str]) -> None:
        """A read-only page (the stack, the conventions), made in a worker: mining a big repo takes a moment."""
        try:
            markdown = make()
        except AssistantError as exc:
            said = exc.message + (f"\n{exc.hint}" if exc.hint else "")
            self.app.call_from_thread(self.notify, said, severity="error")
            return
        self.app.call_from_thread(self.app.push_screen, StackScreen(markdown, title))

    async def action_new_review(self) -> None:
        self._seq += 1  # a review still running belongs to the old conversation
        self._busy(False)
        self.conversation = Conversation()
        await self.pane.reset([])
        self.verdict_panel.show(None)
        self.sources.show([])
        self._after_turn()
        self.pane.prompt.focus()

    def action_skip(self) -> None:
        turns = self.conversation.skip()
        if not turns:
            self.notify("No question is waiting for an answer", severity="warning")
            return
        self.pane.add_turns(turns)
        self._after_turn()

    def action_edit_proposal(self) -> None:
        if not self.conversation.started or self.conversation.kind != "proposal":
            self.notify("No proposal to edit yet: type one", severity="warning")
            return
        prompt = self.pane.prompt
        prompt.text = self.conversation.begin_edit()
        prompt.move_cursor(prompt.document.end)
        prompt.focus()
        self._after_turn(save=False)

    def action_history(self) -> None:
        self.app.push_screen(HistoryScreen(self.session.history), self._resume)

    async def _resume(self, conversation_id: str | None) -> None:
        if conversation_id is None:
            return
        try:
            conv = self.session.history.load(conversation_id)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self.notify(f"Cannot read that conversation: {exc}", severity="error")
            return
        await self.resume(conv)

    async def resume(self, conv: Conversation) -> None:
        self._seq += 1
        self._busy(False)
        self.conversation = conv
        await self.pane.reset(conv.turns)
        before = conv.trajectory[-2] if len(conv.trajectory) > 1 else None
        self.verdict_panel.show(conv.verdict, before)
        self.sources.show(conv.verdict.citations if conv.verdict else [])
        self._after_turn(save=False)
        self.pane.prompt.focus()
        self.notify(f"Resumed: {conv.title}")
