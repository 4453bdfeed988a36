"""duplicate-key: one YAML mapping that names a key twice. The parser keeps the later value without a word, so the
first is silently dead (Loki's `write.replicas: 1` under the first of two `write:` keys). Found from the parser's
own nodes, at both lines, wherever the change touches one of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assistant.checks.context import Context, finding
from assistant.inputs.manifests import Document, LDict, LList
from assistant.models import Finding
from assistant.stack.view import Stack


def _mappings(value: Any, trail: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], LDict]]:
    if isinstance(value, LDict):
        yield trail, value
        for k, v in value.items():
            yield from _mappings(v, (*trail, k))
    elif isinstance(value, LList):
        for i, v in enumerate(value):
            yield from _mappings(v, (*trail, str(i)))


def duplicate_keys(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    out: list[Finding] = []
    for trail, mapping in _mappings(doc.data):
        for key, first, later in getattr(mapping, "duplicates", []):
            if not (ctx.adds(doc, first) or ctx.adds(doc, later)):
                continue
            where = ".".join((*trail, key))
            messages = {
                first: f"`{where}` at line {first} is dead: the same key at line {later} replaces it, silently.",
                later: f"`{where}` at line {later} silently replaces the same key at line {first}.",
            }
            for line, message in messages.items():
                out.append(finding("duplicate-key", f"{doc.path}:{where}:{line}", message, ctx.at(doc, line)))
    return out
