"""Input resolution in one place: what the operator points at (a proposal file or stdin, a patch, a local git
range, a pull request number or URL) becomes the one thing a review reads. The CLI, the TUI and the eval runner all
come through here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import AssistantError, InputError
from assistant.inputs.diff import PullRequest

if TYPE_CHECKING:
    from assistant.inputs.github import GitHub

MAX_PATCH_BYTES = 20_000_000


@dataclass
class Proposal:
    text: str
    ref: str


@dataclass
class Change:
    """A change to review: the pull request, the checkout read for context, and where it came from (GitHub, for
    posting a comment back)."""

    pr: PullRequest
    repo: Path | None = None
    github: GitHub | None = None
    number: int = 0


Subject = Proposal | Change


def resolve(
    *,
    proposal: str | None = None,
    diff: str | None = None,
    git: str | None = None,
    pr: str | None = None,
    repo: Path | None = None,
    github: str | None = None,
    max_input_bytes: int = 200_000,
) -> Subject:
    """Exactly one of proposal, diff, git or pr; `repo` is the operator's checkout, read for context."""
    given = [x for x in (proposal, diff, git, pr) if x is not None]
    if len(given) != 1:
        raise AssistantError(
            "give exactly one of: a PR number, --proposal, --diff or --git",
            "e.g. `assistant review --proposal plan.md` or `assistant review 123`",
        )
    if proposal is not None:
        from assistant.inputs.proposal import read_proposal

        text, ref = read_proposal(proposal, max_input_bytes)
        return Proposal(text, ref)
    if diff is not None:
        return Change(patch_file(diff, repo), repo)
    if git is not None:
        from assistant.inputs.diff import read_git_range

        return Change(read_git_range(git, repo or Path.cwd()), repo)
    assert pr is not None
    return pull_request(pr, repo, github)


def pull_request_or_patch(ref: str, repo: Path | None) -> Change:
    """The TUI's `/pr` argument: a patch file when one exists at that path, else a PR number or URL."""
    if Path(ref).is_file():
        return Change(patch_file(ref, repo), repo)
    return pull_request(ref, repo, None)


def pull_request(ref: str, repo: Path | None, github: str | None) -> Change:
    from assistant.inputs.github import GitHub, parse_pr_ref, repo_from_git

    owner_name, number = parse_pr_ref(ref)
    gh = GitHub(github or owner_name or repo_from_git(repo or Path.cwd()))  # the checkout named by --repo first
    return Change(gh.pull_request(number, repo), repo, gh, number)


def patch_file(source: str, repo: Path | None) -> PullRequest:
    """A unified diff or git format-patch from a file or `-` (stdin); Latin-1 when it is not UTF-8."""
    from assistant.inputs.diff import parse_diff
    from assistant.inputs.proposal import read_stdin

    if source == "-":
        raw = read_stdin(MAX_PATCH_BYTES, "the diff", "review the PR by number, or a range with --git")
    else:
        path = Path(source)
        if not path.is_file():
            raise InputError(f"file not found: {source}")
        if path.stat().st_size > MAX_PATCH_BYTES:
            raise InputError(f"{source} is over {MAX_PATCH_BYTES // 1_000_000} MB: too large to review")
        raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return parse_diff(text, source if source != "-" else "stdin", repo)
