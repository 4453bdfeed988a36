"""Issue #19's retrieval and `ask` figures on the three corpus repos added for it, held as floors: their question
sets (evals/retrieval/<repo>-questions-blind.yaml) and how-to sets (evals/ask/<repo>.howto.yaml) were written from
the repo files before any code ran on them. The issue's targets are literal recall@5 1.0 with MRR >= 0.85,
paraphrased recall@5 >= 0.9 with MRR >= 0.75, and the expected source first on >= 0.8 of how-tos; the floors below
are what the retriever reaches (fresh indexes; session 16 indexes xunholy's cilium how-to, which a "DO NOT EDIT" inside
its command had marked as generated), so that a regression fails, and the misses stay visible: paraphrased questions
are under the targets."""

from __future__ import annotations

import pytest
import yaml

from assistant.evaluation.retrieval import HOWTO_REPOS, howto_first_citations, metrics_by_style, retrieval_metrics
from assistant.knowledge_base.index import IndexStore
from assistant.knowledge_base.knowledge import Knowledge
from tests.conftest import CORPUS, PROJECT, settings_for

# repo: (literal recall@5, literal MRR, paraphrased recall@5, paraphrased MRR)
FLOORS = {
    "billimek-k8s-gitops": (1.0, 0.9, 0.9, 0.6),
    "christianlempa-homelab": (1.0, 0.95, 0.9, 0.7),
    "xunholy-k8s-gitops": (1.0, 0.95, 0.7, 0.55),
}
HOWTO_FLOOR = 15  # of 18 first citations right: the target, 0.8


@pytest.fixture(scope="module")
def knowledges(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Knowledge]:
    out = {}
    for name in HOWTO_REPOS:
        repo = CORPUS.parent / name / "repo"
        if not repo.is_dir():
            pytest.skip(f"the shared corpus is not at {repo}")
        settings = settings_for(tmp_path_factory.mktemp(name), repo=repo)
        IndexStore(settings).build(repo)
        out[name] = Knowledge(settings)
    return out


def _questions(name: str) -> list[dict]:  # type: ignore[type-arg]
    path = PROJECT / "evals" / "retrieval" / f"{name}-questions-blind.yaml"
    return yaml.safe_load(path.read_text())["questions"]  # type: ignore[no-any-return]


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(FLOORS))
def test_retrieval_holds_its_floors_on_the_new_repos(name: str, knowledges: dict[str, Knowledge]) -> None:
    questions = _questions(name)
    styles = metrics_by_style(questions, retrieval_metrics(knowledges[name], questions))
    literal, paraphrased = styles["literal"], styles["paraphrased"]
    lit_r5, lit_mrr, para_r5, para_mrr = FLOORS[name]
    assert literal.recall_at_5 >= lit_r5 and literal.mrr >= lit_mrr, literal
    assert paraphrased.recall_at_5 >= para_r5 and paraphrased.mrr >= para_mrr, paraphrased


@pytest.mark.corpus
def test_how_to_questions_open_with_the_expected_source(knowledges: dict[str, Knowledge]) -> None:
    right = 0
    for name in HOWTO_REPOS:
        howto = yaml.safe_load((PROJECT / "evals" / "ask" / f"{name}.howto.yaml").read_text())["questions"]
        right += sum(ok for _, _, ok in howto_first_citations(knowledges[name], howto))
    assert right >= HOWTO_FLOOR


def test_the_sets_are_the_issues_shape() -> None:
    """20 questions a repo, half literal and half paraphrased, each expecting files the repo holds; 6 how-tos."""
    for name in FLOORS:
        questions = _questions(name)
        styles = [q.get("style") for q in questions]
        assert len(questions) == 20 and styles.count("literal") == 10 and styles.count("paraphrased") == 10
        howto = yaml.safe_load((PROJECT / "evals" / "ask" / f"{name}.howto.yaml").read_text())["questions"]
        assert len(howto) == 6
        repo = CORPUS.parent / name / "repo"
        if repo.is_dir():
            assert [p for q in questions for p in q["expected"] if not (repo / p).exists()] == []
