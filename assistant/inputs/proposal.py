"""A written proposal: read it, refuse what cannot be reviewed, and name it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from assistant.errors import InputError

MIN_WORDS = 3


_PATH_LIKE = re.compile(r"^[\w./~\\:-]+$")  # one token of path characters: a file name, never a sentence


def read_proposal(source: str, max_bytes: int) -> tuple[str, str]:
    """Text and ref of a proposal: `-` reads stdin, an existing file is read, and anything else that is not a
    single path-like token is the proposal's text itself (`--proposal 'Add Loki for logs'`)."""
    if source == "-":
        raw = read_stdin(max_bytes, "the proposal")
        ref = "stdin"
    else:
        path = Path(source)
        if not path.is_file():
            if _PATH_LIKE.match(source.strip()) and ("/" in source or "." in Path(source).name):
                raise InputError(
                    f"proposal file not found: {source}", "give a file, - for stdin, or the proposal's text in quotes"
                )
            return validate_text(source.encode("utf-8"), max_bytes), "text"
        if path.stat().st_size > max_bytes:
            raise InputError(
                f"proposal is {path.stat().st_size // 1000} kB, over the {max_bytes // 1000} kB limit",
                "trim it to the proposal itself, or raise ASSISTANT_MAX_INPUT_BYTES",
            )
        raw = path.read_bytes()
        ref = source
    return validate_text(raw, max_bytes), ref


def read_stdin(limit: int, what: str = "the input", hint: str = "raise ASSISTANT_MAX_INPUT_BYTES") -> bytes:
    """All of stdin, refused (never cut) when it is over `limit` bytes; a closed or unreadable stdin is one clear
    line, not a traceback."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError("stdin is closed: pipe the input in (`... | assistant review -p -`) or give a file path")
    try:
        raw = bytes(stream.read(limit + 1))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read stdin: {exc}", "pipe the input in, or give a file path") from None
    if len(raw) > limit:
        raise InputError(
            f"{what} on stdin is over the {_size(limit)} limit: refused, not cut (a cut could drop what matters)",
            f"give a smaller input, or {hint}",
        )
    return raw


def _size(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n / 1000:g} kB"


def validate_text(raw: bytes | str, max_bytes: int) -> str:
    if isinstance(raw, bytes):
        if len(raw) > max_bytes:
            raise InputError(
                f"proposal is over the {max_bytes // 1000} kB limit", "trim it, or raise ASSISTANT_MAX_INPUT_BYTES"
            )
        if b"\0" in raw[:8192]:
            raise InputError("the proposal looks binary (it contains NUL bytes); give a text or Markdown file")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("cp1252")
            except UnicodeDecodeError:
                raise InputError("the proposal is not UTF-8 text") from None
    else:
        text = raw
        if len(text.encode("utf-8", "replace")) > max_bytes:
            raise InputError(
                f"proposal is over the {max_bytes // 1000} kB limit", "trim it, or raise ASSISTANT_MAX_INPUT_BYTES"
            )
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    if len(re.findall(r"\w+", text)) < MIN_WORDS:
        raise InputError("the proposal is empty or too short to review; describe what you want to change")
    return text


def title_of(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= 90 else line[:89] + "…"
    return "proposal"
