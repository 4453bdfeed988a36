"""The review service the TUI calls: the product behind one protocol (review, ask, explain, stack, conventions),
with one Knowledge per app.

The pipeline (Chroma, the embedding model, LangChain) is imported on first use, in a worker thread, so
the first frame does not wait for it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from assistant.config import Settings
from assistant.models import Chunk, Verdict
from tui.history import HistoryStore

if TYPE_CHECKING:
    from assistant.knowledge_base.knowledge import Knowledge
    from assistant.models import Answer


class Reviewer(Protocol):
    """Everything the TUI asks of the product (tests and the bench pass their own, built on ReviewService)."""

    def review(self, text: str, settings: Settings, ref: str = "-") -> Verdict: ...

    def review_pr(self, pr: str, settings: Settings) -> Verdict: ...

    def ask(self, question: str, settings: Settings) -> Answer: ...

    def explain(self, verdict: Verdict, settings: Settings, proposal: str) -> Iterator[str]: ...

    def stack_markdown(self) -> str: ...

    def conventions_markdown(self) -> str: ...

    def chunk(self, citation_id: str) -> Chunk | None: ...

    def warm_up(self) -> str | None: ...  # a note for the operator, if there is one


class ReviewService:
    def __init__(self, settings: Settings, knowledge: Knowledge | None = None) -> None:
        self.settings = settings
        self._knowledge = knowledge

    @property
    def knowledge(self) -> Knowledge:
        if self._knowledge is None:
            from assistant.knowledge_base.knowledge import Knowledge

            self._knowledge = Knowledge(self.settings)
        return self._knowledge

    def review(self, text: str, settings: Settings, ref: str = "-") -> Verdict:
        from assistant.pipeline import review_text

        return review_text(text, settings, ref=ref, knowledge=self.knowledge)

    def review_pr(self, pr: str, settings: Settings) -> Verdict:
        from assistant.review import review_pull_request

        return review_pull_request(pr, settings, knowledge=self.knowledge)

    def chunk(self, citation_id: str) -> Chunk | None:
        return self.knowledge.chunk(citation_id)

    def ask(self, question: str, settings: Settings) -> Answer:
        """A grounded answer to a question (the same as `assistant ask`), its sources for the sources panel."""
        from assistant.reasoning.ask import answer_question

        return answer_question(question, self.knowledge, settings)

    def explain(self, verdict: Verdict, settings: Settings, proposal: str) -> Iterator[str]:
        """The LLM's explanation of a verdict, streamed (LLMUnavailableError when there is none to ask)."""
        from assistant.reasoning.explain import stream_explanation

        return stream_explanation(verdict, settings, proposal)

    def conventions_markdown(self) -> str:
        """The house conventions learnt from the configured repo, with their support and the units that prove them."""
        from assistant.errors import InputError
        from assistant.render.conventions import conventions_markdown
        from assistant.stack.conventions import mine

        repo = self.settings.context_repo  # the repo the stack page and the reviews read, a git checkout included
        if repo is None or not repo.is_dir():
            raise InputError("no repo to learn conventions from", "set ASSISTANT_REPO or pass --repo")
        return conventions_markdown(mine(repo))

    def stack_markdown(self) -> str:
        """What the repo runs, by role, with evidence (the discovered inventory and the operator's overrides)."""
        from assistant.render.stack import stack_markdown

        return stack_markdown(self.knowledge.stack)

    def warm_up(self) -> str | None:
        """Load what the first review needs (rubric, stack, index handle, the pipeline's imports); say so when
        there is no usable repo index."""
        import assistant.pipeline  # noqa: F401

        k = self.knowledge
        _ = k.rubric, k.stack
        return k.unindexed_note()


@dataclass
class Session:
    """What the screens share: the settings (the model switch replaces them), the review service, the history."""

    settings: Settings
    service: Reviewer
    history: HistoryStore = field(default_factory=HistoryStore)

    @property
    def llm_available(self) -> bool:
        """An LLM is configured, whether or not the switch has turned it off."""
        return self.settings.llm_endpoint_set

    @property
    def engine_label(self) -> str:
        if self.settings.llm_configured:
            return f"LLM {self.settings.model}"
        return "offline (LLM switched off)" if self.llm_available else "offline"
