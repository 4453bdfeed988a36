"""Walk a repo for indexable text files, with counted reasons for every skip."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "vendor",
    "third_party",
    ".venv",
    "venv",
    "__pycache__",
    ".terraform",
    ".terragrunt-cache",
    ".assistant",
    "dist",
    "build",
    ".mypy_cache",
    ".ruff_cache",
}
TEXT_EXT = {
    ".md",
    ".markdown",
    ".mdx",
    ".yaml",
    ".yml",
    ".tf",
    ".hcl",
    ".tfvars",
    ".txt",
    ".rst",
    ".toml",
    ".env",
    ".sh",
    ".cue",
    ".jsonnet",
    ".conf",
    ".ini",
    ".j2",
    ".just",  # just task files beside a Justfile (`mod.just`): how the repo's tasks are run
    ".tpl",
    # scripts and small programs: a homelab's backup, bootstrap and secret-generator logic lives in them
    ".py",
    ".go",
    ".nix",
    ".cfg",
    ".json5",  # renovate.json5
    ".example",  # terraform.tfvars.example, .env.example: which settings an install needs
}
TEXT_NAMES = {
    "Dockerfile",
    "Makefile",
    "Taskfile",
    "Justfile",
    "LICENSE",
    "CODEOWNERS",
    "versions.env",
    "renovate.json",
    ".renovaterc",
    ".renovaterc.json",
}
GENERATED_NAMES = {
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "poetry.lock",
    "uv.lock",
    "Cargo.lock",
    "go.sum",
    ".terraform.lock.hcl",
    "Chart.lock",
}
GENERATED_MARKERS = ("DO NOT EDIT", "Code generated", "@generated", "This file is generated")
_FENCE = re.compile(r"^\s*(```|~~~)")


def generated_header(text: str, lines: int = 10) -> bool:
    """A generator's marker in the file's opening lines, outside a fenced code block: a how-to whose command writes
    "DO NOT EDIT" into the file it generates is not itself generated."""
    fenced = False
    for line in text[:800].splitlines()[:lines]:
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and any(marker in line for marker in GENERATED_MARKERS):
            return True
    return False
MAX_FILE_BYTES = 400_000


@dataclass
class RepoFile:
    path: str  # relative, with forward slashes
    text: str
    digest: str


@dataclass
class Walk:
    files: list[RepoFile] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


# Test fixtures and eval cases: they quote the docs (or each other) and outrank them in search; not indexed unless
# Settings.index_test_fixtures. Stack discovery still reads them (walk_repo returns every file).
FIXTURE = re.compile(r"(^|/)(tests?|__tests__|fixtures|testdata|evals)/|(^|/)tests\.ya?ml$|\.tftest\.hcl$")


def is_fixture(path: str) -> bool:
    return bool(FIXTURE.search(path))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _is_script(path: Path) -> bool:
    """An extensionless executable script (`scripts/backup`): it starts with a shebang."""
    try:
        with path.open("rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return False


def walk_repo(root: Path) -> Walk:
    out = Walk()
    for path in sorted(root.rglob("*")):
        rel_parts = path.relative_to(root).parts
        if any(part in SKIP_DIRS for part in rel_parts[:-1]):
            continue
        if path.is_symlink():
            out.skipped["symlink"] += 1
            continue
        if not path.is_file():
            continue
        name = path.name
        suffix = path.suffix.lower()
        if name in GENERATED_NAMES or name.endswith((".min.js", ".min.css")) or name.startswith("zz_generated"):
            out.skipped["generated or lock file"] += 1
            continue
        if suffix not in TEXT_EXT and name not in TEXT_NAMES and (suffix or not _is_script(path)):
            out.skipped["not a text format we index"] += 1
            continue
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                out.skipped[f"over {MAX_FILE_BYTES // 1000} kB"] += 1
                continue
            raw = path.read_bytes()
        except OSError:
            out.skipped["unreadable"] += 1
            continue
        if b"\0" in raw:
            out.skipped["binary"] += 1
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            out.skipped["not UTF-8"] += 1
            continue
        if not text.strip():
            out.skipped["empty"] += 1
            continue
        if generated_header(text):
            out.skipped["generated (header says so)"] += 1
            continue
        out.files.append(RepoFile("/".join(rel_parts), text, digest(text)))
    return out
