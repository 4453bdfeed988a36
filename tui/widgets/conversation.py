"""The conversation pane: the operator's turns as plain text, the assistant's as Markdown, and the prompt."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import AwaitMount
from textual.widgets import Markdown, TextArea

from assistant.redaction import redact_text
from tui.conversation import Turn
from tui.messages import PromptSubmitted

KIND_CLASS = {
    "verdict": "-verdict",
    "challenge": "-challenge",
    "question": "-question",
    "error": "-error",
    "done": "-done",
    "note": "-note",
}


PLACEHOLDER = {
    "proposal": "Describe the change you want reviewed, then press Enter (ctrl+j: new line)",
    "answer": "Your answer, then Enter · /skip moves on · /edit revises the proposal",
    "detail": "More detail (re-reviewed) · /edit revises the proposal · ctrl+s exports",
    "edit": "Revise the proposal, then Enter: it replaces the old one",
}


class OperatorTurn(Markdown):
    """What the operator typed, as Markdown too (proposals are often Markdown files; paragraphs reflow)."""

    def __init__(self, turn: Turn) -> None:
        # shown redacted, as saved and as sent: a secret pasted into a proposal is not echoed onto the screen
        super().__init__(redact_text(turn.text), classes=f"turn operator -{turn.kind}", open_links=False)
        self.turn = turn
        self.border_title = {"proposal": "proposal", "answer": "your answer"}.get(turn.kind, "you")


class AssistantTurn(Markdown):
    """A reply, rendered as Markdown; its source is what "copy last reply" copies."""

    def __init__(self, turn: Turn) -> None:
        super().__init__(
            redact_text(turn.text), classes=f"turn assistant {KIND_CLASS.get(turn.kind, '')}", open_links=False
        )
        self.turn = turn
        self.border_title = {"challenge": "challenge", "question": "question", "error": "error"}.get(
            turn.kind, "assistant"
        )


class ExplanationTurn(Markdown):
    """The LLM's explanation of the verdict, streamed into place token by token (shown, not saved)."""

    def __init__(self) -> None:
        super().__init__("", classes="turn assistant -explanation", open_links=False)
        self.border_title = "explanation (LLM)"


class PromptArea(TextArea):
    """Enter sends; ctrl+j (or shift+enter where the terminal tells it apart) starts a new line."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            text = self.text.strip()
            if text:
                self.post_message(PromptSubmitted(text))
                self.clear()
            return
        if event.key in ("ctrl+j", "shift+enter"):
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        await super()._on_key(event)


class ConversationPane(Vertical):
    """The transcript (anchored to the bottom while the reader is there) and the prompt under it."""

    def compose(self) -> ComposeResult:
        yield VerticalScroll(id="transcript", can_focus=False)
        prompt = PromptArea(
            id="prompt",
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            placeholder=PLACEHOLDER["proposal"],
        )
        prompt.border_title = "proposal"
        yield prompt

    def on_mount(self) -> None:
        self.query_one("#transcript", VerticalScroll).anchor()

    @property
    def prompt(self) -> PromptArea:
        return self.query_one(PromptArea)

    def add_turns(self, turns: list[Turn]) -> AwaitMount:
        widgets = [OperatorTurn(t) if t.role == "operator" else AssistantTurn(t) for t in turns]
        return self.query_one("#transcript", VerticalScroll).mount_all(widgets)

    async def add_explanation(self, after: Turn | None = None) -> ExplanationTurn:
        """Mount an empty explanation under the reply for `after` (at the end when it is gone). The transcript's
        anchor keeps it in view as it grows only while the reader is at the bottom."""
        transcript = self.query_one("#transcript", VerticalScroll)
        widget = ExplanationTurn()
        anchor = next((w for w in transcript.query(AssistantTurn) if w.turn is after), None)
        if anchor is not None:
            await transcript.mount(widget, after=anchor)
        else:
            await transcript.mount(widget)
        return widget

    async def reset(self, turns: list[Turn]) -> None:
        transcript = self.query_one("#transcript", VerticalScroll)
        await transcript.remove_children()
        if turns:
            await self.add_turns(turns)
        transcript.anchor()

    def set_prompt_title(self, title: str, placeholder: str = "proposal") -> None:
        self.prompt.border_title = title
        self.prompt.placeholder = PLACEHOLDER[placeholder]

    def set_busy(self, busy: bool, line: str = "reviewing…") -> None:
        self.prompt.border_subtitle = line if busy else ""
        self.set_class(busy, "-busy")
