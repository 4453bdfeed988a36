"""The review entry point for every front end (CLI, TUI, eval): a resolved subject in, a Verdict out.

A proposal and a pull request run through the same assembly in `pipeline` (evidence, retrieval, reasoning,
verdict); a pull request's evidence comes from its parsed manifests and it adds a summary (`pr_review`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.config import Settings
from assistant.inputs.resolve import Change, Proposal, Subject, pull_request_or_patch
from assistant.models import Verdict

if TYPE_CHECKING:
    from assistant.checks.context import Context
    from assistant.knowledge_base.knowledge import Knowledge


def review_subject(
    subject: Subject, settings: Settings, *, knowledge: Knowledge | None = None, manifests: Context | None = None
) -> Verdict:
    # imported on use: a proposal's review never loads the manifest detectors (CLI start-up)
    if isinstance(subject, Proposal):
        from assistant.pipeline import review_text

        return review_text(subject.text, settings, ref=subject.ref, knowledge=knowledge)
    assert isinstance(subject, Change)
    from assistant.pr_review import review_pr

    return review_pr(subject.pr, settings, repo=subject.repo, knowledge=knowledge, ctx=manifests)


def review_pull_request(ref: str, settings: Settings, *, knowledge: Knowledge | None = None) -> Verdict:
    """The TUI's `/pr REF`: a patch file path, or a pull request number or URL (GitHub API)."""
    return review_subject(pull_request_or_patch(ref, settings.context_repo), settings, knowledge=knowledge)
