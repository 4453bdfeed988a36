"""How prose names a tool: whole-word, case-insensitive; `-`, `_` and spaces in a name match each other. A
`ProperName` (a tool named by an ordinary word: `Drone`, `Harbor`) matches only as written, capitalised."""

from __future__ import annotations

import re
from functools import lru_cache


class ProperName(str):
    """A name that is also an ordinary word: it names the tool only capitalised as written ("Drone", not "drone")."""

    __slots__ = ()


def alias_pattern(aliases: list[str]) -> re.Pattern[str]:
    return _alias_pattern(tuple((str(a), isinstance(a, ProperName)) for a in aliases))


@lru_cache(maxsize=4096)
def _alias_pattern(aliases: tuple[tuple[str, bool], ...]) -> re.Pattern[str]:
    parts = []
    names = {(a, True) if proper else (a.lower(), False) for a, proper in aliases if a.strip()}
    for a, proper in sorted(names, key=lambda n: (-len(n[0]), n)):
        esc = re.escape(a).replace(r"\ ", r"[\s_-]+").replace(r"\-", r"[\s_-]?")
        parts.append(f"(?-i:{esc})" if proper else esc)
    # not inside a word, a path, a file name or a compound (`terraform.tfvars`, `prometheus-rules.yaml`, `eso-iam`)
    return re.compile(r"(?<![\w.-])(?:" + "|".join(parts) + r")(?![\w]|[./-]\w)", re.I)


def loose_pattern(aliases: list[str]) -> re.Pattern[str]:
    """Any mention of a tool, compounds included (`Flux-deployable`): for finding words that claim a tool."""
    return _loose(tuple((str(a), isinstance(a, ProperName)) for a in aliases))


@lru_cache(maxsize=4096)
def _loose(aliases: tuple[tuple[str, bool], ...]) -> re.Pattern[str]:
    strict = _alias_pattern(aliases).pattern
    return re.compile(strict.replace(r"(?![\w]|[./-]\w)", r"(?![\w])"), re.I)
