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
from typing import Any

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from assistant.errors import InputError

GENERATED = re.compile(
    r"(?:^|/)(?:[^/]*\.lock|go\.sum|package-lock\.json|pnpm-lock\.yaml|Chart\.lock|"
    r"zz_generated[^/]*|[^/]*\.min\.(?:js|css)|CHANGELOG\.md)$"
)
VENDORED = re.compile(r"(?:^|/)(?:vendor|third_party|node_modules|\.terraform)/")
_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


@dataclass
class ChangedFile:
    path: str
    status: str  # added | modified | removed | renamed
    added_lines: set[int] = field(default_factory=set)  # line numbers in the new file
    new_side: dict[int, str] = field(default_factory=dict)  # the hunks' added and context lines, by new line number
    new_text: str | None = None  # the whole new file when it can be known
    partial_text: str = ""  # the new side of the hunks, when the whole file cannot be known
    source_path: str | None = None
    # each removed line: (where it was, as a line number of the new file: the line that now follows it; its text)
    removed_lines: list[tuple[int, str]] = field(default_factory=list)

    def numbered(self) -> dict[int, str]:
        """The new file by line number: the whole of it when known, else the hunks' new side."""
        return dict(enumerate(self.new_text.split("\n"), 1)) if self.new_text is not None else self.new_side

    @property
    def old_text(self) -> str:
        """A deleted file's content, from the diff's removed lines."""
        return "\n".join(text for _, text in self.removed_lines)


@dataclass
class PullRequest:
    title: str
    body: str
    ref: str
    files: list[ChangedFile]
    skipped: Counter[str] = field(default_factory=Counter)  # deliberately left out: binary, generated, vendored
    unreviewed: dict[str, str] = field(default_factory=dict)  # path -> why it could not be reviewed (fails the gate)
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


def git_path(name: str) -> str:
    """A diff header's path as the file is named: git quotes names with non-ASCII or special bytes
    (`"b/\\303\\274.yaml"`, C escapes and octal UTF-8 bytes) unless core.quotepath is off; unquote them."""
    name = name.rstrip("\t\r\n")
    if len(name) < 2 or name[0] != '"' or name[-1] != '"':
        return name
    body, out, i = name[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if re.fullmatch(r"[0-7]{3}", body[i + 1 : i + 4]):
                out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
                i += 4
                continue
            if nxt in _C_ESCAPES:
                out.append(_C_ESCAPES[nxt])
                i += 2
                continue
        out += c.encode("utf-8")
        i += 1
    return out.decode("utf-8", "replace")


def _repo_path(name: str) -> str:
    """The repo-relative path of a diff side (`a/x`, `b/x`); a path that leaves the repo is refused, never read."""
    path = git_path(name)
    path = path[2:] if path.startswith(("a/", "b/")) else path
    parts = path.replace("\\", "/").split("/")
    if not path or path.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", path) or "\0" in path:
        raise InputError(f"the diff names a path outside the repo: {name.strip()!r}; refused (nothing was read)")
    return path


def _inside(repo: Path, path: Path) -> bool:
    """Whether a path resolves inside the repo (a symlink out of it does not)."""
    try:
        return path.resolve().is_relative_to(repo.resolve())
    except (OSError, RuntimeError):
        return False


def _side(hunk: Any, new: bool) -> list[str]:
    return [x.value.rstrip("\n") for x in hunk if x.is_context or (x.is_added if new else x.is_removed)]


def _apply(base: str, patched: Any) -> str | None:
    """The new file from its base and the hunks (unidiff's PatchedFile). The repo may be at another commit than
    the diff's base: a base that already holds every hunk's new side is the new file itself; a base whose lines
    differ from a hunk's old side gives None (the review falls back to the hunks), never a spliced file."""
    lines = base.split("\n")

    def holds(start: int, want: list[str]) -> bool:
        return lines[max(start - 1, 0) : max(start - 1, 0) + len(want)] == want

    is_new = all(holds(h.target_start, _side(h, new=True)) for h in patched)
    is_old = all(holds(h.source_start, _side(h, new=False)) for h in patched)
    # both when one side is the other's prefix (lines removed at the end): the base holds the longer side
    if is_new and is_old:
        is_new = sum(len(_side(h, new=True)) for h in patched) >= sum(len(_side(h, new=False)) for h in patched)
    if is_new:
        return base
    if not is_old:
        return None
    out: list[str] = []
    pos = 0
    for hunk in patched:
        start = max(hunk.source_start - 1, 0)
        out.extend(lines[pos:start])
        pos = start + hunk.source_length
        for line in hunk:
            if line.is_added or line.is_context:
                out.append(line.value.rstrip("\n"))
    out.extend(lines[pos:])
    return "\n".join(out)


def _removed(patched: Any) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for hunk in patched:
        # a hunk that only removes names the line before the gap (`+4,0`): the line now after it is the next one
        position = hunk.target_start + 1 if hunk.target_length == 0 else max(hunk.target_start, 1)
        for line in hunk:
            if line.is_removed:
                out.append((position, line.value.rstrip("\n")))
            else:
                position += 1
    return out


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
        target = None if pf.target_file == "/dev/null" else _repo_path(pf.target_file)
        source = None if pf.source_file == "/dev/null" else _repo_path(pf.source_file)
        path = target if not pf.is_removed_file and target else source
        if path is None:
            raise InputError("the diff has a file with no name on either side")
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
            if source != path and not pf.is_added_file
            else "modified"
        )
        cf = ChangedFile(path=path, status=status, source_path=source, removed_lines=_removed(pf))
        if status == "removed":
            pr.files.append(cf)
            continue
        for hunk in pf:
            for line in hunk:
                if line.target_line_no and (line.is_added or line.is_context):
                    cf.new_side[line.target_line_no] = line.value.rstrip("\n")
                if line.is_added and line.target_line_no:
                    cf.added_lines.add(line.target_line_no)
        if pf.is_added_file:
            cf.new_text = "\n".join(line.value.rstrip("\n") for hunk in pf for line in hunk if line.is_added)
        else:
            base = repo / (cf.source_path or path) if repo else None
            if base is not None and repo is not None and base.is_file() and _inside(repo, base):
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
    base, head = spec.split("..", 1)
    if any(rev.startswith("-") or "\0" in rev or "\n" in rev for rev in (base, head)):
        raise InputError(f"not a git revision: {spec!r} (a revision cannot start with '-')")

    def git(*args: str) -> str:
        # quotepath off: names come as UTF-8, not octal escapes; --end-of-options: a revision is never an option
        cmd = ["git", "-C", str(repo), "-c", "core.quotepath=off", *args]
        try:
            done = subprocess.run(cmd, capture_output=True, check=True)
        except FileNotFoundError:
            raise InputError("git is not installed") from None
        except subprocess.CalledProcessError as exc:
            stderr = exc.stderr.decode("utf-8", "replace").strip()
            raise InputError(f"git {args[0]} {spec} failed: {stderr[:200]}") from None
        return done.stdout.decode("utf-8", "replace")  # a Latin-1 file reads with U+FFFD, not a crash

    rng = f"{base}..{head}"
    diff = git("diff", "--no-color", "--no-ext-diff", "--end-of-options", rng, "--")
    log = git("log", "--format=%s%n%n%b%x00", "--end-of-options", rng, "--")
    subjects = [m.strip() for m in log.split("\0") if m.strip()]
    title = subjects[-1].split("\n")[0] if subjects else spec
    body = "\n\n".join(subjects)
    if not diff.strip():
        raise InputError(f"{spec}: no changes between the two revisions")
    pr = parse_diff(diff, spec, None, title, body)
    for f in pr.files:  # the head content of every changed file, straight from git
        if f.status != "removed":
            with contextlib.suppress(InputError):
                f.new_text = git("show", "--end-of-options", f"{head or 'HEAD'}:{f.path}")
    return pr
