"""Vectors reused by content (#21): a rebuild, or another index of the same texts, embeds nothing it embedded before,
and searches the same; a cache that cannot be read is ignored, never fatal. Real MiniLM, real Chroma, temp dirs."""

from __future__ import annotations

from pathlib import Path

from assistant.knowledge_base.index import IndexStore
from assistant.knowledge_base.knowledge import Knowledge
from tests.conftest import settings_for, write_tree

FILES = {
    "docs/runbooks/restore.md": "# Restore\n\n## Steps\n\n1. Scale the app down.\n2. Restore the snapshot.\n",
    "apps/paperless/values.yaml": "persistence:\n  data:\n    existingClaim: paperless-data\n",
    "README.md": "# Homelab\n\nFlux and a few apps. The admin password is Hunter2-Secret-Planted.\n",
}


def test_a_rebuild_reuses_every_vector_and_searches_the_same(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", FILES)
    cache = tmp_path / "cache"
    first = IndexStore(settings_for(tmp_path / "a", repo=repo, embed_cache_dir=cache)).build(repo)
    assert first.embedded == first.chunks_added > 0 and first.reused == 0
    other = settings_for(tmp_path / "b", repo=repo, embed_cache_dir=cache)
    second = IndexStore(other).build(repo, rebuild=True)
    assert second.chunks_added == first.chunks_added and second.embedded == 0 and second.reused == first.embedded
    one = Knowledge(settings_for(tmp_path / "a", repo=repo, embed_cache_dir=cache)).search("restore the snapshot")
    two = Knowledge(other).search("restore the snapshot")
    assert [(h.chunk.id, round(h.score, 4)) for h in one] == [(h.chunk.id, round(h.score, 4)) for h in two]
    (db,) = cache.glob("*.sqlite3")
    assert oct(db.stat().st_mode & 0o777) == "0o600" and oct(cache.stat().st_mode & 0o777) == "0o700"
    assert b"Hunter2-Secret-Planted" not in db.read_bytes() and b"Scale the app" not in db.read_bytes()


def test_a_damaged_or_switched_off_cache_changes_nothing_but_speed(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", FILES)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "all-MiniLM-L6-v2-int8-onnx.sqlite3").write_bytes(b"this is not a database" * 100)
    damaged = IndexStore(settings_for(tmp_path / "a", repo=repo, embed_cache_dir=cache)).build(repo)
    assert damaged.embedded == damaged.chunks_added > 0  # built as if there were no cache
    off = IndexStore(settings_for(tmp_path / "b", repo=repo, embed_cache=False, embed_cache_dir=tmp_path / "c"))
    report = off.build(repo)
    assert report.embedded == report.chunks_added and not (tmp_path / "c").exists()
