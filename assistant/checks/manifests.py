"""Checks on the parsed manifests of a pull request: the detectors' anti-patterns with file and line (see
`checks.detectors`), named with this repo's tools and placed on a changed line, and the New Application checklist."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.checks import registry
from assistant.checks.checklist import checklist, new_apps
from assistant.checks.context import Context, build_context
from assistant.checks.detectors import run_detectors
from assistant.checks.detectors.secrets import secret_values
from assistant.models import ChecklistItem, Finding
from assistant.stack.view import Stack

__all__ = [
    "ChecklistItem",
    "Context",
    "anti_patterns",
    "build_context",
    "checklist",
    "localise",
    "locate",
    "new_apps",
    "secret_values",
]


def anti_patterns(ctx: Context, stack: Stack) -> list[Finding]:
    return localise(dedupe(run_detectors(ctx, stack)), stack)


def localise(findings: list[Finding], stack: Stack) -> list[Finding]:
    """Name this repo's tools: the finding's component is the incumbent in its check's role, and the check's
    suggestion is filled with the repo's tools (`{in:ROLE}`)."""
    from assistant.checks.registry import template_values

    for f in findings:
        spec = registry.spec(f.category)
        f.component = f.component or stack.component(spec.role)
        if f.suggestion == spec.suggestion:
            f.suggestion = spec.suggestion.format_map(template_values(stack))
    return findings


def locate(findings: list[Finding], ctx: Context) -> list[Finding]:
    """Every PR finding gets a file and a line: one without its own goes to the first added line of the changed
    file its id or message names, else of the first changed file (the nearest changed line the diff has)."""
    files = [f for f in ctx.pr.reviewed if f.added_lines]
    for finding in findings:
        if (finding.location is not None and finding.location.line is not None) or not files:
            continue
        text = f"{finding.id} {finding.message}"
        named = next((f for f in files if f.path in text), None) or next(
            (f for f in files if re.search(rf"\b{re.escape(Path(f.path).parent.name)}\b", text)), files[0]
        )
        finding.location = ctx.nearest(named.path, None)  # its first added line
    return findings


def dedupe(findings: list[Finding]) -> list[Finding]:
    seen: dict[str, Finding] = {}
    for f in findings:
        seen.setdefault(f.id, f)
    return list(seen.values())
