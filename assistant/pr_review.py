"""Review a pull request: the same assembly as a proposal, with the manifest detectors' findings as its evidence,
plus a PR summary in the repo's words, the pattern checklist and a coverage footer."""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path
from typing import Literal

from assistant.checks.manifests import (
    Context,
    anti_patterns,
    build_context,
    checklist,
    localise,
    locate,
    new_apps,
)
from assistant.config import Settings
from assistant.inputs.diff import PullRequest
from assistant.knowledge_base.knowledge import Knowledge
from assistant.models import ChecklistItem, Coverage, Finding, PullRequestSummary, Subject, Verdict
from assistant.pipeline import finish, prepare, reason

PRIORITY = [r"^infrastructure/", r"\.ya?ml$", r"\.(?:tf|hcl)$", r"\.md$"]
LLM_BUDGET_CHARS = 24_000  # what an LLM sees of the diff at most; manifests and infra first


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


PLATFORM = re.compile(r"^(?:[^/]+/)?(?:platform|infrastructure|system|metal|bootstrap|terraform|opentofu|talos)/")


def review_pr(
    pr: PullRequest,
    settings: Settings,
    *,
    repo: Path | None = None,
    knowledge: Knowledge | None = None,
    ctx: Context | None = None,
) -> Verdict:
    """The same assembly as a proposal (pipeline.prepare → reason → finish), with the manifest detectors' findings as
    the evidence and the PR summary added. `ctx`: the changed manifests already parsed by build_context(pr, repo),
    when the caller checked them first."""
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
    text, trimmed = _llm_text(pr)
    inp = prepare(text, knowledge, Subject(kind="pull_request", title=pr.title, ref=pr.ref), evidence=findings)
    draft, engine = reason(inp, knowledge, settings)
    verdict = finish(inp, draft, engine, knowledge, started)
    verdict.pull_request = summarise_pr(pr, ctx, apps, items, inp.findings, trimmed, knowledge)
    return verdict


def summarise_pr(
    pr: PullRequest,
    ctx: Context,
    apps: list[str],
    items: list[ChecklistItem],
    findings: list[Finding],
    trimmed: list[str],
    knowledge: Knowledge,
) -> PullRequestSummary:
    worst = findings[0].severity if findings else None
    platform = any(PLATFORM.search(f.path) for f in pr.files)
    risk: Literal["low", "medium", "high"] = (
        "high"
        if worst == "blocker" or (platform and worst == "major")
        else ("medium" if worst == "major" or platform else "low")
    )
    areas = Counter(f.path.split("/", 1)[0] if "/" in f.path else "." for f in pr.files)
    present = list(dict.fromkeys(i.item for i in items if i.status == "satisfied"))
    missing = list(dict.fromkeys(i.item for i in items if i.status == "missing"))
    return PullRequestSummary(
        what=pr.title,
        summary=_in_words(pr, ctx, apps, areas, present, missing),
        apps=apps,
        components=_components(pr, knowledge),
        files=[f.path for f in pr.files],
        areas=dict(areas.most_common()),
        patterns_present=present,
        patterns_missing=missing,
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


def _in_words(
    pr: PullRequest, ctx: Context, apps: list[str], areas: Counter[str], present: list[str], missing: list[str]
) -> str:
    """One paragraph in the repo's words: its paths, its kinds, its apps."""
    added = sum(f.status == "added" for f in pr.files)
    kinds = Counter(d.kind for d in ctx.docs if d.kind and ctx.adds(d, d.key_line("kind")))
    where = ", ".join(f"{area}/ ({n})" for area, n in areas.most_common(4))
    parts = [
        f"{len(pr.files)} file(s) in {where}: {added} added, +{pr.added}/−{pr.removed} lines."
        if pr.files
        else "No file changes."
    ]
    new_files = ["/".join(f.path.split("/")[-2:]) for f in pr.files if f.status == "added"]
    if new_files:
        more = f" and {len(new_files) - 5} more" if len(new_files) > 5 else ""
        parts.append("New: " + ", ".join(new_files[:5]) + more + ".")
    if apps:
        parts.append("New app(s) in their own namespace: " + ", ".join(apps) + ".")
    if kinds:
        parts.append("Adds " + ", ".join(f"{n} {k}" for k, n in kinds.most_common(6)) + ".")
    if present:
        parts.append("House patterns present: " + "; ".join(present) + ".")
    if missing:
        parts.append("Missing: " + "; ".join(missing) + ".")
    return " ".join(parts)
