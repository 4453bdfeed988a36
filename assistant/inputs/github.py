"""The GitHub REST API for `assistant review 123`: the PR, its diff, and one comment kept up to date."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from assistant.errors import AssistantError, InputError
from assistant.inputs.diff import PullRequest, parse_diff

# The hidden line that finds this tool's own comment on a PR again (one comment per PR, updated on each push)
COMMENT_MARKER = "<!-- review-assistant -->"

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


RETRY_DELAYS: tuple[float, ...] = (1.0, 3.0)  # seconds before the 2nd and 3rd try of a read GitHub answered 5xx
MAX_PAGES = 100  # 100 pages of 100: GitHub itself lists at most 3,000 files of a PR
REVIEWABLE = re.compile(r"\.(?:ya?ml|json|tf|hcl|md)$")


def _when(epoch: str | None) -> str:
    """`14:05 UTC (in 12 min)` for an X-RateLimit-Reset epoch, or '' when there is none."""
    try:
        reset = datetime.fromtimestamp(int(epoch or ""), UTC)
    except (ValueError, OverflowError, OSError):
        return ""
    minutes = max(0, round((reset - datetime.now(UTC)).total_seconds() / 60))
    return f"{reset:%H:%M} UTC (in {minutes} min)"


class GitHub:
    def __init__(self, repo: str, client: httpx.Client | None = None) -> None:
        self.repo = repo
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        tok = token()
        if tok:
            headers["Authorization"] = f"Bearer {tok}"
        self.authenticated = bool(tok) or (client is not None and "authorization" in client.headers)
        self.client = client or httpx.Client(base_url=API, headers=headers, timeout=30.0)

    def _error(self, r: httpx.Response, what: str) -> AssistantError:
        """One clear line for a GitHub error answer, JSON or not."""
        try:
            body = r.json()
            detail = str(body.get("message", "")) if isinstance(body, dict) else ""
        except ValueError:  # an HTML error page, a proxy's text, an empty body
            text = " ".join(r.text.split())[:160]
            detail = f"(not a JSON answer: {text!r})" if text else "(empty answer)"
        limited = r.status_code == 429 or (
            r.status_code == 403
            and (
                r.headers.get("x-ratelimit-remaining") == "0"
                or "rate limit" in detail.lower()
                or "retry-after" in r.headers
            )
        )
        if limited:
            when = _when(r.headers.get("x-ratelimit-reset"))
            retry = r.headers.get("retry-after")
            resets = f"; it resets at {when}" if when else f"; retry after {retry} s" if retry else ""
            hint = None if self.authenticated else "set GITHUB_TOKEN (or `gh auth login`) for a higher limit"
            return AssistantError(f"GitHub rate limit reached ({r.status_code}) for {what}{resets}", hint)
        if r.status_code in (401, 403, 404):
            hint = (
                "the token in GITHUB_TOKEN (or gh) may lack access to this repo, or the PR does not exist"
                if self.authenticated
                else "set GITHUB_TOKEN (or log in with `gh auth login`)"
            )
        else:
            hint = None
        return AssistantError(f"GitHub {r.status_code} for {what}: {detail}".rstrip(": "), hint)

    def _send(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        """One request; a 5xx answer to a read is retried with backoff (RETRY_DELAYS), a write is not repeated."""
        delays = RETRY_DELAYS if method == "GET" else ()
        for delay in (*delays, None):
            try:
                r = self.client.request(method, path, **kwargs)  # type: ignore[arg-type]
            except httpx.HTTPError as exc:
                raise AssistantError(f"GitHub unreachable: {exc.__class__.__name__}: {exc}") from None
            if r.status_code < 500 or delay is None:
                return r
            time.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns on its last try

    def _get(self, path: str, accept: str | None = None) -> httpx.Response:
        r = self._send("GET", path, headers={"Accept": accept} if accept else None)
        if r.status_code >= 400:
            raise self._error(r, path)
        return r

    @staticmethod
    def _json(r: httpx.Response, path: str) -> Any:
        try:
            return r.json()
        except ValueError:
            raise AssistantError(f"GitHub answered {path} with a body that is not JSON") from None

    def _get_all(self, path: str) -> list[Any]:
        """Every page of a list endpoint, following the Link header's rel="next"."""
        items: list[Any] = []
        url: str | None = path
        for _ in range(MAX_PAGES):
            if url is None:
                break
            r = self._get(url)
            page = self._json(r, path)
            if not isinstance(page, list):
                raise AssistantError(f"GitHub answered {path} with something other than a list")
            items.extend(page)
            url = r.links.get("next", {}).get("url")
            if url is not None and not self._same_host(url):
                raise AssistantError(
                    f"GitHub's next page for {path} is on another host ({httpx.URL(url).host}): not followed, the"
                    " token goes to the configured API host only"
                )
        return items

    def _same_host(self, url: str) -> bool:
        """A relative URL, or an absolute one on the API's own scheme, host and port."""
        target, base = httpx.URL(url), self.client.base_url
        return not target.is_absolute_url or (target.scheme, target.host, target.port) == (
            base.scheme,
            base.host,
            base.port,
        )

    def login(self) -> str | None:
        """The login of the token's user (GET /user), or None when there is no user to ask about."""
        r = self._send("GET", "/user")
        if r.status_code >= 400:
            return None
        body = self._json(r, "/user")
        return str(body.get("login")) if isinstance(body, dict) and body.get("login") else None

    def pull_request(self, number: int, local_repo: Path | None) -> PullRequest:
        path = f"/repos/{self.repo}/pulls/{number}"
        meta = self._json(self._get(path), path)
        title, body = str(meta.get("title", "")), str(meta.get("body") or "")
        r = self._send("GET", path, headers={"Accept": "application/vnd.github.v3.diff"})
        if r.status_code in (406, 422):  # over 300 files or 20,000 lines: GitHub refuses the diff
            return self._from_files(number, local_repo, title, body)
        if r.status_code >= 400:
            raise self._error(r, path)
        return parse_diff(r.text, f"{self.repo}#{number}", local_repo, title, body)

    def _from_files(self, number: int, local_repo: Path | None, title: str, body: str) -> PullRequest:
        """A PR too large for the diff endpoint, rebuilt from the files API's per-file patches; a file with
        no patch (binary, or too large for GitHub) is named: as not reviewed when it is a manifest or doc."""
        files = self._get_all(f"/repos/{self.repo}/pulls/{number}/files?per_page=100")
        parts: list[str] = []
        missing: list[str] = []
        for f in files:
            name, old = str(f.get("filename", "")), str(f.get("previous_filename") or f.get("filename", ""))
            patch, status = f.get("patch"), f.get("status")
            if not patch:
                missing.append(name)
                continue
            head = f"diff --git a/{old} b/{name}\n"
            if status == "added":
                head += f"new file mode 100644\n--- /dev/null\n+++ b/{name}\n"
            elif status == "removed":
                head += f"deleted file mode 100644\n--- a/{name}\n+++ /dev/null\n"
            else:
                head += f"--- a/{old}\n+++ b/{name}\n"
            parts.append(head + str(patch).rstrip("\n") + "\n")
        if not parts and not missing:
            raise InputError(f"{self.repo}#{number}: GitHub lists no changed files")
        pr = (
            parse_diff("".join(parts), f"{self.repo}#{number}", local_repo, title, body)
            if parts
            else PullRequest(title=title, body=body, ref=f"{self.repo}#{number}", files=[])
        )
        for name in missing:
            if REVIEWABLE.search(name):
                pr.unreviewed[name] = "GitHub gave no patch for it"
            else:
                pr.skipped["no patch from GitHub (binary or too large)"] += 1
        return pr

    def upsert_comment(self, number: int, body: str) -> str:
        """Create the review comment, or update the one carrying the marker that this same user wrote: one
        comment per PR, not per push, and never someone else's comment."""
        body = body if body.startswith(COMMENT_MARKER) else f"{COMMENT_MARKER}\n{body}"
        comments = self._get_all(f"/repos/{self.repo}/issues/{number}/comments?per_page=100")
        me = self.login()
        mine = next(
            (
                c
                for c in comments
                if isinstance(c, dict)
                and COMMENT_MARKER in (c.get("body") or "")
                and me is not None
                and (c.get("user") or {}).get("login") == me
            ),
            None,
        )
        if mine:
            r = self._send("PATCH", f"/repos/{self.repo}/issues/comments/{mine['id']}", json={"body": body})
        else:
            r = self._send("POST", f"/repos/{self.repo}/issues/{number}/comments", json={"body": body})
        if r.status_code >= 400:
            error = self._error(r, "posting the comment")
            raise AssistantError(error.message, error.hint or "the token needs pull-requests: write")
        answer = self._json(r, "the comment")
        return str(answer.get("html_url", "")) if isinstance(answer, dict) else ""
