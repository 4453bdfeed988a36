"""Bounded YAML: every YAML parse of a diff, a repo file or an indexed file goes through here.

A YAML alias (`*a`) refers to an earlier node instead of copying it, so 437 bytes of nested aliases (a
"billion laughs" bomb) compose to a few dozen nodes that stand for 10^9 when anything walks or copies them.
Before a document is handed on, its node graph is measured once, iteratively, with each shared node's size
remembered, and refused when it passes any of these bounds (YAML-bomb guards such as Go's yaml.v3 do the same):

- ``MAX_ALIASES``: alias references in one stream;
- ``MAX_NODES``: nodes in one stream once every alias is expanded (what a walk or a copy would visit);
- ``MAX_DEPTH``: nesting depth (libyaml stops at 1,000 itself, well past Python's recursion budget);
- a recursive alias (a node that contains itself) is refused outright.

A refusal is a ``YAMLLimitError``: an ``InputError`` with one clear line for the user, and a
``yaml.YAMLError``, so code that already treats unparsable YAML as malformed keeps doing so.
A ``Budget`` shared across several calls caps the work of a whole review.

Helpers (libyaml's CSafeLoader where the wheel has it, else PyYAML's SafeLoader; only safe tags):

- ``compose_all_nodes(text) -> list[yaml.Node]``: the measured node tree of each non-empty document;
- ``iter_nodes(text)``: the same, lazily, so a caller keeps the documents before a syntax error;
- ``load_all_documents(text) -> list[Any]``: Python values of every document, like ``yaml.safe_load_all``;
- ``load_document(text) -> Any``: the one document of a text, like ``yaml.safe_load``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from assistant.errors import InputError

Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ten times faster where the wheel has it
MAX_ALIASES = 10_000
MAX_NODES = 250_000
MAX_DEPTH = 200


class YAMLLimitError(InputError, yaml.YAMLError):
    """A YAML text past a bound on aliases, expanded size or depth: refused before anything walks it."""


@dataclass
class Budget:
    """Expanded nodes left for a sequence of parses (one review, say); each parse draws on it."""

    nodes: int
    what: str = "this review"

    def draw(self, n: int) -> None:
        self.nodes -= n
        if self.nodes < 0:
            raise YAMLLimitError(f"the YAML of {self.what} expands past the work limit; refused")


def measure(root: yaml.Node, *, max_nodes: int = MAX_NODES, max_aliases: int = MAX_ALIASES, cap: int = 0) -> int:
    """The number of nodes the document stands for with every alias expanded; raises YAMLLimitError past a bound.
    Iterative, and each shared collection is measured once, so a bomb costs no more than its own text. A scalar
    alias cannot amplify (it costs its own bytes of text), so only collections are tracked."""
    if isinstance(root, yaml.ScalarNode):
        return 1
    scalar = yaml.ScalarNode
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    open_: set[int] = set()  # entered and not finished: the path from the root
    aliases = 0
    stack: list[tuple[yaml.Node, list[yaml.Node] | None]] = [(root, None)]
    while stack:
        node, kids = stack.pop()
        key = id(node)
        if kids is not None:  # all children measured
            total, tallest = 1, 0
            for kid in kids:
                if kid.__class__ is scalar:
                    total += 1
                    tallest = tallest or 1
                else:
                    total += size[id(kid)]
                    tallest = max(tallest, height[id(kid)])
            size[key] = total
            height[key] = tallest + 1
            open_.discard(key)
            if total > max_nodes:
                raise YAMLLimitError(
                    f"the YAML expands to more than {cap or max_nodes:,} nodes with its aliases (a YAML bomb?), "
                    f"at line {node.start_mark.line + 1}; refused"
                )
            if tallest + 1 > MAX_DEPTH:
                raise YAMLLimitError(f"YAML nested deeper than {MAX_DEPTH} levels; refused")
            continue
        if key in size:  # reached again: an alias (or a merge key's alias)
            aliases += 1
            if aliases > max_aliases:
                raise YAMLLimitError(f"more than {max_aliases:,} YAML alias references (a YAML bomb?); refused")
            continue
        if key in open_:
            raise YAMLLimitError(f"a recursive YAML alias at line {node.start_mark.line + 1}; refused")
        open_.add(key)
        children = (
            [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else list(node.value)
        )
        stack.append((node, children))
        stack.extend((k, None) for k in reversed(children) if k.__class__ is not scalar)
    return size[id(root)]


def iter_nodes(text: str, budget: Budget | None = None) -> Iterator[yaml.Node]:
    """The measured root node of each non-empty document. A syntax error raises yaml.YAMLError where it
    occurs, after the documents before it; a bound raises YAMLLimitError."""
    total = 0
    try:
        for node in yaml.compose_all(text, Loader=Loader):
            if node is None:
                continue
            n = measure(node, max_nodes=MAX_NODES - total, cap=MAX_NODES)
            total += n
            if budget is not None:
                budget.draw(n)
            yield node
    except RecursionError:  # the pure-Python composer on deep nesting
        raise YAMLLimitError(f"YAML nested deeper than {MAX_DEPTH} levels; refused") from None


def compose_all_nodes(text: str, budget: Budget | None = None) -> list[yaml.Node]:
    return list(iter_nodes(text, budget))


def _construct(node: yaml.Node) -> Any:
    return SafeConstructor().construct_document(node)


def load_all_documents(text: str, budget: Budget | None = None) -> list[Any]:
    """The Python value of every non-empty document (safe tags only), bounded like iter_nodes."""
    return [_construct(node) for node in iter_nodes(text, budget)]


def load_document(text: str, budget: Budget | None = None) -> Any:
    """The one document of a text (None when empty); more than one is a yaml.YAMLError, as with yaml.safe_load."""
    nodes = compose_all_nodes(text, budget)
    if len(nodes) > 1:
        raise yaml.YAMLError("expected a single YAML document, found several")
    return _construct(nodes[0]) if nodes else None
