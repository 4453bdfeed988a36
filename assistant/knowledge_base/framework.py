"""Parse the operator's framework (Markdown) into a rubric: criteria with questions, patterns, anti-patterns.

The rubric is data: edit `knowledge/framework.md` and the questions, ratings and citations follow.
Sections are recognised by their heading words ("criteria", "pattern", "anti-pattern", "stack"), so the
operator may rename or add criteria, questions, patterns and anti-patterns freely.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from markdown_it.token import Token
from pydantic import BaseModel

from assistant.errors import InputError
from assistant.knowledge_base.chunking import chunk_file
from assistant.knowledge_base.markdown import parse_tokens, slugify
from assistant.models import Chunk

FRAMEWORK_PREFIX = "framework"


class Question(BaseModel):
    id: str
    text: str  # "How is it backed up?"
    requirement: str = ""  # the parenthetical: "Must have a recovery story"


class Criterion(BaseModel):
    id: str  # principle-alignment/everything-as-code, stack-fit
    group: str
    name: str
    questions: list[Question]
    citation: str  # framework#stack-fit


class DesignPattern(BaseModel):
    id: str
    name: str
    items: list[str]
    citation: str


class AntiPattern(BaseModel):
    id: str
    name: str
    why: str
    correct: str
    citation: str


class StackLayer(BaseModel):
    layer: str
    technology: str
    purpose: str


class Rubric(BaseModel):
    title: str
    criteria: list[Criterion]
    patterns: list[DesignPattern]
    anti_patterns: list[AntiPattern]
    stack: list[StackLayer]
    anchors: dict[str, str]  # citation id -> heading title

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)

    def anti_pattern(self, anti_id: str) -> AntiPattern | None:
        return next((a for a in self.anti_patterns if a.id == anti_id), None)

    def pattern(self, pattern_id: str) -> DesignPattern | None:
        return next((p for p in self.patterns if p.id == pattern_id), None)


_PAREN = re.compile(r"^(?P<q>.*?\?)\s*(?:\((?P<req>[^)]*)\))?\s*$")
_NAMED = re.compile(r"^\*\*(?P<name>[^*]+)\*\*\s*:?\s*(?P<rest>.*)$")


def _question(text: str, prefix: str) -> Question:
    m = _PAREN.match(text)
    q, req = (m.group("q"), m.group("req") or "") if m else (text, "")
    return Question(id=f"{prefix}/{slugify(q)[:48].rstrip('-')}", text=q.strip(), requirement=req.strip())


def _table_rows(tokens: list[Token], start: int) -> tuple[list[list[str]], int]:
    rows: list[list[str]] = []
    row: list[str] = []
    i = start
    while i < len(tokens) and tokens[i].type != "table_close":
        t = tokens[i]
        if t.type == "tr_open":
            row = []
        elif t.type == "inline":
            row.append(t.content.strip())
        elif t.type == "tr_close":
            rows.append(row)
        i += 1
    return rows, i


def parse_framework(text: str) -> Rubric:
    tokens = parse_tokens(text)
    title = ""
    h2 = h3 = ""
    anchors: dict[str, str] = {}
    used: set[str] = set()
    anchor_of: dict[tuple[str, str], str] = {}
    lists: dict[tuple[str, str], list[str]] = {}
    tables: dict[str, list[list[str]]] = {}
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            content = tokens[i + 1].content.strip()
            anchor = slugify(content)
            while anchor in used:
                anchor += "-x"
            used.add(anchor)
            anchors[f"{FRAMEWORK_PREFIX}#{anchor}"] = content
            if tok.tag == "h1":
                title = content
            elif tok.tag == "h2":
                h2, h3 = content, ""
                anchor_of[(h2, "")] = anchor
            elif tok.tag == "h3":
                h3 = content
                anchor_of[(h2, h3)] = anchor
        elif tok.type == "list_item_open":
            j = i + 1
            while tokens[j].type != "inline":
                j += 1
            lists.setdefault((h2, h3), []).append(tokens[j].content.strip())
        elif tok.type == "table_open":
            rows, i = _table_rows(tokens, i)
            tables[h2] = rows
        i += 1

    def cite(a: str, b: str = "") -> str:
        return f"{FRAMEWORK_PREFIX}#{anchor_of[(a, b)]}"

    criteria: list[Criterion] = []
    patterns: list[DesignPattern] = []
    for (sec, sub), items in lists.items():
        low = sec.lower()
        if not sub:
            continue
        if "criteria" in low:
            group_id = slugify(sub)
            named = [_NAMED.match(it) for it in items]
            if items and all(named):
                for m in named:
                    assert m is not None
                    cid = f"{group_id}/{slugify(m.group('name'))}"
                    criteria.append(
                        Criterion(
                            id=cid,
                            group=sub,
                            name=m.group("name").strip(),
                            questions=[_question(m.group("rest"), cid)],
                            citation=cite(sec, sub),
                        )
                    )
            else:
                criteria.append(
                    Criterion(
                        id=group_id,
                        group=sub,
                        name=sub,
                        questions=[_question(it, group_id) for it in items],
                        citation=cite(sec, sub),
                    )
                )
        elif "pattern" in low and "anti" not in low:
            patterns.append(DesignPattern(id=slugify(sub), name=sub, items=items, citation=cite(sec, sub)))

    anti_patterns: list[AntiPattern] = []
    stack: list[StackLayer] = []
    for sec, rows in tables.items():
        low = sec.lower()
        body = rows[1:]
        if "anti" in low:
            for r in body:
                if len(r) >= 3:
                    name = r[0].replace('"', "").replace("“", "").replace("”", "")
                    anti_patterns.append(
                        AntiPattern(id=slugify(name), name=r[0], why=r[1], correct=r[2], citation=cite(sec))
                    )
        elif "stack" in low:
            stack.extend(StackLayer(layer=r[0], technology=r[1], purpose=r[2]) for r in body if len(r) >= 3)
    if not criteria:
        raise InputError("the framework has no criteria: expected a '## … Criteria' section with '### group' lists")
    return Rubric(
        title=title, criteria=criteria, patterns=patterns, anti_patterns=anti_patterns, stack=stack, anchors=anchors
    )


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> Rubric:
    return parse_framework(Path(path).read_text(encoding="utf-8"))


def load_rubric(path: Path) -> Rubric:
    try:
        return _load(str(path), path.stat().st_mtime)
    except FileNotFoundError:
        raise InputError(f"framework file not found: {path}") from None


# How the framework is cited, wherever the operator keeps the file (ASSISTANT_FRAMEWORK_PATH)
FRAMEWORK_CITATION_PATH = "knowledge/framework.md"


def framework_chunks(text: str) -> list[Chunk]:
    """The framework's text as citable chunks (the index stores them; without an index they are kept in memory)."""
    return chunk_file(text, FRAMEWORK_CITATION_PATH, "framework").chunks
