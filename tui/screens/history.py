"""The history screen: saved conversations, newest first; Enter resumes one, `d` deletes it."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.history import Entry, HistoryStore
from tui.widgets.verdict import VERDICT_STYLE


def entry_label(e: Entry) -> Content:
    badge = (f" {e.verdict.upper()} {e.score} ", VERDICT_STYLE[e.verdict]) if e.verdict else (" not reviewed ", "")
    when = e.updated.replace("T", " ").rstrip("Z")[:16]
    return Content.assemble(badge, (f"  {e.title}\n", "bold"), (f"  {when} UTC · {e.turns} turns", "$text-muted"))


class HistoryScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("d", "delete", "Delete"),
    ]

    def __init__(self, store: HistoryStore) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        with Vertical(id="history-body") as body:
            body.border_title = "History"
            body.border_subtitle = "enter resume · d delete · esc close"
            yield OptionList(id="history-list")
            yield Static("", id="history-empty", markup=False)

    def on_mount(self) -> None:
        self.refresh_entries()

    def refresh_entries(self) -> None:
        entries = self.store.entries()
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(entry_label(e), id=e.id) for e in entries])
        options.display = bool(entries)
        empty = self.query_one("#history-empty", Static)
        empty.display = not entries
        empty.update(f"No saved conversations in {self.store.directory}")
        if entries:
            options.highlighted = 0
            options.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_delete(self) -> None:
        option = self.query_one(OptionList).highlighted_option
        if option is not None and option.id:
            self.store.delete(option.id)
            self.refresh_entries()

    def action_close(self) -> None:
        self.dismiss(None)
