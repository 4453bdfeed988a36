"""Settings, built once and passed down: environment (ASSISTANT_*, OPENAI_*), then the user's config file
(`~/.config/review-assistant/config.toml`), then ./assistant.toml, then defaults.

A repo-local `assistant.toml` is the repo's, and a checked-out PR can add or change it: it may not choose where
data goes or which files are read or written (`REPO_LOCAL_DENIED`: endpoints, keys, the embedding service, paths)
unless the user trusted that exact file once (`assistant trust`, recorded with its digest in the user's config dir).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def data_dir(name: str) -> Path:
    """`knowledge/` or `prompts/`: inside the wheel when installed, else beside the package (editable)."""
    installed = PACKAGE_DIR / "_data" / name
    return installed if installed.is_dir() else PROJECT_DIR / name


REPO_LOCAL_FILE = "assistant.toml"
# Settings a repo-local file may not set without the user's trust: where text and keys are sent (endpoints, keys,
# the embedding service), and paths, which could name any file of the user's to read, send or overwrite.
REPO_LOCAL_DENIED = frozenset(
    {
        "openai_api_key", "openai_base_url", "chroma_url", "embeddings", "index_dir", "prompts_dir", "framework_path",
        "catalog_path", "stack_overrides", "repo", "embed_cache_dir",
    }
)  # fmt: skip
# What the last Settings() ignored in ./assistant.toml, for the CLI to say once
IGNORED_REPO_KEYS: list[str] = []


def user_config_dir() -> Path:
    """`~/.config/review-assistant` on Linux (`$XDG_CONFIG_HOME` honoured), the platform's own place elsewhere."""
    from platformdirs import user_config_path

    return user_config_path("review-assistant", appauthor=False)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _trusted() -> dict[str, str]:
    try:
        data = json.loads((user_config_dir() / "trusted.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def is_trusted(path: Path) -> bool:
    """The user trusted this file, as it is now (a later edit, by a PR or anyone, needs trust again)."""
    try:
        return _trusted().get(str(path.resolve())) == _digest(path)
    except OSError:
        return False


def trust(path: Path) -> Path:
    """Record that the user trusts this repo-local config file as it is now; returns the record's path."""
    record = user_config_dir() / "trusted.json"
    trusted = _trusted() | {str(path.resolve()): _digest(path)}
    record.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    record.write_text(json.dumps(trusted, indent=2, sort_keys=True), encoding="utf-8")
    record.chmod(0o600)
    return record


def _repo_local(settings_cls: type[BaseSettings]) -> PydanticBaseSettingsSource:
    path = Path.cwd() / REPO_LOCAL_FILE
    IGNORED_REPO_KEYS.clear()
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        data = {}  # a broken repo file sets nothing; the user's own settings still hold
    if data and not is_trusted(path):
        IGNORED_REPO_KEYS.extend(sorted(k for k in data if k in REPO_LOCAL_DENIED))
        data = {k: v for k, v in data.items() if k not in REPO_LOCAL_DENIED}
    return InitSettingsSource(settings_cls, init_kwargs=data)


class EvalThresholds(BaseSettings):
    category_recall: float = 0.95
    category_precision: float = 0.85
    verdict_accuracy: float = 0.9
    score_ordering: float = 0.95  # approve cases score above revise cases, above reject cases (pairwise)
    citation_validity: float = 1.0
    expected_source_cited: float = 0.9  # share of question cases whose expected source is among the citations


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore", populate_by_name=True)

    index_dir: Path = Path(".assistant")
    chroma_url: str | None = None
    chroma_timeout: float = 15.0  # seconds a Chroma server may take to answer one call
    collection: str = "review_assistant"
    repo: Path | None = None
    framework_path: Path = Field(default_factory=lambda: data_dir("knowledge") / "framework.md")
    catalog_path: Path = Field(default_factory=lambda: data_dir("knowledge") / "roles.yaml")
    # The operator's stack decisions (add/exclude/pin tools, "X instead of Y"); else `assistant-stack.yaml` in the repo
    stack_overrides: Path | None = None
    prompts_dir: Path = Field(default_factory=lambda: data_dir("prompts"))

    embeddings: Literal["local", "openai"] = "local"
    embedding_model: str = "text-embedding-3-small"
    embed_max_tokens: int = 128
    embed_cache: bool = True  # reuse vectors by content hash across rebuilds and repos (`embedding_cache`)
    embed_cache_dir: Path | None = None  # default: the user's cache folder, review-assistant/embeddings
    # test fixtures and eval cases (tests/, tests.yaml suites, *.tftest.hcl, evals/) are kept out of the index
    index_test_fixtures: bool = False

    llm: Literal["auto", "off"] = "auto"
    model: str = "gpt-4o-mini"
    openai_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "ASSISTANT_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "ASSISTANT_OPENAI_BASE_URL")
    )
    # json_object: llama.cpp's server (llama-cpp-python) constrains the reply to the schema by a grammar
    structured_output: Literal["auto", "json_schema", "function_calling", "json_object"] = "auto"
    # seconds one LLM call may take in all, retries included (each try gets its share); interactive, so short
    timeout: float = 40.0
    max_retries: int = 1
    max_tokens: int = 1500
    temperature: float = 0.0

    max_input_bytes: int = 1_000_000
    eval_thresholds: EvalThresholds = Field(default_factory=EvalThresholds)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        user_file = user_config_dir() / "config.toml"
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=user_file),
            _repo_local(settings_cls),
        )

    @property
    def context_repo(self) -> Path | None:
        """The operator's repo a review reads for context: ASSISTANT_REPO or --repo, else the current directory
        when it is a git checkout."""
        return self.repo or (Path.cwd() if (Path.cwd() / ".git").exists() else None)

    @property
    def llm_endpoint_set(self) -> bool:
        """An LLM is set up (a key or a base URL), whether or not `llm = "off"` switches it off."""
        return bool(self.openai_api_key or self.openai_base_url)

    @property
    def llm_configured(self) -> bool:
        return self.llm != "off" and self.llm_endpoint_set

    @property
    def structured_output_method(self) -> Literal["json_schema", "function_calling", "json_object"]:
        """llama.cpp's server answers json_schema with HTTP 500; function calling works on every server."""
        if self.structured_output != "auto":
            return self.structured_output
        return "function_calling" if self.openai_base_url else "json_schema"
