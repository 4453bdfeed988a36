"""The real `assistant` console script, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLE_REPO, PROJECT

BIN = Path(sys.executable).parent / "assistant"


def run(
    args: list[str], index_dir: Path, stdin: bytes | None = None, repo: Path | None = None, cwd: Path = PROJECT
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_LLM": "off"}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    env.pop("ASSISTANT_REPO", None)
    if repo is not None:
        env["ASSISTANT_REPO"] = str(repo)
    proc = subprocess.run([str(BIN), *args], input=stdin, capture_output=True, env=env, cwd=cwd, timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def test_review_json_is_the_contract(example_index: tuple, tmp_path: Path) -> None:
    settings, _ = example_index
    proposal = b"Add MinIO on a hostPath volume for Velero backups, configured in its web console."
    res = run(["review", "--proposal", "-", "--format", "json"], settings.index_dir, proposal)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["schema_version"] == 1 and data["subject"]["kind"] == "proposal"
    assert data["verdict"] == "reject" and 0 <= data["score"] <= 100
    cats = {f["category"] for f in data["findings"]}
    assert {"overlap", "ephemeral-storage", "state-outside-git"} <= cats
    assert set(data) == {
        "schema_version",
        "subject",
        "verdict",
        "score",
        "criteria",
        "findings",
        "questions",
        "citations",
        "engine",
        "challenges",
        "summary",
        "reason",
    }
    assert data["reason"] == "findings"  # revise or reject because of findings, not for want of detail
    ids = {c["id"] for c in data["citations"]}
    assert all(set(f["citations"]) <= ids for f in data["findings"])
    assert data["engine"]["mode"] == "offline"


def test_fail_on_gates_ci(example_index: tuple) -> None:
    settings, _ = example_index
    res = run(
        ["review", "-p", "-", "--format", "markdown", "--fail-on", "reject"],
        settings.index_dir,
        b"Store the Grafana Cloud token in a SOPS-encrypted secret committed to the repo.",
    )
    assert res.returncode == 1 and "REJECT" in res.stdout and "secret-in-git" in res.stdout


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    empty = run(["review", "--proposal", "-"], tmp_path / "idx", b"  \n")
    assert empty.returncode == 2 and "empty" in empty.stderr and "Traceback" not in empty.stderr
    missing = run(["review", "--proposal", str(tmp_path / "nope.md")], tmp_path / "idx")
    assert missing.returncode == 2 and "not found" in missing.stderr
    no_index = run(["search", "garage"], tmp_path / "idx", cwd=tmp_path)  # no index, and no repo to search
    assert no_index.returncode == 2 and "assistant index" in no_index.stderr and "Traceback" not in no_index.stderr
    bad_repo = run(["index", "--repo", str(tmp_path / "nowhere")], tmp_path / "idx")
    assert bad_repo.returncode == 2 and "not found" in bad_repo.stderr


def test_a_review_without_an_index_says_what_it_is_grounded_in(tmp_path: Path, example_index: tuple) -> None:
    """No index yet: the repo is searched by keyword, so the first review already cites the repo's own files, says
    its sources are preliminary (in the JSON too), and creates nothing. No repo at all: framework and stack only."""
    proposal = b"Add Redis as a cache for Authentik, one replica, on a PVC."
    res = run(["review", "--proposal", "-", "--format", "json"], tmp_path / "idx", proposal, repo=EXAMPLE_REPO)
    assert res.returncode == 0, res.stderr
    assert "note: no index at" in res.stderr and "searched by keyword only" in res.stderr
    data = json.loads(res.stdout)
    assert data["engine"]["retrieval"] == "keyword" and not (tmp_path / "idx").exists()
    assert any(c["id"].startswith("repo:") for c in data["citations"])
    bare = run(["review", "--proposal", "-", "--format", "json"], tmp_path / "idx", proposal, cwd=tmp_path)
    cited = {c["id"].split(":")[0].split("#")[0] for c in json.loads(bare.stdout)["citations"]}
    assert cited <= {"framework", "stack"} and json.loads(bare.stdout)["engine"]["retrieval"] == "none"
    indexed = run(["review", "--proposal", "-", "--format", "json"], example_index[0].index_dir, proposal)
    assert "note:" not in indexed.stderr and json.loads(indexed.stdout)["engine"]["retrieval"] == "hybrid"
    assert any(c["id"].startswith("repo:") for c in json.loads(indexed.stdout)["citations"])


def test_ask_on_a_never_indexed_repo_answers_from_its_docs(tmp_path: Path) -> None:
    """A how-to on a repo with no index opens with the repo's runbook, found by keyword, and says it is preliminary;
    once indexed, the same question gets the same first source from the full search."""
    repo = tmp_path / "repo"
    (repo / "docs" / "runbooks").mkdir(parents=True)
    (repo / "docs" / "runbooks" / "restore-postgres.md").write_text(
        "# Restore the Postgres cluster\n\n## Steps\n\n1. Scale the app to zero.\n"
        "2. Create a Cluster with `bootstrap.recovery` from the Barman object store.\n3. Scale the app back up.\n"
    )
    (repo / "README.md").write_text("# My homelab\n\nFlux, Cilium and a few apps.\n")
    question = "How do I restore the Postgres cluster from its backup?"
    res = run(["ask", question, "--format", "json"], tmp_path / "idx", repo=repo)
    assert res.returncode == 0, res.stderr
    answer = json.loads(res.stdout)
    assert answer["retrieval"] == "keyword" and answer["citations"][0]["path"] == "docs/runbooks/restore-postgres.md"
    assert any("searched by keyword only" in n for n in answer["notes"]) and not (tmp_path / "idx").exists()
    assert run(["index", "--repo", str(repo)], tmp_path / "idx").returncode == 0
    indexed = json.loads(run(["ask", question, "--format", "json"], tmp_path / "idx", repo=repo).stdout)
    assert indexed["retrieval"] == "hybrid" and not indexed["notes"]
    assert indexed["citations"][0]["path"] == answer["citations"][0]["path"]


def test_search_and_ask_cite_sources(example_index: tuple) -> None:
    settings, _ = example_index
    res = run(
        ["search", "restore the postgres database from backup", "--format", "json", "-k", "3"], settings.index_dir
    )
    hits = json.loads(res.stdout)
    assert len(hits) == 3 and all({"id", "path", "section", "lines", "score", "excerpt"} <= set(h) for h in hits)
    ask = run(["ask", "How do we restore a CNPG database?", "--format", "json"], settings.index_dir)
    answer = json.loads(ask.stdout)
    assert answer["citations"] and "[1]" in answer["answer"]
    routed = run(["ask", "Deploy Redis for Authentik.", "--format", "json"], settings.index_dir)
    assert json.loads(routed.stdout)["findings"][0]["category"] == "overlap"
    both = run(["ask", "Should we deploy Redis for Authentik?", "--format", "json"], settings.index_dir)
    assert json.loads(both.stdout)["citations"] and "assistant review --proposal -" in both.stderr
    assert "assistant review" not in ask.stderr  # a plain question gets no review hint


def test_doctor_reports_the_index_and_offline_mode(example_index: tuple) -> None:
    settings, _ = example_index
    res = run(["doctor"], settings.index_dir)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "sha256 verified" in res.stdout and "offline" in res.stdout and "chunks" in res.stdout


def test_paper_cuts_proposal_text_formats_bare_repos_and_read_only_commands(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    index_dir = empty / ".assistant"
    # a proposal given as text is the text, and the command says what it read; a missing file is still an error
    text = run(["review", "--proposal", "Add Loki for logs next to the Grafana stack", "-f", "json"], index_dir)
    assert text.returncode == 0, text.stderr
    assert "proposal: the --proposal text" in text.stderr
    thin = json.loads(text.stdout)
    assert thin["subject"]["title"].startswith("Add Loki")
    # one line with no finding: "say more", not "this is wrong", with the three questions that matter most
    assert thin["verdict"] == "revise" and thin["reason"] == "insufficient-detail"
    assert thin["summary"].startswith("Too thin to judge") and "(3)" in thin["summary"]
    missing = run(["review", "--proposal", "plans/loki.md"], index_dir)
    assert missing.returncode == 2 and "proposal file not found" in missing.stderr
    # a read-only command leaves an empty folder as it was
    assert not index_dir.exists()
    # --help offers only what the command prints
    stack_help = run(["stack", "--help"], index_dir).stdout
    assert "text|json" in stack_help and "sarif" not in stack_help
    assert "sarif" in run(["review", "--help"], index_dir).stdout
    # a bare git repository and a folder with nothing deployable get a hint
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "bare.git")], check=True)
    bare = run(["stack", "--repo", str(tmp_path / "bare.git")], index_dir)
    assert bare.returncode == 2 and "bare git repository" in bare.stderr and "clone" in bare.stderr
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text("# notes\n")
    nothing = run(["stack", "--repo", str(tmp_path / "docs")], index_dir)
    assert nothing.returncode == 0 and "nothing deployable found" in nothing.stderr


def test_a_format_a_command_cannot_write_is_refused_not_printed_as_text(tmp_path: Path) -> None:
    """#23: `ask` and `search --format sarif` used to print text and exit 0; each command takes only its formats."""
    for args in (["search", "garage"], ["ask", "What is Garage?"], ["stack"], ["conventions"]):
        res = run([*args, "--format", "sarif"], tmp_path / "idx", cwd=tmp_path)
        assert res.returncode == 2 and res.stdout == "", (args, res.stdout)
        assert "Invalid value for '--format'" in res.stderr and "Traceback" not in res.stderr
    plan = "Add Loki for logs with 30 days of retention on the NAS."
    review = run(["review", "--proposal", plan, "--format", "sarif"], tmp_path / "idx", cwd=tmp_path)
    assert review.returncode == 0 and json.loads(review.stdout)["version"] == "2.1.0"  # control: review writes SARIF
