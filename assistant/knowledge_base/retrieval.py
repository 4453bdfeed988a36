"""Hybrid retrieval: dense (Chroma) and keyword (BM25) rankings fused by reciprocal rank, then a light
rerank on name matches in the path and heading."""

from __future__ import annotations

from assistant.knowledge_base.index import IndexStore
from assistant.knowledge_base.keyword import tokenize
from assistant.models import Hit, Source

RRF_K = 20
DENSE_WEIGHT = 1.0
KEYWORD_WEIGHT = 1.0
CANDIDATES = 40
PATH_BOOST = 0.004  # per query word found in the chunk's path or heading


class Retriever:
    def __init__(self, store: IndexStore) -> None:
        self.store = store

    def search(self, query: str, k: int = 5, sources: set[Source] | None = None) -> list[Hit]:
        query = query.strip()
        if not query:
            return []
        pool = max(CANDIDATES, k * 4)
        dense = self.store.dense(query, pool)
        keyword = self.store.keyword().search(query, pool)
        fused: dict[str, float] = {}
        for weight, ranking in ((DENSE_WEIGHT, dense), (KEYWORD_WEIGHT, keyword)):
            for rank, (cid, _score) in enumerate(ranking):
                fused[cid] = fused.get(cid, 0.0) + weight / (RRF_K + rank + 1)
        chunks = self.store.chunks(list(fused))
        words = set(tokenize(query))
        hits: list[Hit] = []
        for cid, score in fused.items():
            chunk = chunks.get(cid)
            if chunk is None or (sources and chunk.source not in sources):
                continue
            where = set(tokenize(f"{chunk.path} {chunk.section}"))
            hits.append(Hit(chunk=chunk, score=score + PATH_BOOST * len(words & where)))
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:k]
