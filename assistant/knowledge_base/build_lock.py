"""One index writer at a time: an advisory lock (flock) on a file in the index dir, with who holds it written inside.

The kernel drops the lock when its holder exits, even on kill -9, so a crashed writer never leaves a stale lock.
A second writer waits a bounded time, then says who holds the lock (pid, command, since when) and stops."""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from pydantic import BaseModel, ValidationError

from assistant.errors import AssistantError

LOCK_FILE = "index.lock"
TIMEOUT_ENV = "ASSISTANT_INDEX_LOCK_TIMEOUT"
DEFAULT_TIMEOUT = 60.0
POLL = 0.2
OnWait = Callable[["Holder | None", float], None]  # (who holds it, seconds waited so far)


class Holder(BaseModel):
    pid: int
    command: str
    since: datetime

    def describe(self) -> str:
        return f"pid {self.pid} (`{self.command}`) since {self.since.strftime('%Y-%m-%d %H:%M:%S UTC')}"


class IndexBusyError(AssistantError):
    """Another process is writing the index."""


def lock_timeout() -> float:
    """How long a second writer waits: ASSISTANT_INDEX_LOCK_TIMEOUT seconds (default 60)."""
    raw = os.environ.get(TIMEOUT_ENV, "")
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_TIMEOUT
    except ValueError:
        raise AssistantError(f"{TIMEOUT_ENV}={raw!r} is not a number of seconds", f"e.g. {TIMEOUT_ENV}=60") from None


def _command() -> str:
    args = [Path(sys.argv[0]).name, *sys.argv[1:]] if sys.argv and sys.argv[0] else ["python"]
    return " ".join(args)[:200]


def _read_holder(path: Path) -> Holder | None:
    try:
        return Holder.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, ValidationError):
        return None  # not written yet, or by a holder killed before it wrote


def lock_holder(directory: Path) -> Holder | None:
    """Who holds the write lock now; None when nobody does (the file may still name the last holder)."""
    path = directory / LOCK_FILE
    if not path.exists():
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read_holder(path) or Holder(pid=0, command="unknown", since=datetime.now(UTC))
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class WriteLock:
    """`with WriteLock(index_dir):` holds the index's write lock for the block."""

    def __init__(self, directory: Path, timeout: float | None = None, on_wait: OnWait | None = None) -> None:
        self.directory = directory
        self.path = directory / LOCK_FILE
        self.timeout = lock_timeout() if timeout is None else timeout
        self.on_wait = on_wait
        self._fd: int | None = None

    def __enter__(self) -> WriteLock:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        started = time.monotonic()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                holder = _read_holder(self.path)
                if waited >= self.timeout:
                    os.close(fd)
                    who = holder.describe() if holder else "another process"
                    raise IndexBusyError(
                        f"another writer holds the index at {self.directory}: {who}; waited {waited:.0f}s",
                        f"wait for it to finish and run the command again ({TIMEOUT_ENV} sets the wait)",
                    ) from None
                if self.on_wait:
                    self.on_wait(holder, waited)
                time.sleep(POLL)
        holder = Holder(pid=os.getpid(), command=_command(), since=datetime.now(UTC))
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder.model_dump(mode="json")).encode(), 0)
        self._fd = fd
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
