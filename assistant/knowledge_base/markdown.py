"""Markdown structure shared by the framework parser and the chunker: headings, anchors, line ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark").enable("table")


def slugify(text: str) -> str:
    """GitHub-style heading anchor: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[`*_~\[\]()\"'“”’:;,.!?/\\<>{}|+=#&@$%^]", "", text.lower().replace("→", " "))
    return re.sub(r"[\s]+", "-", text.strip()).strip("-") or "section"


@dataclass
class Section:
    """A heading and the lines it owns, up to the next heading of any level."""

    level: int
    title: str
    anchor: str
    path: list[str]  # titles from the top heading down to this one
    start: int  # 1-based line of the heading (or 1 for a preamble)
    end: int  # 1-based, inclusive
    body: str = ""
    children: list[Section] = field(default_factory=list)


def parse_tokens(text: str) -> list:  # type: ignore[type-arg]
    return _md.parse(text)


def sections(text: str) -> list[Section]:
    """Split a Markdown text by headings (code fences respected); text before the first heading is a preamble."""
    lines = text.splitlines()
    heads: list[tuple[int, int, str]] = []  # (line index 0-based, level, title)
    tokens = _md.parse(text)
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map:
            title = tokens[i + 1].content.strip()
            heads.append((tok.map[0], int(tok.tag[1]), title))
    out: list[Section] = []
    if not heads or heads[0][0] > 0:
        first = heads[0][0] if heads else len(lines)
        body = "\n".join(lines[:first])
        if body.strip():
            out.append(Section(0, "", "preamble", [], 1, max(first, 1), body))
    stack: list[tuple[int, str]] = []
    used: dict[str, int] = {}
    for n, (line, level, title) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))
        anchor = slugify(title)
        if anchor in used:
            used[anchor] += 1
            anchor = f"{anchor}-{used[anchor]}"
        else:
            used[anchor] = 0
        body = "\n".join(lines[line:end])
        out.append(Section(level, title, anchor, [t for _, t in stack], line + 1, max(end, line + 1), body))
    return out
