"""An operator's words for a need ("a password manager for the family", "check that our sites are up", "back up the
volumes every night") mapped to a role of the catalog, so that a proposal that names no tool still meets the repo's
incumbent.

The words come from the catalog: each role's own `needs` and name (knowledge/roles.yaml) and the open datasets' tag
and category names mapped to it (`role_words` of the compiled catalog). Words are compared stemmed (Snowball), so
"backed up" meets "back up" and "feeds" meets "feed"."""

from __future__ import annotations

import re
from dataclasses import dataclass

import Stemmer

from assistant.stack.catalog import RoleCatalog

_STEMMER = Stemmer.Stemmer("english")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
# Words before a need that make it the repo's existing one ("our existing backups", "no uptime checks")
_NOT_NEW = re.compile(
    r"\b(?:existing|already|current(?:ly)?|our\s+own|no|not|without|never|keep\s+using)\b(?:\W+\w+){0,3}\W*$", re.I
)


@dataclass(frozen=True)
class Need:
    role: str
    words: str  # the operator's words that named it
    start: int  # offset in the text


def _stems(text: str) -> list[tuple[str, int, int]]:
    return [(_STEMMER.stemWord(m.group(0).replace("'", "")), m.start(), m.end()) for m in _WORD.finditer(text.lower())]


@dataclass(frozen=True)
class NeedLexicon:
    phrases: tuple[tuple[tuple[str, ...], str], ...]  # (stemmed words, role), longest first

    @classmethod
    def of(cls, catalog: RoleCatalog) -> NeedLexicon:
        seen: dict[tuple[str, ...], str] = {}
        for role in catalog.roles:
            if role.family:
                continue
            for phrase in [*role.needs, *_phrases_of(role.name), *(p for w in role.words for p in _phrases_of(w))]:
                stems = tuple(s for s, _, _ in _stems(phrase))
                if stems and stems not in seen:
                    seen[stems] = role.id
        return cls(tuple(sorted(seen.items(), key=lambda item: -len(item[0]))))

    def find(self, text: str) -> list[Need]:
        """Every role named by need words in the text, first mention first; a need already met ("our existing
        backups") or denied ("no uptime checks") does not count."""
        tokens = _stems(text)
        words = [t[0] for t in tokens]
        found: dict[str, Need] = {}
        taken: set[int] = set()
        for phrase, role in self.phrases:
            n = len(phrase)
            for i in range(len(words) - n + 1):
                if tuple(words[i : i + n]) != phrase or taken & set(range(i, i + n)):
                    continue
                start, end = tokens[i][1], tokens[i + n - 1][2]
                if _NOT_NEW.search(text[max(0, start - 60) : start]):
                    continue
                taken |= set(range(i, i + n))
                if role not in found or start < found[role].start:
                    found[role] = Need(role, text[start:end], start)
        return sorted(found.values(), key=lambda need: need.start)


def _phrases_of(name: str) -> list[str]:
    """A role's name or a dataset tag as phrases of two words or more: the whole, and each part ("Media Streaming -
    Video Streaming" gives "media streaming" and "video streaming"). One word ("Dashboards", "Streaming") is too
    vague: proposals name dashboards and alerts as work on the tools they have."""
    plain = " ".join(re.sub(r"\([^)]*\)", " ", name).lower().split())
    parts = [p.strip() for p in re.split(r"\s+-\s+|&|,|/|\band\b", plain) if p.strip()]
    return [p for p in dict.fromkeys([plain, *parts]) if len(p.split()) >= 2]
