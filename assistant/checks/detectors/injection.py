"""prompt-injection in a pull request: instructions addressed to an AI reviewer in its title, its description or
the lines it adds (a comment in a manifest). The patterns are the check's own (definitions/prompt-injection.yaml),
so a proposal and a PR are read alike. Reported, never obeyed: the verdict is computed, and the model's ratings
need cited evidence (reasoning/chain.py `merge`)."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.checks import registry
from assistant.checks.context import Context, finding
from assistant.models import Finding, Location
from assistant.stack.view import Stack


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    explicit = registry.spec("prompt-injection").proposal.get("explicit") or []
    return re.compile("|".join(f"(?:{p})" for p in explicit), re.I)


def instructions(ctx: Context, stack: Stack) -> list[Finding]:
    pattern = _pattern()
    out: list[Finding] = []
    described = f"{ctx.pr.title}\n{ctx.pr.body}"
    if m := pattern.search(described):
        out.append(_found("description", m.group(0), None))
    for f in ctx.pr.reviewed:
        lines = f.numbered()
        for number in sorted(f.added_lines):
            if m := pattern.search(lines.get(number, "")):
                out.append(_found(f"{f.path}:{number}", m.group(0), Location(path=f.path, line=number)))
                break  # one a file: the first says it
    return out


def _found(where: str, words: str, location: Location | None) -> Finding:
    said = " ".join(words.split())[:80]
    place = "the pull request's description" if location is None else f"{location.path}:{location.line}"
    return finding(
        "prompt-injection",
        where,
        f"{place} gives instructions to an AI reviewer (“{said}”): reported here, never followed.",
        location,
    )
