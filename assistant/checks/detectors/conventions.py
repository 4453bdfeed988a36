"""convention: a new app unit in the PR lacks what the repo's units hold strongly (>= 80% of >= 5 units), with
that support as evidence. Only new units: a convention is learnt from the repo before the change."""

from __future__ import annotations

import re

from assistant.checks.context import YAML, Context, finding
from assistant.checks.detectors.backups import volumes_outside_backups
from assistant.inputs.diff import ChangedFile
from assistant.inputs.repo_files import RepoFile
from assistant.models import Finding, Location
from assistant.stack.convention_changes import breaks, lost
from assistant.stack.conventions import ConventionReport, mine
from assistant.stack.view import Stack

CLAIM = "claim-outside-chart"
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


_CREATES = re.compile(r"^\s*(?:create:\s*true\b|size:|volumeClaimTemplates:)")


def _created_claim_line(files: list[ChangedFile]) -> Location | None:
    """Where the new unit's chart or workload makes its own claim: `create: true` or a size under `persistence:`, or
    a StatefulSet's `volumeClaimTemplates:`."""
    for f in files:
        lines = (f.new_text or "").split("\n")
        persistence = False
        for number, line in enumerate(lines, 1):
            persistence = persistence or bool(re.match(r"^\s*persistence:", line))
            if _CREATES.match(line) and number in f.added_lines and (persistence or "volumeClaimTemplates" in line):
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


_REPORTS: dict[tuple[str, int], ConventionReport] = {}  # one mining per repo state: reviews of one repo share it


def repo_conventions(ctx: Context) -> ConventionReport:
    """The repo's conventions as it stands before the change (its files, the changed ones at their base)."""
    repo_files = [RepoFile(path, text, "") for path, text in ctx.repo_texts.items()] + _bases(ctx)
    key = (str(ctx.repo_root), hash(tuple(sorted((f.path, f.text) for f in repo_files))))
    if key not in _REPORTS:
        _REPORTS.clear()
        _REPORTS[key] = mine(ctx.repo_root, repo_files)
    return _REPORTS[key]


def broken_conventions(ctx: Context, stack: Stack) -> list[Finding]:
    added = [f for f in ctx.pr.reviewed if f.status == "added" and f.new_text is not None]
    takes_away = any(f.status == "removed" or f.removed_lines for f in ctx.pr.files if YAML.search(f.path))
    if not (added or takes_away) or not ctx.repo_texts:
        return []
    report = repo_conventions(ctx)
    if not report.strong():
        return []
    return _new_units(ctx, stack, report, added) + _taken_away(ctx, report)


DATA_AT_RISK_OR_OPEN = DATA_AT_RISK | {"network-policy"}  # taking these from a unit loses data or opens it up


def _taken_away(ctx: Context, report: ConventionReport) -> list[Finding]:
    """Units the repo had that the change strips of a strong convention (a deleted NetworkPolicy, a backup dropped)."""
    touched = [u for u in report.units if "#" not in u and any(f.path.startswith(u + "/") for f in ctx.pr.files)]
    if not touched:
        return []

    def inside(path: str) -> bool:
        return any(path.startswith(u + "/") for u in touched)

    kept = [RepoFile(p, t, "") for p, t in ctx.repo_texts.items() if inside(p)]
    before = kept + [f for f in _bases(ctx) if inside(f.path)]
    for f in ctx.pr.files:  # a deleted file's base is the diff's removed lines where the repo no longer has it
        if f.status == "removed" and inside(f.path) and not any(b.path == f.path for b in before):
            before.append(RepoFile(f.path, f.old_text, ""))
    after = kept + [RepoFile(f.path, f.new_text, "") for f in ctx.pr.reviewed if f.new_text and inside(f.path)]
    out: list[Finding] = []
    for unit, convention in lost(report, before, after):
        changed = [f for f in ctx.pr.files if f.path.startswith(unit.path + "/")]
        gone = next((f for f in changed if f.status == "removed"), None)
        location = Location(path=gone.path, line=1) if gone else next(
            (loc for f in changed if (loc := ctx.nearest(f.path, None) or _first_removal(f)) is not None), None
        )
        out.append(
            finding(
                "convention",
                f"lost-{convention.id}:{unit.path}",
                f"This change takes away what {unit.path} had: it no longer does {convention.title}; "
                f"{convention.describe()} in this repo ({convention.share:.0%}).",
                location,
                severity="major" if convention.id in DATA_AT_RISK_OR_OPEN else None,
            )
        )
    return out


def _first_removal(f: ChangedFile) -> Location | None:
    return Location(path=f.path, line=f.removed_lines[0][0]) if f.removed_lines else None


def _new_units(ctx: Context, stack: Stack, report: ConventionReport, added: list[ChangedFile]) -> list[Finding]:
    if not added:
        return []
    new_files = [RepoFile(f.path, f.new_text or "", "") for f in ctx.pr.reviewed if f.new_text is not None]
    existing = {path.rsplit("/", 1)[0] for path in ctx.repo_texts}
    changed = [f for f in ctx.pr.files if f.status != "added"]
    out: list[Finding] = []
    unbacked = {f.location.path for f in volumes_outside_backups(ctx, stack) if f.location}
    for unit, convention, backed_up in breaks(report, new_files):
        inside = unit.path + "/"
        folder_had_no_unit = unit.path not in report.workloads and any(
            d == unit.path or d.startswith(inside) for d in existing
        )
        if folder_had_no_unit or any(f.path.startswith(inside) for f in changed):
            continue  # the unit was there before: only a new unit is measured against the house
        own = {path for path, _ in unit.docs}  # a ResourceSet input's values file lives elsewhere
        files = [f for f in ctx.pr.reviewed if f.path.startswith(inside) or f.path in own]
        if convention.id == "backup" and {f.path for f in files} & unbacked:
            continue  # the repo's own backup schedule already says so (no-backup), at the claim
        locate = {"backup": _claim_line, CLAIM: _created_claim_line}.get(convention.id)
        location = (locate(files) if locate else None) or (ctx.nearest(files[0].path, None) if files else None)
        examples = ", ".join(convention.evidence[:2])
        message = (
            f"The new unit {unit.path} does not {convention.title}; {convention.describe()} in this repo "
            f"({convention.share:.0%})."
        )
        # the house's backup makes (restores) the claims it backs up: a chart that makes the same claim is a
        # second owner, and a rebuilt cluster gets an empty volume instead of the restored one
        two_owners = convention.id == CLAIM and backed_up
        if two_owners:
            message += (
                " The unit is also registered for backup, so the claim has two owners: the install fails on the"
                " existing claim, or the chart's empty one wins over the restored volume."
            )
        out.append(
            finding(
                "convention",
                f"{convention.id}:{unit.path}",
                message,
                location,
                suggestion=f"Follow the house convention as {examples} do." if examples else None,
                severity="major" if convention.id in DATA_AT_RISK or two_owners else None,
            )
        )
    return out
