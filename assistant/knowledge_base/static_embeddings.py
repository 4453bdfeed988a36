"""A second embedding of every chunk: WordLlama's static token vectors (the 256-d `l2_supercat` model that the
`wordllama` wheel carries), averaged over the whole chunk. MiniLM reads a 128-token window; this reads every word,
and its vectors, distilled from an LLM's token embeddings, bridge some operator words MiniLM does not ("update bot",
"image store"). Measured as a third retrieval signal on six fresh blind question sets: MRR up on five, down on one
(README, "Questions get answers").

Read from the wheel's own files with `tokenizers` and `safetensors`: wordllama's loader is not used, because it
looks for its tokenizer in a folder the wheel does not have and then downloads it from Hugging Face."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.errors import AssistantError

PACKAGE = "wordllama"
WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
MODEL_ID = "wordllama-l2_supercat-256"


def package_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise AssistantError("the 'wordllama' package is not installed", "run: make setup (or pip install -e .)")
    return Path(next(iter(spec.submodule_search_locations)))


class StaticEmbedder:
    """Mean of the token vectors of a text (no special tokens, no truncation), L2-normalised."""

    model_id = MODEL_ID

    def __init__(self, root: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(root / TOKENIZER))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.vectors = np.ascontiguousarray(load_file(str(root / WEIGHTS))["embedding.weight"], dtype=np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.vectors.shape[1]), dtype=np.float32)
        for n, enc in enumerate(self.tokenizer.encode_batch(texts, add_special_tokens=False)):
            ids = np.clip(np.asarray(enc.ids, dtype=np.int64), 0, len(self.vectors) - 1)
            if len(ids):
                out[n] = self.vectors[ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)


@lru_cache(maxsize=1)
def static_embedder() -> StaticEmbedder:
    """Loaded once per process, on first use (about 0.2 s: a 16 MB weight file and its tokenizer)."""
    return StaticEmbedder(package_dir())


def text_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


class StaticIndex:
    """The static vectors of every chunk, saved beside the keyword index under the same stamp. A rebuild reuses the
    vectors of chunks whose text did not change, so re-indexing one file embeds only that file's chunks."""

    def __init__(self, ids: list[str], digests: list[str], vectors: np.ndarray) -> None:
        self.ids = ids
        self.digests = digests
        self.vectors = vectors

    @classmethod
    def build(cls, ids: list[str], texts: list[str], previous: StaticIndex | None = None) -> StaticIndex:
        digests = [text_digest(t) for t in texts]
        known = dict(zip(previous.digests, previous.vectors, strict=True)) if previous else {}
        todo = [n for n, d in enumerate(digests) if d not in known]
        fresh = static_embedder().embed([texts[n] for n in todo]) if todo else np.zeros((0, 0), dtype=np.float32)
        dim = fresh.shape[1] if todo else (previous.vectors.shape[1] if previous is not None else 0)
        vectors = np.zeros((len(ids), dim), dtype=np.float32)
        for n, d in enumerate(digests):
            if d in known:
                vectors[n] = known[d]
        for row, n in enumerate(todo):
            vectors[n] = fresh[row]
        return cls(ids, digests, vectors)

    def save(self, folder: Path, stamp: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "vectors.npy", self.vectors)
        meta = {"stamp": stamp, "model": MODEL_ID, "ids": self.ids, "digests": self.digests}
        (folder / "ids.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, stamp: str | None) -> StaticIndex | None:
        """The saved vectors for this stamp (any stamp with None: to reuse on a rebuild); None if absent or stale."""
        try:
            meta = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
            if meta.get("model") != MODEL_ID or (stamp is not None and meta.get("stamp") != stamp):
                return None
            vectors = np.load(folder / "vectors.npy")
            if len(vectors) != len(meta["ids"]) or len(meta["digests"]) != len(meta["ids"]):
                return None
            return cls(meta["ids"], meta["digests"], vectors)
        except (OSError, ValueError, KeyError):
            return None

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        if not self.ids:
            return []
        # multiply-and-sum, not `@`: a BLAS call wakes OpenBLAS's thread pool, whose spinning threads then slow
        # the next MiniLM run on a 2-core machine (a review took 108 ms on average with `@`, 59 ms without)
        sims = np.einsum("ij,j->i", self.vectors, static_embedder().embed([query])[0])
        k = min(k, len(self.ids))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top])]
        return [(self.ids[i], float(sims[i])) for i in top]
