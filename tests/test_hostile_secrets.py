"""Hostile battery, secrets and a silent model (#13): planted secrets never leave the process, and an LLM that never
answers costs the configured timeout with progress on screen.

A real local HTTP listener (http.server on 127.0.0.1, in a thread) speaks enough of the OpenAI chat completions API
to be the LLM endpoint; the real CLI runs in a subprocess against it. The listener answers with a reply recorded
from the real local server (tests/cassettes), never a written one. Secrets are planted in a proposal (its title line
too), a diff, a repo file that is indexed and retrieved, and a question; then no planted secret may appear in any
request body the listener received, in stdout or stderr, in a history file (mode 0600) or in a recorded cassette."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tests.secret_samples import AWS_KEY, GITHUB, PEM_BODY2, PEM_NO_END, SLACK_HOOK_PATH, SLACK_WEBHOOK, STRIPE

CASSETTES = Path(__file__).parent / "cassettes"
SECRETS = {
    "proposal title": "Xq7vLp2mWn",
    "smtp-pass": "mailpass-8841",
    "values password": "V4lues-Pass-31",
    "prose password": "Sup3r-Secret!",
    "slack webhook": SLACK_HOOK_PATH,
    "pem without end": PEM_BODY2,
    "dockerconfigjson": "eyJhdXRocyI6eyJnaGNyLmlvIjp7ImF1dGgiOiJjbTlpYjNRNlJHc3pURzA1",
    "diff password": "Diff-Pa55word-77",
    "diff stripe": STRIPE,
    "repo postgres": "Pg-Sup3rS3cret-2024",
    "repo aws": AWS_KEY,
    "repo prose": "hunter2secret",
    "question token": GITHUB,
}

PROPOSAL = f"""# Plan: Redis for Authentik with DB_PASS: {SECRETS["proposal title"]} and more

Deploy Bitnami Redis as Authentik's cache, one replica; monitoring can come later.
smtp-pass: {SECRETS["smtp-pass"]}
The Redis password: {SECRETS["values password"]} goes in the values.
The admin password is {SECRETS["prose password"]} until we rotate it.
Alerts go to {SLACK_WEBHOOK}
Here is the deploy key:
{PEM_NO_END}
And the pull secret:
  .dockerconfigjson: {SECRETS["dockerconfigjson"]}
"""

DIFF = f"""diff --git a/kubernetes/apps/cache/redis.yaml b/kubernetes/apps/cache/redis.yaml
new file mode 100644
--- /dev/null
+++ b/kubernetes/apps/cache/redis.yaml
@@ -0,0 +1,22 @@
+apiVersion: apps/v1
+kind: Deployment
+metadata:
+  name: redis
+  namespace: cache
+spec:
+  replicas: 1
+  template:
+    spec:
+      containers:
+        - name: redis
+          image: redis:latest
+          env:
+            - name: REDIS_PASSWORD
+              value: {SECRETS["diff password"]}
+            - name: STRIPE_KEY
+              value: {SECRETS["diff stripe"]}
+---
+apiVersion: v1
+kind: Secret
+metadata: {{name: redis}}
+stringData: {{password: {SECRETS["diff password"]}}}
"""

REPO_DOC = f"""# Database

The shared PostgreSQL cluster serves every app. The database admin password is {SECRETS["repo prose"]} for now.

```yaml
env:
  POSTGRES_PASSWORD: {SECRETS["repo postgres"]}
  AWS_ACCESS_KEY_ID: {SECRETS["repo aws"]}
```

Backups go to S3 every night.
"""

QUESTION = f"How is the database password configured for PostgreSQL? My token is {GITHUB}"


def recorded_reply(name: str) -> bytes:
    """The response body a real server sent, from a recorded cassette (tests/cassettes)."""
    data = yaml.safe_load((CASSETTES / f"{name}.yaml").read_text(encoding="utf-8"))
    body = data["interactions"][0]["response"]["body"]["string"]
    return body.encode() if isinstance(body, str) else bytes(body)


@dataclass
class Listener:
    url: str
    bodies: list[str] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)
    hang: threading.Event = field(default_factory=threading.Event)  # set: never answer a completion
    release: threading.Event = field(default_factory=threading.Event)
    reply: bytes = b""


@pytest.fixture
def listener() -> Iterator[Listener]:
    state = Listener(url="")
    state.reply = recorded_reply("ask-new-database")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._send(json.dumps({"object": "list", "data": [{"id": "smollm2", "object": "model"}]}).encode())

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            state.bodies.append(self.rfile.read(length).decode("utf-8", "replace"))
            state.arrivals.append(time.monotonic())
            if state.hang.is_set():
                state.release.wait(120)  # a model that never answers
                return
            self._send(state.reply)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float


def cli(args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None) -> Run:
    started = time.monotonic()
    p = subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        input=stdin,
        timeout=300,
    )
    return Run(p.returncode, p.stdout, p.stderr, time.monotonic() - started)


def leaked(text: str) -> list[str]:
    return [name for name, secret in SECRETS.items() if secret in text]


@pytest.fixture(scope="module")
def planted_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A repo whose doc holds secrets, indexed through the real CLI."""
    root = tmp_path_factory.mktemp("hostile-secrets")
    repo = root / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "database.md").write_text(REPO_DOC, encoding="utf-8")
    (repo / "kubernetes" / "apps" / "cache").mkdir(parents=True)
    (repo / "kubernetes" / "apps" / "cache" / "kustomization.yaml").write_text("resources: []\n", encoding="utf-8")
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(root / "index"), "ASSISTANT_LLM": "off"}
    run = cli(["index", "--repo", str(repo)], env, root)
    assert run.code == 0, run.stderr
    return repo, root / "index"


def llm_env(listener: Listener, index: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ASSISTANT_"))}
    env.update(
        {
            "ASSISTANT_INDEX_DIR": str(index),
            "ASSISTANT_HISTORY_DIR": os.environ.get("ASSISTANT_HISTORY_DIR", str(index.parent / "history")),
            "OPENAI_BASE_URL": listener.url,
            "OPENAI_API_KEY": "listener",
            "ASSISTANT_MODEL": "smollm2",
            "ASSISTANT_MAX_RETRIES": "0",
            "ASSISTANT_TIMEOUT": "60",
            "COLUMNS": "200",
            **extra,
        }
    )
    return env


def test_no_planted_secret_leaves_through_requests_or_output(
    listener: Listener, planted_repo: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, index = planted_repo
    env = llm_env(listener, index, ASSISTANT_REPO=str(repo))
    proposal = tmp_path / "plan.md"
    proposal.write_text(PROPOSAL, encoding="utf-8")
    patch = tmp_path / "change.patch"
    patch.write_text(DIFF, encoding="utf-8")
    runs = {
        "proposal json": cli(["review", "--proposal", str(proposal), "-f", "json"], env, tmp_path),
        "proposal text": cli(["review", "--proposal", str(proposal), "-f", "text"], env, tmp_path),
        "proposal markdown": cli(["review", "--proposal", "-", "-f", "markdown"], env, tmp_path, stdin=PROPOSAL),
        "diff sarif": cli(["review", "--diff", str(patch), "--repo", str(repo), "-f", "sarif"], env, tmp_path),
        "diff json": cli(["review", "--diff", str(patch), "--repo", str(repo), "-f", "json"], env, tmp_path),
        "ask": cli(["ask", QUESTION], env, tmp_path),
        "ask json": cli(["ask", QUESTION, "-f", "json"], env, tmp_path),
        "search": cli(["search", "database admin password POSTGRES_PASSWORD", "-f", "json"], env, tmp_path),
    }
    for name, run in runs.items():
        assert run.code == 0, f"{name}: {run.stderr}"
        assert "Traceback" not in run.stderr and "unexpected" not in run.stderr, name
        assert leaked(run.stdout) == [] and leaked(run.stderr) == [], name
    # the model was asked, and what it was sent held the planted material's places, not the secrets
    assert len(listener.bodies) >= 6
    joined = "\n".join(listener.bodies)
    assert leaked(joined) == []
    assert "[REDACTED:" in joined and "DB_PASS: [REDACTED:value]" in joined and "smtp-pass: [REDACTED:value]" in joined
    # the repo doc was retrieved and sent as a source (redacted), so the boundary was really crossed
    assert "POSTGRES_PASSWORD: [REDACTED:value]" in joined
    assert "docs/database.md" in runs["search"].stdout and "[REDACTED:" in runs["search"].stdout
    # the title line is the subject in every format, redacted
    verdict = json.loads(runs["proposal json"].stdout)
    assert verdict["subject"]["title"].startswith("Plan: Redis for Authentik with DB_PASS: [REDACTED:value]")
    assert any(f["category"] == "secret-in-git" for f in verdict["findings"])  # the secret is still found


def test_history_files_are_redacted_and_owner_only(tmp_path: Path) -> None:
    from tui.conversation import Conversation
    from tui.history import HistoryStore

    store = HistoryStore(tmp_path / "conversations")
    conversation = Conversation()
    conversation.submit(PROPOSAL)
    conversation.submit(f"the token is {GITHUB} and REDIS_PASSWORD={SECRETS['diff password']}")
    path = store.save(conversation)
    text = path.read_text(encoding="utf-8")
    assert leaked(text) == [] and "[REDACTED:" in text
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    assert store.load(conversation.id).proposal.startswith("# Plan: Redis for Authentik")
    path.chmod(0o644)
    assert store.save(conversation).stat().st_mode & 0o777 == 0o600  # a resave narrows a widened file


def test_a_recorded_cassette_holds_no_secret(listener: Listener, tmp_path: Path) -> None:
    """The recorder's own boundary: a body that bypassed prompt rendering, and a reply that echoes it, are saved
    redacted (the listener echoes here, to play a model that repeats its prompt)."""
    import httpx

    from assistant.evaluation.cassettes import recorder

    sent = json.dumps({"model": "smollm2", "messages": [{"role": "user", "content": PROPOSAL}]})
    listener.reply = sent.encode()
    with recorder(tmp_path, record=True).use_cassette("echo.yaml"):
        r = httpx.post(f"{listener.url}/chat/completions", content=sent, headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and SECRETS["smtp-pass"] in listener.bodies[-1]  # it did leave (to our listener)
    saved = (tmp_path / "echo.yaml").read_text(encoding="utf-8")
    assert leaked(saved) == [] and "[REDACTED:" in saved
    for cassette in sorted(CASSETTES.glob("*.yaml")):  # and none of the project's recordings holds one
        assert leaked(cassette.read_text(encoding="utf-8")) == [], cassette.name


def test_a_model_that_never_answers_costs_the_timeout_with_progress(
    listener: Listener, planted_repo: tuple[Path, Path], tmp_path: Path
) -> None:
    _, index = planted_repo
    listener.hang.set()
    timeout = 6
    env = llm_env(listener, index, ASSISTANT_TIMEOUT=str(timeout), ASSISTANT_MAX_RETRIES="1")
    run = cli(["review", "--proposal", "-", "-f", "json"], env, tmp_path, stdin=PROPOSAL)
    assert run.code == 0, run.stderr
    assert "reviewing with smollm2" in run.stderr and f"up to {timeout}s" in run.stderr  # progress, on stderr
    assert "this review is the offline one" in run.stderr
    verdict = json.loads(run.stdout)  # stdout is the verdict alone
    assert verdict["engine"]["mode"] == "offline" and "Timeout" in verdict["engine"]["fallback_reason"]
    assert len(listener.arrivals) == 2  # one try and one retry, sharing the budget
    waited = time.monotonic() - listener.arrivals[0]  # from the first request to the verdict on stdout
    assert timeout * 0.9 <= waited < timeout + 8, waited
