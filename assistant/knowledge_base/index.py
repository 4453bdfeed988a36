"""The persistent Chroma index: build incrementally, load chunks, dense queries (opening the store and checking its
health: `chroma_store`; the two are the only chromadb imports).

Writes are staged so the index in use is never half-written: a rebuild fills a new collection and swaps it
in by name only when complete; an incremental run embeds everything first and then writes file by file."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from assistant.config import Settings
from assistant.errors import AssistantError, IndexMissingError, InputError
from assistant.inputs.repo_files import RepoFile, digest, is_fixture, walk_repo
from assistant.knowledge_base.build_lock import Holder, WriteLock, lock_timeout
from assistant.knowledge_base.build_manifest import (
    Manifest,
    now,
    remove_manifest,
    write_manifest,
)
from assistant.knowledge_base.chroma_store import (
    INDEX_VERSION,
    REBUILD,
    ChromaStore,
    is_timeout,
    make_private,
    short_error,
)
from assistant.knowledge_base.embedding_cache import EmbeddingCache, default_cache_dir, embed_reusing
from assistant.knowledge_base.embeddings import Embedder, MiniLMEmbedder, OpenAIEmbedder
from assistant.knowledge_base.framework import framework_chunks
from assistant.knowledge_base.keyword import KeywordIndex, chunk_and_file_indexes
from assistant.knowledge_base.keyword_store import stored_chunks
from assistant.knowledge_base.records import embedding_text, from_meta, to_meta
from assistant.models import Chunk
from assistant.stack.catalog import load_catalog
from assistant.stack.overrides import with_overrides
from assistant.stack.store import catalog_digest, discover, load_cache, save_cache
from assistant.stack.view import Stack

LOW_DISK_BYTES = 64_000_000  # free space under which a failed write is put down to a full disk
WRITE_BATCH = 1000
# A homelab repo is a few thousand chunks: a wide search makes the approximate neighbours all but exact, so results
# do not shift between two builds of the same files (with Chroma's defaults about 1% of the top 60 did).
# sync_threshold: the HNSW graph is saved every 100 writes rather than 1000, so opening the index replays a short
# log (a 1,500-vector index opened and queried in 0.11-0.19 s instead of 0.34-0.47 s).
HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 400, "sync_threshold": 100}
CRASH_ENV = "ASSISTANT_TEST_CRASH_AFTER_BATCH"  # test-only: SIGKILL itself after that many writes (see _wrote)
Progress = Callable[[str, int, int], None]  # (phase, done, total)


def make_embedder(settings: Settings) -> Embedder:
    if settings.embeddings == "openai":
        return OpenAIEmbedder(settings.embedding_model, settings.openai_api_key, settings.openai_base_url)
    return MiniLMEmbedder(max_tokens=settings.embed_max_tokens)


@dataclass
class Unit:
    """One file's worth of chunks, replaced as a whole; chunked only when it has changed."""

    key: str
    digest: str
    make_chunks: Callable[[], list[Chunk]]
    _chunks: list[Chunk] | None = None

    @property
    def chunks(self) -> list[Chunk]:
        if self._chunks is None:
            self._chunks = self.make_chunks()
        return self._chunks


@dataclass
class IndexReport:
    files_seen: int = 0
    files_indexed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    chunks_added: int = 0
    chunks_total: int = 0
    malformed_yaml: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    embed_seconds: float = 0.0
    embed_tokens: int = 0
    embedded: int = 0  # chunks embedded by this run
    reused: int = 0  # chunks whose vector came from the embedding cache (same text, embedded before)
    damage: str | None = None  # why --rebuild set the old store aside (the health check that failed)
    seconds: float = 0.0
    rebuilt: bool = False
    tools_found: int = 0  # the repo's discovered inventory
    discovery_seconds: float = 0.0
    set_aside: str | None = None  # an unreadable store moved aside by --rebuild


class IndexStore(ChromaStore):
    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        super().__init__(settings, embedder or make_embedder(settings))
        self._keywords: tuple[KeywordIndex, KeywordIndex] | None = None  # (chunks, files)
        self._chunk_cache: dict[str, Chunk] = {}
        self._writes = 0
        self._started = now()

    # -- building -----------------------------------------------------------------------------------
    def _units(self, repo: Path | None, report: IndexReport) -> list[Unit]:
        s = self.settings
        units: list[Unit] = []
        fw_text = s.framework_path.read_text(encoding="utf-8")
        units.append(Unit("framework", digest(fw_text), lambda: framework_chunks(fw_text)))
        if repo is not None:
            walk = walk_repo(repo)
            report.skipped.update(walk.skipped)
            for f in walk.files:
                if not s.index_test_fixtures and is_fixture(f.path):
                    report.skipped["test fixture or eval case (ASSISTANT_INDEX_TEST_FIXTURES=1 indexes them)"] += 1
                    continue
                units.append(self._repo_unit(f, report))
            units.append(self._inventory_unit(repo, walk.files, report))
        report.files_seen = len(units)
        return units

    def _inventory_unit(self, repo: Path, files: list[RepoFile], report: IndexReport) -> Unit:
        """Discover what the repo runs (incrementally, beside the index) and index it as citable chunks."""
        s = self.settings
        catalog = load_catalog(s.catalog_path)
        cache, found = discover(repo, catalog, catalog_digest(s.catalog_path), files, load_cache(s.index_dir))
        save_cache(s.index_dir, cache)
        report.tools_found = len(cache.inventory.entries)
        report.discovery_seconds = found.seconds
        stack = Stack(catalog, with_overrides(cache.inventory, catalog, s.stack_overrides))
        # the chunks' words come from the inventory, the catalog (role names) and the overrides: any change re-indexes
        overrides = stack.inventory.model_dump_json(include={"entries", "decisions", "accepted_cloud"})
        return Unit("stack", digest(cache.catalog + overrides), stack.chunks)

    @staticmethod
    def _repo_unit(f: RepoFile, report: IndexReport) -> Unit:
        def make() -> list[Chunk]:
            cf = stored_chunks(f)
            if cf.malformed:
                report.malformed_yaml += 1
            return cf.chunks

        return Unit(f"repo:{f.path}", f.digest, make)

    def _existing(self, col: Any) -> dict[str, str]:
        got = col.get(include=["metadatas"])
        return {m["file_key"]: m["file_hash"] for m in got["metadatas"] or []}

    def build(self, repo: Path | None, rebuild: bool = False, progress: Progress | None = None) -> IndexReport:
        """Index under the write lock (a second writer waits, then says who holds it); a store that fails its
        health check stops a plain run at once, and is set aside by --rebuild."""
        if repo is not None and not repo.is_dir():
            raise InputError(f"repo path not found or not a folder: {repo}")
        where = self.settings.index_dir
        if where.exists() and not where.is_dir():
            raise InputError(f"the index folder {where} is a file", "set ASSISTANT_INDEX_DIR to a folder, or remove it")
        if where.is_dir() and not os.access(where, os.W_OK):
            raise InputError(
                f"the index folder {where} is read-only: it can be searched, not written",
                "set ASSISTANT_INDEX_DIR to a writable folder to build an index",
            )
        timeout = lock_timeout()

        def waiting(holder: Holder | None, waited: float) -> None:
            if progress:
                who = f"pid {holder.pid}" if holder else "another writer"
                progress(f"waiting for {who} to finish writing the index", int(waited), int(timeout))

        mask = os.umask(0o077)  # what the build creates is the owner's only, from the start
        try:
            with WriteLock(self.settings.index_dir, timeout, waiting):
                return self._build_checked(repo, rebuild, progress)
        finally:
            os.umask(mask)
            if not self.settings.chroma_url and self.settings.index_dir.is_dir():
                make_private(self.settings.index_dir)

    def _build_checked(self, repo: Path | None, rebuild: bool, progress: Progress | None) -> IndexReport:
        try:
            return self._build(repo, rebuild, progress)
        except AssistantError:
            raise
        except Exception as exc:
            if is_timeout(exc):
                raise self._no_answer() from None
            if full := self._disk_full(exc):
                raise full from None
            if not type(exc).__module__.startswith("chromadb"):
                raise
            failed = f"writing the index at {self.location} failed: {short_error(exc)}"
            raise IndexMissingError(failed, REBUILD) from None

    def _disk_full(self, exc: BaseException) -> IndexMissingError | None:
        """A write that failed because the disk holding the local index is (nearly) full: say so, since a rebuild
        would fail the same way (Chroma reports it as a compaction error)."""
        if self.settings.chroma_url:
            return None
        import errno
        import shutil

        said = str(exc).lower()
        try:
            free = shutil.disk_usage(self.settings.index_dir).free
        except OSError:
            return None
        no_space = isinstance(exc, OSError) and exc.errno == errno.ENOSPC
        if not (no_space or "disk is full" in said or "no space" in said or free < LOW_DISK_BYTES):
            return None
        return IndexMissingError(
            f"the disk holding the index at {self.settings.index_dir} is full ({free / 1e6:.1f} MB free): the index"
            " was not written",
            "free some space, or set ASSISTANT_INDEX_DIR to a folder on another disk; the repo is untouched",
        )

    def _build(self, repo: Path | None, rebuild: bool, progress: Progress | None) -> IndexReport:
        started = time.perf_counter()
        self._started = now()
        report = IndexReport(rebuilt=rebuild)
        if damage := self._damage():
            if not rebuild:
                raise IndexMissingError(
                    damage.message, f"{REBUILD}: it keeps the damaged store aside and builds a fresh one"
                )
            report.damage = damage.message
            report.set_aside = self._set_aside()
        units = self._units(repo, report)
        name = self.settings.collection
        live = None if rebuild else self._get_collection(name)
        if live is not None:
            try:
                self.collection()
            except IndexMissingError:
                live, report.rebuilt = None, True
        target_name = name if live is not None else f"{name}-building"
        build_id = uuid.uuid4().hex
        if live is None:
            stale = self._get_collection(target_name)
            if stale is not None:
                self.client.delete_collection(target_name)
            target = self.client.create_collection(
                target_name,
                metadata={
                    "index_version": INDEX_VERSION,
                    "embedding_model": self.embedder.model_id,
                    "build_id": build_id,
                },
                configuration={"hnsw": HNSW},
                embedding_function=None,
            )
            existing: dict[str, str] = {}
        else:
            target = live
            existing = self._existing(live)

        wanted = {u.key: u for u in units}
        changed = [u for u in units if existing.get(u.key) != u.digest]
        empty = [u for u in changed if not u.chunks]  # e.g. a YAML file of comments only: nothing to store
        if empty:
            report.skipped["no indexable content"] += len(empty)
            changed = [u for u in changed if u.chunks]
        removed = [k for k in existing if k not in wanted]
        report.files_unchanged = len(units) - len(changed) - len(empty)
        report.files_removed = len(removed)

        todo = [c for u in changed for c in u.chunks]
        texts = [embedding_text(c) for c in todo]
        t0 = time.perf_counter()
        vectors, embedded = self._embed(texts, progress)
        report.embed_seconds = time.perf_counter() - t0
        report.embedded = len(embedded)
        report.reused = len(texts) - len(embedded)
        if isinstance(self.embedder, MiniLMEmbedder) and embedded:
            report.embed_tokens = sum(self.embedder.count_tokens(embedded))

        if target is live and (changed or removed):
            self._record(build_id, "writing")  # from here until `complete` the live index is half-written
        for key in removed:
            target.delete(where={"file_key": key})
            self._wrote()
        stale = [u.key for u in changed if existing.get(u.key) is not None]
        for start in range(0, len(stale), WRITE_BATCH):
            target.delete(where={"file_key": {"$in": stale[start : start + WRITE_BATCH]}})
            self._wrote()
        # whole files per write, many files per call: a call is one transaction in Chroma
        offset = pending = 0
        batch: list[tuple[Unit, int]] = []
        for u in changed:
            batch.append((u, offset))
            offset += len(u.chunks)
            pending += len(u.chunks)
            if pending >= WRITE_BATCH:
                self._write(target, batch, vectors)
                self._wrote()
                batch, pending = [], 0
        self._write(target, batch, vectors)
        self._wrote()
        report.files_indexed = len(changed)
        report.chunks_added = len(todo)

        if target_name != name:  # swap the finished collection in
            self._record(build_id, "writing")
            if self._get_collection(name) is not None:
                self.client.delete_collection(name)
            target.modify(name=name)
        elif changed or removed:
            kept = {k: v for k, v in (target.metadata or {}).items() if not k.startswith("hnsw:")}
            target.modify(metadata={**kept, "build_id": build_id})
        report.chunks_total = target.count()
        if target_name != name or changed or removed:
            self._record(build_id, "complete", report.chunks_total)  # last: the index is whole again
        stamp = self._snapshot(target)
        if changed or removed or report.rebuilt or not self._load_keyword(stamp):
            self._rebuild_keyword(stamp)
        report.seconds = time.perf_counter() - started
        return report

    @staticmethod
    def _write(target: Any, batch: list[tuple[Unit, int]], vectors: np.ndarray) -> None:
        ids: list[str] = []
        embeddings: list[np.ndarray] = []
        documents: list[str] = []
        metadatas: list[dict[str, Any]] = []
        for u, offset in batch:
            ids += [c.id for c in u.chunks]
            embeddings.append(vectors[offset : offset + len(u.chunks)])
            documents += [c.text for c in u.chunks]
            metadatas += [to_meta(c, u.key, u.digest) for c in u.chunks]
        if ids:
            target.upsert(ids=ids, embeddings=np.concatenate(embeddings), documents=documents, metadatas=metadatas)

    def _record(self, build_id: str, state: Literal["writing", "complete"], chunks: int | None = None) -> None:
        write_manifest(
            self.settings.index_dir,
            Manifest(
                state=state,
                index_version=INDEX_VERSION,
                collection=self.settings.collection,
                location=self.location,
                embedding_model=self.embedder.model_id,
                build_id=build_id,
                chunks=chunks,
                pid=os.getpid(),
                started=self._started,
                finished=now() if state == "complete" else None,
            ),
        )

    def _wrote(self) -> None:
        """Count one write to Chroma. Test-only hook: with ASSISTANT_TEST_CRASH_AFTER_BATCH=N the process kills
        itself (SIGKILL, no cleanup, as kill -9 would) right after its Nth write, so tests can crash mid-write."""
        self._writes += 1
        if os.environ.get(CRASH_ENV) == str(self._writes):
            os.kill(os.getpid(), signal.SIGKILL)

    def _set_aside(self) -> str | None:
        """A damaged store cannot be rebuilt in place: keep it aside under a dated name (nothing is lost) and start
        afresh. A Chroma server's collection cannot be moved: it is deleted (its files are the server's)."""
        from chromadb.api.shared_system_client import SharedSystemClient

        if self.settings.chroma_url:
            for name in (self.settings.collection, f"{self.settings.collection}-building"):
                if self._get_collection(name) is not None:
                    self.client.delete_collection(name)
            return None
        SharedSystemClient.clear_system_cache()  # chromadb keeps the broken system for this path otherwise
        self._client = None
        folder = self.chroma_dir
        remove_manifest(self.settings.index_dir)
        if not folder.exists():
            return None
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        aside = folder.with_name(f"chroma.unreadable-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = folder.with_name(f"chroma.unreadable-{stamp}-{n}")
        folder.rename(aside)
        return str(aside)

    def _cache(self) -> EmbeddingCache | None:
        if not self.settings.embed_cache:
            return None
        return EmbeddingCache(self.settings.embed_cache_dir or default_cache_dir(), self.embedder.model_id)

    def _embed(self, texts: list[str], progress: Progress | None) -> tuple[np.ndarray, list[str]]:
        return embed_reusing(texts, self.embedder, self._cache(), progress)

    # -- reading ------------------------------------------------------------------------------------
    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A Chroma failure while reading is a damaged index, said in one line with its fix."""
        try:
            yield
        except AssistantError:
            raise
        except Exception as exc:
            if not (type(exc).__module__.startswith("chromadb") or is_timeout(exc)):
                raise
            raise self._failure(exc) from None

    def _snapshot(self, col: Any) -> str:
        """Read every chunk once (kept for lookups) and return the stamp of what the index holds: the keyword
        index on disk is reused only when it was built from exactly these file versions."""
        with self._reading():
            got = col.get(include=["documents", "metadatas"])
        metas = got["metadatas"] or []
        self._chunk_cache = {
            i: from_meta(i, d, m) for i, d, m in zip(got["ids"], got["documents"], metas, strict=True)
        }
        pairs = sorted(f"{m['file_key']}={m['file_hash']}" for m in metas)
        return digest("\n".join(dict.fromkeys(pairs)))

    def _rebuild_keyword(self, stamp: str) -> tuple[KeywordIndex, KeywordIndex]:
        by_chunk, by_file = chunk_and_file_indexes(list(self._chunk_cache.values()))
        by_chunk.save(self.keyword_dir, stamp)
        by_file.save(self.keyword_dir / "files", stamp)
        self._keywords = (by_chunk, by_file)
        return self._keywords

    def _load_keyword(self, stamp: str) -> tuple[KeywordIndex, KeywordIndex] | None:
        by_chunk = KeywordIndex.load(self.keyword_dir, stamp)
        by_file = KeywordIndex.load(self.keyword_dir / "files", stamp)
        self._keywords = (by_chunk, by_file) if by_chunk and by_file else None
        return self._keywords

    def _ensure_keyword(self) -> tuple[KeywordIndex, KeywordIndex]:
        if self._keywords is None:
            stamp = self._snapshot(self.collection())
            return self._load_keyword(stamp) or self._rebuild_keyword(stamp)
        return self._keywords

    def keyword(self) -> KeywordIndex:
        """BM25 over chunks; ids are chunk ids."""
        return self._ensure_keyword()[0]

    def file_keyword(self) -> KeywordIndex:
        """BM25 over whole files; ids are `file_key`s."""
        return self._ensure_keyword()[1]

    def all_chunks(self) -> dict[str, Chunk]:
        if not self._chunk_cache:
            self._snapshot(self.collection())
        return self._chunk_cache

    def chunks(self, ids: Sequence[str]) -> dict[str, Chunk]:
        return {i: c for i in ids if (c := self.all_chunks().get(i)) is not None}

    def dense(self, query: str, k: int) -> list[tuple[str, float]]:
        col = self.collection()
        vec = self.embedder.embed([query])
        n = min(k, self._count(col))
        if n == 0:
            return []
        try:
            res = col.query(query_embeddings=vec, n_results=n, include=["distances"])
        except Exception as exc:
            raise self._failure(exc, "a query failed") from None
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    def stats(self) -> dict[str, Any]:
        col = self.collection()
        with self._reading():
            got = col.get(include=["metadatas"])
        by_source: Counter[str] = Counter(m["source"] for m in got["metadatas"] or [])
        files = {m["file_key"] for m in got["metadatas"] or []}
        return {
            "chunks": self._count(col),
            "files": len(files),
            "by_source": dict(by_source),
            "embedding_model": (col.metadata or {}).get("embedding_model"),
            "location": self.location,
        }
