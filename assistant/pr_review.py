"""Review a pull request: the same engine as proposals, reading the parsed manifests, with a PR summary,
the pattern checklist and a coverage footer."""

from __future__ import annotations

import re
import time
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.checks.manifests import (
    ChecklistItem,
    Context,
    anti_patterns,
    build_context,
    checklist,
    localise,
    locate,
    new_apps,
)
from assistant.checks.predicates import ProposalText
from assistant.config import Settings
from assistant.inputs.diff import PullRequest
from assistant.knowledge_base.knowledge import Knowledge
from assistant.models import SEVERITY_ORDER, Subject, Verdict
from assistant.pipeline import Draft, ReviewInput, cite_house_patterns, finish, reason, summarise_findings
from assistant.reasoning.offline import challenges, rate_criteria, topics_for
from assistant.reasoning.redaction import redact

PRIORITY = [r"^infrastructure/", r"\.ya?ml$", r"\.(?:tf|hcl)$", r"\.md$"]
LLM_BUDGET_CHARS = 24_000  # what an LLM sees of the diff at most; manifests and infra first


class Coverage(BaseModel):
    reviewed: int
    skipped: dict[str, int]
    trimmed_for_llm: list[str] = Field(default_factory=list)
    malformed_yaml: list[str] = Field(default_factory=list)
    not_reviewed: dict[str, str] = Field(default_factory=dict)  # changed files that could not be reviewed, and why


class PRSummary(BaseModel):
    what: str
    apps: list[str]
    components: list[str]
    files: list[str]
    risk: str
    effort: int
    checklist: list[ChecklistItem]
    coverage: Coverage


def _components(pr: PullRequest, knowledge: Knowledge) -> list[str]:
    """The repo's tools whose names appear in the PR's paths."""
    text = " ".join(f.path for f in pr.files).lower()
    stack = knowledge.stack
    return [
        e.tool
        for e in stack.inventory.entries
        if any(
            re.search(rf"(?:^|[/_.-]){re.escape(a.lower())}(?:$|[/_.-])", text)
            for a in [e.tool, *stack.names_of(e.tool)]
        )
    ]


def _effort(pr: PullRequest) -> int:
    changed = pr.added + pr.removed
    return 1 if changed <= 50 else 2 if changed <= 200 else 3 if changed <= 600 else 4 if changed <= 2000 else 5


def _llm_text(pr: PullRequest) -> tuple[str, list[str]]:
    """The PR as an LLM sees it: description, then files by priority until the budget; the rest is named."""

    def rank(path: str) -> int:
        return next((i for i, p in enumerate(PRIORITY) if re.search(p, path)), len(PRIORITY))

    parts = [f"# {pr.title}\n\n{pr.body}\n"]
    size = len(parts[0])
    trimmed: list[str] = []
    for f in sorted(pr.reviewed, key=lambda f: (rank(f.path), f.path)):
        block = f"\n## {f.path} ({f.status})\n{f.new_text if f.new_text is not None else f.partial_text}\n"
        if size + len(block) > LLM_BUDGET_CHARS:
            trimmed.append(f.path)
            continue
        parts.append(block)
        size += len(block)
    return "".join(parts), trimmed


def review_pr(
    pr: PullRequest,
    settings: Settings,
    *,
    repo: Path | None = None,
    knowledge: Knowledge | None = None,
    ctx: Context | None = None,
) -> Verdict:
    """`ctx`: the changed manifests already parsed by build_context(pr, repo), when the caller checked them first."""
    started = time.perf_counter()
    knowledge = knowledge or Knowledge(settings)
    ctx = build_context(pr, repo) if ctx is None else ctx
    findings = anti_patterns(ctx, knowledge.stack)
    items: list[ChecklistItem] = []
    apps = new_apps(ctx)
    for app in apps:
        app_items, app_findings = checklist(ctx, app)
        items += app_items
        findings += [f for f in localise(app_findings, knowledge.stack) if f.id not in {x.id for x in findings}]
    locate(findings, ctx)
    findings.sort(key=lambda f: (-SEVERITY_ORDER[f.severity], f.category, f.id))
    cite_house_patterns(findings, knowledge)
    text, trimmed = _llm_text(pr)
    doc = ProposalText.of(text)
    topics = topics_for(knowledge.answers_path, knowledge.stack)
    criteria, questions = rate_criteria(knowledge.rubric, doc, findings, topics, None, knowledge.stack)
    worst = findings[0].severity if findings else None
    platform = any(f.path.startswith(("kubernetes/platform", "infrastructure/")) for f in pr.files)
    risk = (
        "high"
        if worst == "blocker" or (platform and worst == "major")
        else ("medium" if worst == "major" or platform else "low")
    )
    summary = PRSummary(
        what=pr.title,
        apps=apps,
        components=_components(pr, knowledge),
        files=[f.path for f in pr.files],
        risk=risk,
        effort=_effort(pr),
        checklist=items,
        coverage=Coverage(
            reviewed=len(pr.reviewed) - len(pr.unreviewed),
            skipped=dict(pr.skipped),
            trimmed_for_llm=trimmed,
            malformed_yaml=ctx.malformed,
            not_reviewed=dict(pr.unreviewed),
        ),
    )
    redacted, count = redact(text)
    subject = Subject(kind="pull_request", title=pr.title, ref=pr.ref)
    offline = Draft(
        criteria=criteria,
        findings=findings,
        questions=questions,
        challenges=challenges(knowledge.rubric, findings, knowledge.stack),
        summary=summarise_findings(findings, criteria),
    )
    inp = ReviewInput(text, redacted, count, subject, findings, offline, knowledge.search(pr.title, k=6))
    draft, engine = reason(inp, knowledge, settings)
    verdict = finish(inp, draft, engine, knowledge, started)
    verdict.pull_request = summary.model_dump()
    return verdict
