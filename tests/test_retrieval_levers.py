"""Retrieval levers kept after measuring them on the blind sets: test fixtures and eval cases stay out of the
index unless opted in; archived plans rank below the current docs. Real index of a small real repo in a tmp dir."""

from __future__ import annotations

from pathlib import Path

import pytest

import assistant.knowledge_base.retrieval as retrieval
from assistant.inputs.repo_files import is_fixture
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


def test_a_question_about_the_archived_plan_is_not_penalised(repo: Path, tmp_path: Path) -> None:
    """Asked for by what it is ("the archived runbook"), the old copy competes on its words alone."""
    settings = settings_for(tmp_path / "past", repo=repo)
    IndexStore(settings).build(repo)
    for query, gap in (("how did the archived runbook rotate the cloud API token", 0.0),
                       ("how do I rotate the cloud API token", retrieval.ARCHIVED_PENALTY)):  # fmt: skip
        hits = Knowledge(settings).search(query, k=6, sources={"repo"})
        scores = {h.chunk.path: h.score for h in hits if h.chunk.path.endswith("rotate-dns-token.md")}
        current, archived = (scores[f"docs/{d}/rotate-dns-token.md"] for d in ("runbooks", "plans/.archive"))
        assert current - archived == pytest.approx(gap, abs=0.05), query


KHUEDOAN = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "khuedoan-homelab" / "repo"
BLIND = Path(__file__).resolve().parent.parent / "evals" / "retrieval" / "khuedoan-questions-blind.yaml"
# (set, questions, recall@5, recall@1, MRR floors): about one question under the figures measured in session 11,
# with scripts and small programs indexed: 0.933/0.667/0.773, 0.833/0.800/0.814, 0.933/0.800/0.862,
# 0.867/0.633/0.749, 0.867/0.700/0.765 (before, scripts not indexed: 0.933/0.667/0.775, 0.800/0.733/0.761,
# 0.933/0.800/0.858, 0.800/0.633/0.714, 0.833/0.700/0.745). Sets 2-4 chose between levers or checked them; set 5 is
# the last final check. Set 6 (session 12) was run once, on the retriever as session 11 left it: 0.767/0.600/0.659.
KHUEDOAN_FLOORS = [
    ("khuedoan-questions-blind.yaml", 30, 0.9, 0.63, 0.75),
    ("khuedoan-questions-blind2.yaml", 30, 0.8, 0.76, 0.79),
    ("khuedoan-questions-blind3.yaml", 30, 0.9, 0.76, 0.84),
    ("khuedoan-questions-blind4.yaml", 30, 0.83, 0.6, 0.72),
    ("khuedoan-questions-blind5.yaml", 30, 0.83, 0.66, 0.74),
    ("khuedoan-questions-blind6.yaml", 30, 0.73, 0.56, 0.63),
]


@pytest.mark.skipif(not KHUEDOAN.is_dir(), reason="the khuedoan-homelab corpus repo is not here")
def test_floor_on_the_second_corpus_repos_blind_questions(tmp_path: Path) -> None:
    """Written before any retriever ran on that repo; the floors are the figures measured, not the issue's target."""
    import yaml

    from assistant.evaluation.retrieval import metrics_by_style, retrieval_metrics

    settings = settings_for(tmp_path / "index", repo=KHUEDOAN)
    IndexStore(settings).build(KHUEDOAN)
    knowledge = Knowledge(settings)
    for name, n, at5, at1, mrr in KHUEDOAN_FLOORS:
        questions = yaml.safe_load((BLIND.parent / name).read_text(encoding="utf-8"))["questions"]
        m = retrieval_metrics(knowledge, questions)
        assert m.questions == n
        assert m.recall_at_5 >= at5 and m.recall_at_1 >= at1 and m.mrr >= mrr, (name, m)
        # The literal half (the document's own words) reaches the targets on every set (measured: recall@5
        # 1.0 on all six, recall@1 0.8-1.0, MRR 0.869-1.0); the paraphrased half is the shortfall (MRR 0.37-0.76).
        literal = metrics_by_style(questions, m)["literal"]
        assert literal.questions == n // 2
        assert literal.recall_at_1 >= 0.8 and literal.recall_at_5 >= 0.95 and literal.mrr >= 0.85, (name, literal)


LONG_DOC = "# Token rotation\n\n" + "".join(
    f"## Rotate the cloud API token, step {n}\n\nRotate the cloud API token in the parameter store, part {n}.\n"
    "Then force the ExternalSecret to refresh so the new token is used.\n\n"
    for n in range(1, 7)
)
OTHER_DOC = (
    "# DNS provider\n\nThe cloud API token is read by external-dns from the parameter store; rotate it there and\n"
    "restart external-dns.\n"
)
LICENCE = "MIT License\n\nPermission is hereby granted to rotate, copy and use the cloud API token of this software.\n"


@pytest.fixture(scope="module")
def diverse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("diverse")
    repo = root / "repo"
    for path, text in {
        "docs/runbooks/rotate-token.md": LONG_DOC,
        "docs/dns.md": OTHER_DOC,
        "LICENSE": LICENCE,
    }.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text, encoding="utf-8")
    IndexStore(settings_for(root / "index", repo=repo)).build(repo)
    return repo, root / "index"


def test_one_file_does_not_fill_the_top_k(diverse: tuple[Path, Path]) -> None:
    repo, index = diverse
    knowledge = Knowledge(settings_for(index, repo=repo))
    query = "how do I rotate the cloud API token"
    by_score = [h.chunk.path for h in knowledge.search(query, k=20, sources={"repo"}, per_file=None)]
    assert by_score[:3] == ["docs/runbooks/rotate-token.md"] * 3  # control: by score alone the long doc fills it
    paths = [h.chunk.path for h in knowledge.search(query, k=20, sources={"repo"})]
    assert paths[0] == "docs/runbooks/rotate-token.md" and "docs/dns.md" in paths[:2]
    assert sorted(paths) == sorted(by_score)  # the doc's other sections are moved down, not dropped


def test_a_licence_ranks_below_what_it_ranked_but_is_found_by_name(
    diverse: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, index = diverse
    query = "may I copy and rotate the cloud API token"

    def licence(k: Knowledge) -> tuple[int, float]:
        hits = k.search(query, k=20, sources={"repo"}, per_file=None)
        return next((n, h.score) for n, h in enumerate(hits) if h.chunk.path == "LICENSE")

    rank, score = licence(Knowledge(settings_for(index, repo=repo)))
    monkeypatch.setattr(retrieval, "BOILERPLATE_PENALTY", 0.0)  # control: without it the licence ranks higher
    rank_before, score_before = licence(Knowledge(settings_for(index, repo=repo)))
    assert score_before - score == pytest.approx(0.3, abs=0.01) and rank > rank_before
    monkeypatch.undo()
    top = Knowledge(settings_for(index, repo=repo)).search("MIT License permission", k=1, sources={"repo"})
    assert top[0].chunk.path == "LICENSE"


def test_the_embedding_text_is_plain_words_with_the_title_once() -> None:
    from assistant.knowledge_base.chunking import chunk_file
    from assistant.knowledge_base.records import embedding_text

    md = (
        "# Network Policy\n\n## Profiles\n\n| Profile | Egress |\n|---|---|\n| `isolated` | **DNS only** |\n\n"
        "```bash\nhubble observe\n```\n"
    )
    section = next(c for c in chunk_file(md, "docs/np.md").chunks if c.section.endswith("Profiles"))
    text = embedding_text(section)
    assert text.splitlines()[0] == "Network Policy > Profiles (docs np)"
    assert "Profile | Egress" in text and "isolated | DNS only" in text and "hubble observe" in text
    assert not any(mark in text for mark in ("`", "**", "|---", "```"))
    yml = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: policy\n  namespace: kube-system\n"
        "data:\n  maxPodLifeTimeSeconds: '86400'\n"
    )
    text = embedding_text(chunk_file(yml, "k/policy.yaml").chunks[0])
    assert text.splitlines()[0].startswith("ConfigMap policy kube-system")
    assert "max Pod Life Time Seconds: 86400" in text and "apiVersion" not in text and "api Version" not in text
