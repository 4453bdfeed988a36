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


def retrieval_metrics(knowledge: Knowledge, questions: list[dict[str, Any]], k: int = 10) -> RetrievalMetrics:
    r1 = r5 = 0
    mrr = 0.0
    latencies: list[float] = []
    for q in questions:
        t0 = time.perf_counter()
        paths = [h.chunk.path for h in knowledge.search(q["question"], k=k, sources={"repo"})]
        latencies.append((time.perf_counter() - t0) * 1000)
        rank = next((i for i, p in enumerate(paths) if p in q["expected"]), None)
        if rank is not None:
            mrr += 1 / (rank + 1)
            r1 += rank == 0
            r5 += rank < 5
    n = max(len(questions), 1)
    return RetrievalMetrics(
        questions=len(questions),
        recall_at_1=round(r1 / n, 3),
        recall_at_5=round(r5 / n, 3),
        mrr=round(mrr / n, 3),
        latencies_ms=latencies,
    )
