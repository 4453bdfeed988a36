"""The export screen: Markdown, JSON or an ADR; returns what to write and where (the main screen writes it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from assistant.models import Verdict
from tui.export import ADR_DIR, FORMATS, ExportFormat, default_path, next_adr_number

LABEL = {"md": "Markdown file", "json": "JSON file (the verdict contract)", "adr": "ADR in the repo"}


def as_format(value: str | None) -> ExportFormat | None:
    return next((f for f in FORMATS if f == value), None)


@dataclass(frozen=True)
class ExportRequest:
    format: ExportFormat
    path: Path | None = None  # md/json only; the ADR's name is chosen on write


class ExportScreen(ModalScreen[ExportRequest | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("m", "pick('md')", "Markdown", show=False),
        Binding("j", "pick('json')", "JSON", show=False),
        Binding("a", "pick('adr')", "ADR", show=False),
    ]

    def __init__(self, verdict: Verdict, repo: Path, cwd: Path) -> None:
        super().__init__()
        self.verdict = verdict
        self.repo = repo
        self.cwd = cwd

    def target(self, fmt: ExportFormat) -> str:
        if fmt == "adr":
            n = next_adr_number(self.repo / ADR_DIR)
            return f"{self.repo / ADR_DIR}/{n:04d}-…md"
        return str(default_path(fmt, self.verdict, self.cwd))

    def compose(self) -> ComposeResult:
        with Vertical(id="export-body") as body:
            body.border_title = "Export the verdict"
            body.border_subtitle = "enter write · m/j/a · esc close"
            yield OptionList(
                *[Option(f"{LABEL[f]}  →  {self.target(f)}", id=f) for f in ("md", "json", "adr")], id="export-list"
            )
            yield Static("Path for Markdown or JSON (edit, then Enter):", id="export-hint")
            yield Input(str(default_path("md", self.verdict, self.cwd)), id="export-path")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0
        self.query_one(OptionList).focus()

    def _highlighted_format(self) -> ExportFormat | None:
        option = self.query_one(OptionList).highlighted_option
        return as_format(option.id) if option is not None else None

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        fmt = as_format(event.option.id)
        path_input = self.query_one(Input)
        path_input.disabled = fmt == "adr"
        if fmt in ("md", "json"):
            path_input.value = str(default_path(fmt, self.verdict, self.cwd))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_pick(event.option.id or "")

    @on(Input.Submitted)
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        fmt = self._highlighted_format()
        if fmt in ("md", "json"):
            self.action_pick(fmt)

    def action_pick(self, value: str) -> None:
        fmt = as_format(value)
        if fmt is None:
            return
        if fmt == "adr":
            self.dismiss(ExportRequest("adr"))
            return
        typed = self.query_one(Input).value.strip()
        # the path field holds the highlighted format's path; a key for the other format takes its default
        path = Path(typed).expanduser() if typed and self._highlighted_format() == fmt else None
        self.dismiss(ExportRequest(fmt, path or default_path(fmt, self.verdict, self.cwd)))

    def action_close(self) -> None:
        self.dismiss(None)
