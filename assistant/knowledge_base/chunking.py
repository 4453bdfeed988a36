"""Split files into chunks by structure, each with a stable citation id:
Markdown by heading, Kubernetes YAML by resource, HCL by block, other text by size."""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from assistant.inputs.safe_yaml import load_document
from assistant.knowledge_base.markdown import sections, slugify
from assistant.models import Chunk, Source

MAX_SECTION_CHARS = 2400  # longer Markdown sections are split into parts at paragraph breaks
MAX_YAML_CHARS = 2400  # longer YAML documents are split into parts where a key or list item opens
YAML_BREAK = re.compile(r"^ {0,8}(?:- |[\w\"'./-]+\s*:)")  # a line that opens a key or list item, not deep down
TEXT_PART_LINES = 60
MARKDOWN_EXT = {".md", ".markdown", ".mdx"}
YAML_EXT = {".yaml", ".yml"}
HCL_EXT = {".tf", ".hcl", ".tfvars"}


@dataclass
class ChunkedFile:
    chunks: list[Chunk]
    malformed: bool = False  # YAML that did not parse: indexed as text, and counted


def _unique(base: str, used: dict[str, int]) -> str:
    if base not in used:
        used[base] = 1
        return base
    used[base] += 1
    return f"{base}~{used[base]}"


def _split_long(text: str, limit: int) -> list[tuple[int, str]]:
    """Split at blank lines into parts of at most ~limit chars; returns (line offset, text) pairs."""
    parts: list[tuple[int, str]] = []
    lines = text.split("\n")
    start, size = 0, 0
    for i, line in enumerate(lines):
        size += len(line) + 1
        if size >= limit and not line.strip() and i > start:
            parts.append((start, "\n".join(lines[start:i])))
            start, size = i + 1, 0
    if start < len(lines) and "\n".join(lines[start:]).strip():
        parts.append((start, "\n".join(lines[start:])))
    return parts or [(0, text)]


def chunk_markdown(text: str, path: str, source: Source, prefix: str) -> list[Chunk]:
    chunks: list[Chunk] = []
    used: dict[str, int] = {}
    doc_title = ""
    secs = sections(text)
    headed = [s for s in secs if s.level]
    if source == "repo" and len(headed) >= 3:
        # the document's outline, so that a question about the whole document finds it
        outline = "\n".join("  " * max(0, s.level - 1) + s.title for s in headed)
        first = next((s.body for s in secs if s.body.strip()), "")
        chunks.append(
            Chunk(
                id=f"{prefix}#{_unique('outline', used)}",
                source=source,
                path=path,
                section="outline",
                lines=(1, text.count("\n") + 1),
                text=f"{outline}\n\n{first.strip()[:600]}",
                kind="markdown",
                extra={"title": headed[0].title},
            )
        )
    for sec in secs:
        if sec.level == 1 and not doc_title:
            doc_title = sec.title
        body = sec.body.strip()
        if not body or (sec.level and "\n" not in body):
            continue  # a heading alone carries nothing to retrieve
        # a heading alone (its content lives in sub-sections) still anchors a citation, but carries little text
        section_path = " > ".join(sec.path)
        base_anchor = sec.anchor
        for n, (offset, part) in enumerate(_split_long(sec.body, MAX_SECTION_CHARS)):
            if not part.strip():
                continue
            anchor = base_anchor if n == 0 else f"{base_anchor}~part{n + 1}"
            start = sec.start + offset
            end = min(sec.end, start + part.count("\n"))
            chunks.append(
                Chunk(
                    id=f"{prefix}#{_unique(anchor, used)}",
                    source=source,
                    path=path,
                    section=section_path or doc_title or path,
                    lines=(start, max(start, end)),
                    text=part.strip(),
                    kind="markdown",
                    extra={"title": doc_title} if doc_title else {},
                )
            )
    return chunks


_DOC_SEP = re.compile(r"^---\s*$", re.M)


def _split_yaml(doc: str, limit: int) -> list[tuple[int, str]]:
    """Split a long YAML document into parts of about `limit` chars, each cut where a key or list item opens (a
    rule group, a task, a chart value), so that what sits deep in a long file gets a chunk of its own; returns
    (line offset, text) pairs."""
    parts: list[tuple[int, str]] = []
    lines = doc.split("\n")
    start, size = 0, 0
    for i, line in enumerate(lines):
        if size >= limit and i > start and YAML_BREAK.match(line):
            parts.append((start, "\n".join(lines[start:i])))
            start, size = i, 0
        size += len(line) + 1
    parts.append((start, "\n".join(lines[start:])))
    return [(offset, part) for offset, part in parts if part.strip()]


def _yaml_documents(text: str) -> list[tuple[int, str]]:
    """(1-based start line, document text) for each `---`-separated document."""
    docs: list[tuple[int, str]] = []
    start = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if _DOC_SEP.match(line):
            docs.append((start + 1, "\n".join(lines[start:i])))
            start = i + 1
    docs.append((start + 1, "\n".join(lines[start:])))
    return [
        (s, d) for s, d in docs if d.strip() and not all(ln.lstrip().startswith("#") for ln in d.strip().split("\n"))
    ]


def chunk_yaml(text: str, path: str, prefix: str) -> ChunkedFile:
    chunks: list[Chunk] = []
    used: dict[str, int] = {}
    malformed = False
    docs = _yaml_documents(text)
    for n, (start, doc) in enumerate(docs):
        try:
            data = load_document(doc)  # safe and bounded: a YAML bomb is indexed as text, never expanded
        except yaml.YAMLError:  # YAMLLimitError included
            data, malformed = None, True
        extra: dict[str, str] = {}
        if isinstance(data, dict) and "kind" in data and isinstance(data.get("metadata"), dict):
            kind = str(data["kind"])
            meta = data["metadata"]
            name = str(meta.get("name", "")) or f"doc{n + 1}"
            extra = {"k8s_kind": kind, "k8s_name": name}
            if meta.get("namespace"):
                extra["k8s_namespace"] = str(meta["namespace"])
            if data.get("apiVersion"):
                extra["api_version"] = str(data["apiVersion"])
            anchor = f"{kind.lower()}/{slugify(name)}"
            section = f"{kind} {meta.get('namespace', '') + '/' if meta.get('namespace') else ''}{name}"
        else:
            anchor = f"doc-{n + 1}" if len(docs) > 1 else "document"
            section = f"document {n + 1}" if len(docs) > 1 else path
        for part_no, (offset, part) in enumerate(_split_yaml(doc.rstrip("\n"), MAX_YAML_CHARS)):
            first = start + offset
            chunks.append(
                Chunk(
                    id=f"{prefix}#{_unique(anchor if part_no == 0 else f'{anchor}~part{part_no + 1}', used)}",
                    source="repo",
                    path=path,
                    section=section,
                    lines=(first, first + part.count("\n")),
                    text=part.strip(),
                    kind="yaml",
                    extra=extra,
                )
            )
    return ChunkedFile(chunks, malformed)


_HCL_BLOCK = re.compile(
    r"^(?P<type>resource|data|module|variable|output|locals|provider|terraform|run|include|dependency|"
    r"dependencies|inputs|unit|stack|generate|remote_state|mock_provider|check|import|moved)\b"
    r'(?P<labels>(?:\s+"[^"]*"|\s+[A-Za-z0-9_-]+)*)\s*=?\s*\{',
    re.M,
)


def chunk_hcl(text: str, path: str, prefix: str) -> list[Chunk]:
    lines = text.split("\n")
    chunks: list[Chunk] = []
    used: dict[str, int] = {}
    i = 0
    while i < len(lines):
        m = _HCL_BLOCK.match(lines[i])
        if not m:
            i += 1
            continue
        depth, j = 0, i
        while j < len(lines):
            depth += lines[j].count("{") - lines[j].count("}")
            if depth <= 0 and j >= i:
                break
            j += 1
        labels = [x.strip('"') for x in m.group("labels").split()]
        name = ".".join([m.group("type"), *labels])
        chunks.append(
            Chunk(
                id=f"{prefix}#{_unique(slugify(name.replace('.', ' dot ')).replace('-dot-', '.'), used)}",
                source="repo",
                path=path,
                section=name,
                lines=(i + 1, min(j, len(lines) - 1) + 1),
                text="\n".join(lines[i : j + 1]).strip(),
                kind="hcl",
            )
        )
        i = j + 1
    return chunks or chunk_text(text, path, prefix)


def chunk_text(text: str, path: str, prefix: str) -> list[Chunk]:
    lines = text.split("\n")
    chunks: list[Chunk] = []
    for n, start in enumerate(range(0, len(lines), TEXT_PART_LINES)):
        body = "\n".join(lines[start : start + TEXT_PART_LINES]).strip()
        if body:
            end = min(len(lines), start + TEXT_PART_LINES)
            anchor = "text" if len(lines) <= TEXT_PART_LINES else f"part-{n + 1}"
            chunks.append(
                Chunk(
                    id=f"{prefix}#{anchor}", source="repo", path=path, section=path, lines=(start + 1, end), text=body
                )
            )
    return chunks


def suffix_of(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


def chunk_file(text: str, path: str, source: Source = "repo") -> ChunkedFile:
    prefix = f"repo:{path}" if source == "repo" else source
    ext = suffix_of(path)
    if ext in MARKDOWN_EXT:
        return ChunkedFile(chunk_markdown(text, path, source, prefix))
    if ext in YAML_EXT:
        return chunk_yaml(text, path, prefix)
    if ext in HCL_EXT:
        return ChunkedFile(chunk_hcl(text, path, prefix))
    return ChunkedFile(chunk_text(text, path, prefix))
