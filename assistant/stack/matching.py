"""How prose names a tool: whole-word, case-insensitive; `-`, `_` and spaces in a name match each other."""

from __future__ import annotations

import re
from functools import lru_cache


def alias_pattern(aliases: list[str]) -> re.Pattern[str]:
    return _alias_pattern(tuple(aliases))


@lru_cache(maxsize=4096)
def _alias_pattern(aliases: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for a in sorted({a.lower() for a in aliases if a.strip()}, key=len, reverse=True):
        esc = re.escape(a).replace(r"\ ", r"[\s_-]+").replace(r"\-", r"[\s_-]?")
        parts.append(esc)
    # not inside a word, a path, a file name or a compound (`terraform.tfvars`, `prometheus-rules.yaml`, `eso-iam`)
    return re.compile(r"(?<![\w.-])(?:" + "|".join(parts) + r")(?![\w]|[./-]\w)", re.I)


def loose_pattern(aliases: list[str]) -> re.Pattern[str]:
    """Any mention of a tool, compounds included (`Flux-deployable`): for finding words that claim a tool."""
    return _loose(tuple(aliases))


@lru_cache(maxsize=4096)
def _loose(aliases: tuple[str, ...]) -> re.Pattern[str]:
    strict = _alias_pattern(aliases).pattern
    return re.compile(strict.replace(r"(?![\w]|[./-]\w)", r"(?![\w])"), re.I)
