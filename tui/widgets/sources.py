"""The sources panel: every citation numbered as in the replies; highlighting one shows its chunk (path, section,
lines, text); `e` opens it in $EDITOR."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from assistant.models import Chunk, Citation
from assistant.redaction import redact_text
from assistant.render.safe import terminal_safe
from tui.messages import CitationChosen, OpenSource

MAX_LINES = 80
EMPTY = "Sources appear here after a review: the framework's sections, your repo's tools and its docs."
PICK = "Tab to the list above: ↑↓ shows a source's text, e opens it in $EDITOR."


def short_section(section: str) -> str:
    return section.rsplit(" > ", 1)[-1] if section else ""


def citation_label(n: int, cit: Citation) -> Content:
    section = short_section(cit.section)
    if cit.source == "repo":
        name = cit.path.rsplit("/", 1)[-1]
        where = f"{name} › {section}" if section and section != name else name
    else:
        where = section or cit.path
    return Content.assemble((f"[{n}] ", "bold"), (f"{cit.source} ", "$text-muted"), where)


def chunk_content(n: int | None, item: Citation | Chunk) -> Content:
    text = terminal_safe(redact_text(item.text if isinstance(item, Chunk) else item.excerpt))  # as `ask` prints
    lines = text.splitlines()
    more = len(lines) - MAX_LINES
    body = "\n".join(lines[:MAX_LINES]) + (f"\n… {more} more lines" if more > 0 else "")
    return Content.assemble(
        (f"[{n}] " if n else "", "bold"),
        (terminal_safe(item.path), "bold $text-accent"),
        (f"  lines {item.lines[0]}–{item.lines[1]}\n", "$text-muted"),
        (f"{terminal_safe(item.section)}\n\n" if item.section else "\n", "italic"),
        body,
    )


class SourceList(OptionList):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("e", "open_source", "Open in $EDITOR")]

    def action_open_source(self) -> None:
        option = self.highlighted_option
        if option is not None and option.id:
            self.post_message(OpenSource(option.id))


class SourcesPanel(Vertical):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.citations: list[Citation] = []

    def compose(self) -> ComposeResult:
        yield SourceList(id="source-list")
        with VerticalScroll(id="source-detail"):
            yield Static(EMPTY, id="source-body", markup=False)

    def on_mount(self) -> None:
        self.border_title = "Sources"

    @property
    def selected(self) -> Citation | None:
        option = self.query_one(SourceList).highlighted_option
        return next((c for c in self.citations if option and c.id == option.id), None)

    def number(self, citation_id: str) -> int | None:
        return next((n for n, c in enumerate(self.citations, 1) if c.id == citation_id), None)

    def show(self, citations: list[Citation]) -> None:
        """New citations after a review: keep the highlighted one if it is still cited."""
        keep = self.selected.id if self.selected else None
        self.citations = list(citations)
        options = self.query_one(SourceList)
        options.clear_options()
        options.add_options([Option(citation_label(n, c), id=c.id) for n, c in enumerate(citations, 1)])
        self.border_subtitle = f"{len(citations)} cited" if citations else ""
        if keep and any(c.id == keep for c in citations):
            options.highlighted = next(i for i, c in enumerate(citations) if c.id == keep)
        else:
            self.query_one("#source-body", Static).update(PICK if citations else EMPTY)

    def show_chunk(self, citation_id: str, item: Citation | Chunk) -> None:
        self.query_one("#source-body", Static).update(chunk_content(self.number(citation_id), item))
        self.query_one("#source-detail", VerticalScroll).scroll_home(animate=False)

    @on(OptionList.OptionHighlighted, "#source-list")
    @on(OptionList.OptionSelected, "#source-list")
    def _chosen(self, event: OptionList.OptionHighlighted | OptionList.OptionSelected) -> None:
        event.stop()
        cid = event.option.id
        if cid is None:
            return
        cit = next((c for c in self.citations if c.id == cid), None)
        if cit is not None:
            self.show_chunk(cid, cit)  # the excerpt at once; the full chunk follows from a worker
        self.post_message(CitationChosen(cid))
