"""Pure predicates over proposal text. Each returns the mentions that trigger its check."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import islice

from assistant.inputs.language import Sentence, is_negated, sentences
from assistant.stack.inventory import InventoryEntry
from assistant.stack.matching import alias_pattern, matches_near, word_starts
from assistant.stack.view import Stack


@dataclass(frozen=True)
class Mention:
    text: str  # the words that matched
    sentence: str
    line: int
    params: dict[str, str] = field(default_factory=dict, hash=False, compare=False)




@dataclass
class ProposalText:
    text: str
    sentences: list[Sentence]

    @classmethod
    def of(cls, text: str) -> ProposalText:
        return cls(text, sentences(text))

    @cached_property
    def distinct(self) -> list[Sentence]:
        """Each sentence once, at its first place: a paste that repeats a line says no more the second time."""
        seen: set[str] = set()
        return [s for s in self.sentences if not (s.text in seen or seen.add(s.text))]  # type: ignore[func-returns-value]

    @cached_property
    def distinct_text(self) -> str:
        """The distinct sentences, one a line: where a pattern is looked for before its sentences are read."""
        return "\n".join(s.text for s in self.distinct)

    @cached_property
    def words(self) -> dict[str, list[int]]:
        """Every word of the distinct text, lower-case, with where it starts."""
        return word_starts(self.distinct_text)

    def naming(self, names: list[str], pattern: re.Pattern[str]) -> Iterator[Sentence]:
        """The distinct sentences that name a tool (`pattern` is its names' pattern), in order: the pattern is
        tried only where one of its names' first words starts, so a long text is not read once per tool."""
        return self._holding_each(matches_near(names, pattern, self.distinct_text, self.words))

    @cached_property
    def _starts(self) -> list[int]:
        starts, at = [], 0
        for s in self.distinct:
            starts.append(at)
            at += len(s.text) + 1
        return starts

    def holding(self, pattern: re.Pattern[str]) -> Iterator[Sentence]:
        """The distinct sentences in which the pattern matches, in order: one pass over the text, not one per
        sentence."""
        return self._holding_each(pattern.finditer(self.distinct_text))

    def _holding_each(self, matches: Iterator[re.Match[str]]) -> Iterator[Sentence]:
        """Each distinct sentence holding one of the matches (in text order), once."""
        last = -1
        for m in matches:
            i = bisect_right(self._starts, m.start()) - 1
            if i != last:
                last = i
                yield self.distinct[i]


@lru_cache(maxsize=512)
def rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


_INNER_NEGATION = re.compile(r"\b(?:not|never|no|without)\b", re.I)
_QUOTED = re.compile(r"\"[^\"\n]{3,80}\"|“[^”\n]{3,80}”")


MAX_AFFIRMED = 50  # mentions of one pattern kept: a finding cites the first; a pasted log repeating a name is no more


def affirmed(doc: ProposalText, pattern: str, negatable: bool = True) -> list[tuple[Sentence, re.Match[str]]]:
    """Matches of the pattern that are not in the scope of a negation (unless the pattern is itself negative).
    A negatable match that holds a negation itself ("secrets: not even SOPS-encrypted in git") is not affirmed."""
    return list(islice(_affirmed(doc, pattern, negatable), MAX_AFFIRMED))


def _affirmed(doc: ProposalText, pattern: str, negatable: bool) -> Iterator[tuple[Sentence, re.Match[str]]]:
    for s in doc.holding(rx(pattern)):
        quoted: list[tuple[int, int]] | None = None  # read only for a sentence that matches
        for m in rx(pattern).finditer(s.text):
            if negatable and (is_negated(s.text, m.start(), m.end()) or _INNER_NEGATION.search(m.group(0))):
                continue
            if quoted is None:
                quoted = [q.span() for q in _QUOTED.finditer(s.text)]
            if negatable and any(a < m.start() and m.end() < b for a, b in quoted):
                continue  # "Manual operational steps": quoting a name is not doing the thing
            yield s, m


def any_affirmed(doc: ProposalText, patterns: list[str]) -> bool:
    return any(next(_affirmed(doc, p, True), None) is not None for p in patterns)


Predicate = Callable[[ProposalText, dict[str, object], Stack], list[Mention]]
PREDICATES: dict[str, Predicate] = {}


def predicate(name: str) -> Callable[[Predicate], Predicate]:
    def register(fn: Predicate) -> Predicate:
        PREDICATES[name] = fn
        return fn

    return register


def _strs(params: dict[str, object], key: str) -> list[str]:
    value = params.get(key) or []
    assert isinstance(value, list)
    return [str(v) for v in value]


@predicate("mention")
def mention(doc: ProposalText, params: dict[str, object], stack: Stack) -> list[Mention]:
    """A trigger phrase, affirmed (not negated), in a sentence without an excluding context; suppressed when
    the proposal anywhere affirms what answers the concern (a backup story, an HA design …)."""
    if any_affirmed(doc, _strs(params, "suppress_if_anywhere")):
        return []
    excludes = [rx(p) for p in _strs(params, "exclude_context")]
    house = _house_names(stack, str(params.get("house_role", "")))
    found: list[Mention] = []
    for key, negatable in (("explicit", False), ("triggers", True)):
        for pattern in _strs(params, key):
            for s, m in affirmed(doc, pattern, negatable):
                if _excluded(excludes, s.text) or (house and house.fullmatch(m.group(0).strip())):
                    continue  # "behind Traefik" where Traefik is this repo's entry path is the house pattern
                found.append(Mention(m.group(0).strip(), s.text.strip(), s.line))
    return found


def _house_names(stack: Stack, role: str) -> re.Pattern[str] | None:
    """The names of this repo's tools in the role (its ingress), as one pattern."""
    names = [n for e in stack.incumbents(role) for n in stack.names_of(e.tool)] if role else []
    return alias_pattern(names) if names else None


def _excluded(excludes: list[re.Pattern[str]], text: str) -> bool:
    """Whether the sentence affirms an excluding context. One it negates does not excuse the claim beside it:
    "a plain Secret committed to git, not SOPS, no ExternalSecret" rules the ExternalSecret out."""
    return any(not is_negated(text, m.start(), m.end()) for e in excludes for m in e.finditer(text))


_ADD_VERB = re.compile(
    r"\b(?:add|adding|deploy|deploying|install|installing|run|running|spin\s+up|bring\s+in|"
    r"introduce|set\s+up|self-host|rebuild|rebuilding|migrate|migrating|move|moving|switch|switching)\b"
    r"(?:\s+\S+){0,3}\s*$"
    r"|\b(?:replace|replacing|swap|swapping)\b[^.;]{0,60}\bwith\s*$",  # "replace Fedora and k3s with Talos"
    re.I,
)
# "Talos instead of Fedora": the tool named first is the one a replacement brings in
_REPLACES = re.compile(r"^\W{0,3}(?:\w+\s+){0,2}(?:instead\s+of|in\s+place\s+of|to\s+replace)\b", re.I)


def _catalog_mentions(
    doc: ProposalText, aliases: list[str], params: dict[str, object], existing: list[str] | None = None
) -> list[tuple[Sentence, str]]:
    return [(s, m.group(0)) for s, m in _catalog_matches(doc, aliases, params, existing)]


def _catalog_matches(
    doc: ProposalText, aliases: list[str], params: dict[str, object], existing: list[str] | None = None
) -> list[tuple[Sentence, re.Match[str]]]:
    """Affirmed mentions of a tool; with `existing` (the covering component's names), a sentence that also names
    the component relates the two ("Dragonfly as our Redis") unless it plainly adds the tool."""
    after = rx(str(params["exclude_after"])) if params.get("exclude_after") else None
    before = rx(str(params["exclude_before"])) if params.get("exclude_before") else None
    excludes = [rx(p) for p in _strs(params, "exclude_context")]
    component = alias_pattern(existing) if existing else None
    tool = alias_pattern(aliases)
    return list(islice(_tool_matches(doc, aliases, tool, excludes, component, after, before), MAX_AFFIRMED))


def _tool_matches(
    doc: ProposalText,
    aliases: list[str],
    tool: re.Pattern[str],
    excludes: list[re.Pattern[str]],
    component: re.Pattern[str] | None,
    after: re.Pattern[str] | None,
    before: re.Pattern[str] | None,
) -> Iterator[tuple[Sentence, re.Match[str]]]:
    for s in doc.naming(aliases, tool):
        if any(e.search(s.text) for e in excludes):
            continue
        for m in tool.finditer(s.text):
            if is_negated(s.text, m.start(), m.end()):
                continue
            if (
                component
                and component.search(s.text)
                and not _ADD_VERB.search(s.text[: m.start()])
                and not _REPLACES.search(s.text[m.end() :])
            ):
                continue
            if after and after.search(s.text[m.end() :]):
                continue
            if before and before.search(s.text[: m.start()]):
                continue
            yield s, m


@predicate("catalog-overlap")
def catalog_overlap(doc: ProposalText, params: dict[str, object], stack: Stack) -> list[Mention]:
    """A tool named in the proposal fills a role this repo already fills. Naming a tool the repo already runs is
    reuse ("point it at the existing Redis") unless the proposal adds another instance of it."""
    found: list[Mention] = []
    named_new = False  # the proposal names a tool this repo does not run: its roles decide, not need words
    for tool in stack.named_in(doc.text):
        named_new = named_new or not stack.runs(tool.slug)
        incumbents = stack.incumbents_for(tool)
        if not incumbents:
            continue
        runs_it = stack.runs(tool.slug)
        others = [a for e in incumbents if e.tool != tool.slug for a in stack.names_of(e.tool)]
        hits = []
        for s, m in _catalog_matches(doc, tool.names, params, None if runs_it else others):
            before, after = s.text[: m.start()], s.text[m.end() :]
            if _in_code(s.text, m.start()) or _REUSE.search(before):
                continue  # `terraform {}` quoted as code; "our Prometheus", "already in Loki"
            if runs_it and not _ANOTHER.search(before):
                continue  # naming a tool the repo runs is reuse, unless it is another instance
            if tool.engine_named and not (_ADD_VERB.search(before) or _INSTANCE.match(after)):
                continue  # "postgres access label", "the Redis protocol": the engine's word, not a new server
            hits.append((s, m.group(0)))
        if hits:
            s, words = hits[0]
            found.append(Mention(words, s.text.strip(), s.line, _overlap_params(stack, tool.slug, incumbents)))
    if not found and not named_new:
        found += need_overlap(doc, stack)
    return found + bundled_subchart(doc, params, stack)


def need_overlap(doc: ProposalText, stack: Stack) -> list[Mention]:
    """A proposal worded as a need ("a password manager for the family") in a role this repo already fills, that
    names none of the tools filling it: the incumbent is the answer to evaluate first."""
    for need in stack.needs.find(doc.text):  # the lexicon holds no family: every need is a role that can overlap
        incumbents = stack.incumbents(need.role)
        if not incumbents:
            continue
        if any(alias_pattern(stack.names_of(e.tool)).search(doc.text) for e in incumbents):
            continue  # "back up the volumes with VolSync": the need is met by the incumbent, by name
        s = next((s for s in reversed(doc.sentences) if s.start <= need.start), doc.sentences[0])
        role = stack.role_label(need.role)
        return [
            Mention(
                need.words,
                s.text.strip(),
                s.line,
                {
                    "tool": f"a {role}",
                    "tool_slug": need.role,
                    "role": need.role,
                    "role_name": role,
                    "need": need.words,
                    "component": incumbents[0].tool,
                    "component_name": " and ".join(e.name for e in incumbents),
                    "incumbents": "; ".join(e.label() for e in incumbents),
                    "compat": "",
                    "decision": "",
                    "same": "",
                },
            )
        ]
    return []


_ANOTHER = re.compile(
    r"\b(?:second|another|dedicated|separate|extra|additional|own|standalone|per-app)\b(?:\s+\S+){0,2}\s*$", re.I
)
_REUSE = re.compile(r"\b(?:already|existing|our|current(?:ly)?|reuse|reusing)\b(?:\s+\S+){0,4}\s*$", re.I)
_INSTANCE = re.compile(
    r"[\s-]+(?:instance|server|cluster|container|pod|deployment|statefulset|sidecar|chart|subchart|database|db)s?\b",
    re.I,
)


def _in_code(text: str, pos: int) -> bool:
    """Inside a `code span`: a quoted identifier, not a tool being added."""
    return text.count("`", 0, pos) % 2 == 1


def _overlap_params(stack: Stack, slug: str, incumbents: list[InventoryEntry]) -> dict[str, str]:
    """The words a message needs: the tool, its role, and each incumbent with where it runs."""
    tool = stack.catalog.by_slug[slug]
    roles = [r for r in tool.roles if any(r in e.roles for e in incumbents)]
    first = incumbents[0]
    compat = [e.name for e in incumbents if e.tool != slug and set(tool.speaks or [slug]) & set(_speaks(stack, e.tool))]
    decision = next((d for e in incumbents if (d := stack.decision_for(slug, e.tool))), None)
    return {
        "tool": tool.name,
        "tool_slug": slug,
        "role": roles[0] if roles else tool.roles[0],
        "role_name": stack.role_label(roles[0] if roles else tool.roles[0]),
        "component": first.tool,
        "component_name": " and ".join(e.name for e in incumbents),
        "incumbents": "; ".join(e.label() for e in incumbents),
        "compat": f" ({', '.join(compat)} speak{'s' * (len(compat) == 1)} {tool.name}'s protocol)" if compat else "",
        "decision": f" The operator's decision: {stack.names_of(decision.use)[0]} instead of {tool.name}"
        + (f" ({decision.why.rstrip('.')})." if decision.why else ".")
        if decision
        else "",
        "same": "another instance of " if stack.inventory.has(slug) else "",
    }


def _speaks(stack: Stack, slug: str) -> list[str]:
    tool = stack.catalog.tool(slug)
    return [slug, *(tool.speaks if tool else [])]


@predicate("catalog-cloud")
def catalog_cloud(doc: ProposalText, params: dict[str, object], stack: Stack) -> list[Mention]:
    found: list[Mention] = []
    for svc in stack.catalog.cloud_only:
        if stack.accepted(svc):
            continue
        hits = _catalog_mentions(doc, svc.aliases, params)
        if hits:
            s, words = hits[0]
            incumbents = stack.incumbents(svc.role) if svc.role else []
            hint = (
                f": this repo already runs {'; '.join(e.label() for e in incumbents)}"
                if incumbents
                else (f" ({stack.phrase(svc.role)})" if svc.role else "")
            )
            found.append(
                Mention(
                    words,
                    s.text.strip(),
                    s.line,
                    {
                        "tool": svc.name,
                        "component": incumbents[0].tool if incumbents else "",
                        "alternative_hint": hint,
                    },
                )
            )
    return found


_SUBCHART = re.compile(r"^[ \t]*(?P<key>[A-Za-z][\w-]*):[ \t]*\n[ \t]+enabled:[ \t]*true\b", re.M)


@predicate("bundled-subchart")
def bundled_subchart(doc: ProposalText, params: dict[str, object], stack: Stack) -> list[Mention]:
    """A chart's own Redis/PostgreSQL/MinIO switched on in values (`redis:\n  enabled: true`) where this repo
    already runs a tool in that role."""
    found: list[Mention] = []
    for m in _SUBCHART.finditer(doc.text):
        key = m.group("key").lower()
        tool = next((t for t, p in stack.prose_tools if p.fullmatch(key) or key in t.charts), None)
        if tool is None:
            continue
        incumbents = stack.incumbents_for(tool)
        if not incumbents:
            continue
        params_ = _overlap_params(stack, tool.slug, incumbents)
        params_["tool"] = f"{tool.name} (bundled subchart)"
        found.append(Mention(m.group(0).strip(), m.group(0).strip(), doc.text.count("\n", 0, m.start()) + 1, params_))
    return found


@predicate("never")
def never(doc: ProposalText, params: dict[str, object], stack: Stack) -> list[Mention]:
    """A check that reads pull requests only (its detectors); a proposal has nothing for it to measure."""
    return []
