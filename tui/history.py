"""Saved conversations: one JSON file each under the user's data directory (or $ASSISTANT_HISTORY_DIR).

A history file leaves the running process, so it passes the redaction boundary: secret values in a proposal or
a reply are saved as `[REDACTED:kind]`. Files are readable by their owner only (0600, folder 0700)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from assistant.redaction import redact_data
from tui.conversation import Conversation

HISTORY_ENV = "ASSISTANT_HISTORY_DIR"
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def history_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    override = env.get(HISTORY_ENV)
    if override:
        return Path(override).expanduser()
    return Path(user_data_dir("review-assistant")) / "conversations"


@dataclass(frozen=True)
class Entry:
    """What the history list shows of a saved conversation, without loading all of it."""

    id: str
    title: str
    updated: str
    verdict: str | None
    score: int | None
    turns: int


class HistoryStore:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or history_dir()

    def path(self, conversation_id: str) -> Path:
        if not _SAFE_ID.match(conversation_id):
            raise ValueError(f"not a conversation id: {conversation_id!r}")
        return self.directory / f"{conversation_id}.json"

    def save(self, conversation: Conversation) -> Path:
        """Write atomically (a temp file renamed over the old one), so a crash never leaves half a file."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = self.path(conversation.id)
        tmp = target.with_suffix(".json.tmp")
        data = json.dumps(redact_data(conversation.to_json()), indent=2, ensure_ascii=False) + "\n"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), 0o600)  # an older, wider temp file keeps its mode through O_TRUNC
            fh.write(data)
        tmp.replace(target)
        return target

    def load(self, conversation_id: str) -> Conversation:
        data = json.loads(self.path(conversation_id).read_text(encoding="utf-8"))
        return Conversation.from_json(data)

    def delete(self, conversation_id: str) -> None:
        self.path(conversation_id).unlink(missing_ok=True)

    def entries(self) -> list[Entry]:
        """Saved conversations, the most recently updated first; unreadable files are skipped."""
        if not self.directory.is_dir():
            return []
        out: list[Entry] = []
        for file in self.directory.glob("*.json"):
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
                verdict = data.get("verdict") or {}
                out.append(
                    Entry(
                        id=str(data["id"]),
                        title=str(data.get("title") or "untitled"),
                        updated=str(data.get("updated", "")),
                        verdict=verdict.get("verdict"),
                        score=verdict.get("score"),
                        turns=len(data.get("turns", [])),
                    )
                )
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                continue
        out.sort(key=lambda e: (e.updated, e.id), reverse=True)
        return out
