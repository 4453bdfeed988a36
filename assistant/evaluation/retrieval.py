"""Retrieval metrics over questions with expected files: recall@1, recall@5, MRR (and each search's latency)."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel

from assistant.knowledge_base.knowledge import Knowledge


class RetrievalMetrics(BaseModel):
    questions: int
    recall_at_1: float
    recall_at_5: float
    mrr: float
    latencies_ms: list[float]
    ranks: list[int | None]  # per question, in order: where its first expected file came (None: not in the top k)


def retrieval_metrics(knowledge: Knowledge, questions: list[dict[str, Any]], k: int = 10) -> RetrievalMetrics:
    ranks: list[int | None] = []
    latencies: list[float] = []
    for q in questions:
        t0 = time.perf_counter()
        paths = [h.chunk.path for h in knowledge.search_question(q["question"], k=k, sources={"repo"})]
        latencies.append((time.perf_counter() - t0) * 1000)
        ranks.append(next((i for i, p in enumerate(paths) if p in q["expected"]), None))
    return _summary(ranks, latencies)


def _summary(ranks: list[int | None], latencies: list[float]) -> RetrievalMetrics:
    found = [r for r in ranks if r is not None]
    n = max(len(ranks), 1)
    return RetrievalMetrics(
        questions=len(ranks),
        recall_at_1=round(sum(r == 0 for r in found) / n, 3),
        recall_at_5=round(sum(r < 5 for r in found) / n, 3),
        mrr=round(sum(1 / (r + 1) for r in found) / n, 3),
        latencies_ms=latencies,
        ranks=ranks,
    )


def metrics_by_style(questions: list[dict[str, Any]], metrics: RetrievalMetrics) -> dict[str, RetrievalMetrics]:
    """`metrics` (of these questions, in order) for each `style` apart, from the same searches: `literal` questions
    use the document's own words, `paraphrased` ones an operator's words that avoid the document's key terms (and
    often the tool's name)."""
    by: dict[str, list[int]] = {}
    for i, q in enumerate(questions):
        by.setdefault(q.get("style", "unlabelled"), []).append(i)
    return {
        style: _summary([metrics.ranks[i] for i in by[style]], [metrics.latencies_ms[i] for i in by[style]])
        for style in sorted(by)
    }


# Every retrieval set, by the corpus repo it asks about (../shared/corpus/<repo>/repo): the tuning set first, then
# the blind ones (written before the retriever ran on them; never tuned on).
SETS: dict[str, list[str]] = {
    "homelab": [
        "corpus-questions",
        "corpus-questions-heldout",
        "corpus-questions-heldout2",
        "corpus-questions-blind3",
        "corpus-questions-blind4",  # session 11: blind on its first run, then used to choose between levers
        "corpus-questions-blind5",  # session 11: checked those choices (and turned them down), then development
        "corpus-questions-blind6",  # session 11: as blind 5
        "corpus-questions-blind7",  # session 11: the last final check
        "corpus-questions-blind8",  # session 12: run once, on the final retriever of session 11
    ],
    "khuedoan-homelab": [
        "khuedoan-questions-blind",
        "khuedoan-questions-blind2",  # session 11: blind on its first run, then used to choose between levers
        "khuedoan-questions-blind3",  # session 11: checked those choices, then development
        "khuedoan-questions-blind4",  # session 11: as blind 3
        "khuedoan-questions-blind5",  # session 11: the last final check
        "khuedoan-questions-blind6",  # session 12: as blind 8
    ],
    # session 13 (issue #19): one blind set per new corpus repo, written before any code ran on the repo
    "billimek-k8s-gitops": ["billimek-k8s-gitops-questions-blind"],
    "christianlempa-homelab": ["christianlempa-homelab-questions-blind"],
    "xunholy-k8s-gitops": ["xunholy-k8s-gitops-questions-blind"],
}
# How-to questions per repo (evals/ask/<repo>.howto.yaml): the source a good answer cites first
HOWTO_REPOS = ("billimek-k8s-gitops", "christianlempa-homelab", "xunholy-k8s-gitops")


def howto_first_citations(knowledge: Knowledge, questions: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    """(id, first cited path, whether it is an expected source) for each how-to question, answered offline."""
    from assistant.reasoning.ask import answer_offline

    out = []
    for q in questions:
        answer = answer_offline(q["question"], knowledge)
        first = answer.citations[0].path if answer.citations else ""
        out.append((q["id"], first, first in q["expected"]))
    return out


def main(argv: list[str] | None = None) -> None:
    """`python -m assistant.evaluation.retrieval [--index-root DIR]`: index each corpus repo once (reused when DIR
    already holds it) and print recall@1/@5, MRR and search p50 for every set, with the index times."""
    import argparse
    import statistics
    import tempfile
    from pathlib import Path

    import yaml

    from assistant.config import Settings
    from assistant.knowledge_base.index import IndexStore

    project = Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(prog="python -m assistant.evaluation.retrieval")
    ap.add_argument("--index-root", type=Path, default=None, help="keep the indexes here (default: a temp dir)")
    ap.add_argument("--corpus", type=Path, default=project.parent / "shared" / "corpus")
    ap.add_argument("--repos", nargs="*", default=None, help="only these corpus repos")
    args = ap.parse_args(argv)
    root = args.index_root or Path(tempfile.mkdtemp(prefix="ra-retrieval-"))
    print(f"{'set':<28} {'n':>3} {'r@1':>6} {'r@5':>6} {'MRR':>6} {'p50 ms':>7}   by style: n r@1/r@5/MRR")
    for repo_name, sets in SETS.items():
        if args.repos and repo_name not in args.repos:
            continue
        repo = args.corpus / repo_name / "repo"
        if not repo.is_dir():
            print(f"{repo_name}: not at {repo}, skipped")
            continue
        settings = Settings(index_dir=root / repo_name, llm="off")
        t0 = time.perf_counter()
        report = IndexStore(settings).build(repo)
        built = time.perf_counter() - t0
        t0 = time.perf_counter()
        IndexStore(settings).build(repo)
        noop = time.perf_counter() - t0
        print(f"{repo_name}: index {built:.1f} s ({report.chunks_added} chunks embedded), no-op re-index {noop:.2f} s")
        knowledge = Knowledge(settings)
        knowledge.search("warm up", k=5)
        for name in sets:
            questions = yaml.safe_load((project / "evals" / "retrieval" / f"{name}.yaml").read_text())["questions"]
            m = retrieval_metrics(knowledge, questions)
            p50 = statistics.median(m.latencies_ms)
            styles = "  ".join(
                f"{style[:4]} {s.questions} {s.recall_at_1:.3f}/{s.recall_at_5:.3f}/{s.mrr:.3f}"
                for style, s in metrics_by_style(questions, m).items()
            )
            print(
                f"{name:<28} {m.questions:>3} {m.recall_at_1:>6.3f} {m.recall_at_5:>6.3f} {m.mrr:>6.3f} {p50:>7.1f}"
                f"   {styles}"
            )
        howto = project / "evals" / "ask" / f"{repo_name}.howto.yaml"
        if howto.is_file():
            results = howto_first_citations(knowledge, yaml.safe_load(howto.read_text())["questions"])
            right = sum(ok for _, _, ok in results)
            print(f"{repo_name} how-to: expected source cited first in {right} of {len(results)}")
            for qid, first, ok in results:
                print(f"   {'ok ' if ok else 'NO '} {qid}: {first or '(no citation)'}")


if __name__ == "__main__":
    main()
