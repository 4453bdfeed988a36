"""A pull request as data: title, description, and each changed file with its new content and changed lines.

Parsed with unidiff from a unified diff or a `git format-patch` file; a local `git` range or the GitHub API
produce the same input. The repo at hand (when given) supplies the base content of modified files."""

from __future__ import annotations

import contextlib
import email
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from pathlib import Path

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from assistant.errors import InputError

GENERATED = re.compile(
    r"(?:^|/)(?:[^/]*\.lock|go\.sum|package-lock\.json|pnpm-lock\.yaml|Chart\.lock|"
    r"zz_generated[^/]*|[^/]*\.min\.(?:js|css)|CHANGELOG\.md)$"
)
VENDORED = re.compile(r"(?:^|/)(?:vendor|third_party|node_modules|\.terraform)/")
MAX_FILE_LINES = 4000


@dataclass
class ChangedFile:
    path: str
    status: str  # added | modified | removed | renamed
    added_lines: set[int] = field(default_factory=set)  # line numbers in the new file
    new_text: str | None = None  # the whole new file when it can be known
    partial_text: str = ""  # the new side of the hunks, when the whole file cannot be known
    source_path: str | None = None


@dataclass
class PullRequest:
    title: str
    body: str
    ref: str
    files: list[ChangedFile]
    skipped: Counter[str] = field(default_factory=Counter)
    added: int = 0
    removed: int = 0

    @property
    def reviewed(self) -> list[ChangedFile]:
        return [f for f in self.files if f.status != "removed"]


def _header(value: str) -> str:
    return str(make_header(decode_header(value))).replace("\n", " ").strip()


def split_patch_email(text: str) -> tuple[str, str, str]:
    """(title, body, diff) of a `git format-patch` mail; for a plain diff, ("", "", text)."""
    if not text.startswith("From "):
        return "", "", text
    head, _sep, rest = text.partition("\n\n")
    msg = email.message_from_string(head + "\n\n")
    title = re.sub(r"^\[PATCH[^\]]*\]\s*", "", _header(msg.get("Subject", "")))
    body, _, diff = rest.partition("\n---\n")
    if not diff:
        idx = rest.find("diff --git")
        body, diff = rest[:idx] if idx >= 0 else rest, rest[idx:] if idx >= 0 else ""
    return title, body.strip(), diff


def _apply(base: str, patched: object) -> str:
    """The new file from its base and the hunks (unidiff's PatchedFile)."""
    lines = base.split("\n")
    out: list[str] = []
    pos = 0
    for hunk in patched:  # type: ignore[attr-defined]
        start = max(hunk.source_start - 1, 0)
        out.extend(lines[pos:start])
        pos = start + hunk.source_length
        for line in hunk:
            if line.is_added or line.is_context:
                out.append(line.value.rstrip("\n"))
    out.extend(lines[pos:])
    return "\n".join(out)


def parse_diff(text: str, ref: str, repo: Path | None = None, title: str = "", body: str = "") -> PullRequest:
    if "\0" in text[:8192]:
        raise InputError("the diff looks binary (NUL bytes); give a unified diff or a git format-patch file")
    mail_title, mail_body, diff = split_patch_email(text.replace("\r\n", "\n"))
    title = title or mail_title
    body = body or mail_body
    if not diff.strip():
        raise InputError("the diff is empty: nothing to review")
    try:
        patch = PatchSet(diff)
    except UnidiffParseError as exc:
        raise InputError(f"malformed patch: {exc}") from None
    if not patch and "diff --git" not in diff and "@@" not in diff:
        raise InputError("no unified diff found in the input (expected `diff --git` / `@@` hunks)")
    pr = PullRequest(title=title or "pull request", body=body, ref=ref, files=[])
    for pf in patch:
        path = (pf.target_file if not pf.is_removed_file else pf.source_file).removeprefix("b/").removeprefix("a/")
        if pf.is_binary_file:
            pr.skipped["binary"] += 1
            continue
        if GENERATED.search(path):
            pr.skipped["generated or lock file"] += 1
            continue
        if VENDORED.search(path):
            pr.skipped["vendored"] += 1
            continue
        pr.added += pf.added
        pr.removed += pf.removed
        status = (
            "added"
            if pf.is_added_file
            else "removed"
            if pf.is_removed_file
            else "renamed"
            if pf.source_file.removeprefix("a/") != path and not pf.is_added_file
            else "modified"
        )
        cf = ChangedFile(path=path, status=status, source_path=pf.source_file.removeprefix("a/"))
        if status == "removed":
            pr.files.append(cf)
            continue
        for hunk in pf:
            for line in hunk:
                if line.is_added and line.target_line_no:
                    cf.added_lines.add(line.target_line_no)
        if len(cf.added_lines) > MAX_FILE_LINES:
            pr.skipped[f"over {MAX_FILE_LINES} added lines"] += 1
            continue
        if pf.is_added_file:
            cf.new_text = "\n".join(line.value.rstrip("\n") for hunk in pf for line in hunk if line.is_added)
        else:
            base = repo / (cf.source_path or path) if repo else None
            if base is not None and base.is_file():
                try:
                    cf.new_text = _apply(base.read_text(encoding="utf-8"), pf)
                except (UnicodeDecodeError, OSError):
                    cf.new_text = None
            cf.partial_text = "\n".join(
                line.value.rstrip("\n") for hunk in pf for line in hunk if line.is_added or line.is_context
            )
        pr.files.append(cf)
    if not pr.files and not pr.skipped:
        raise InputError("the diff changes no file")
    return pr


def read_git_range(spec: str, repo: Path) -> PullRequest:
    if ".." not in spec:
        raise InputError(f"expected a git range BASE..HEAD, got {spec!r}")

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout
        except FileNotFoundError:
            raise InputError("git is not installed") from None
        except subprocess.CalledProcessError as exc:
            raise InputError(f"git {' '.join(args)} failed: {exc.stderr.strip()[:200]}") from None

    base, head = spec.split("..", 1)
    diff = git("diff", "--no-color", "--no-ext-diff", f"{base}..{head}")
    log = git("log", "--format=%s%n%n%b%x00", f"{base}..{head}")
    subjects = [m.strip() for m in log.split("\0") if m.strip()]
    title = subjects[-1].split("\n")[0] if subjects else spec
    body = "\n\n".join(subjects)
    if not diff.strip():
        raise InputError(f"{spec}: no changes between the two revisions")
    pr = parse_diff(diff, spec, None, title, body)
    for f in pr.files:  # the head content of every changed file, straight from git
        if f.status != "removed":
            with contextlib.suppress(subprocess.CalledProcessError, UnicodeDecodeError):
                f.new_text = subprocess.run(
                    ["git", "-C", str(repo), "show", f"{head or 'HEAD'}:{f.path}"],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
    return pr
