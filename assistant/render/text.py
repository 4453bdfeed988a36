"""The Verdict on a terminal (Rich): verdict and score up top, criteria, findings, questions, sources."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from assistant.models import Hit, Verdict
from assistant.redaction import redact_model, redact_text
from assistant.render.markdown import citation_numbers, refs

VERDICT_STYLE = {"approve": "bold green", "revise": "bold yellow", "reject": "bold red"}
RATING_STYLE = {"strong": "green", "neutral": "cyan", "weak": "red", "unknown": "dim"}
SEVERITY_STYLE = {"blocker": "bold red", "major": "yellow", "minor": "cyan", "info": "dim"}


def verdict_renderable(v: Verdict) -> Group:
    v = redact_model(v)  # on screen: output passes the redaction boundary
    nums = citation_numbers(v)
    head = Text.assemble(
        (f" {v.verdict.upper()} ", VERDICT_STYLE[v.verdict] + " reverse"),
        "  ",
        (f"score {v.score}/100", "bold"),
        "  ",
        (v.subject.title, "italic"),
    )
    parts: list[object] = [head, Text(v.summary)]
    if v.pull_request:
        pr = v.pull_request
        parts.append(Text(pr.summary))
        parts.append(
            Text(
                f"apps: {', '.join(pr.apps) or '—'} · components: {', '.join(pr.components) or '—'} · "
                f"risk: {pr.risk} · review effort: {pr.effort}/5",
                "dim",
            )
        )
    if v.engine.fallback_reason:
        parts.append(Text(f"Offline review: the LLM was unavailable ({v.engine.fallback_reason}).", "yellow"))
    if v.findings:
        parts.append(Text("Findings", "bold underline"))
        for f in v.findings:
            where = f"  {f.location.path}:{f.location.line}" if f.location else ""
            parts.append(
                Text.assemble(
                    (f" {f.severity:<7} ", SEVERITY_STYLE[f.severity]),
                    (f.category, "bold"),
                    (where, "cyan"),
                    "  ",
                    (refs(f.citations, nums), "dim"),
                )
            )
            parts.append(Text(f"   {f.message}"))
            parts.append(Text(f"   → {f.suggestion}", "green"))
    if v.challenges:
        parts.append(Text("Anti-patterns challenged", "bold underline"))
        parts.extend(Text(f" • {c}") for c in v.challenges)
    parts.append(Text("Criteria", "bold underline"))
    group = None
    for c in v.criteria:
        if c.group != c.name and c.group != group:
            parts.append(Text(f" {c.group}", "italic"))
        group = c.group
        name = c.name if c.group == c.name else f"  {c.name}"
        parts.append(
            Text.assemble(
                (f" {c.rating.capitalize():<8}", RATING_STYLE[c.rating]),
                (name, "bold"),
                "  ",
                (refs(c.citations, nums), "dim"),
            )
        )
        parts.append(Text(f"          {c.rationale}", "dim" if c.rating == "unknown" else ""))
    if v.questions:
        parts.append(Text("Open questions", "bold"))
        parts.extend(Text(f" {n}. {q}") for n, q in enumerate(v.questions, 1))
    if v.citations:
        parts.append(Text("Sources", "bold"))
        parts.extend(
            Text.assemble((f" [{nums[c.id]}] ", "bold"), (c.id, "cyan"), f"  {c.path}:{c.lines[0]}-{c.lines[1]}")
            for c in v.citations
        )
    if v.pull_request and v.pull_request.checklist:
        parts.append(Text("Pattern checklist", "bold"))
        mark = {"satisfied": ("✓", "green"), "missing": ("✗", "red"), "not applicable": ("–", "dim")}
        for item in v.pull_request.checklist:
            sign, style = mark[item.status]
            parts.append(Text.assemble((f" {sign} ", style), item.item, (f"  {item.evidence}", "dim")))
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
        excerpt = redact_text(h.excerpt(160))
        t.add_row(str(n), h.chunk.id, f"{h.chunk.lines[0]}-{h.chunk.lines[1]}", f"{h.score:.4f}", excerpt)
    console.print(t)
