"""The Verdict on a terminal (Rich): verdict and score up top, criteria, findings, questions, sources."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from assistant.models import Hit, Verdict
from assistant.render.markdown import citation_numbers, refs

VERDICT_STYLE = {"approve": "bold green", "revise": "bold yellow", "reject": "bold red"}
RATING_STYLE = {"strong": "green", "neutral": "cyan", "weak": "red", "unknown": "dim"}
SEVERITY_STYLE = {"blocker": "bold red", "major": "yellow", "minor": "cyan", "info": "dim"}


def verdict_renderable(v: Verdict) -> Group:
    nums = citation_numbers(v)
    head = Text.assemble(
        (f" {v.verdict.upper()} ", VERDICT_STYLE[v.verdict] + " reverse"),
        "  ",
        (f"score {v.score}/100", "bold"),
        "  ",
        (v.subject.title, "italic"),
    )
    parts: list[object] = [head, Text(v.summary)]
    if v.engine.fallback_reason:
        parts.append(Text(f"Offline review: the LLM was unavailable ({v.engine.fallback_reason}).", "yellow"))
    if v.findings:
        t = Table(title="Findings", title_justify="left", expand=True, show_lines=False)
        t.add_column("severity", no_wrap=True)
        t.add_column("category", no_wrap=True)
        t.add_column("finding")
        t.add_column("src", no_wrap=True)
        for f in v.findings:
            where = f"\n{f.location.path}:{f.location.line}" if f.location else ""
            t.add_row(
                Text(f.severity, SEVERITY_STYLE[f.severity]),
                f.category,
                f"{f.message}{where}\n→ {f.suggestion}",
                refs(f.citations, nums),
            )
        parts.append(t)
    if v.challenges:
        parts.append(Text("Anti-patterns challenged", "bold"))
        parts.extend(Text(f" • {c}") for c in v.challenges)
    t = Table(title="Criteria", title_justify="left", expand=True)
    t.add_column("criterion", no_wrap=True)
    t.add_column("rating", no_wrap=True)
    t.add_column("rationale")
    t.add_column("src", no_wrap=True)
    for c in v.criteria:
        label = c.name if c.name == c.group else f"{c.group} · {c.name}"
        t.add_row(label, Text(c.rating.capitalize(), RATING_STYLE[c.rating]), c.rationale, refs(c.citations, nums))
    parts.append(t)
    if v.questions:
        parts.append(Text("Open questions", "bold"))
        parts.extend(Text(f" {n}. {q}") for n, q in enumerate(v.questions, 1))
    if v.citations:
        parts.append(Text("Sources", "bold"))
        parts.extend(
            Text.assemble((f" [{nums[c.id]}] ", "bold"), (c.id, "cyan"), f"  {c.path}:{c.lines[0]}-{c.lines[1]}")
            for c in v.citations
        )
    parts.append(Text(f"engine: {v.engine.mode} ({v.engine.model}) · {v.engine.duration_ms} ms", "dim"))
    return Group(*parts)  # type: ignore[arg-type]


def print_verdict(v: Verdict, console: Console) -> None:
    console.print(Panel(verdict_renderable(v), title="Review Assistant", border_style=VERDICT_STYLE[v.verdict]))


def print_hits(hits: list[Hit], console: Console) -> None:
    t = Table(expand=True)
    t.add_column("#", no_wrap=True)
    t.add_column("citation id", style="cyan")
    t.add_column("lines", no_wrap=True)
    t.add_column("score", no_wrap=True)
    t.add_column("excerpt")
    for n, h in enumerate(hits, 1):
        t.add_row(str(n), h.chunk.id, f"{h.chunk.lines[0]}-{h.chunk.lines[1]}", f"{h.score:.4f}", h.excerpt(160))
    console.print(t)
