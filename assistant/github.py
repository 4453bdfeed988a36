"""The GitHub REST API for `assistant review 123`: the PR, its diff, and one comment kept up to date."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx

from assistant.errors import AssistantError, InputError
from assistant.inputs.diff import PullRequest, parse_diff
from assistant.render.markdown import COMMENT_MARKER

API = os.environ.get("GITHUB_API_URL", "https://api.github.com")


def parse_pr_ref(ref: str) -> tuple[str | None, int]:
    """`123`, `#123` or a PR URL → (owner/name or None, number)."""
    m = re.fullmatch(r"#?(\d+)", ref.strip())
    if m:
        return None, int(m.group(1))
    m = re.search(r"github\.com/([^/]+/[^/]+)/pull/(\d+)", ref)
    if m:
        return m.group(1), int(m.group(2))
    raise InputError(f"not a pull request reference: {ref!r} (use 123, #123 or the PR's URL)")


def repo_from_git(cwd: Path) -> str:
    try:
        url = subprocess.run(
            ["git", "-C", str(cwd), "remote", "get-url", "origin"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        raise InputError("cannot tell the GitHub repo: no `origin` remote here", "pass --github owner/name") from None
    m = re.search(r"github\.com[:/]([^/]+/[^/.]+)", url)
    if not m:
        raise InputError(f"origin is not a GitHub remote: {url}", "pass --github owner/name")
    return m.group(1)


def token() -> str | None:
    if os.environ.get("GITHUB_TOKEN"):
        return os.environ["GITHUB_TOKEN"]
    if shutil.which("gh"):
        out = subprocess.run(["gh", "auth", "token"], capture_output=True, text=True)
        return out.stdout.strip() or None
    return None


class GitHub:
    def __init__(self, repo: str, client: httpx.Client | None = None) -> None:
        self.repo = repo
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        if tok := token():
            headers["Authorization"] = f"Bearer {tok}"
        self.client = client or httpx.Client(base_url=API, headers=headers, timeout=30.0)

    def _get(self, path: str, accept: str | None = None) -> httpx.Response:
        try:
            r = self.client.get(path, headers={"Accept": accept} if accept else None)
        except httpx.HTTPError as exc:
            raise AssistantError(f"GitHub unreachable: {exc.__class__.__name__}: {exc}") from None
        if r.status_code >= 400:
            detail = r.json().get("message", "") if "json" in r.headers.get("content-type", "") else r.text[:200]
            hint = "set GITHUB_TOKEN (or log in with `gh auth login`)" if r.status_code in (401, 403, 404) else None
            raise AssistantError(f"GitHub {r.status_code} for {path}: {detail}", hint)
        return r

    def pull_request(self, number: int, local_repo: Path | None) -> PullRequest:
        meta = self._get(f"/repos/{self.repo}/pulls/{number}").json()
        diff = self._get(f"/repos/{self.repo}/pulls/{number}", accept="application/vnd.github.v3.diff").text
        return parse_diff(diff, f"{self.repo}#{number}", local_repo, meta.get("title", ""), meta.get("body") or "")

    def upsert_comment(self, number: int, body: str) -> str:
        """Create the review comment, or update the one carrying the marker: one comment per PR, not per push."""
        comments = self._get(f"/repos/{self.repo}/issues/{number}/comments?per_page=100").json()
        mine = next((c for c in comments if COMMENT_MARKER in (c.get("body") or "")), None)
        try:
            if mine:
                r = self.client.patch(f"/repos/{self.repo}/issues/comments/{mine['id']}", json={"body": body})
            else:
                r = self.client.post(f"/repos/{self.repo}/issues/{number}/comments", json={"body": body})
        except httpx.HTTPError as exc:
            raise AssistantError(f"GitHub unreachable: {exc}") from None
        if r.status_code >= 400:
            raise AssistantError(
                f"GitHub {r.status_code} posting the comment: {r.text[:200]}", "the token needs pull-requests: write"
            )
        return str(r.json().get("html_url", ""))
