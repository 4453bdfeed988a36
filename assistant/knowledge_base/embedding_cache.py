"""Vectors reused by content: a chunk's embedding text embedded once per model, kept in the user's cache folder, and
found again by its hash on a rebuild, a new index version or another repo holding the same text (the framework, a
common chart's values). SQLite, 0600 in a 0700 folder; it holds hashes and vectors of redacted text only. A cache that
cannot be read or written is left alone: the index is built as if there were none."""

from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from assistant.knowledge_base.embeddings import Embedder

SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"
_CHUNK = 500  # keys per SQL statement (SQLite's variable limit is 999 on old builds)


def default_cache_dir() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("review-assistant") / "embeddings"


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    def __init__(self, folder: Path, model_id: str) -> None:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id)[:80]
        self.path = folder / f"{safe}.sqlite3"
        self.folder = folder
        self.broken = False  # set on the first failure: the rest of the build does without

    def _connect(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            self.folder.chmod(0o700)
        con = sqlite3.connect(self.path, timeout=10)
        with contextlib.suppress(OSError):
            self.path.chmod(0o600)
        con.execute(SCHEMA)
        return con

    def get(self, keys: list[str]) -> dict[str, np.ndarray]:
        """The cached vectors among `keys` (one model's file: every vector has its size)."""
        if self.broken or not keys or not self.path.exists():
            return {}
        found: dict[str, np.ndarray] = {}
        try:
            con = self._connect()
            try:
                for start in range(0, len(keys), _CHUNK):
                    part = keys[start : start + _CHUNK]
                    marks = ",".join("?" * len(part))
                    for key, blob in con.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", part):
                        vector = np.frombuffer(blob, dtype=np.float32)
                        if vector.size:
                            found[key] = vector
            finally:
                con.close()
        except (sqlite3.Error, OSError):
            self.broken = True
            return {}
        return found

    def put(self, items: dict[str, np.ndarray]) -> None:
        if self.broken or not items:
            return
        try:
            con = self._connect()
            try:
                with con:
                    con.executemany(
                        "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                        [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
                    )
            finally:
                con.close()
        except (sqlite3.Error, OSError):
            self.broken = True


def embed_reusing(
    texts: list[str],
    embedder: Embedder,
    cache: EmbeddingCache | None,
    progress: Callable[[str, int, int], None] | None = None,
    step: int = 128,
) -> tuple[np.ndarray, list[str]]:
    """The vectors of `texts` in order, and the texts embedded now: each distinct text not in the cache, in batches
    of `step` (the rest came from the cache, and what was embedded is added to it)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32), []
    keys = [text_key(t) for t in texts]
    known = cache.get(list(dict.fromkeys(keys))) if cache else {}
    first = {k: t for k, t in zip(keys, texts, strict=True) if k not in known}  # one of each text, in order
    todo = list(first.values())
    parts = []
    for start in range(0, len(todo), step):
        parts.append(embedder.embed(todo[start : start + step]))
        if progress:
            progress("embedding", min(start + step, len(todo)), len(todo))
    fresh = dict(zip(first, np.concatenate(parts), strict=True)) if parts else {}
    if cache:
        cache.put(fresh)
    vectors = {**known, **fresh}
    return np.stack([vectors[k] for k in keys]).astype(np.float32), todo
