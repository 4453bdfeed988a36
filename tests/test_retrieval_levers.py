"""Retrieval levers kept after measuring them on the blind sets: test fixtures and eval cases stay out of the
index unless opted in; archived plans rank below the current docs. Real index of a small real repo in a tmp dir."""

from __future__ import annotations

from pathlib import Path

import pytest

import assistant.knowledge_base.retrieval as retrieval
from assistant.knowledge_base.files import is_fixture
from assistant.knowledge_base.index import IndexStore
from assistant.knowledge_base.knowledge import Knowledge
from tests.conftest import settings_for

DOC = """# Rotating the cloud API token

Create a new token in the provider console, store it in the parameter store under
/homelab/dns/api-token, then force the ExternalSecret to refresh with
`kubectl annotate externalsecret dns-token force-sync=$(date +%s) --overwrite`.
"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("levers") / "repo"
    for path, text in {
        "docs/runbooks/rotate-dns-token.md": DOC,
        "docs/plans/.archive/rotate-dns-token.md": DOC,
        ".claude/skills/dns/tests.yaml": "tests:\n  - prompt: rotate the cloud API token\n",
        "infrastructure/modules/dns/tests/plan.tftest.hcl": 'run "plan" {\n  command = plan\n}\n',
        "evals/cases/rotate.yaml": "input: How do I rotate the cloud API token?\n",
    }.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return root


def indexed_paths(repo: Path, index: Path, **kw: object) -> set[str]:
    settings = settings_for(index, repo=repo, **kw)
    IndexStore(settings).build(repo)
    return {c.path for c in IndexStore(settings).all_chunks().values() if c.source == "repo"}


def test_fixtures_are_left_out_unless_opted_in(repo: Path, tmp_path: Path) -> None:
    default = indexed_paths(repo, tmp_path / "default")
    assert "docs/runbooks/rotate-dns-token.md" in default
    assert not any(is_fixture(p) for p in default)
    opted = indexed_paths(repo, tmp_path / "opted", index_test_fixtures=True)
    assert {".claude/skills/dns/tests.yaml", "evals/cases/rotate.yaml"} <= opted  # control: they are there to skip


def test_an_archived_copy_ranks_below_the_current_doc(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path / "rank", repo=repo)
    IndexStore(settings).build(repo)
    hits = Knowledge(settings).search("how do I rotate the cloud API token", k=6, sources={"repo"})
    paths = [h.chunk.path for h in hits]
    assert paths[0] == "docs/runbooks/rotate-dns-token.md"
    current = max(h.score for h in hits if h.chunk.path == "docs/runbooks/rotate-dns-token.md")
    archived = max(h.score for h in hits if "/.archive/" in h.chunk.path)
    assert current - archived == pytest.approx(retrieval.ARCHIVED_PENALTY, abs=0.05)
    monkeypatch.setattr(retrieval, "ARCHIVED_PENALTY", 0.0)  # control: without it the copies tie
    again = Knowledge(settings).search("how do I rotate the cloud API token", k=6, sources={"repo"})
    scores = {h.chunk.path: h.score for h in again if h.chunk.path.endswith("rotate-dns-token.md")}
    assert len(scores) == 2 and abs(scores["docs/runbooks/rotate-dns-token.md"] - max(scores.values())) < 0.05


KHUEDOAN = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "khuedoan-homelab" / "repo"
BLIND = Path(__file__).resolve().parent.parent / "evals" / "retrieval" / "khuedoan-questions-blind.yaml"


@pytest.mark.skipif(not KHUEDOAN.is_dir(), reason="the khuedoan-homelab corpus repo is not here")
def test_floor_on_the_second_corpus_repos_blind_questions(tmp_path: Path) -> None:
    """Written before any retriever ran on that repo; the floor is the figure measured, not the issue's target."""
    import yaml

    from assistant.evaluation.retrieval import retrieval_metrics

    settings = settings_for(tmp_path / "index", repo=KHUEDOAN)
    IndexStore(settings).build(KHUEDOAN)
    m = retrieval_metrics(Knowledge(settings), yaml.safe_load(BLIND.read_text(encoding="utf-8"))["questions"])
    assert m.questions == 30
    assert m.recall_at_5 >= 0.85 and m.recall_at_1 >= 0.55 and m.mrr >= 0.68, m
