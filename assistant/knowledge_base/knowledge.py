"""One handle on what the assistant knows: rubric, stack catalog, answer topics, and (when built) the index.

Without an index the framework and stack chunks are still known in memory, so a review works before
`assistant index` has run; repo citations need the index."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from assistant.config import Settings, data_dir
from assistant.errors import IndexMissingError
from assistant.knowledge_base.chunking import chunk_file
from assistant.knowledge_base.framework import Rubric, load_rubric
from assistant.knowledge_base.index import IndexStore
from assistant.knowledge_base.retrieval import Retriever
from assistant.knowledge_base.stack import StackCatalog, load_stack
from assistant.models import Chunk, Citation, Hit, Source


class Knowledge:
    def __init__(self, settings: Settings, store: IndexStore | None = None) -> None:
        self.settings = settings
        self._store = store

    @cached_property
    def rubric(self) -> Rubric:
        return load_rubric(self.settings.framework_path)

    @cached_property
    def stack(self) -> StackCatalog:
        return load_stack(self.settings.stack_path)

    @property
    def answers_path(self) -> Path:
        return (
            self.settings.framework_path.parent / "answers.yaml"
            if (self.settings.framework_path.parent / "answers.yaml").exists()
            else data_dir("knowledge") / "answers.yaml"
        )

    @cached_property
    def store(self) -> IndexStore:
        return self._store or IndexStore(self.settings)

    @cached_property
    def index_problem(self) -> IndexMissingError | None:
        """Why there is no usable index (missing, another version, other embeddings, half-written, damaged), with
        its own hint."""
        try:
            self.store.check()
            return None
        except IndexMissingError as exc:
            return exc

    @property
    def indexed(self) -> bool:
        return self.index_problem is None

    def require_index(self) -> None:
        if self.index_problem is not None:
            raise self.index_problem

    def unindexed_note(self) -> str | None:
        """For a review without a usable repo index: what it is grounded in, and how to fix that."""
        problem = self.index_problem
        if problem is None:
            return None
        return (
            f"{problem.message}: reviews cite the framework and the stack catalog only"
            f" ({problem.hint or 'run `assistant index`'} to ground them in your repo)"
        )

    @cached_property
    def retriever(self) -> Retriever | None:
        return Retriever(self.store) if self.indexed else None

    @cached_property
    def builtin_chunks(self) -> dict[str, Chunk]:
        fw = chunk_file(
            self.settings.framework_path.read_text(encoding="utf-8"), "knowledge/framework.md", "framework"
        ).chunks
        return {c.id: c for c in [*fw, *self.stack.chunks()]}

    def chunk(self, cid: str) -> Chunk | None:
        if self.indexed:
            found = self.store.chunks([cid]).get(cid)
            if found:
                return found
        return self.builtin_chunks.get(cid)

    def search(self, query: str, k: int = 5, sources: set[Source] | None = None) -> list[Hit]:
        if self.retriever is None:
            return []
        return self.retriever.search(query, k=k, sources=sources)

    def citation(self, cid: str, excerpt_width: int = 280) -> Citation | None:
        chunk = self.chunk(cid)
        if chunk is None:
            return None
        return Citation(
            id=chunk.id,
            source=chunk.source,
            path=chunk.path,
            section=chunk.section,
            lines=chunk.lines,
            excerpt=Hit(chunk=chunk, score=0).excerpt(excerpt_width),
        )
