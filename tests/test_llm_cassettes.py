"""The LLM path against recorded responses of a real OpenAI-compatible server (see tests/cassettes/README.md).

Replay (the default, CI): record mode `none`, so a request that matches no recorded one fails instead of
reaching the network. Re-record with `make cassettes` (starts ../shared/tools/local-llm)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.evaluation.cassettes import recorder as make_recorder
from assistant.knowledge_base.knowledge import Knowledge
from assistant.pipeline import review_text
from assistant.reasoning.ask import Answer
from assistant.reasoning.chain import LLMReasoner, answer_with_llm
from tests.conftest import settings_for

CASSETTES = Path(__file__).parent / "cassettes"
RECORD = os.environ.get("ASSISTANT_RECORD") == "1"
BASE_URL = os.environ.get("OPENAI_BASE_URL", "http://127.0.0.1:8765/v1") if RECORD else "http://127.0.0.1:8765/v1"
PROPOSAL = (
    "Plan: deploy Bitnami Redis as Authentik's cache, one replica, monitoring can come later. "
    "The admin password: hunter2secret goes in the values."
)
RERECORD = "re-record with `make cassettes` (it starts ../shared/tools/local-llm)"

recorder = make_recorder(CASSETTES, RECORD)


def llm_settings(tmp_path: Path, method: str):  # type: ignore[no-untyped-def]
    # no index: the prompt holds only framework and stack chunks, so it is the same on every machine
    return settings_for(
        tmp_path / "no-index",
        llm="auto",
        openai_base_url=BASE_URL,
        openai_api_key="local-llm",
        model="smollm2",
        structured_output=method,
        max_retries=0,
        timeout=120.0,
        max_tokens=700,
    )


def use(name: str):  # type: ignore[no-untyped-def]
    path = CASSETTES / f"{name}.yaml"
    if not RECORD and not path.exists():
        pytest.fail(f"cassette {path.name} is missing: {RERECORD}")
    return recorder.use_cassette(f"{name}.yaml")


def test_function_calling_review_with_a_real_model(tmp_path: Path) -> None:
    settings = llm_settings(tmp_path, "function_calling")
    knowledge = Knowledge(settings)
    with use("review-function-calling") as cassette:
        v = review_text(PROPOSAL, settings, knowledge=knowledge, reasoner=LLMReasoner(settings))
    assert cassette.play_count == 1 or RECORD, f"the recorded request no longer matches: {RERECORD}"
    body = (
        cassette.requests[0].body.decode()
        if isinstance(cassette.requests[0].body, bytes)
        else cassette.requests[0].body
    )
    assert "hunter2secret" not in body and "REDACTED" in body  # redacted before it left the machine
    assert '"tools"' in body  # function calling, not response_format json_schema
    # whatever the model said, the deterministic floor stands and the score is ours
    assert {"overlap", "no-observability", "single-instance", "secret-in-git"} <= {f.category for f in v.findings}
    assert v.verdict == "reject"
    if v.engine.mode == "llm":
        assert v.engine.prompt_tokens > 0 and v.engine.prompt_version == "review-v1"
        known = {c.id for c in v.citations}
        assert all(set(c.citations) <= known for c in v.criteria)
    else:  # a small model may answer off-schema: then the review says it fell back
        assert v.engine.fallback_reason


def test_json_schema_on_llama_cpp_falls_back_offline(tmp_path: Path) -> None:
    settings = llm_settings(tmp_path, "json_schema")
    with use("review-json-schema-llama-cpp") as cassette:
        v = review_text(PROPOSAL, settings, knowledge=Knowledge(settings), reasoner=LLMReasoner(settings))
    assert cassette.play_count == 1 or RECORD
    assert v.engine.mode == "offline" and v.engine.fallback_reason
    assert any(f.category == "overlap" for f in v.findings)


def test_ask_answers_from_the_given_sources(tmp_path: Path) -> None:
    settings = llm_settings(tmp_path, "function_calling")
    knowledge = Knowledge(settings)
    cit = knowledge.citation("framework#new-database")
    assert cit is not None
    offline = Answer(question="How should a new app get its PostgreSQL database?", answer="offline", citations=[cit])
    with use("ask-new-database") as cassette:
        answer = answer_with_llm(offline.question, offline, knowledge, settings)
    assert cassette.play_count == 1 or RECORD
    assert answer.mode == "llm" and answer.answer.strip() and answer.answer != "offline"
    assert answer.citations == [cit]
