"""Hostile but fair input (#13): each case runs the real `assistant` command and expects a verdict, a gate
exit code or one clear error line; never a hang, a traceback, an "unexpected" exit, a gate bypass or a read
outside the repo. Most cases run the CLI's own `main()` in-process (the same argv parsing, error handling and
exit codes as the console script); the ones about processes (memory, a closed stdin, files git might write)
run the console script in a subprocess. GitHub cases use httpx.MockTransport or a real local HTTP listener."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from assistant.errors import AssistantError
from assistant.inputs.github import COMMENT_MARKER, GitHub
from tests.conftest import PROJECT

BIN = Path(sys.executable).parent / "assistant"
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: cache
  namespace: cache
spec:
  template:
    spec:
      containers:
        - name: redis
          image: redis:latest
          volumeMounts:
            - name: data
              mountPath: /data
      volumes:
        - name: data
          hostPath:
            path: /srv/redis
"""

# 438 bytes: nine levels of nine aliases stand for 9^9 (387 million) strings
BOMB = """apiVersion: v1
kind: ConfigMap
metadata:
  name: lol
  namespace: cache
data:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@dataclass
class Result:
    rc: int
    out: str
    err: str

    @property
    def flat_err(self) -> str:
        return " ".join(self.err.split())


def clean(res: Result) -> None:
    """No traceback and no "unexpected" exit, whatever the outcome."""
    both = res.out + res.err
    assert "Traceback" not in both and "unexpected" not in both, both[-2000:]
    assert res.rc != 3


def one_error(res: Result, *phrases: str) -> None:
    """Exit 2 with one `error:` line that says what happened."""
    clean(res)
    assert res.rc == 2, (res.rc, res.err)
    lines = [ln for ln in res.err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, res.err
    for phrase in phrases:
        assert phrase in lines[0], (phrase, lines[0])


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """The CLI's main() in-process: argv in, exit code and both streams out; offline, with its own index dir."""
    from assistant.cli import main

    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSISTANT_LLM", "off")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> Result:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["assistant", *args])
        with pytest.raises(SystemExit) as exc:
            main()
        captured = capsys.readouterr()
        code = exc.value.code
        return Result(code if isinstance(code, int) else 0, captured.out, captured.err)

    return run


def run_bin(args: list[str], tmp_path: Path, shell_suffix: str = "", cwd: Path = PROJECT) -> Result:
    """The console script in a subprocess (with a shell when a redirection like `<&-` is needed)."""
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(tmp_path / "index"), "ASSISTANT_LLM": "off", "COLUMNS": "200"}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    if shell_suffix:
        import shlex

        cmd = " ".join(shlex.quote(a) for a in [str(BIN), *args]) + " " + shell_suffix
        proc = subprocess.run(["sh", "-c", cmd], capture_output=True, env=env, cwd=cwd, timeout=300)
    else:
        proc = subprocess.run([str(BIN), *args], capture_output=True, env=env, cwd=cwd, timeout=300)
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def git(repo: Path, *args: str) -> str:
    return subprocess.run([*GIT, "-C", str(repo), *args], capture_output=True, check=True).stdout.decode()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repo with one commit (a README), so BASE..HEAD ranges exist."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "README.md").write_text("# homelab\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "init")
    return root


def commit(repo: Path, files: dict[str, str | bytes], message: str = "change") -> None:
    for name, content in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def new_file_diff(path: str, text: str) -> str:
    lines = text.split("\n")
    body = "".join(f"+{line}\n" for line in lines)
    head = f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
    return f"{head}@@ -0,0 +1,{len(lines)} @@\n{body}"


# ---------------------------------------------------------------- 1. safe YAML


MEASURE = """
import json, resource, sys, time
from pathlib import Path
from assistant.errors import InputError
from assistant.inputs.diff import parse_diff
from assistant.checks.manifests import build_context
text = Path(sys.argv[1]).read_text()
start = time.perf_counter()
try:
    build_context(parse_diff(text, "bomb"), None)
    outcome = "parsed"
except InputError as exc:
    outcome = exc.message
seconds = time.perf_counter() - start
# VmHWM is this process's own peak; ru_maxrss of a direct child of pytest would carry pytest's over exec
status = Path("/proc/self/status")
hwm = [ln.split()[1] for ln in status.read_text().splitlines() if ln.startswith("VmHWM")] if status.exists() else []
mb = int(hwm[0]) / 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "outcome": outcome, "mb": mb}))
"""

# a wrapper process runs the CLI: the CLI's ru_maxrss (RUSAGE_CHILDREN here) starts from this small process,
# not from pytest's memory, which Linux carries over fork and exec into a direct child's ru_maxrss
CHILD = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, timeout=120)
print(json.dumps({"rc": proc.returncode, "seconds": time.perf_counter() - start, "err": proc.stderr.decode(),
                  "mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def test_yaml_bomb_in_a_diff_is_refused_in_bounded_time_and_memory(tmp_path: Path, repo: Path) -> None:
    patch = tmp_path / "bomb.diff"
    patch.write_text(new_file_diff("kubernetes/apps/lol.yaml", BOMB))
    assert len(BOMB.encode()) <= 440  # the size of the 437-byte bomb
    # the parse step itself, in a fresh process: its own time and peak memory (was 5.9 GB and > 60 s)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(patch)], capture_output=True, cwd=PROJECT, timeout=120, check=True
    )
    step = json.loads(done.stdout)
    assert "YAML bomb" in step["outcome"] and "kubernetes/apps/lol.yaml" in step["outcome"]
    assert step["seconds"] < 2.0 and step["mb"] < 200, step
    # the whole command in a child process: rc 2, one line, and the child's peak RSS (getrusage of children)
    env_args = [
        "env",
        f"ASSISTANT_INDEX_DIR={tmp_path / 'index'}",
        "ASSISTANT_LLM=off",
        "COLUMNS=200",
        str(BIN),
        "review",
        "--diff",
        str(patch),
        "--repo",
        str(repo),
        "--fail-on",
        "reject",
    ]
    whole = json.loads(
        subprocess.run(
            [sys.executable, "-c", CHILD, *env_args], capture_output=True, cwd=PROJECT, timeout=180, check=True
        ).stdout
    )
    res = Result(whole["rc"], "", whole["err"])
    one_error(res, "kubernetes/apps/lol.yaml", "YAML bomb", "refused")
    assert whole["mb"] < 200, whole
    # a generous ceiling against a hang only: the wall time itself is a figure in bench/bench.py ([hostile])
    assert whole["seconds"] < 60, whole
    print(f"\nbomb: parse {step['seconds']:.3f}s {step['mb']:.0f} MB; CLI {whole['seconds']:.1f}s {whole['mb']:.0f} MB")


@pytest.mark.parametrize(
    ("name", "text", "phrase"),
    [
        ("recursive alias", "apiVersion: v1\nkind: ConfigMap\ndata: &a\n  x: *a\n", "recursive YAML alias"),
        ("deep nesting", "apiVersion: v1\nkind: List\nitems: " + "[" * 300 + "]" * 300 + "\n", "nested deeper"),
        (
            "many aliases",
            "a: &a {x: 1}\nb: [" + ", ".join(["*a"] * 12_000) + "]\n",
            "alias references",
        ),
        (
            "merge-key bomb",
            "a: &a {k0: 1, k1: 1, k2: 1, k3: 1, k4: 1, k5: 1, k6: 1, k7: 1, k8: 1, k9: 1}\n"
            + "".join(
                f"{c}: &{c} {{{', '.join(f'x{i}: *{p}' for i in range(10))}}}\n"
                for p, c in zip("abcdefg", "bcdefgh", strict=True)
            ),
            "YAML bomb",
        ),
    ],
)
def test_hostile_yaml_shapes_are_refused_with_one_line(
    cli: Callable[..., Result], tmp_path: Path, repo: Path, name: str, text: str, phrase: str
) -> None:
    patch = tmp_path / "x.diff"
    patch.write_text(new_file_diff("kubernetes/x.yaml", text))
    start = time.perf_counter()
    res = cli("review", "--diff", str(patch), "--repo", str(repo), "--fail-on", "reject")
    one_error(res, "kubernetes/x.yaml", phrase)
    assert time.perf_counter() - start < 30


def test_nesting_past_libyaml_limit_is_malformed_not_a_crash(cli: Callable[..., Result], tmp_path: Path) -> None:
    patch = tmp_path / "deep.diff"
    patch.write_text(new_file_diff("kubernetes/deep.yaml", "[" * 5000 + "]" * 5000))
    res = cli("review", "--diff", str(patch), "--repo", str(tmp_path), "--format", "json")
    clean(res)
    assert res.rc == 0
    assert json.loads(res.out)["pull_request"]["coverage"]["malformed_yaml"] == ["kubernetes/deep.yaml"]


def test_a_bomb_in_the_repo_is_indexed_as_text_and_skipped_as_context(
    cli: Callable[..., Result], tmp_path: Path, repo: Path
) -> None:
    commit(repo, {"kubernetes/apps/lol.yaml": BOMB, "kubernetes/apps/ok.yaml": DEPLOYMENT.replace("cache", "web")})
    start = time.perf_counter()
    indexed = cli("index", "--repo", str(repo))
    clean(indexed)
    assert indexed.rc == 0 and "malformed YAML indexed as text: 1" in indexed.out, indexed.out
    assert time.perf_counter() - start < 120
    # a review whose namespace the bomb names reads it as context: skipped, not expanded
    patch = tmp_path / "cache.diff"
    patch.write_text(new_file_diff("kubernetes/apps/cache.yaml", DEPLOYMENT))
    start = time.perf_counter()
    res = cli("review", "--diff", str(patch), "--repo", str(repo), "--fail-on", "reject")
    clean(res)
    assert res.rc == 1 and "REJECT" in res.out
    assert time.perf_counter() - start < 60


# ---------------------------------------------------------------- 2. the gate fails closed


def test_git_quoted_unicode_path_cannot_bypass_the_gate(cli: Callable[..., Result], tmp_path: Path, repo: Path) -> None:
    commit(repo, {"kubernetes/apps/cachë.yaml": DEPLOYMENT}, "add cache")
    quoted = git(repo, "diff", "HEAD~1..HEAD")  # git's default core.quotepath: "b/kubernetes/apps/cach\303\253.yaml"
    assert '"b/kubernetes/apps/cach\\303\\253.yaml"' in quoted
    patch = tmp_path / "quoted.diff"
    patch.write_text(quoted)
    for args in (["--diff", str(patch)], ["--git", "HEAD~1..HEAD"]):
        res = cli("review", *args, "--repo", str(repo), "--fail-on", "reject", "--format", "json")
        clean(res)
        assert res.rc == 1, (args, res.err)
        data = json.loads(res.out)
        assert data["verdict"] == "reject"
        assert data["pull_request"]["files"] == ["kubernetes/apps/cachë.yaml"]
        assert any(f["location"] and f["location"]["path"] == "kubernetes/apps/cachë.yaml" for f in data["findings"])


def test_padding_past_4000_lines_cannot_bypass_the_gate(cli: Callable[..., Result], tmp_path: Path, repo: Path) -> None:
    padding = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: pad, namespace: cache}\ndata:\n" + "".join(
        f"  k{i}: v{i}\n" for i in range(4100)
    )
    patch = tmp_path / "padded.diff"
    patch.write_text(new_file_diff("kubernetes/apps/cache.yaml", DEPLOYMENT + padding))
    res = cli("review", "--diff", str(patch), "--repo", str(repo), "--fail-on", "reject", "--format", "markdown")
    clean(res)
    assert res.rc == 1 and "REJECT" in res.out
    assert "hostPath" in res.out and "kubernetes/apps/cache.yaml:17" in res.out  # the hostPath key
    assert "skipped: none" in res.out and "not reviewed" not in res.out  # the coverage line is true: all reviewed


def test_a_manifest_too_large_to_parse_is_named_and_fails_the_gate(
    cli: Callable[..., Result], tmp_path: Path, repo: Path
) -> None:
    big = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {" + ", ".join(
        f"k{i}: v{i}" for i in range(90_000)
    )
    big += "}\n"
    assert len(big) > 1_000_000 and big.count("\n") == 4  # a 1 MB single-line manifest
    patch = tmp_path / "big.diff"
    patch.write_text(new_file_diff("kubernetes/big.yaml", big))
    start = time.perf_counter()
    res = cli("review", "--diff", str(patch), "--repo", str(repo), "--fail-on", "reject", "--format", "markdown")
    clean(res)
    assert res.rc == 1 and "REJECT" not in res.out  # not a reject: the gate fails because it could not review
    assert "**not reviewed**: kubernetes/big.yaml" in res.out
    assert "not reviewed: kubernetes/big.yaml" in res.err and "--allow-skipped" in res.err
    allowed = cli("review", "--diff", str(patch), "--repo", str(repo), "--fail-on", "reject", "--allow-skipped")
    clean(allowed)
    assert allowed.rc == 0
    assert time.perf_counter() - start < 60


def test_a_large_file_is_reviewed_in_parts(cli: Callable[..., Result], tmp_path: Path, repo: Path) -> None:
    """A Deployment beside a 600 kB ConfigMap: the Deployment is still reviewed (and rejected); the one
    document too large to parse is named."""
    big = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: big, namespace: cache}\ndata:\n" + "".join(
        f"  key{i}: value{i}\n" for i in range(35_000)
    )
    patch = tmp_path / "parts.diff"
    patch.write_text(new_file_diff("kubernetes/apps/cache.yaml", DEPLOYMENT + big))
    res = cli("review", "--diff", str(patch), "--repo", str(repo), "--format", "json", "--fail-on", "reject")
    clean(res)
    data = json.loads(res.out)
    assert res.rc == 1 and data["verdict"] == "reject"
    assert any((f["location"] or {}).get("line") == 17 for f in data["findings"])  # hostPath: in the Deployment
    assert "line 19" in data["pull_request"]["coverage"]["not_reviewed"]["kubernetes/apps/cache.yaml"]


# ---------------------------------------------------------------- 3. paths that leave the repo


@pytest.mark.parametrize(
    "header",
    [
        "--- a/../outside.yaml\n+++ b/../outside.yaml\n",
        "diff --git a//OUTSIDE b//OUTSIDE\n--- a//OUTSIDE\n+++ b//OUTSIDE\n",
        "--- a/kubernetes/../../outside.yaml\n+++ b/kubernetes/../../outside.yaml\n",
        '--- "a/../[/red]x.yaml"\n+++ "b/../[/red]x.yaml"\n',  # rich markup in a path: printed as text
    ],
)
def test_diff_paths_outside_the_repo_are_refused_unread(
    cli: Callable[..., Result], tmp_path: Path, repo: Path, header: str
) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("password: PLANTED-OUTSIDE-VALUE\n")
    patch = tmp_path / "escape.diff"
    patch.write_text(header.replace("/OUTSIDE", str(outside)) + "@@ -1 +1 @@\n-password: x\n+password: y\n")
    res = cli("review", "--diff", str(patch), "--repo", str(repo))
    one_error(res, "outside the repo", "refused")
    assert "PLANTED-OUTSIDE-VALUE" not in res.out + res.err


def test_a_symlink_out_of_the_repo_is_not_read_for_context(
    cli: Callable[..., Result], tmp_path: Path, repo: Path
) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("kind: Secret\n# PLANTED-SYMLINK-VALUE\n")
    (repo / "kubernetes").mkdir()
    (repo / "kubernetes" / "link.yaml").symlink_to(outside)
    patch = tmp_path / "link.diff"
    patch.write_text(
        "diff --git a/kubernetes/link.yaml b/kubernetes/link.yaml\n--- a/kubernetes/link.yaml\n"
        "+++ b/kubernetes/link.yaml\n@@ -1,2 +1,2 @@\n kind: Secret\n-# old\n+# new\n"
    )
    res = cli("review", "--diff", str(patch), "--repo", str(repo), "--format", "json")
    clean(res)
    assert res.rc == 0 and "PLANTED-SYMLINK-VALUE" not in res.out


# ---------------------------------------------------------------- 4. CLI hygiene


@pytest.mark.parametrize("spec", ["--output={out}", "--output={out}..HEAD", "HEAD~1..--output={out}"])
def test_a_git_range_is_never_an_option(tmp_path: Path, repo: Path, spec: str) -> None:
    commit(repo, {"kubernetes/x.yaml": "kind: ConfigMap\n"})
    written = tmp_path / "written-by-git"
    res = run_bin(["review", "--git", spec.format(out=written), "--repo", str(repo)], tmp_path, cwd=repo)
    one_error(res)
    assert not written.exists()


@pytest.mark.parametrize("k", ["-5", "0", "1000", "many"])
def test_search_k_is_validated(cli: Callable[..., Result], k: str) -> None:
    res = cli("search", "garage", "--k", k)
    clean(res)
    assert res.rc == 2 and "--k" in res.err and "Traceback" not in res.err


@pytest.mark.parametrize(
    "args", [["review", "-p", "x", "--format", "bogus"], ["review", "-p", "x", "--fail-on", "never"], ["nope"]]
)
def test_usage_errors_are_clear(cli: Callable[..., Result], args: list[str]) -> None:
    """typer 0.29 raises its own vendored click's errors: still a usage line and exit 2, not "unexpected"."""
    res = cli(*args)
    clean(res)
    assert res.rc == 2 and "Error:" in res.err


@pytest.mark.parametrize("args", [["review", "--proposal", "-"], ["review", "--diff", "-"], ["ask", "-"]])
def test_a_closed_stdin_is_one_clear_line(tmp_path: Path, args: list[str]) -> None:
    res = run_bin(args, tmp_path, shell_suffix="<&-")
    one_error(res, "stdin is closed")


def test_a_latin1_file_in_a_git_range_is_reviewed(cli: Callable[..., Result], repo: Path) -> None:
    latin1 = ("# café cache, geöffnet\n" + DEPLOYMENT).encode("latin-1")
    commit(repo, {"kubernetes/apps/cache.yaml": latin1})
    res = cli("review", "--git", "HEAD~1..HEAD", "--repo", str(repo), "--fail-on", "reject", "--format", "json")
    clean(res)
    assert res.rc == 1 and json.loads(res.out)["verdict"] == "reject"


def test_a_latin1_diff_file_is_reviewed(cli: Callable[..., Result], tmp_path: Path, repo: Path) -> None:
    patch = tmp_path / "latin1.diff"
    patch.write_bytes(new_file_diff("kubernetes/apps/cache.yaml", "# café\n" + DEPLOYMENT).encode("latin-1"))
    res = cli("review", "--diff", str(patch), "--repo", str(repo), "--fail-on", "reject")
    clean(res)
    assert res.rc == 1


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["review", "--git", "main"], "BASE..HEAD"),
        (["review", "--git", "nope..alsonope"], "git diff"),
        (["review", "--diff", "/nonexistent/x.diff"], "not found"),
        (["review", "--proposal", "/nonexistent/p.md"], "not found"),
        (["review", "--diff", "{tmp}"], "not found"),
    ],
)
def test_bad_arguments_are_one_clear_line(
    cli: Callable[..., Result], tmp_path: Path, repo: Path, args: list[str], phrase: str
) -> None:
    res = cli(*[a.format(tmp=tmp_path) for a in args], "--repo", str(repo))
    one_error(res, phrase)


# ---------------------------------------------------------------- 5. GitHub


def mock_github(handler: Callable[[httpx.Request], httpx.Response]) -> GitHub:
    return GitHub(
        "o/r", client=httpx.Client(base_url="https://api.github.test", transport=httpx.MockTransport(handler))
    )


def test_github_comments_are_paginated_and_only_our_own_is_patched(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append((request.method, str(request.url)))
        if request.url.path == "/user":
            return httpx.Response(200, json={"login": "me"})
        if request.url.path.endswith("/issues/3/comments") and request.method == "GET":
            page = int(request.url.params.get("page", "1"))
            if page == 1:  # someone else quoted our marker; ours is on page 2
                body = [{"id": i, "body": "hi", "user": {"login": "x"}} for i in range(99)]
                body.append({"id": 500, "body": f"quoting {COMMENT_MARKER}", "user": {"login": "mallory"}})
                link = '<https://api.github.test/repos/o/r/issues/3/comments?per_page=100&page=2>; rel="next"'
                return httpx.Response(200, json=body, headers={"Link": link})
            return httpx.Response(200, json=[{"id": 777, "body": f"{COMMENT_MARKER}\nold", "user": {"login": "me"}}])
        return httpx.Response(200, json={"html_url": f"{request.method} {request.url.path}"})

    assert mock_github(handler).upsert_comment(3, f"{COMMENT_MARKER}\nnew") == "PATCH /repos/o/r/issues/comments/777"
    assert not any(method == "PATCH" and "/500" in url for method, url in calls)

    def theirs_only(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/user":
            return httpx.Response(200, json={"login": "me"})
        if request.method == "GET":
            return httpx.Response(200, json=[{"id": 500, "body": COMMENT_MARKER, "user": {"login": "mallory"}}])
        return httpx.Response(201, json={"html_url": f"{request.method} {request.url.path}"})

    assert mock_github(theirs_only).upsert_comment(3, "x") == "POST /repos/o/r/issues/3/comments"


def test_a_pr_over_300_files_falls_back_to_the_files_api() -> None:
    files = [
        {"filename": "kubernetes/apps/cache.yaml", "status": "added", "patch": new_file_diff("x", DEPLOYMENT)[60:]},
        {"filename": "docs/logo.png", "status": "added"},  # binary: GitHub gives no patch
        {"filename": "kubernetes/apps/huge.yaml", "status": "modified"},  # too large for a patch
    ]
    files[0]["patch"] = "@@ -0,0 +1,18 @@\n" + "".join(f"+{line}\n" for line in DEPLOYMENT.splitlines())
    files += [
        {"filename": f"docs/page{i}.md", "status": "modified", "patch": f"@@ -1 +1 @@\n-old {i}\n+new {i}"}
        for i in range(300)
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/repos/o/r/pulls/9" and "diff" in request.headers.get("accept", ""):
            return httpx.Response(406, json={"message": "Sorry, the diff exceeded the maximum number of files (300)."})
        if request.url.path == "/repos/o/r/pulls/9":
            return httpx.Response(200, json={"title": "big PR", "body": "many files"})
        if request.url.path == "/repos/o/r/pulls/9/files":
            page = int(request.url.params.get("page", "1"))
            chunk = files[(page - 1) * 100 : page * 100]
            nxt = f'<https://api.github.test/repos/o/r/pulls/9/files?per_page=100&page={page + 1}>; rel="next"'
            return httpx.Response(200, json=chunk, headers={"Link": nxt} if page * 100 < len(files) else {})
        return httpx.Response(404, json={"message": "Not Found"})

    pr = mock_github(handler).pull_request(9, None)
    assert pr.title == "big PR" and len(pr.files) == 301
    cache = next(f for f in pr.files if f.path == "kubernetes/apps/cache.yaml")
    assert cache.status == "added" and cache.new_text and "hostPath" in cache.new_text
    assert pr.unreviewed == {"kubernetes/apps/huge.yaml": "GitHub gave no patch for it"}
    assert sum(pr.skipped.values()) == 1  # the PNG


def test_github_rate_limit_gives_the_reset_time(monkeypatch: pytest.MonkeyPatch) -> None:
    reset = int(time.time()) + 600

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            403,
            json={"message": "API rate limit exceeded for user ID 1."},
            headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
        )

    monkeypatch.setenv("GITHUB_TOKEN", "ghp_example_token_for_the_test_only")
    with pytest.raises(AssistantError) as caught:
        mock_github(handler).pull_request(1, None)
    expected = time.strftime("%H:%M", time.gmtime(reset))
    assert "rate limit" in caught.value.message and f"resets at {expected} UTC" in caught.value.message
    assert "GITHUB_TOKEN" not in str(caught.value)  # a token is set: do not tell the user to set one

    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setattr("assistant.inputs.github.token", lambda: None)
    with pytest.raises(AssistantError) as caught:
        mock_github(lambda r: httpx.Response(429, text="slow down", headers={"Retry-After": "30"})).pull_request(
            1, None
        )
    assert "retry after 30 s" in caught.value.message and "GITHUB_TOKEN" in (caught.value.hint or "")


@pytest.fixture
def github_listener(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[int, dict[str, str], bytes]]]:
    """A real local HTTP listener as the GitHub API: each request pops the next scripted answer; the last one stays
    (a gateway that is down keeps answering so when the client retries)."""
    answers: list[tuple[int, dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body = (answers.pop(0) if len(answers) > 1 else answers[0]) if answers else (500, {}, b"")
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr("assistant.inputs.github.API", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setattr("assistant.inputs.github.token", lambda: "ghp_set_for_the_test")
    yield answers
    server.shutdown()


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ((502, {"Content-Type": "text/html"}, b"<html><body>Bad gateway</body></html>"), "not a JSON answer"),
        ((200, {"Content-Type": "application/json"}, b"<html>oops</html>"), "not JSON"),
        ((403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "4102444800"}, b"{}"), "resets at 00:00 UTC"),
    ],
)
def test_github_errors_through_the_cli_are_one_line(
    cli: Callable[..., Result], github_listener: list, repo: Path, answer: tuple, phrase: str
) -> None:
    github_listener.append(answer)
    res = cli("review", "5", "--github", "o/r", "--repo", str(repo))
    one_error(res, phrase)
    assert "set GITHUB_TOKEN" not in res.err


# ---------------------------------------------------------------- 6. negation scope


def test_a_plain_secret_in_git_is_flagged_next_to_negated_alternatives(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    """ "no ExternalSecret" negates the alternative, not the claim: the plain Secret in git is still a blocker."""
    plan = tmp_path / "plan.md"
    plan.write_text(
        "Deploy Gitea with its admin password in a plain Secret committed to git, not SOPS, no ExternalSecret.\n"
    )
    res = cli("review", "--proposal", str(plan), "--format", "json", "--fail-on", "reject")
    clean(res)
    data = json.loads(res.out)
    assert "secret-in-git" in {f["category"] for f in data["findings"]} and res.rc == 1


def test_a_bomb_as_an_eval_case_file_is_one_line(cli: Callable[..., Result], tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(BOMB)
    start = time.perf_counter()
    res = cli("eval", str(case), "--offline")
    one_error(res, "case.yaml", "YAML bomb")
    assert time.perf_counter() - start < 30
