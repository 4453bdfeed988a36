"""Retrieval on the real homelab corpus (../shared/corpus), with the real embedding model and Chroma.

The questions in evals/retrieval/corpus-questions.yaml were written by hand, half of them paraphrased so that
they share few words with the file's headings; retrieval was tuned on them. Targets from the issue: recall@5 ≥ 0.95,
recall@1 ≥ 0.8. Two held-out sets were written later by someone who never ran the retriever, to measure what the
tuning is worth on questions it has not seen: corpus-questions-heldout.yaml (40) and corpus-questions-heldout2.yaml
(36, with more questions on values deep in long YAML files). They do not reach the issue's targets, so their floors
sit just under the figures reached, so that a regression fails. A third blind set (corpus-questions-blind3.yaml, 32)
was written and committed before the levers of its session were measured, and was never tuned on. Blind sets 4 to 7
(40 each) were written by reading the corpus only, in session 11, each committed before the retriever ran on it. Set
4 then chose between levers, sets 5 and 6 checked those choices (and turned them down), set 7 is the last check.
Blind set 8 (40) was written the same way in session 12 and run once on the retriever as session 11 left it.

Every set is half literal questions (the document's own words) and half paraphrased ones (an operator's words that
avoid the document's key terms, often the tool's name too). The literal halves reach the issue's targets on every
blind set, and a test holds them there; the paraphrased halves do not (MRR 0.47-0.88)."""

from __future__ import annotations

from pathlib import Path

import yaml

from assistant.config import Settings
from assistant.evaluation.retrieval import retrieval_metrics
from assistant.knowledge_base.index import IndexStore
from assistant.knowledge_base.knowledge import Knowledge
from tests.conftest import PROJECT

QUESTIONS = yaml.safe_load((PROJECT / "evals" / "retrieval" / "corpus-questions.yaml").read_text())["questions"]
HELD_OUT = yaml.safe_load((PROJECT / "evals" / "retrieval" / "corpus-questions-heldout.yaml").read_text())["questions"]
HELD_OUT_2 = yaml.safe_load((PROJECT / "evals" / "retrieval" / "corpus-questions-heldout2.yaml").read_text())[
    "questions"
]
# Written (and committed) before the session that tuned the current retriever ran anything on it; never tuned on.
BLIND_3 = yaml.safe_load((PROJECT / "evals" / "retrieval" / "corpus-questions-blind3.yaml").read_text())["questions"]
BLIND_4 = yaml.safe_load((PROJECT / "evals" / "retrieval" / "corpus-questions-blind4.yaml").read_text())["questions"]
BLIND_5 = yaml.safe_load((PROJECT / "evals" / "retrieval" / "corpus-questions-blind5.yaml").read_text())["questions"]
BLIND_6 = yaml.safe_load((PROJECT / "evals" / "retrieval" / "corpus-questions-blind6.yaml").read_text())["questions"]
BLIND_7 = yaml.safe_load((PROJECT / "evals" / "retrieval" / "corpus-questions-blind7.yaml").read_text())["questions"]
BLIND_8 = yaml.safe_load((PROJECT / "evals" / "retrieval" / "corpus-questions-blind8.yaml").read_text())["questions"]
BLIND = (HELD_OUT, HELD_OUT_2, BLIND_3, BLIND_4, BLIND_5, BLIND_6, BLIND_7, BLIND_8)
ALL = QUESTIONS + [q for questions in BLIND for q in questions]


def test_question_sets_are_large_half_paraphrased_and_disjoint() -> None:
    for questions in (QUESTIONS, *BLIND):
        assert len(questions) >= 30
        assert sum(q["style"] == "paraphrased" for q in questions) >= len(questions) // 2
    assert len({q["question"] for q in ALL}) == len(ALL)
    assert len({q["id"] for q in ALL}) == len(ALL)


def test_every_expected_file_is_in_the_corpus(corpus_repo: Path) -> None:
    missing = [(q["id"], p) for q in ALL for p in q["expected"] if not (corpus_repo / p).is_file()]
    assert not missing


# Floors sit about one question under the figures measured (2026-11-30: plain-words embedding text, one chunk per
# file before a file's others, dense weight 0.35), recall@1/recall@5/MRR: tuning 0.841/0.957/0.888, held-out
# 0.800/0.975/0.880, held-out 2 0.722/0.861/0.785, blind 3 0.906/0.938/0.922; session 11's sets: blind 4
# 0.675/0.800/0.724, blind 5 0.600/0.825/0.683, blind 6 0.700/0.875/0.775, blind 7 0.700/0.925/0.794; session 12's
# blind 8 0.750/0.900/0.792.
def test_recall_and_mrr_on_the_corpus(corpus_index: Settings) -> None:
    m = retrieval_metrics(Knowledge(corpus_index), QUESTIONS)
    assert m.recall_at_5 >= 0.95, f"recall@5 {m.recall_at_5}"
    assert m.recall_at_1 >= 0.82, f"recall@1 {m.recall_at_1}"
    assert m.mrr >= 0.87, f"MRR {m.mrr}"


def test_recall_and_mrr_on_the_held_out_questions(corpus_index: Settings) -> None:
    knowledge = Knowledge(corpus_index)
    m = retrieval_metrics(knowledge, HELD_OUT)
    assert m.recall_at_5 >= 0.95, f"recall@5 {m.recall_at_5}"
    assert m.recall_at_1 >= 0.775, f"recall@1 {m.recall_at_1}"
    assert m.mrr >= 0.86, f"MRR {m.mrr}"
    m = retrieval_metrics(knowledge, HELD_OUT_2)
    assert m.recall_at_5 >= 0.83, f"recall@5 {m.recall_at_5}"
    assert m.recall_at_1 >= 0.69, f"recall@1 {m.recall_at_1}"
    assert m.mrr >= 0.77, f"MRR {m.mrr}"


def test_recall_and_mrr_on_the_third_blind_set(corpus_index: Settings) -> None:
    """corpus-questions-blind3.yaml was committed before any lever of its session was measured; not tuned on."""
    m = retrieval_metrics(Knowledge(corpus_index), BLIND_3)
    assert m.questions == 32
    assert m.recall_at_5 >= 0.9, f"recall@5 {m.recall_at_5}"
    assert m.recall_at_1 >= 0.87, f"recall@1 {m.recall_at_1}"
    assert m.mrr >= 0.9, f"MRR {m.mrr}"


def test_recall_and_mrr_on_blind_sets_4_to_8(corpus_index: Settings) -> None:
    """Far under the issue's targets (recall@5 ≥ 0.95, recall@1 ≥ 0.8, MRR ≥ 0.85): these floors only catch a
    regression."""
    knowledge = Knowledge(corpus_index)
    for questions, at5, at1, mrr in (
        (BLIND_4, 0.775, 0.65, 0.7),
        (BLIND_5, 0.8, 0.575, 0.66),
        (BLIND_6, 0.85, 0.675, 0.75),
        (BLIND_7, 0.9, 0.675, 0.77),
        (BLIND_8, 0.875, 0.725, 0.77),
    ):
        m = retrieval_metrics(knowledge, questions)
        assert m.questions == 40 and m.recall_at_5 >= at5 and m.recall_at_1 >= at1 and m.mrr >= mrr, m


def test_literal_questions_reach_the_issues_targets_on_every_blind_set(corpus_index: Settings) -> None:
    """Questions in the document's own words: recall@1 ≥ 0.8, recall@5 ≥ 0.95, MRR ≥ 0.85 on each blind set's
    literal half (measured: recall@5 1.0 on all eight, MRR 0.897-1.0). The paraphrased halves are the shortfall."""
    knowledge = Knowledge(corpus_index)
    for questions in BLIND:
        literal = [q for q in questions if q["style"] == "literal"]
        m = retrieval_metrics(knowledge, literal)
        assert m.questions >= 12
        assert m.recall_at_1 >= 0.8 and m.recall_at_5 >= 0.95 and m.mrr >= 0.85, (questions[0]["id"], m)


def test_exact_names_are_found(corpus_index: Settings) -> None:
    knowledge = Knowledge(corpus_index)
    for name in ("GarageReferenceGrant", "ClusterSecretStore", "tuppr", "ResourceSet"):
        hits = knowledge.search(name, k=5)
        assert any(name.lower() in (h.chunk.text + h.chunk.path).lower() for h in hits[:3]), name


def test_corpus_reindex_without_changes_embeds_nothing(corpus_index: Settings) -> None:
    report = IndexStore(corpus_index).build(corpus_index.repo)
    assert report.chunks_added == 0 and report.files_indexed == 0 and report.files_unchanged > 550


def test_dense_search_returns_all_but_exactly_the_nearest_chunks(corpus_index: Settings) -> None:
    """The HNSW search is wide enough that its top 60 is the brute-force top 60 but for at most 0.2% of the
    neighbours, so two builds of the same files answer alike. Measured over 109 questions: 1 of 6,540 differed;
    with Chroma's defaults 77 did, and differently between builds."""
    import numpy as np

    store = IndexStore(corpus_index)
    got = store.collection().get(include=["embeddings"])
    ids, vectors = got["ids"], np.asarray(got["embeddings"])
    missed = 0
    for q in ALL:
        approximate = {cid for cid, _ in store.dense(q["question"], 60)}
        query = store.embedder.embed([q["question"]])[0]
        exact = {ids[i] for i in np.argsort(-(vectors @ query))[:60]}
        missed += len(exact - approximate)
    assert missed <= 0.002 * 60 * len(ALL), missed
