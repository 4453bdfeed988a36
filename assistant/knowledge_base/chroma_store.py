"""The Chroma store behind the index: opening it (a local folder, a read-only copy, or a server with timeouts),
and trusting it (version, embedding model, manifest, sqlite and query health checks), each failure one clear error."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import IndexMissingError
from assistant.knowledge_base.build_lock import lock_holder
from assistant.knowledge_base.build_manifest import Manifest, UnreadableManifest, read_manifest
from assistant.knowledge_base.embeddings import Embedder

# 3: long YAML resources split into parts; HNSW search widened. 4: plain-words embedding text. 5: chunks redacted
# before they are stored (an older store may hold a repo's secrets in clear: it asks for a rebuild)
INDEX_VERSION = 5
REBUILD = "run `assistant index --rebuild`"


def make_private(root: Path) -> None:
    """The local index readable by its owner only: folders 0700, files 0600 (it quotes the repo's files)."""
    for path in [root, *root.rglob("*")]:
        with contextlib.suppress(OSError):  # a file another process just removed
            path.chmod(0o700 if path.is_dir() else 0o600)


def is_timeout(exc: BaseException) -> bool:
    import httpx

    return isinstance(exc, httpx.TimeoutException)


def short_error(exc: BaseException) -> str:
    """A Chroma error in one line: its class and the first line of its message."""
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"{exc.__class__.__name__}: {first}" if first else exc.__class__.__name__


def _quick_check(db: Path) -> str | None:
    """sqlite's own page-level check of chroma.sqlite3 (read-only; ~20 ms for a 30 MB store); None when sound."""
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            rows = con.execute("PRAGMA quick_check(3)").fetchall()
        finally:
            con.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            return None  # a writer holds it: busy, not damaged
        return f"{db.name} cannot be checked by sqlite ({exc})"
    except sqlite3.Error as exc:
        return f"{db.name} cannot be checked by sqlite ({exc})"
    if [r[0] for r in rows] == ["ok"]:
        return None
    return f"{db.name} fails sqlite's quick_check ({str(rows[0][0]).splitlines()[-1][:200]})"


class ChromaStore:
    """The store's connection and health; `IndexStore` builds and searches on top of it."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self._client: Any = None
        self._checked = False

    # -- connection ---------------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False)
            try:
                if self.settings.chroma_url:
                    self._client = self._http_client(chroma_settings)
                else:
                    self.settings.index_dir.mkdir(parents=True, exist_ok=True)
                    self._client = chromadb.PersistentClient(path=self._readable_store(), settings=chroma_settings)
            except IndexMissingError:
                raise
            except Exception as exc:  # chromadb raises many types for a corrupt, locked or absent store
                if is_timeout(exc):
                    raise self._no_answer() from None
                raise IndexMissingError(
                    f"cannot open the index at {self.location}: {exc.__class__.__name__}: {exc}",
                    "run `assistant index --rebuild`",
                ) from None
        return self._client

    def _readable_store(self) -> str:
        """The store's folder, or, where it cannot be written (a read-only mount or folder), a private copy of it:
        Chroma writes to its database even to read, and a read-only index must still answer searches."""
        store = self.chroma_dir
        if not store.is_dir() or os.access(store, os.W_OK):
            return str(store)
        import atexit
        import shutil
        import tempfile

        copy = Path(tempfile.mkdtemp(prefix="assistant-readonly-index-")) / "chroma"
        shutil.copytree(store, copy)
        make_private(copy)
        atexit.register(shutil.rmtree, copy.parent, True)
        return str(copy)

    def _http_client(self, chroma_settings: Any) -> Any:
        """A Chroma server's client whose every call has a timeout (chromadb's own HTTP client has none: a server
        that never answers hung every command). The server is probed first, with the same timeout."""
        from urllib.parse import urlparse

        import chromadb
        import httpx

        url = urlparse(self.settings.chroma_url or "")
        timeout = httpx.Timeout(self.settings.chroma_timeout, connect=min(5.0, self.settings.chroma_timeout))
        base = f"{url.scheme or 'http'}://{url.hostname or 'localhost'}:{url.port or 8000}"
        try:
            httpx.get(f"{base}/api/v2/heartbeat", timeout=timeout)
        except httpx.TimeoutException:
            raise self._no_answer() from None
        except httpx.HTTPError as exc:
            raise IndexMissingError(
                f"the Chroma server at {self.settings.chroma_url} cannot be reached: {exc.__class__.__name__}",
                "start it, or unset ASSISTANT_CHROMA_URL to use the local index",
            ) from None
        made: list[Any] = []
        failed: list[BaseException] = []

        def connect() -> None:  # chromadb's constructor asks the server for its tenant, with no timeout of its own
            try:
                made.append(
                    chromadb.HttpClient(
                        host=url.hostname or "localhost",
                        port=url.port or 8000,
                        ssl=url.scheme == "https",
                        settings=chroma_settings,
                    )
                )
            except BaseException as exc:  # handed to the caller's thread
                failed.append(exc)

        worker = threading.Thread(target=connect, daemon=True)
        worker.start()
        worker.join(self.settings.chroma_timeout)
        if failed:
            raise failed[0]
        if not made:
            raise self._no_answer()
        client = made[0]
        session = getattr(getattr(client, "_server", None), "_session", None)
        if isinstance(session, httpx.Client):  # tests/test_trust_boundaries.py holds this against a silent server
            session.timeout = timeout
        return client

    def _no_answer(self) -> IndexMissingError:
        return IndexMissingError(
            f"the Chroma server at {self.settings.chroma_url} did not answer within {self.settings.chroma_timeout:g} s",
            "check the server, or raise ASSISTANT_CHROMA_TIMEOUT",
        )

    @property
    def chroma_dir(self) -> Path:
        """The local store's folder (with `chroma_url`, the server holds the store instead)."""
        return self.settings.index_dir / "chroma"

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.chroma_dir)

    def may_exist(self) -> bool:
        """Whether there can be an index to open, without opening it: a server, or a local store folder."""
        return bool(self.settings.chroma_url) or self.chroma_dir.is_dir()

    @property
    def keyword_dir(self) -> Path:
        return self.settings.index_dir / "keyword"

    def _get_collection(self, name: str) -> Any:
        from chromadb.errors import NotFoundError

        try:
            return self.client.get_collection(name, embedding_function=None)
        except IndexMissingError:
            raise
        except (NotFoundError, ValueError):
            return None
        except Exception as exc:  # the store opened but its catalog cannot be read
            raise self._failure(exc) from None

    def _failure(self, exc: BaseException, what: str = "") -> IndexMissingError:
        """One clear error for a failed store call: a server that did not answer in time, or a damaged store."""
        import httpx

        if isinstance(exc, httpx.TimeoutException):
            return self._no_answer()
        return self._damaged(f"{what} ({short_error(exc)})" if what else short_error(exc))

    def _damaged(self, why: str) -> IndexMissingError:
        state = "cannot be read" if self.settings.chroma_url else "is damaged"
        return IndexMissingError(f"the index at {self.location} {state}: {why}", REBUILD)

    def collection(self) -> Any:
        """The live collection, checked for version and embedding model; a clear error otherwise. A local store that
        does not exist is not created by looking for it (a read-only command leaves the folder as it was)."""
        if not self.may_exist():
            raise IndexMissingError(f"no index at {self.location}", "run `assistant index` first")
        col = self._get_collection(self.settings.collection)
        if col is None:
            raise IndexMissingError(f"no index at {self.location}", "run `assistant index` first")
        meta = col.metadata or {}
        if meta.get("index_version") != INDEX_VERSION:
            raise IndexMissingError(
                f"the index at {self.location} was built by another version (index v{meta.get('index_version')},"
                f" this is v{INDEX_VERSION})",
                "run `assistant index --rebuild`",
            )
        if meta.get("embedding_model") != self.embedder.model_id:
            raise IndexMissingError(
                f"the index was built with embeddings '{meta.get('embedding_model')}' but this run uses"
                f" '{self.embedder.model_id}'",
                "set ASSISTANT_EMBEDDINGS back, or run `assistant index --rebuild`",
            )
        self._check_manifest(meta)
        return col

    def _check_manifest(self, meta: dict[str, Any]) -> Manifest | None:
        """The last write finished: the manifest says `complete` and names the build stamped on the collection."""
        directory = self.settings.index_dir
        try:
            manifest = read_manifest(directory)
        except UnreadableManifest as exc:
            raise IndexMissingError(f"the index's manifest is unreadable: {exc}", REBUILD) from None
        if manifest is None:
            if self.settings.chroma_url:
                return None  # a server's index may have been written from another machine
            raise IndexMissingError(
                f"the index at {self.location} has no manifest: a write did not finish, or it was built before"
                " manifests were kept",
                REBUILD,
            )
        if manifest.state == "writing":
            holder = lock_holder(directory)
            if holder is not None:
                raise IndexMissingError(
                    f"the index at {self.location} is being updated by {holder.describe()}",
                    "wait for it to finish, then run the command again",
                )
            raise IndexMissingError(
                f"the index at {self.location} is half-written: an update (pid {manifest.pid}, started"
                f" {manifest.started_text()}) did not finish",
                REBUILD,
            )
        if manifest.collection != self.settings.collection or manifest.build_id != meta.get("build_id"):
            raise IndexMissingError(
                f"the index at {self.location} does not match its manifest (build {meta.get('build_id')} of"
                f" '{self.settings.collection}' in the store, build {manifest.build_id} of '{manifest.collection}'"
                " in the manifest)",
                REBUILD,
            )
        return manifest

    def check(self) -> None:
        """All a reader needs before trusting the index, once per store: the last write finished (manifest), the
        store passes its health check (sqlite, count, one query) and holds the chunk count the manifest records."""
        if self._checked:
            return
        col = self.collection()
        if damage := self._damage(col):
            raise damage
        manifest = read_manifest(self.settings.index_dir)
        count = self._count(col)
        if manifest is not None and manifest.chunks is not None and manifest.chunks != count:
            raise IndexMissingError(
                f"the index at {self.location} holds {count} chunks but its manifest records {manifest.chunks}:"
                " it was changed after its last complete write",
                REBUILD,
            )
        self._checked = True

    def manifest(self) -> Manifest | None:
        try:
            return read_manifest(self.settings.index_dir)
        except UnreadableManifest:
            return None

    # -- health -------------------------------------------------------------------------------------
    def _damage(self, col: Any | None = None) -> IndexMissingError | None:
        """Why the store cannot be trusted, or None: sqlite's quick_check, then open, count and one query. Cheap
        (tens of ms for a homelab index), so it runs before any embedding work."""
        if not self.settings.chroma_url:
            db = self.chroma_dir / "chroma.sqlite3"
            if db.exists() and (problem := _quick_check(db)):
                return self._damaged(problem)
        try:
            if col is None:
                col = self._get_collection(self.settings.collection)
                if col is None:
                    return None  # nothing built yet: nothing damaged
            if col.count():
                probe = col.get(limit=1, include=["embeddings"])
                col.query(query_embeddings=probe["embeddings"], n_results=1, include=["distances"])
        except IndexMissingError as exc:
            return exc
        except Exception as exc:
            return self._failure(exc)
        return None

    def _count(self, col: Any) -> int:
        try:
            return int(col.count())
        except Exception as exc:
            raise self._failure(exc) from None

    def exists(self) -> bool:
        try:
            self.collection()
            return True
        except IndexMissingError:
            return False
