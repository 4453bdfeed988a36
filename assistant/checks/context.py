"""What the checks read: the PR's changed manifests, parsed with bounds, and the repo's YAML and Markdown for its
conventions; and the small helpers every detector uses (a value by path, the line of a key, a finding)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.checks import registry
from assistant.inputs.diff import ChangedFile, PullRequest
from assistant.inputs.manifests import Document, LDict, parse_documents
from assistant.inputs.repo_files import walk_repo
from assistant.inputs.safe_yaml import Budget, YAMLLimitError
from assistant.models import Finding, Location, Severity
from assistant.redaction import redact

YAML = re.compile(r"\.ya?ml$")
TEMPLATED = re.compile(r"\$\{[^}]+\}|\{\{.*\}\}")
SCRATCH = re.compile(r"cache|tmp|temp|scratch|run|sock|shm|transcode|thumb|dev|log", re.I)
CONFIG_FILES = re.compile(r"\.(?:tf|tfvars|hcl|env|ini|conf|toml)$|(?:^|/)(?:user-data|\.env[\w.-]*)$")
MAX_YAML_BYTES = 512_000  # a changed manifest larger than this is parsed one document at a time


REVIEW_NODES = 1_000_000  # expanded YAML nodes over all changed files of one review
REVIEW_YAML_BYTES = 4_000_000  # changed YAML parsed in one review; files past it are named as not reviewed


_DOC_START = re.compile(r"^---(?:\s|$)", re.M)


@dataclass
class Context:
    """The PR's documents and, for conventions beyond the diff, the repo's documents by namespace."""

    pr: PullRequest
    docs: list[Document] = field(default_factory=list)
    repo_texts: dict[str, str] = field(default_factory=dict)
    config_texts: dict[str, str] = field(default_factory=dict)  # the repo's Terraform, env and config files
    repo_parsed: dict[str, list[Document]] = field(default_factory=dict)  # repo files parsed so far, by path
    malformed: list[str] = field(default_factory=list)
    repo_root: Path = Path(".")

    def file(self, path: str) -> ChangedFile | None:
        return next((f for f in self.pr.files if f.path == path), None)

    def nearest(self, path: str, line: int | None) -> Location | None:
        """The changed line nearest to `line` in a file the PR adds lines to."""
        f = self.file(path)
        if f is None or not f.added_lines:
            return None
        target = line or 0
        return Location(path=path, line=min(f.added_lines, key=lambda n: (abs(n - target), n)))

    def adds(self, doc: Document, line: int | None) -> bool:
        f = self.file(doc.path)
        return f is not None and line is not None and line in f.added_lines

    def location(self, doc: Document, line: int | None) -> Location | None:
        """A location only when the line is one the PR adds; otherwise null rather than a wrong one."""
        return Location(path=doc.path, line=line) if line is not None and self.adds(doc, line) else None

    def at(self, doc: Document, line: int | None) -> Location | None:
        """The line when the PR adds it, else the changed line nearest to it."""
        return self.location(doc, line) or self.nearest(doc.path, line)


def build_context(pr: PullRequest, repo: Path | None) -> Context:
    """The parsed changed manifests and the repo's YAML and Markdown for conventions. Bounded: a YAML bomb
    refuses the review (YAMLLimitError); a file over MAX_YAML_BYTES is parsed one document at a time, and
    what still cannot be parsed is named in pr.unreviewed, never dropped."""
    ctx = Context(pr)
    budget = Budget(REVIEW_NODES, "the changed files")
    yaml_bytes = REVIEW_YAML_BYTES
    for f in pr.reviewed:
        if not YAML.search(f.path):
            continue
        text = f.new_text if f.new_text is not None else f.partial_text
        size = len(text.encode("utf-8", "replace"))
        yaml_bytes -= size
        if yaml_bytes < 0:
            pr.unreviewed[f.path] = f"past {REVIEW_YAML_BYTES // 1_000_000} MB of changed YAML in this review"
            continue
        # a large file is reviewed in parts, one YAML document at a time; padding line numbers keeps locations
        parts = [(1, text)] if size <= MAX_YAML_BYTES else _documents(text)
        for start, part in parts:
            if len(part.encode("utf-8", "replace")) > MAX_YAML_BYTES:
                pr.unreviewed[f.path] = f"a YAML document of over {MAX_YAML_BYTES // 1000} kB at line {start}"
                continue
            docs, bad = parse_documents("\n" * (start - 1) + part, f.path, budget)
            ctx.docs.extend(docs)
            if bad and f.path not in ctx.malformed:
                ctx.malformed.append(f.path)
    if repo is not None and repo.is_dir():
        ctx.repo_root = repo
        # the same walk the index and stack discovery use: skipped folders, no symlinks, size caps, no generated files
        changed = {f.path for f in pr.files}
        for file in walk_repo(repo).files:
            if file.path in changed or "/." in f"/{file.path}":
                continue
            if YAML.search(file.path) or file.path.endswith((".md", ".tftest.hcl")):
                ctx.repo_texts[file.path] = file.text
            elif CONFIG_FILES.search(file.path):
                ctx.config_texts[file.path] = file.text
    return ctx


def _documents(text: str) -> list[tuple[int, str]]:
    """(1-based first line, text) of each `---`-separated YAML document of a file."""
    cuts = [m.start() for m in _DOC_START.finditer(text) if m.start() > 0]
    bounds = [0, *cuts, len(text)]
    return [(text.count("\n", 0, a) + 1, text[a:b]) for a, b in itertools.pairwise(bounds) if text[a:b]]


def repo_documents(ctx: Context, must: str, needle: str) -> list[Document]:
    """The repo's YAML documents in files that contain `must` and match the regex `needle` (each file parsed once
    per review, on first demand; a file past the YAML bounds is no context)."""
    out: list[Document] = []
    for rel, text in ctx.repo_texts.items():
        if YAML.search(rel) and must in text and re.search(needle, text):
            if rel not in ctx.repo_parsed:
                try:
                    ctx.repo_parsed[rel] = parse_documents(text, rel)[0]
                except YAMLLimitError:
                    ctx.repo_parsed[rel] = []
            out.extend(ctx.repo_parsed[rel])
    return out


def get(data: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(k)
    return data


def line_of(doc: Document, trail: tuple[str, ...]) -> int | None:
    node: Any = doc.data
    line: int | None = None
    for key in trail:
        if isinstance(node, LDict) and key in node:
            line = node.lines.get(key, line)
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
            line = getattr(node, "line", line)
        else:
            break
    return line


def finding(
    category: str,
    key: str,
    message: str,
    location: Location | None,
    component: str | None = None,
    suggestion: str | None = None,
    severity: Severity | None = None,
) -> Finding:
    """`severity` overrides the check's own where a manifest makes the problem concrete (a proposal that mentions
    `latest` is a minor worry; a Deployment that runs it is a change to ask for)."""
    spec = registry.spec(category)
    return Finding(
        id=f"{category}:{key}",
        category=spec.category,
        severity=severity or spec.severity,
        component=component,
        message=redact(message)[0],  # a finding never echoes a secret back
        suggestion=suggestion or spec.suggestion,
        location=location,
        citations=list(spec.framework),
    )
