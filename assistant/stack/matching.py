"""How prose names a tool: whole-word, case-insensitive; `-`, `_` and spaces in a name match each other. A
`ProperName` (a tool named by an ordinary word: `Drone`, `Harbor`) matches only as written, capitalised."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache


class ProperName(str):
    """A name that is also an ordinary word: it names the tool only capitalised as written ("Drone", not "drone")."""

    __slots__ = ()


class CommonName(ProperName):
    """A name that is a common English word ("Keep", "Outline", "Ghost"): capitalised as written and inside a
    sentence, never at its start, where every word is capitalised."""

    __slots__ = ()


_PLAIN, _PROPER, _COMMON = 0, 1, 2


def _kind(alias: str) -> int:
    return _COMMON if isinstance(alias, CommonName) else _PROPER if isinstance(alias, ProperName) else _PLAIN


def alias_pattern(aliases: list[str]) -> re.Pattern[str]:
    return _alias_pattern(tuple((str(a), _kind(a)) for a in aliases))


@lru_cache(maxsize=8192)
def _alias_pattern(aliases: tuple[tuple[str, int], ...]) -> re.Pattern[str]:
    parts = []
    names = {(a, kind) if kind else (a.lower(), kind) for a, kind in aliases if a.strip()}
    for a, kind in sorted(names, key=lambda n: (-len(n[0]), n)):
        esc = re.escape(a).replace(r"\ ", r"[\s_-]+").replace(r"\-", r"[\s_-]?")
        if kind == _COMMON:
            parts.append(rf"(?<=[^\s.!?:;][ \t])(?-i:{esc})")
        else:
            parts.append(f"(?-i:{esc})" if kind else esc)
    # not inside a word, a path, a file name or a compound (`terraform.tfvars`, `prometheus-rules.yaml`, `eso-iam`)
    return re.compile(r"(?<![\w.-])(?:" + "|".join(parts) + r")(?![\w]|[./-]\w)", re.I)


def loose_pattern(aliases: list[str]) -> re.Pattern[str]:
    """Any mention of a tool, compounds included (`Flux-deployable`): for finding words that claim a tool."""
    return _loose(tuple((str(a), _kind(a)) for a in aliases))


@lru_cache(maxsize=8192)
def _loose(aliases: tuple[tuple[str, int], ...]) -> re.Pattern[str]:
    strict = _alias_pattern(aliases).pattern
    return re.compile(strict.replace(r"(?![\w]|[./-]\w)", r"(?![\w])"), re.I)


_WORD = re.compile(r"[a-z0-9]+", re.I)  # offsets in the text as written
_PAST_NAME = 20  # characters past a name's length: its end check (`[./-]\w`) and runs of separators inside it


def word_starts(text: str) -> dict[str, list[int]]:
    """Every word of the text, lower-case, with where each occurrence starts."""
    at: dict[str, list[int]] = {}
    for m in _WORD.finditer(text):
        at.setdefault(m.group(0).lower(), []).append(m.start())
    return at


def matches_near(
    names: list[str], pattern: re.Pattern[str], text: str, starts: dict[str, list[int]]
) -> Iterator[re.Match[str]]:
    """The matches of a tool's names pattern in `text`, tried only where one of its names' first words starts
    (`starts`: word_starts(text)), so a long text is not read once per tool."""
    firsts = {w[0].lower() for n in names if (w := _WORD.findall(n))}
    width = max((len(n) for n in names), default=0) + _PAST_NAME
    for p in sorted({p for word in firsts for p in starts.get(word, ())}):
        m = pattern.search(text, max(0, p - 1), p + width)
        if m is not None:
            yield m
