"""A read-only Markdown page over the conversation: the repo's discovered stack, by role, with the file:line that
proves each tool (palette: "Show stack"), or its house conventions ("Show conventions")."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown


class StackScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "dismiss", "Close")]

    def __init__(self, markdown: str, title: str = "Stack") -> None:
        super().__init__()
        self.markdown = markdown
        self.title = title

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="stack-body") as body:
            body.border_title = self.title
            body.border_subtitle = "esc to close"
            yield Markdown(self.markdown, open_links=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
