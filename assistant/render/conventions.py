"""`assistant conventions`: the house conventions learnt from the repo, each with its support and the units that
prove it. Repo content (paths, names) is printed as text, never as Rich markup, and without control codes."""

from __future__ import annotations

import re

from rich.console import Console
from rich.markup import escape

from assistant.render.safe import terminal_safe
from assistant.stack.conventions import ConventionReport

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _safe(text: str) -> str:
    return escape(_CONTROL.sub("", text))


def print_conventions(report: ConventionReport, console: Console) -> None:
    console.print(f"[bold]conventions[/] in {_safe(report.repo)} · {len(report.units)} app units", highlight=False)
    for note in report.notes:
        console.print(f"[yellow]{_safe(note)}[/]")
    for strong in (True, False):
        group = [c for c in report.conventions if c.strong is strong]
        if not group:
            continue
        console.print("[bold]held strongly[/] (a change that breaks one is a finding)" if strong else "[bold]weak[/]")
        for c in sorted(group, key=lambda c: -c.share):
            console.print(f"  {_safe(c.describe())} ({c.share:.0%})", highlight=False)
            if c.evidence:
                console.print(f"    [dim]e.g. {_safe(', '.join(c.evidence))}[/]", highlight=False)
            if c.exceptions and strong:
                console.print(f"    [dim]without: {_safe(', '.join(c.exceptions))}[/]", highlight=False)


def conventions_json(report: ConventionReport) -> dict[str, object]:
    return {
        "repo": report.repo,
        "units": len(report.units),
        "conventions": [
            {**c.model_dump(), "support": list(c.support), "share": round(c.share, 3)} for c in report.conventions
        ],
        "notes": report.notes,
    }


def _code(text: str) -> str:
    """Repo text in a code span: no Markdown of its own, no control codes."""
    return "`" + terminal_safe(text).replace("`", "'") + "`"


def conventions_markdown(report: ConventionReport) -> str:
    """The conventions as Markdown (the TUI's conventions screen): strong ones first, each with its support, the
    units that prove it and, for a strong one, the units without it."""
    lines = [f"**{len(report.units)} app units** · {_code(report.repo)}"]
    lines += [f"> {terminal_safe(note)}" for note in report.notes]
    for strong in (True, False):
        group = sorted((c for c in report.conventions if c.strong is strong), key=lambda c: -c.share)
        if not group:
            continue
        held = "Held strongly** (a change that breaks one is a finding)"
        lines.append("\n**" + (held if strong else "Not strong** (under 80%, or fewer than 5 units: questions)"))
        for c in group:
            lines.append(f"- {terminal_safe(c.describe())} ({c.share:.0%})")
            if c.evidence:
                lines.append(f"  - e.g. {', '.join(_code(e) for e in c.evidence)}")
            if c.exceptions and strong:
                lines.append(f"  - without: {', '.join(_code(e) for e in c.exceptions)}")
    return "\n".join(lines)
