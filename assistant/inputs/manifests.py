"""Kubernetes manifests and Helm values of a changed file, parsed with the line of every key."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from assistant.inputs.safe_yaml import Budget, YAMLLimitError, iter_nodes


class LDict(dict[str, Any]):
    """A mapping that remembers the 1-based line of each key, and each key written twice (key, first line, later
    line): YAML keeps the later value without a word."""

    lines: dict[str, int]
    line: int
    duplicates: list[tuple[str, int, int]]


class LList(list[Any]):
    line: int


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag.rsplit(":", 1)[-1]
    value = node.value
    if tag == "int":
        try:
            return int(value, 0)
        except ValueError:
            return value
    if tag == "float":
        try:
            return float(value)
        except ValueError:
            return value
    if tag == "bool":
        return value.lower() in ("true", "yes", "on")
    if tag == "null":
        return None
    return value


def _build(node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        d = LDict()
        d.lines = {}
        d.duplicates = []
        d.line = node.start_mark.line + 1
        for k, v in node.value:
            key = str(k.value) if isinstance(k, yaml.ScalarNode) else str(_build(k))
            if key in d and key != "<<":
                d.duplicates.append((key, d.lines[key], k.start_mark.line + 1))
            d[key] = _build(v)
            d.lines[key] = k.start_mark.line + 1
        return d
    if isinstance(node, yaml.SequenceNode):
        items = LList(_build(x) for x in node.value)
        items.line = node.start_mark.line + 1
        return items
    assert isinstance(node, yaml.ScalarNode)
    return _scalar(node)


@dataclass
class Document:
    path: str
    data: Any
    line: int  # first line of the document

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", "")) if isinstance(self.data, dict) else ""

    @property
    def name(self) -> str:
        meta = self.data.get("metadata") if isinstance(self.data, dict) else None
        return str(meta.get("name", "")) if isinstance(meta, dict) else ""

    @property
    def namespace(self) -> str:
        meta = self.data.get("metadata") if isinstance(self.data, dict) else None
        return str(meta.get("namespace", "")) if isinstance(meta, dict) else ""

    def key_line(self, *keys: str) -> int:
        """The line of a nested key, or of the deepest parent that exists."""
        node: Any = self.data
        line = self.line
        for key in keys:
            if not isinstance(node, LDict) or key not in node:
                break
            line = node.lines.get(key, line)
            node = node[key]
        return line


def parse_documents(text: str, path: str, budget: Budget | None = None) -> tuple[list[Document], bool]:
    """All documents of a YAML file (empty ones dropped) and whether any failed to parse. The parse is
    bounded (safe_yaml): past a bound on aliases, size or depth it raises YAMLLimitError naming the path."""
    docs: list[Document] = []
    try:
        for node in iter_nodes(text, budget):
            data = _build(node)
            docs.append(Document(path, data, node.start_mark.line + 1))
    except YAMLLimitError as exc:
        raise YAMLLimitError(f"{path}: {exc.message}") from None
    except yaml.YAMLError:
        return docs, True
    return docs, False


def walk(value: Any, trail: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every (key path, value) pair in a nested structure, depth first."""
    yield trail, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, (*trail, str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, (*trail, str(i)))
