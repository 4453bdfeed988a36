"""The GitHub Action (action.yml): its shell steps run here, in order, as the runner would run them, against a real
git repo made in a temp dir and a real local HTTP listener standing in for the GitHub API. The `uses:` steps
(setup-python, cache, SARIF upload) are GitHub's own and are not run; what they consume (review.sarif) is checked."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.inputs.github import COMMENT_MARKER
from tests.conftest import EXAMPLE_REPO, PROJECT

BIN = PROJECT / ".venv" / "bin"
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


class FakeGitHub:
    """Serves one pull request (its JSON and its diff) and records the comments posted to it."""

    def __init__(self, diff: str) -> None:
        self.diff = diff
        self.posted: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: Any, content_type: str = "application/json") -> None:
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/repos/o/r/pulls/5" and "diff" in (self.headers.get("Accept") or ""):
                    self._answer(200, fake.diff, "text/plain")
                elif self.path == "/repos/o/r/pulls/5":
                    self._answer(200, {"number": 5, "title": "Add Uptime Kuma", "body": "monitoring"})
                elif self.path.startswith("/repos/o/r/issues/5/comments"):
                    self._answer(200, [])
                elif self.path == "/user":
                    self._answer(200, {"login": "review-bot"})
                else:
                    self._answer(404, {"message": "Not Found"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                fake.posted.append({"path": self.path, "body": body.get("body", "")})
                self._answer(201, {"html_url": "https://github.test/o/r/pull/5#issuecomment-1"})

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub((PROJECT / "examples" / "prs" / "0002-add-uptime-kuma.patch").read_text())
    yield fake
    fake.server.shutdown()


def _checkout(tmp_path: Path) -> Path:
    """The homelab repo as the runner checks it out: a git work tree whose origin is on GitHub."""
    repo = tmp_path / "homelab"
    shutil.copytree(EXAMPLE_REPO, repo)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "base"],
                 ["remote", "add", "origin", "https://github.com/o/r.git"]):  # fmt: skip
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(repo), *args],
                       check=True, capture_output=True)  # fmt: skip
    return repo


def run_action(repo: Path, github: FakeGitHub, inputs: dict[str, str]) -> tuple[int, dict[str, dict[str, str]], str]:
    """Each `run:` step of action.yml in bash, with its expressions filled as the runner fills them; the exit code of
    the first failing step (0 when all pass), each step's outputs, and the steps' log."""
    action = yaml.safe_load((PROJECT / "action.yml").read_text())
    values = {f"inputs.{k}": str(v.get("default", "")) for k, v in action["inputs"].items()}
    values |= {f"inputs.{k}": v for k, v in inputs.items()}
    values |= {"github.action_path": str(PROJECT), "github.token": "ghp_set_for_the_action_test"}
    outputs: dict[str, dict[str, str]] = {}
    log = ""

    def fill(text: str) -> str:
        def one(m: re.Match[str]) -> str:
            expr = m.group(1)
            if expr.startswith("steps."):
                _, step, _, key = expr.split(".")
                return outputs.get(step, {}).get(key, "")
            return values[expr]

        return EXPRESSION.sub(one, str(text))

    for step in action["runs"]["steps"]:
        if "run" not in step:
            known = {"actions/setup-python", "actions/cache", "github/codeql-action/upload-sarif"}
            assert step["uses"].split("@")[0] in known
            continue
        out_file = repo.parent / f"output-{step.get('id', 'step')}"
        out_file.write_text("")
        env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "GITHUB_OUTPUT": str(out_file),
               "GITHUB_API_URL": github.url, "ASSISTANT_LLM": "off"}  # fmt: skip
        env.pop("OPENAI_API_KEY", None)
        env |= {k: fill(v) for k, v in (step.get("env") or {}).items()}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", fill(step["run"])],
                              cwd=repo.parent, env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
        log += f"== {step.get('name')}\n{done.stdout}{done.stderr}"
        if "id" in step:
            outputs[step["id"]] = dict(line.split("=", 1) for line in out_file.read_text().splitlines() if "=" in line)
        if done.returncode != 0:
            return done.returncode, outputs, log
    return 0, outputs, log


def test_the_action_reviews_posts_uploads_and_gates(tmp_path: Path, github: FakeGitHub) -> None:
    repo = _checkout(tmp_path)
    inputs = {"repo-path": str(repo), "pull-request": "5", "fail-on": "reject"}
    rc, outputs, log = run_action(repo, github, inputs)
    # the flawed PR (a plain Secret in git, SQLite on an emptyDir, latest): the gate fails the job, after the rest
    assert rc == 1 and outputs["review"]["rc"] == "1", log
    assert "::error::the review's verdict is reject or worse" in log
    assert outputs["key"]["key"].startswith("assistant-index-")  # the cache key, from the repo's content
    assert (repo / ".assistant" / "chroma").is_dir()  # the index the cache step saves
    [comment] = github.posted
    assert comment["path"] == "/repos/o/r/issues/5/comments" and COMMENT_MARKER in comment["body"]
    assert "secret-in-git" in comment["body"]
    sarif = json.loads((repo.parent / "review.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    # with the comment switched off nothing is posted, and the gate still fails the job
    rc, outputs, log = run_action(repo, github, {**inputs, "post": "false"})
    assert rc == 1 and len(github.posted) == 1
