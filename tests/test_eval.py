"""The eval suite: both case formats, metrics, reports, the gate and the comparison, through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

from assistant.evaluation.cases import load_cases
from tests.conftest import PROJECT

BIN = Path(sys.executable).parent / "assistant"

SUITE = """
version: 1
skill: architecture-review
description: a suite in the instruction-eval format
tests:
  - id: redis-overlap
    description: adding Redis is challenged
    category: stack-fit
    severity: critical
    prompt: Should we deploy Redis for Authentik's sessions?
    scoring:
      mode: keywords
      keywords:
        required: [dragonfly]
        any_of: [overlap, already covers]
      forbidden: [approve ·]
    expect_refusal: false
    manual_review: false
    expected_behavior: points at Dragonfly
    tags: [overlap]
  - id: judge-only
    description: needs a judge
    category: quality
    severity: high
    prompt: How do we restore a CNPG database?
    scoring:
      mode: judge
      judge_criteria: "10: names barman and the runbook; 0: invents tools"
  - id: forbidden-inside-keywords
    description: forbidden under keywords
    category: stack-fit
    severity: low
    prompt: I want to add MinIO for Velero backups on a hostPath volume
    scoring:
      mode: both
      keywords:
        required: [garage]
        forbidden: [this proposal is approved]
      judge_criteria: "10: rejects hostPath"
"""


def run(args: list[str], index_dir: Path) -> subprocess.CompletedProcess[str]:
    # the example repo as context, as `make eval` has it: without an index its discovered stack is in the prompts
    env = {
        **os.environ,
        "ASSISTANT_INDEX_DIR": str(index_dir),
        "ASSISTANT_LLM": "off",
        "ASSISTANT_REPO": "examples/homelab",
    }
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env, cwd=PROJECT, timeout=600)


def test_both_formats_load(tmp_path: Path) -> None:
    (tmp_path / "tests.yaml").write_text(SUITE)
    cases = {c.id: c for c in load_cases([tmp_path])}
    assert cases["architecture-review/redis-overlap"].keywords.forbidden == ["approve ·"]
    assert cases["architecture-review/forbidden-inside-keywords"].keywords.forbidden == ["this proposal is approved"]
    assert cases["architecture-review/judge-only"].mode == "judge"
    own = load_cases([PROJECT / "evals" / "cases"])
    assert len(own) >= 60 and {c.kind for c in own} >= {"proposal"}


def test_offline_eval_passes_the_shipped_cases_and_writes_reports(example_index: tuple, tmp_path: Path) -> None:
    settings, _ = example_index
    report = tmp_path / "report.json"
    res = run(["eval", "--format", "json", "--output", str(report)], settings.index_dir)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    data = json.loads(report.read_text())
    s = data["summary"]
    failed = {c["id"] for c in data["cases"] if not c["passed"]}
    # the one known miss: a paraphrase ("how much data can we lose") that offline retrieval does not map to RPO
    assert failed <= {"backup-rpo-and-targets"}, failed
    assert s["cases"] >= 60 and {c["kind"] for c in data["cases"]} == {"proposal", "question", "patch"}
    assert s["category_recall"] >= 0.95 and s["verdict_accuracy"] >= 0.9 and s["citation_validity"] == 1.0
    junit = run(["eval", "evals/cases/proposals", "--format", "junit"], settings.index_dir)
    suite = ET.fromstring(junit.stdout)
    assert suite.tag == "testsuite" and int(suite.get("tests", "0")) >= 60


def test_instruction_suite_gate_and_compare(example_index: tuple, tmp_path: Path) -> None:
    settings, _ = example_index
    (tmp_path / "tests.yaml").write_text(SUITE)
    first = tmp_path / "first.json"
    res = run(["eval", str(tmp_path / "tests.yaml"), "--format", "json", "-o", str(first)], settings.index_dir)
    assert res.returncode == 0, res.stdout + res.stderr
    cases = {c["id"]: c for c in json.loads(first.read_text())["cases"]}
    assert cases["architecture-review/judge-only"]["skipped"]  # judge mode is skipped offline
    assert cases["architecture-review/redis-overlap"]["passed"]
    broken = tmp_path / "broken" / "tests.yaml"
    broken.parent.mkdir()
    broken.write_text(SUITE.replace("required: [dragonfly]", "required: [keydb-is-great]"))
    res = run(["eval", str(broken), "--compare", str(first)], settings.index_dir)
    assert res.returncode == 1  # a critical case failed
    assert "critical case failed: architecture-review/redis-overlap" in res.stdout
    assert "broke: architecture-review/redis-overlap" in res.stderr


def test_llm_mode_replays_cassettes_and_names_a_stale_one(tmp_path: Path) -> None:
    """LLM-mode evals replay recorded cassettes; a changed prompt fails naming the cassette and the fix."""
    import shutil

    none = tmp_path / "no-index"
    ok = run(["eval", "evals/llm", "--cassettes", "evals/cassettes", "--format", "json"], none)
    assert ok.returncode == 0, ok.stdout[-2000:] + ok.stderr[-2000:]
    data = json.loads(ok.stdout)
    assert data["summary"]["failed"] == 0 and data["summary"]["structured_output_validity"] is not None
    cases = tmp_path / "cases"
    shutil.copytree(PROJECT / "evals" / "llm", cases)
    changed = cases / "llm-redis-for-authentik.yaml"
    changed.write_text(changed.read_text().replace("Authentik", "Authelia"))
    stale = run(["eval", str(cases), "--cassettes", "evals/cassettes"], none)
    assert stale.returncode == 1
    assert "llm-redis-for-authentik.yaml no longer matches" in stale.stderr
    assert "make eval-record" in stale.stderr
