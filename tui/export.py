"""Export a verdict: Markdown, JSON (the schema_version 1 contract), or an ADR in the repo's docs/adr/,
numbered after the ones already there, in the house format (Status, Context, Decision, Consequences)."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Literal

from assistant.errors import InputError
from assistant.models import Verdict
from assistant.redaction import redact_model, redact_text
from assistant.render.markdown import citation_numbers, refs, render_markdown
from tui.conversation import Conversation

ExportFormat = Literal["md", "json", "adr"]
FORMATS: tuple[ExportFormat, ...] = ("md", "json", "adr")
ADR_DIR = Path("docs") / "adr"
_ADR_FILE = re.compile(r"^(\d{3,5})[-_].*\.md$")
STATUS = {"approve": "Accepted", "revise": "Proposed", "reject": "Rejected"}


def slugify(text: str, limit: int = 60) -> str:
    """File-name slug; a long title is cut at a word boundary."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > limit:
        cut = slug[: limit + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:limit]
    return slug or "review"


def verdict_markdown(verdict: Verdict) -> str:
    return render_markdown(verdict)


def verdict_json(verdict: Verdict) -> str:
    return redact_model(verdict).to_json() + "\n"


def next_adr_number(adr_dir: Path) -> int:
    """One more than the highest NNNN-*.md in adr_dir (1 when there are none)."""
    if not adr_dir.is_dir():
        return 1
    numbers = [int(m.group(1)) for p in adr_dir.iterdir() if (m := _ADR_FILE.match(p.name))]
    return max(numbers, default=0) + 1


def _demote(markdown: str, levels: int = 2) -> str:
    """Headings inside the proposal become sub-headings of the ADR's Context section."""
    out = []
    in_fence = False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence and re.match(r"^#{1,6}\s", line):
            line = "#" * levels + line
        out.append(line)
    return "\n".join(out).strip()


def adr_markdown(number: int, verdict: Verdict, conversation: Conversation | None, today: date) -> str:
    nums = citation_numbers(verdict)
    title = verdict.subject.title
    status = STATUS[verdict.verdict]
    out = [
        f"# ADR {number:04d}: {title}",
        "",
        "## Status",
        "",
        f"{status} ({today.isoformat()}). Architecture review: **{verdict.verdict.upper()}**, score "
        f"{verdict.score}/100 ({verdict.engine.mode} review, {verdict.engine.model}).",
        "",
        "## Context",
        "",
    ]
    if conversation is not None and conversation.proposal and conversation.kind == "proposal":
        out += [_demote(conversation.proposal), ""]
        if conversation.answers:
            out += ["### Answers given during the review", ""]
            for a in conversation.answers:
                prompt = " ".join((a.prompt or "Added detail").split())
                if len(prompt) > 160:
                    prompt = prompt[:159] + "…"
                out.append(f"- *{prompt}* — {' '.join(a.text.split())}")
            out.append("")
    else:
        out += [f"{verdict.subject.kind.replace('_', ' ').capitalize()} `{verdict.subject.ref}`: {title}.", ""]
    out += ["## Decision", "", verdict.summary or "No finding.", ""]
    todo = [f for f in verdict.findings if f.suggestion]
    if todo:
        out += ["What the review requires before this can be accepted:" if status != "Accepted" else "Notes:", ""]
        out += [f"- {f.suggestion} {refs(f.citations, nums)}".rstrip() for f in todo]
        out.append("")
    out += ["## Consequences", ""]
    if verdict.findings:
        out += ["### Findings", ""]
        for f in verdict.findings:
            comp = f" ({f.component})" if f.component else ""
            out.append(f"- **{f.severity}** `{f.category}`{comp}: {f.message} {refs(f.citations, nums)}".rstrip())
        out.append("")
    if verdict.challenges:
        out += ["### Anti-patterns challenged", ""] + [f"- {c}" for c in verdict.challenges] + [""]
    weak = [c for c in verdict.criteria if c.rating in ("weak", "unknown")]
    if weak:
        out += ["### Criteria not met or not addressed", ""]
        for c in weak:
            name = c.name if c.name == c.group else f"{c.group} › {c.name}"
            out.append(f"- {name}: {c.rating}. {c.rationale} {refs(c.citations, nums)}".rstrip())
        out.append("")
    if verdict.questions:
        out += ["### Open questions", ""] + [f"- {q}" for q in verdict.questions] + [""]
    if verdict.citations:
        out += ["## Sources", ""]
        for cit in verdict.citations:
            out.append(f"{nums[cit.id]}. `{cit.id}` — {cit.path} · {cit.section} (lines {cit.lines[0]}–{cit.lines[1]})")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def write_adr(
    repo: Path, verdict: Verdict, conversation: Conversation | None = None, today: date | None = None
) -> Path:
    """Write docs/adr/NNNN-<title>.md in repo, numbered after the existing ADRs; never overwrites."""
    adr_dir = repo / ADR_DIR
    adr_dir.mkdir(parents=True, exist_ok=True)
    number = next_adr_number(adr_dir)
    path = adr_dir / f"{number:04d}-{slugify(verdict.subject.title)}.md"
    with path.open("x", encoding="utf-8") as fh:
        fh.write(redact_text(adr_markdown(number, verdict, conversation, today or date.today())))
    return path


def default_path(fmt: ExportFormat, verdict: Verdict, base: Path) -> Path:
    """Where an export goes unless the operator says otherwise (the ADR's own name is chosen on write)."""
    if fmt == "adr":
        return base / ADR_DIR
    return base / f"review-{slugify(verdict.subject.title)}.{fmt}"


def export(
    fmt: ExportFormat,
    verdict: Verdict,
    *,
    repo: Path,
    conversation: Conversation | None = None,
    path: Path | None = None,
    today: date | None = None,
) -> Path:
    """Write the export and return its path: the ADR into repo's docs/adr/, md/json to `path`
    (default: review-<title>.<fmt> in the current directory)."""
    if fmt == "adr":
        return write_adr(repo, verdict, conversation, today)
    target = path or default_path(fmt, verdict, Path.cwd())
    target.parent.mkdir(parents=True, exist_ok=True)
    text = verdict_markdown(verdict) if fmt == "md" else verdict_json(verdict)
    try:  # never through a link someone planted where the export goes: it could point at any file of the user's
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        if target.is_symlink():
            raise InputError(f"{target} is a symbolic link: not written through", "choose another path") from None
        raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return target
