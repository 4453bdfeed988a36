"""convention: a new app unit in the PR lacks what the repo's units hold strongly (>= 80% of >= 5 units), with
that support as evidence. Only new units: a convention is learnt from the repo before the change."""

from __future__ import annotations

import re

from assistant.checks.context import YAML, Context, finding
from assistant.checks.detectors.backups import volumes_outside_backups
from assistant.inputs.diff import ChangedFile
from assistant.inputs.repo_files import RepoFile
from assistant.models import Finding, Location
from assistant.stack.conventions import breaks, mine
from assistant.stack.view import Stack

DATA_AT_RISK = {"backup"}  # a broken convention that loses data is a change to ask for; the rest are questions
_CLAIM = [
    re.compile(r"^\s*kind:\s*PersistentVolumeClaim\b"),
    re.compile(r"^\s*(?:type:\s*persistentVolumeClaim|volumeClaimTemplates:|existingClaim:)"),
]


def _claim_line(files: list[ChangedFile]) -> Location | None:
    """Where the new unit claims its volume: a PersistentVolumeClaim, else a chart's claim in values."""
    for pattern in _CLAIM:
        for f in files:
            for number, line in enumerate((f.new_text or "").split("\n"), 1):
                if pattern.match(line) and number in f.added_lines:
                    return Location(path=f.path, line=number)
    return None


def _bases(ctx: Context) -> list[RepoFile]:
    """The repo's own version of the files the change edits: a central file (a ResourceSet listing every app, a
    backup schedule) holds the house's units too."""
    out: list[RepoFile] = []
    for f in ctx.pr.files:
        base = ctx.repo_root / (f.source_path or f.path)
        if f.status == "added" or not YAML.search(f.path) or not base.is_file() or base.is_symlink():
            continue
        try:
            out.append(RepoFile(f.source_path or f.path, base.read_text(encoding="utf-8"), ""))
        except (OSError, UnicodeDecodeError):
            continue
    return out


def broken_conventions(ctx: Context, stack: Stack) -> list[Finding]:
    added = [f for f in ctx.pr.reviewed if f.status == "added" and f.new_text is not None]
    if not added or not ctx.repo_texts:
        return []
    repo_files = [RepoFile(path, text, "") for path, text in ctx.repo_texts.items()] + _bases(ctx)
    report = mine(ctx.repo_root, repo_files)
    if not report.strong():
        return []
    new_files = [RepoFile(f.path, f.new_text or "", "") for f in ctx.pr.reviewed if f.new_text is not None]
    existing = {path.rsplit("/", 1)[0] for path in ctx.repo_texts}
    changed = [f for f in ctx.pr.files if f.status != "added"]
    out: list[Finding] = []
    unbacked = {f.location.path for f in volumes_outside_backups(ctx, stack) if f.location}
    for unit, convention in breaks(report, new_files):
        inside = unit.path + "/"
        if any(d == unit.path or d.startswith(inside) for d in existing) or any(
            f.path.startswith(inside) for f in changed
        ):
            continue  # the unit was there before: only a new unit is measured against the house
        own = {path for path, _ in unit.docs}  # a ResourceSet input's values file lives elsewhere
        files = [f for f in ctx.pr.reviewed if f.path.startswith(inside) or f.path in own]
        if convention.id == "backup" and {f.path for f in files} & unbacked:
            continue  # the repo's own backup schedule already says so (no-backup), at the claim
        location = (_claim_line(files) if convention.id == "backup" else None) or (
            ctx.nearest(files[0].path, None) if files else None
        )
        examples = ", ".join(convention.evidence[:2])
        out.append(
            finding(
                "convention",
                f"{convention.id}:{unit.path}",
                f"The new unit {unit.path} does not {convention.title}; {convention.describe()} in this repo "
                f"({convention.share:.0%}).",
                location,
                suggestion=f"Follow the house convention as {examples} do." if examples else None,
                severity="major" if convention.id in DATA_AT_RISK else None,
            )
        )
    return out
