"""One handle on what the assistant knows: rubric, role catalog, the repo's inventory, answer topics, and (when
built) the index.

Without an index the framework and inventory chunks are still known in memory, and the context repo is searched by
keyword (`keyword_store`), so a review or a question works before `assistant index` has run, grounded in the repo's
own docs; its sources are marked preliminary."""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import Literal

from assistant.config import Settings, data_dir
from assistant.errors import IndexMissingError
from assistant.knowledge_base.embeddings import MiniLMEmbedder
from assistant.knowledge_base.framework import Rubric, framework_chunks, load_rubric
from assistant.knowledge_base.index import IndexStore
from assistant.knowledge_base.keyword_store import KeywordStore
from assistant.knowledge_base.retrieval import PER_FILE, Retriever
from assistant.models import Chunk, Citation, Hit, Source
from assistant.stack.catalog import RoleCatalog, load_catalog
from assistant.stack.inventory import Inventory
from assistant.stack.overrides import with_overrides
from assistant.stack.store import catalog_digest, discover, load_cache
from assistant.stack.view import Stack

# A fused score at or above this is a question in the documents' own words (measured over the 18 retrieval sets: every
# literal question's best hit scores 1.28 or more, most paraphrased ones less); below it, need words may name a tool.
CONFIDENT_MATCH = 1.25


class Knowledge:
    def __init__(self, settings: Settings, store: IndexStore | None = None, inventory: Inventory | None = None) -> None:
        self.settings = settings
        self._store = store
        self._inventory = inventory

    @cached_property
    def rubric(self) -> Rubric:
        return load_rubric(self.settings.framework_path)

    @cached_property
    def catalog(self) -> RoleCatalog:
        return load_catalog(self.settings.catalog_path)

    @cached_property
    def inventory(self) -> Inventory:
        """What the repo runs: as discovered at `assistant index` (or now, from the context repo when nothing was
        indexed), with the operator's overrides applied."""
        inv = self._inventory
        if inv is None:
            cached = load_cache(self.settings.index_dir)
            repo = self.settings.context_repo
            current = catalog_digest(self.settings.catalog_path)
            if cached is not None and cached.repo and cached.catalog == current:
                inv = cached.inventory
            elif cached is not None and cached.repo and Path(cached.repo).is_dir():  # the catalog changed since
                inv = discover(Path(cached.repo), self.catalog, current)[0].inventory
            elif repo is not None and repo.is_dir():
                inv = discover(repo, self.catalog, current)[0].inventory
            else:
                inv = Inventory(notes=["no repo indexed, so no deployed tools are known; overlaps are off"])
        return with_overrides(inv, self.catalog, self.settings.stack_overrides)

    @cached_property
    def stack(self) -> Stack:
        return Stack(self.catalog, self.inventory)

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

    def warm_up(self) -> threading.Thread | None:
        """Start loading the local embedding model in the background when there is an index to search: a command
        that will search calls this before it opens the index (the loading thread, or None)."""
        embedder = self.store.embedder
        if self.store.may_exist() and isinstance(embedder, MiniLMEmbedder):
            return embedder.warm_up()
        return None

    @property
    def indexed(self) -> bool:
        return self.index_problem is None

    def require_search(self) -> None:
        """Something to search: the index, or the context repo searched by keyword until it is built."""
        if self.retriever is None and self.index_problem is not None:
            raise self.index_problem

    @cached_property
    def keyword_store(self) -> KeywordStore | None:
        """Before any index exists, the context repo in memory, searched by keyword (built on first use). An index
        that exists but cannot be used (another version, damaged, half-written) is not papered over: search and ask
        name its problem and fix, and a review says it goes without."""
        repo = self.settings.context_repo
        if self.indexed or self.store.may_exist() or repo is None or not repo.is_dir():
            return None
        return KeywordStore.of_repo(repo, list(self.builtin_chunks.values()), self.settings.index_test_fixtures)

    @property
    def retrieval(self) -> Literal["hybrid", "keyword", "none"]:
        """How search runs: the index, the repo by keyword until it is built, or not at all (no repo)."""
        return "hybrid" if self.indexed else ("keyword" if self.keyword_store is not None else "none")

    @property
    def preliminary(self) -> bool:
        """Search runs on keywords alone (no index yet): results may change once `assistant index` has run."""
        return self.keyword_store is not None

    def unindexed_note(self) -> str | None:
        """For a review without a usable repo index: what it is grounded in, and how to fix that."""
        problem = self.index_problem
        if problem is None:
            return None
        fix = problem.hint or "run `assistant index`"
        if (store := self.keyword_store) is not None:
            return (
                f"{problem.message}: the repo's {store.files} files were searched by keyword only, so the sources are"
                f" preliminary (dense index: not built; to build it: {fix})"
            )
        return f"{problem.message}: reviews cite the framework and the discovered stack only (to ground them: {fix})"

    @cached_property
    def retriever(self) -> Retriever | None:
        if self.indexed:
            return Retriever(self.store)
        return Retriever(self.keyword_store) if self.keyword_store is not None else None

    @cached_property
    def builtin_chunks(self) -> dict[str, Chunk]:
        fw = framework_chunks(self.settings.framework_path.read_text(encoding="utf-8"))
        return {c.id: c for c in [*fw, *self.stack.chunks()]}

    def chunk(self, cid: str) -> Chunk | None:
        if cid.startswith("stack#") and cid in self.builtin_chunks:  # the inventory now, overrides included
            return self.builtin_chunks[cid]
        if self.indexed:
            found = self.store.chunks([cid]).get(cid)
            if found:
                return found
        elif self.keyword_store is not None and (found := self.keyword_store.chunks([cid]).get(cid)):
            return found
        return self.builtin_chunks.get(cid)

    def search(
        self, query: str, k: int = 5, sources: set[Source] | None = None, per_file: int | None = PER_FILE
    ) -> list[Hit]:
        """The top k chunks; one repo file's further chunks come after other files' best (`per_file`, None: off)."""
        if self.retriever is None:
            return []
        return self.retriever.search(query, k=k, sources=sources, per_file=per_file)

    def expand(self, question: str) -> str:
        """A question in the operator's words, with the names of this repo's tools in the roles its need words name
        ("the team password vault" -> Passbolt): the documents name the tool, not the need."""
        names: list[str] = []
        for need in self.stack.needs.find(question):
            if len(need.words.split()) < 2:
                continue  # one word ("memory", "cluster") names a role too loosely to add a tool's name
            for entry in self.inventory.incumbents(need.role)[:3]:
                if entry.name.lower() not in question.lower():
                    names.append(entry.name)
        return f"{question} {' '.join(dict.fromkeys(names))}" if names else question

    def question_query(self, question: str) -> str:
        """What a question is searched with: its own words where they find a confident match (a literal question
        keeps its ranking), else with the repo's tools for its needs added."""
        expanded = self.expand(question)
        if expanded == question:
            return question
        best = self.search(question, k=1, sources={"repo"})
        return question if best and best[0].score >= CONFIDENT_MATCH else expanded

    def search_question(self, question: str, k: int = 5, sources: set[Source] | None = None) -> list[Hit]:
        """The search a question gets (ask and the retrieval eval alike)."""
        return self.search(self.question_query(question), k=k, sources=sources)

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
