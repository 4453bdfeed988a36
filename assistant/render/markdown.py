"""The Verdict as Markdown: for an issue, an ADR or a PR comment."""

from __future__ import annotations

from assistant.models import Verdict
from assistant.redaction import redact_model
from assistant.render.safe import terminal_safe

ICON = {"approve": "✅", "revise": "🟡", "reject": "⛔"}
RATING = {"strong": "Strong", "neutral": "Neutral", "weak": "Weak", "unknown": "Unknown"}


def citation_numbers(v: Verdict) -> dict[str, int]:
    return {c.id: n for n, c in enumerate(v.citations, 1)}


def refs(ids: list[str], numbers: dict[str, int]) -> str:
    return "".join(f"[{numbers[i]}]" for i in ids if i in numbers)


def render_markdown(v: Verdict) -> str:
    v = redact_model(v)  # printed, posted or exported: output passes the redaction boundary
    nums = citation_numbers(v)
    out = [
        f"## {ICON[v.verdict]} {v.verdict.upper()} · score {v.score}/100 — {v.subject.title}",
        "",
        v.summary,
        "",
    ]
    if v.pull_request:
        pr = v.pull_request
        out += [
            f"**What it does:** {pr.what} · **apps:** {', '.join(pr.apps) or '—'} · "
            f"**components:** {', '.join(pr.components) or '—'} · **risk:** {pr.risk} · "
            f"**review effort:** {pr.effort}/5",
            "",
        ]
        if pr.summary:
            out += [pr.summary, ""]
    if v.engine.fallback_reason:
        out += [f"> Offline review: the LLM was unavailable ({v.engine.fallback_reason}).", ""]
    if v.findings:
        out += ["### Findings", "", "| severity | category | finding | what to do | sources |", "|---|---|---|---|---|"]
        for f in v.findings:
            where = f" `{f.location.path}:{f.location.line}`" if f.location else ""
            out.append(
                f"| {f.severity} | `{f.category}` | {f.message}{where} | {f.suggestion} | {refs(f.citations, nums)} |"
            )
        out.append("")
    if v.challenges:
        out += ["### Anti-patterns challenged", ""] + [f"- {c}" for c in v.challenges] + [""]
    out += ["### Criteria", "", "| group | criterion | rating | rationale | sources |", "|---|---|---|---|---|"]
    for c in v.criteria:
        name = c.name if c.name != c.group else "—"
        out.append(f"| {c.group} | {name} | {RATING[c.rating]} | {c.rationale} | {refs(c.citations, nums)} |")
    out.append("")
    if v.questions:
        out += ["### Open questions", ""] + [f"{n}. {q}" for n, q in enumerate(v.questions, 1)] + [""]
    if v.citations:
        out += ["### Sources", ""]
        for cit in v.citations:
            out.append(f"{nums[cit.id]}. `{cit.id}` — {cit.path} · {cit.section} (lines {cit.lines[0]}–{cit.lines[1]})")
        out.append("")
    if v.pull_request:
        pr = v.pull_request
        if pr.checklist:
            out += ["### Pattern checklist", "", "| pattern | item | status | evidence |", "|---|---|---|---|"]
            out += [f"| {i.pattern} | {i.item} | {i.status} | {i.evidence} |" for i in pr.checklist]
            out.append("")
        cov = pr.coverage
        skipped = ", ".join(f"{n} {why}" for why, n in cov.skipped.items()) or "none"
        out.append(
            f"<sub>coverage: {cov.reviewed} file(s) reviewed · skipped: {skipped}"
            + (
                " · **not reviewed**: " + ", ".join(f"{p} ({why})" for p, why in cov.not_reviewed.items())
                if cov.not_reviewed
                else ""
            )
            + (f" · not shown to the LLM (budget): {', '.join(cov.trimmed_for_llm)}" if cov.trimmed_for_llm else "")
            + (f" · malformed YAML: {', '.join(cov.malformed_yaml)}" if cov.malformed_yaml else "")
            + "</sub>"
        )
    out.append(f"<sub>engine: {v.engine.mode} ({v.engine.model}), {v.engine.duration_ms} ms</sub>")
    return terminal_safe("\n".join(out) + "\n")  # printed, posted to GitHub or shown in the TUI
