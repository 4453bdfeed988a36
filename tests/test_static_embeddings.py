"""The static-vector signal (WordLlama's token vectors, carried by the `wordllama` wheel): loaded from the wheel with
the network shut, equal to WordLlama's own mean pooling, saved with the index and reused for unchanged chunks.
Real model, real index in a tmp dir."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

import assistant.knowledge_base.static_embeddings as static_embeddings
from assistant.knowledge_base.index import IndexStore
from assistant.knowledge_base.static_embeddings import StaticEmbedder, StaticIndex, package_dir
from tests.conftest import settings_for


def test_the_model_loads_from_the_wheel_with_the_network_shut(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kw: object) -> None:
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    embedder = StaticEmbedder(package_dir())
    vectors = embedder.embed(["private image store upload limit", "container registry proxy body size", "", "x"])
    assert vectors.shape == (4, 256)
    assert np.allclose(np.linalg.norm(vectors[[0, 1, 3]], axis=1), 1.0, atol=1e-5)
    assert not vectors[2].any()  # an empty text has no tokens: a zero vector, not NaN


def test_related_operator_words_sit_closer_than_unrelated_ones() -> None:
    embedder = static_embeddings.static_embedder()

    def sim(a: str, b: str) -> float:
        x = embedder.embed([a, b])
        return float(x[0] @ x[1])

    assert sim("dependency update bot", "renovate") > sim("dependency update bot", "longhorn volume replicas")
    assert sim("single sign-on broker", "dex identity provider oidc") > sim("single sign-on broker", "prometheus")


def test_the_mean_pooling_matches_wordllamas_own() -> None:
    """Control against the package's own inference code on the same weights (it is never used at run time)."""
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer
    from wordllama.inference import WordLlamaInference

    root = package_dir()
    reference = WordLlamaInference(
        load_file(str(root / static_embeddings.WEIGHTS))["embedding.weight"],
        Tokenizer.from_file(str(root / static_embeddings.TOKENIZER)),
    )
    texts = ["how many days of metrics do we keep", "prometheus:\n  retention: 7d\n", "word " * 900]
    ours = static_embeddings.static_embedder().embed(texts)
    assert np.allclose(ours, reference.embed(texts, norm=True), atol=1e-5)


def test_the_vectors_are_saved_with_the_index_and_reused_for_unchanged_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs/a.md").write_text("# Backups\n\nVelero copies volumes to S3 every night.\n", encoding="utf-8")
    (repo / "docs/b.md").write_text("# Registry\n\nZot keeps the images; uploads have no size cap.\n", encoding="utf-8")
    settings = settings_for(tmp_path / "index", repo=repo)
    IndexStore(settings).build(repo)
    store = IndexStore(settings)
    first = store.static()
    assert len(first.ids) == len(store.all_chunks()) and first.vectors.shape[1] == 256
    assert (settings.index_dir / "static" / "vectors.npy").is_file()

    embedded: list[str] = []
    real = StaticEmbedder.embed

    def counting(self: StaticEmbedder, texts: list[str]) -> np.ndarray:
        embedded.extend(texts)
        return real(self, texts)

    monkeypatch.setattr(StaticEmbedder, "embed", counting)
    edited = "# Registry\n\nZot keeps the images; uploads are capped at 2 GB.\n"
    (repo / "docs/b.md").write_text(edited, encoding="utf-8")
    IndexStore(settings).build(repo)
    changed = [t for t in embedded if "capped" in t]
    assert changed and len(embedded) == len(changed)  # only the edited file's chunk was embedded again
    again = IndexStore(settings).static()
    kept = [i for i in again.ids if not i.startswith("repo:docs/b.md")]
    assert "repo:docs/a.md#backups" in kept and len(kept) == len(again.ids) - 1
    for cid in kept:
        assert np.allclose(again.vectors[again.ids.index(cid)], first.vectors[first.ids.index(cid)])


def test_a_missing_or_stale_vector_file_is_rebuilt_not_trusted(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs/a.md").write_text("# Backups\n\nVelero copies volumes to S3 every night.\n", encoding="utf-8")
    settings = settings_for(tmp_path / "index", repo=repo)
    IndexStore(settings).build(repo)
    (settings.index_dir / "static" / "vectors.npy").unlink()
    assert StaticIndex.load(settings.index_dir / "static", None) is None
    store = IndexStore(settings)
    assert len(store.static().ids) == len(store.all_chunks())  # rebuilt on first use
    assert (settings.index_dir / "static" / "vectors.npy").is_file()
