"""The index manifest: what a finished write left behind, so a half-written index is detected instead of used.

A writer records `writing` before it changes the live collection and `complete` (with the chunk count and a
build id also stamped on the collection) after its last write. Each record replaces the file atomically
(temp file, fsync, os.replace), so a reader sees one record or the other, never a mix."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

MANIFEST_FILE = "manifest.json"


class Manifest(BaseModel):
    state: Literal["writing", "complete"]
    index_version: int
    collection: str
    location: str
    embedding_model: str
    build_id: str
    chunks: int | None = None  # set when complete
    pid: int
    started: datetime
    finished: datetime | None = None

    def started_text(self) -> str:
        return self.started.strftime("%Y-%m-%d %H:%M:%S UTC")


class UnreadableManifest(Exception):
    """The manifest file exists but is not a manifest (truncated, edited, another format)."""


def manifest_path(directory: Path) -> Path:
    return directory / MANIFEST_FILE


def read_manifest(directory: Path) -> Manifest | None:
    """The last record, or None when there is none; UnreadableManifest when the file is not one."""
    path = manifest_path(directory)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableManifest(f"{path}: {exc}") from None
    try:
        return Manifest.model_validate_json(raw)
    except ValidationError as exc:
        raise UnreadableManifest(f"{path}: not a manifest ({exc.error_count()} error(s))") from None


def write_manifest(directory: Path, manifest: Manifest) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(manifest.model_dump_json(indent=2))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, manifest_path(directory))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a crash
    finally:
        os.close(dir_fd)


def remove_manifest(directory: Path) -> None:
    manifest_path(directory).unlink(missing_ok=True)


def now() -> datetime:
    return datetime.now(UTC)
