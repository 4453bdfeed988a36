"""Hybrid retrieval: dense (Chroma) and keyword (BM25) scores fused, plus the BM25 score of the chunk's whole
file, then a light rerank on name matches in the path and heading."""

from __future__ import annotations

import re

from assistant.knowledge_base.index import IndexStore, file_key
from assistant.knowledge_base.keyword import tokenize
from assistant.models import Hit, Source

DENSE_WEIGHT = 0.3  # the fused score: 0.3 × dense (min-max over the pool) + 0.7 × BM25 (over its best)
FILE_WEIGHT = 0.3  # added: the BM25 score of the chunk's whole file, over the best file's
CANDIDATES = 60
PATH_BOOST = 0.02  # per query word found in the chunk's path or heading
ARCHIVED = re.compile(r"(^|/)\.?archived?/")  # superseded plans and docs: below the current ones
ARCHIVED_PENALTY = 0.3


class Retriever:
    def __init__(self, store: IndexStore) -> None:
        self.store = store

    def search(self, query: str, k: int = 5, sources: set[Source] | None = None) -> list[Hit]:
        query = query.strip()
        if not query:
            return []
        pool = max(CANDIDATES, k * 4)
        fused: dict[str, float] = {}
        dense = self.store.dense(query, pool)
        if dense:
            hi, lo = dense[0][1], dense[-1][1]
            for cid, score in dense:
                fused[cid] = DENSE_WEIGHT * (score - lo) / (hi - lo + 1e-9)
        keyword = self.store.keyword().search(query, pool)
        if keyword:
            top = keyword[0][1]
            for cid, score in keyword:
                fused[cid] = fused.get(cid, 0.0) + (1 - DENSE_WEIGHT) * score / top
        by_file = self.store.file_keyword().relative_scores(query)
        chunks = self.store.chunks(list(fused))
        words = set(tokenize(query))
        hits: list[Hit] = []
        for cid, score in fused.items():
            chunk = chunks.get(cid)
            if chunk is None or (sources and chunk.source not in sources):
                continue
            where = set(tokenize(f"{chunk.path} {chunk.section}"))
            score += FILE_WEIGHT * by_file.get(file_key(chunk), 0.0) + PATH_BOOST * len(words & where)
            if ARCHIVED.search(chunk.path):
                score -= ARCHIVED_PENALTY
            hits.append(Hit(chunk=chunk, score=score))
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:k]
