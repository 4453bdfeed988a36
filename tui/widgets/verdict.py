"""The verdict panel, always visible: verdict and score coloured, criteria grouped as in the framework with their
ratings, findings by severity. Rendered from the Verdict alone, so it is deterministic."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from assistant.models import SEVERITY_ORDER, Verdict
from assistant.render.safe import terminal_safe_model
from tui.conversation import Point

VERDICT_STYLE = {
    "approve": "bold $text-success on $success-muted",
    "revise": "bold $text-warning on $warning-muted",
    "reject": "bold $text-error on $error-muted",
}
RATING = {
    "strong": ("✓", "$text-success"),
    "neutral": ("~", "$text-warning"),
    "weak": ("✗", "$text-error"),
    "unknown": ("?", "$text-muted"),
}
SEVERITY_STYLE = {
    "blocker": "bold $text-error on $error-muted",
    "major": "bold $text-warning on $warning-muted",
    "minor": "$text-accent",
    "info": "$text-muted",
}
EMPTY = (
    "No review yet.\n\nDescribe a change in the prompt and press Enter; "
    "the verdict shows here and moves with every answer."
)


def _move(now: int, before: int | None) -> str:
    if before is None or now == before:
        return ""
    return f" ▲ +{now - before}" if now > before else f" ▼ {now - before}"


def verdict_content(verdict: Verdict, before: Point | None = None) -> Content:
    verdict = terminal_safe_model(verdict)  # titles, messages and paths are data: never control codes on screen
    nums = {c.id: n for n, c in enumerate(verdict.citations, 1)}
    parts: list[str | Content | tuple[str, str]] = [
        (f" {verdict.verdict.upper()} ", VERDICT_STYLE[verdict.verdict]),
        ("  score ", ""),
        (f"{verdict.score}/100", "bold"),
        (_move(verdict.score, before.score if before else None), "$text-muted"),
        "\n",
    ]
    engine = verdict.engine.model if verdict.engine.mode == "llm" else "offline"
    if verdict.engine.fallback_reason:
        engine = "offline (LLM unavailable)"
    parts.append(
        (f"{len(verdict.findings)} findings · {len(verdict.questions)} open questions · {engine}\n", "$text-muted")
    )
    parts.append(("\nCriteria\n", "bold underline"))
    last_group = None
    for c in verdict.criteria:
        sym, style = RATING[c.rating]
        if c.name == c.group:
            parts += [(f"{sym} {c.rating:<8}", style), (f"{c.name}\n", "")]
            last_group = None
            continue
        if c.group != last_group:
            parts.append((f"{c.group}\n", "bold"))
            last_group = c.group
        parts += [("  ", ""), (f"{sym} {c.rating:<8}", style), (f"{c.name}\n", "")]
    parts.append(("\nFindings\n", "bold underline"))
    if not verdict.findings:
        parts.append(("none\n", "$text-muted"))
    for f in sorted(verdict.findings, key=lambda f: -SEVERITY_ORDER[f.severity]):
        refs = "".join(f"[{nums[c]}]" for c in f.citations if c in nums)
        parts += [
            (f" {f.severity.upper()} ", SEVERITY_STYLE[f.severity]),
            (f" {f.category}", "bold"),
            (f" {refs}\n" if refs else "\n", "$text-muted"),
            (f"{f.message}\n", ""),
        ]
    return Content.assemble(*parts).rstrip()


class VerdictPanel(VerticalScroll):
    """Scrolls when the criteria and findings do not fit."""

    DEFAULT_CSS = """
    VerdictPanel > #verdict-body { width: 1fr; height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.verdict: Verdict | None = None

    def compose(self) -> ComposeResult:
        yield Static(EMPTY, id="verdict-body")

    def on_mount(self) -> None:
        self.border_title = "Verdict"

    def show(self, verdict: Verdict | None, before: Point | None = None) -> None:
        self.verdict = verdict
        body = self.query_one("#verdict-body", Static)
        body.update(verdict_content(verdict, before) if verdict else EMPTY)
        self._subtitle()

    def set_busy(self, busy: bool) -> None:
        self.set_class(busy, "-busy")
        self._subtitle()

    def _subtitle(self) -> None:
        if self.has_class("-busy"):
            self.border_subtitle = "reviewing…"
        else:
            v = self.verdict
            self.border_subtitle = "" if v is None else f"{v.verdict} · {v.score}/100"
