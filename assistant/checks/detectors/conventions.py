"""convention: a new app unit in the PR lacks what the repo's units hold strongly (>= 80% of >= 5 units), with
that support as evidence. Only new units: a convention is learnt from the repo before the change."""

from __future__ import annotations

from assistant.checks.context import Context, finding
from assistant.inputs.repo_files import RepoFile
from assistant.models import Finding
from assistant.stack.conventions import breaks, mine
from assistant.stack.view import Stack


def broken_conventions(ctx: Context, stack: Stack) -> list[Finding]:
    added = [f for f in ctx.pr.reviewed if f.status == "added" and f.new_text is not None]
    if not added or not ctx.repo_texts:
        return []
    repo_files = [RepoFile(path, text, "") for path, text in ctx.repo_texts.items()]
    report = mine(ctx.repo_root, repo_files)
    if not report.strong():
        return []
    new_files = [RepoFile(f.path, f.new_text or "", "") for f in ctx.pr.reviewed if f.new_text is not None]
    existing = {path.rsplit("/", 1)[0] for path in ctx.repo_texts}
    changed = [f for f in ctx.pr.files if f.status != "added"]
    out: list[Finding] = []
    for unit, convention in breaks(report, new_files):
        inside = unit.path + "/"
        if any(d == unit.path or d.startswith(inside) for d in existing) or any(
            f.path.startswith(inside) for f in changed
        ):
            continue  # the unit was there before: only a new unit is measured against the house
        first = next((f for f in added if f.path.startswith(unit.path + "/")), None)
        location = ctx.nearest(first.path, None) if first is not None else None
        examples = ", ".join(convention.evidence[:2])
        out.append(
            finding(
                "convention",
                f"{convention.id}:{unit.path}",
                f"The new unit {unit.path} does not {convention.title}; {convention.describe()} in this repo "
                f"({convention.share:.0%}).",
                location,
                suggestion=f"Follow the house convention as {examples} do." if examples else None,
            )
        )
    return out
