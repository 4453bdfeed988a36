"""Settings, built once and passed down: environment (ASSISTANT_*, OPENAI_*), then ./assistant.toml, then defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import (
    BaseSettings,
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


class EvalThresholds(BaseSettings):
    category_recall: float = 0.95
    category_precision: float = 0.85
    verdict_accuracy: float = 0.9
    score_ordering: float = 0.95  # approve cases score above revise cases, above reject cases (pairwise)
    citation_validity: float = 1.0
    expected_source_cited: float = 0.9  # share of question cases whose expected source is among the citations


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", toml_file="assistant.toml", extra="ignore", populate_by_name=True
    )

    index_dir: Path = Path(".assistant")
    chroma_url: str | None = None
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
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def context_repo(self) -> Path | None:
        """The operator's repo a review reads for context: ASSISTANT_REPO or --repo, else the current directory
        when it is a git checkout."""
        return self.repo or (Path.cwd() if (Path.cwd() / ".git").exists() else None)

    @property
    def llm_configured(self) -> bool:
        return self.llm != "off" and bool(self.openai_api_key or self.openai_base_url)

    @property
    def structured_output_method(self) -> Literal["json_schema", "function_calling", "json_object"]:
        """llama.cpp's server answers json_schema with HTTP 500; function calling works on every server."""
        if self.structured_output != "auto":
            return self.structured_output
        return "function_calling" if self.openai_base_url else "json_schema"
