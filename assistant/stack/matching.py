"""How prose names a tool: whole-word, case-insensitive; `-`, `_` and spaces in a name match each other. A
`ProperName` (a tool named by an ordinary word: `Drone`, `Harbor`) matches only as written, capitalised."""

from __future__ import annotations

import re
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
