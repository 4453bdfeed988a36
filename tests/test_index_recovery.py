"""A broken index is said in one line with its fix, and `index --rebuild` recovers it (issue #13, section 5).

Real Chroma, the real embedding model and the real CLI in subprocesses, on a small real repo (the docs and
platform manifests of examples/homelab) in a temp dir: garbage in the middle of chroma.sqlite3, a deleted HNSW
data file, a kill -9 in the middle of an incremental write, and two first builds at once."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.knowledge_base.build_lock import lock_holder
from tests.conftest import EXAMPLE_REPO, PROJECT
from tests.test_cli import BIN

REBUILD_BOUND = 150.0  # seconds: a rebuild of this repo takes ~20-40 s on a shared 2-core machine
PROPOSAL = "Add MinIO on a hostPath volume for Velero backups, configured in its web console."


def _env(index_dir: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_LLM": "off", "COLUMNS": "1000", **extra}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    return env


def _cli(args: list[str], index_dir: Path, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(index_dir, **env),
        cwd=PROJECT,
        timeout=600,
    )


def _index(repo: Path, index_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return _cli(["index", "--repo", str(repo), *args], index_dir, **env)


@pytest.fixture(scope="module")
def small_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("recovery") / "repo"
    for part in ("docs", "kubernetes/platform", "README.md"):
        src = EXAMPLE_REPO / part
        if src.is_dir():
            shutil.copytree(src, repo / part)
        else:
            (repo / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, repo / part)
    return repo


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, small_repo: Path) -> Path:
    """One sound index of the small repo, built by the CLI; each test breaks a copy of it."""
    index_dir = tmp_path_factory.mktemp("pristine") / "idx"
    res = _index(small_repo, index_dir)
    assert res.returncode == 0, res.stderr
    manifest = json.loads((index_dir / "manifest.json").read_text())
    assert manifest["state"] == "complete" and manifest["chunks"] > 100
    return index_dir


@pytest.fixture()
def copy(pristine: Path, tmp_path: Path) -> Path:
    index_dir = tmp_path / "idx"
    shutil.copytree(pristine, index_dir)
    return index_dir


def _flat(text: str) -> str:
    """Output as one line: rich wraps long messages at the terminal width."""
    return " ".join(text.split())


def _clean(res: subprocess.CompletedProcess[str]) -> None:
    both = res.stdout + res.stderr
    assert "Traceback" not in both and "unexpected" not in both, both


def _says_broken_with_fix(index_dir: Path, what: str) -> None:
    """search refuses with the problem and the fix; review falls back to framework-only with the note; doctor
    names the problem and the fix in its index row."""
    res = _cli(["search", "garage bucket"], index_dir)
    _clean(res)
    assert res.returncode == 2, res.stdout + res.stderr
    assert what in _flat(res.stderr) and "hint: run `assistant index --rebuild`" in res.stderr, res.stderr

    res = _cli(["review", "--proposal", "-", "--format", "json"], index_dir, PROPOSAL)
    _clean(res)
    assert res.returncode == 0, res.stderr
    note = _flat(res.stderr)
    assert "note:" in note and what in note and "reviews cite the framework" in note, note
    assert json.loads(res.stdout)["verdict"] in {"approve", "revise", "reject"}

    res = _cli(["doctor"], index_dir)
    _clean(res)
    assert res.returncode == 1, res.stdout
    row = next(line for line in res.stdout.splitlines() if "│ index" in line)
    assert "!!" in row and what in row and "assistant index --rebuild" in row, row


def _rebuild_recovers(repo: Path, index_dir: Path, set_aside: bool) -> float:
    started = time.monotonic()
    res = _index(repo, index_dir, "--rebuild")
    seconds = time.monotonic() - started
    _clean(res)
    assert res.returncode == 0, res.stderr
    assert seconds < REBUILD_BOUND
    kept = list(index_dir.glob("chroma.unreadable-*"))
    if set_aside:  # the damaged store is kept, not deleted, and the output says where
        assert len(kept) == 1 and str(kept[0]) in _flat(res.stdout), res.stdout
    else:
        assert not kept
    res = _cli(["search", "garage bucket", "--format", "json"], index_dir)
    assert res.returncode == 0 and json.loads(res.stdout), res.stderr
    res = _cli(["doctor"], index_dir)
    row = next(line for line in res.stdout.splitlines() if "│ index" in line)
    assert "ok" in row and "chunks from" in row, row
    print(f"rebuild after damage: {seconds:.1f}s")
    return seconds


def _garbage_in_sqlite(index_dir: Path) -> None:
    db = index_dir / "chroma" / "chroma.sqlite3"
    raw = bytearray(db.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 65536] = os.urandom(65536)
    db.write_bytes(bytes(raw))


def _delete_hnsw_data(index_dir: Path) -> None:
    (segment,) = [p for p in (index_dir / "chroma").iterdir() if p.is_dir()]
    assert (segment / "index_metadata.pickle").exists()  # the graph is on disk, not only in the write log
    (segment / "data_level0.bin").unlink()


@pytest.mark.parametrize(
    ("damage", "what"),
    [(_garbage_in_sqlite, "is damaged: chroma.sqlite3 fails sqlite's quick_check"), (_delete_hnsw_data, "is damaged")],
    ids=["garbage-in-sqlite", "hnsw-file-deleted"],
)
def test_a_damaged_store_is_named_and_rebuild_sets_it_aside(
    small_repo: Path, copy: Path, damage: Callable[[Path], None], what: str
) -> None:
    damage(copy)
    _says_broken_with_fix(copy, what)
    res = _index(small_repo, copy)  # a plain run stops at once instead of embedding first and failing after
    _clean(res)
    assert res.returncode == 2 and what in _flat(res.stderr) and "--rebuild" in res.stderr, res.stderr
    _rebuild_recovers(small_repo, copy, set_aside=True)


def test_a_kill_during_an_incremental_write_is_detected_not_used(small_repo: Path, copy: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(small_repo, repo)
    doc = next(repo.glob("docs/runbooks/*.md"))
    doc.write_text(doc.read_text() + "\n## After the crash\n\nA section the killed run never wrote.\n")
    res = _index(repo, copy, ASSISTANT_TEST_CRASH_AFTER_BATCH="1")  # SIGKILL right after its first write
    assert res.returncode == -signal.SIGKILL, res.stderr
    assert json.loads((copy / "manifest.json").read_text())["state"] == "writing"
    _says_broken_with_fix(copy, "is half-written: an update (pid ")
    _rebuild_recovers(repo, copy, set_aside=False)
    res = _cli(["search", "After the crash section the killed run never wrote", "--format", "json"], copy)
    assert any("after-the-crash" in hit["id"] for hit in json.loads(res.stdout)), res.stdout


def test_two_first_builds_at_once_take_turns_and_a_third_is_told_who_holds_the_lock(
    small_repo: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "idx"
    cmd = [str(BIN), "index", "--repo", str(small_repo)]
    # no embedding cache: an earlier test's vectors would make each build too quick to be seen holding the lock
    env = _env(index_dir, ASSISTANT_INDEX_LOCK_TIMEOUT="300", ASSISTANT_EMBED_CACHE="0")
    builds = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=PROJECT)
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 60
        while (holder := lock_holder(index_dir)) is None or holder.pid == 0:
            assert time.monotonic() < deadline, "neither build took the lock"
            time.sleep(0.05)
        assert holder.pid in {b.pid for b in builds} and "assistant index --repo" in holder.command
        third = _index(small_repo, index_dir, ASSISTANT_INDEX_LOCK_TIMEOUT="1", ASSISTANT_EMBED_CACHE="0")
        _clean(third)
        assert third.returncode == 2, third.stderr
        message = _flat(third.stderr)
        assert f"another writer holds the index at {index_dir}: pid {holder.pid}" in message, message
        assert "assistant index --repo" in message and "waited 1s" in message, message
        results = [b.communicate(timeout=600) for b in builds]
    finally:
        for b in builds:
            if b.poll() is None:
                b.kill()
    for b, (_, stderr) in zip(builds, results, strict=True):
        assert b.returncode == 0 and "Traceback" not in stderr and "unexpected" not in stderr, stderr
    embedded = sorted(int(re.findall(r"(\d+) chunk\(s\) indexed", _flat(out))[0]) for out, _ in results)
    assert embedded[0] == 0 and embedded[1] > 100  # the second waited, then found the first one's index complete
    res = _cli(["search", "garage bucket", "--format", "json"], index_dir)
    assert res.returncode == 0 and json.loads(res.stdout), res.stderr
