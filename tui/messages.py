"""The TUI's messages, as dataclasses: widgets announce, the main screen coordinates."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from assistant.models import Answer, Chunk, Verdict


@dataclass
class PromptSubmitted(Message):
    """The operator pressed Enter in the prompt."""

    text: str


@dataclass
class ReviewFinished(Message):
    """A review worker returned (seq tells a stale result from the current one)."""

    seq: int
    verdict: Verdict
    pr: str | None = None  # set when it is a pull request's review


@dataclass
class AnswerFinished(Message):
    """An ask worker returned a grounded answer to a question (route: answer, or both when it reads as a plan too)."""

    seq: int
    answer: Answer
    route: str


@dataclass
class ReviewFailed(Message):
    """A review worker failed; message and hint are shown as they are."""

    seq: int
    message: str
    hint: str | None = None


@dataclass
class CitationChosen(Message):
    """A source was highlighted or selected in the sources panel."""

    citation_id: str


@dataclass
class ChunkLoaded(Message):
    """The full chunk behind a citation, read in a worker (None: the index no longer has it)."""

    citation_id: str
    chunk: Chunk | None


@dataclass
class OpenSource(Message):
    """Open this citation's file in $EDITOR."""

    citation_id: str
