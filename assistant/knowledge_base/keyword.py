"""The keyword half of hybrid retrieval: BM25 (bm25s) over path, heading and text, so exact names such as
`GarageBucketClaim` or `tuppr` are found even where the embedding misses them. Words are stemmed with the
Snowball English stemmer (PyStemmer), so "upgrades" finds "upgrade" and "restoring" finds "restore"."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from assistant.knowledge_base.records import file_key, keyword_text
from assistant.models import Chunk

TOKENIZER = "snowball-english/1"  # an index saved by another tokenizer is rebuilt, not reused
_STEMMER = Stemmer.Stemmer("english")

_WORD = re.compile(r"[A-Za-z0-9]+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "my",
        "me",
        "us",
    ]
)


def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def tokenize(text: str) -> list[str]:
    """Lower-cased words, with camelCase and kebab names split into parts while the whole is kept too."""
    out: list[str] = []
    for raw in re.findall(r"[A-Za-z0-9][A-Za-z0-9_.-]*", text):
        for word in _WORD.findall(raw):
            low = word.lower()
            parts = [p.lower() for p in _CAMEL.findall(word)]
            if low not in STOPWORDS:
                out.append(_stem(low))
            if len(parts) > 1:
                out.extend(_stem(p) for p in parts if p not in STOPWORDS and len(p) > 1)
        if "-" in raw or "_" in raw:
            joined = re.sub(r"[-_.]", "", raw.lower())
            if joined not in STOPWORDS:
                out.append(_stem(joined))
    return out


class KeywordIndex:
    def __init__(self, ids: list[str], model: bm25s.BM25) -> None:
        self.ids = ids
        self.model = model
        self.vocab: dict[str, int] = model.vocab_dict

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> KeywordIndex:
        corpus = [tokenize(t) or ["_empty_"] for t in texts]
        model = bm25s.BM25(k1=1.2, b=0.75)
        model.index(corpus, show_progress=False)
        return cls(ids, model)

    def save(self, folder: Path, stamp: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.model.save(str(folder), show_progress=False)
        (folder / "ids.json").write_text(json.dumps({"stamp": stamp, "tokenizer": TOKENIZER, "ids": self.ids}))

    @classmethod
    def load(cls, folder: Path, stamp: str) -> KeywordIndex | None:
        try:
            meta = json.loads((folder / "ids.json").read_text())
            if meta.get("stamp") != stamp or meta.get("tokenizer") != TOKENIZER:
                return None
            return cls(meta["ids"], bm25s.BM25.load(str(folder)))
        except (OSError, ValueError, KeyError):
            return None

    def _scores(self, query: str) -> np.ndarray | None:
        """BM25 score of every id for the query's known words; None when none of its words is indexed."""
        tokens = [t for t in tokenize(query) if t in self.vocab]
        if not tokens or not self.ids:
            return None
        return np.asarray(self.model.get_scores(tokens))

    def relative_scores(self, query: str) -> dict[str, float]:
        """Every id that matches the query, with its score over the best one's (0 to 1]."""
        scores = self._scores(query)
        if scores is None or (top := float(scores.max())) <= 0:
            return {}
        return {self.ids[i]: float(scores[i]) / top for i in np.flatnonzero(scores > 0)}

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        scores = self._scores(query)
        if scores is None:
            return []
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]


def chunk_and_file_indexes(chunks: list[Chunk]) -> tuple[KeywordIndex, KeywordIndex]:
    """BM25 over chunks, and over whole files: a file whose sections between them hold the question's words lends
    that evidence to each of its chunks."""
    texts = [keyword_text(c) for c in chunks]
    by_chunk = KeywordIndex.build([c.id for c in chunks], texts)
    file_texts: dict[str, list[str]] = {}
    for c, text in zip(chunks, texts, strict=True):
        file_texts.setdefault(file_key(c), []).append(text)
    by_file = KeywordIndex.build(list(file_texts), ["\n".join(t) for t in file_texts.values()])
    return by_chunk, by_file
