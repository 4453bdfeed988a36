"""Shared fixtures: real persistent Chroma indexes built in temp dirs with the real embedding model."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings, data_dir
from assistant.knowledge_base.index import IndexStore
from assistant.knowledge_base.knowledge import Knowledge
from assistant.stack.catalog import load_catalog
from assistant.stack.inventory import Inventory
from assistant.stack.store import catalog_digest, discover

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLE_REPO = PROJECT / "examples" / "homelab"
CORPUS = PROJECT.parent / "shared" / "corpus" / "homelab"


# What `make check` leaves out (`-m "not slow"`), and `make test` runs: tests that read the shared corpus (its
# indexes and real PRs), build, rebuild or break indexes, run the CLI or the GitHub Action as processes, mount
# filesystems, or drive the TUI (measured with `pytest --durations`: each of these files costs seconds a test).
SLOW_FIXTURES = {"corpus_index", "corpus_repo"}
SLOW_FILES = {
    "test_index_recovery.py", "test_stack_corpus.py", "test_pr_mutations.py", "test_action.py", "test_tui_snapshots.py",
    "test_retrieval.py", "test_index.py", "test_hostile_secrets.py", "test_hostile_inputs.py", "test_eval.py",
    "test_retrieval_levers.py", "test_trust_boundaries.py", "test_cli.py", "test_tui.py", "test_tui_stream.py",
    "test_tui_ask.py", "test_retrieval_new_repos.py",
}  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & SLOW_FIXTURES or item.path.name in SLOW_FILES or item.get_closest_marker("corpus"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True, scope="session")
def embedding_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One embedding cache for the whole run (the example repo is indexed by many tests: its vectors are embedded
    once), never the user's; the CLI children inherit it. Tests that must see every embedding call turn it off."""
    folder = tmp_path_factory.mktemp("embedding-cache")
    # XDG_CACHE_HOME too: a child whose environment drops ASSISTANT_* still keeps off the user's cache
    wanted = {"ASSISTANT_EMBED_CACHE_DIR": str(folder), "XDG_CACHE_HOME": str(folder.parent / "xdg-cache")}
    before = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    yield folder
    for key, value in before.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def history_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test keeps TUI conversations in its own directory, never the user's, and reads no user config."""
    from tui.history import HISTORY_ENV

    directory = tmp_path / "history"
    monkeypatch.setenv(HISTORY_ENV, str(directory))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    return directory


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """A small repo written to a temp dir: repo-relative path -> text."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def new_file_diff(path: str, text: str) -> str:
    """A unified diff that adds `path` with `text`."""
    lines = text.splitlines()
    body = "".join(f"+{line}\n" for line in lines)
    head = f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
    return f"{head}@@ -0,0 +1,{len(lines)} @@\n{body}"


def deleted_file_diff(path: str, text: str) -> str:
    """A unified diff that deletes `path`, whose content was `text`."""
    lines = text.splitlines()
    body = "".join(f"-{line}\n" for line in lines)
    head = f"diff --git a/{path} b/{path}\ndeleted file mode 100644\n--- a/{path}\n+++ /dev/null\n"
    return f"{head}@@ -1,{len(lines)} +0,0 @@\n{body}"


def discovered(root: Path) -> Inventory:
    """What stack discovery finds in a repo with the shipped catalog."""
    path = data_dir("knowledge") / "roles.yaml"
    return discover(root, load_catalog(path), catalog_digest(path))[0].inventory


def settings_for(index_dir: Path, **kw: object) -> Settings:
    """Offline by default whatever the environment says; keyword arguments override."""
    values: dict[str, object] = {"llm": "off", "openai_api_key": None, "openai_base_url": None, **kw}
    return Settings(index_dir=index_dir, **values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def example_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    """An index of a copy of examples/homelab (the copy may be edited by tests that take `example_copy`)."""
    root = tmp_path_factory.mktemp("example")
    repo = root / "repo"
    shutil.copytree(EXAMPLE_REPO, repo)
    settings = settings_for(root / "index", repo=repo)
    IndexStore(settings).build(repo)
    return settings, repo


@pytest.fixture(scope="session")
def example_knowledge(example_index: tuple[Settings, Path]) -> Knowledge:
    return Knowledge(example_index[0])


@pytest.fixture(scope="session")
def corpus_repo() -> Path:
    repo = CORPUS / "repo"
    if not repo.is_dir():
        pytest.skip(f"the shared corpus is not at {repo} (it is beside the checkout in dev and CI)")
    return repo


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory, corpus_repo: Path) -> Settings:
    settings = settings_for(tmp_path_factory.mktemp("corpus-index"), repo=corpus_repo)
    IndexStore(settings).build(corpus_repo)
    return settings


def refused_llm_settings(settings: Settings) -> Settings:
    """An LLM configured at a loopback port that refuses connections (bound, then closed at once)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return settings.model_copy(
        update={
            "llm": "auto",
            "openai_base_url": f"http://127.0.0.1:{port}/v1",
            "openai_api_key": "x",
            "max_retries": 0,
            "timeout": 5.0,
            "structured_output": "function_calling",
        }
    )


# -- recorded LLM responses (tests/cassettes; see its README) ----------------------------------------------
CASSETTES = Path(__file__).parent / "cassettes"
RECORD = os.environ.get("ASSISTANT_RECORD") == "1"
LOCAL_LLM_URL = "http://127.0.0.1:8765/v1"  # ../shared/tools/local-llm
RERECORD = "re-record with `make cassettes` (it starts ../shared/tools/local-llm)"


def local_llm_settings(tmp_path: Path, **kw: object) -> Settings:
    """The recorded model's settings. No index and the example repo as context: the prompts hold the framework, the
    example's discovered stack and its files found by keyword, so they are the same on every machine (not the
    checkout's own tree)."""
    values: dict[str, object] = {
        "repo": EXAMPLE_REPO,
        "llm": "auto",
        "openai_base_url": LOCAL_LLM_URL,
        "openai_api_key": "local-llm",
        "model": "smollm2",
        "structured_output": "function_calling",
        "max_retries": 0,
        "timeout": 120.0,
        "max_tokens": 700,
        **kw,
    }
    return settings_for(tmp_path / "no-index", **values)


def use_cassette(name: str):  # type: ignore[no-untyped-def]
    from assistant.evaluation.cassettes import recorder

    if not RECORD and not (CASSETTES / f"{name}.yaml").exists():
        pytest.fail(f"cassette {name}.yaml is missing: {RERECORD}")
    return recorder(CASSETTES, RECORD).use_cassette(f"{name}.yaml")
