"""The LLM path against recorded responses of a real OpenAI-compatible server (see tests/cassettes/README.md).

Replay (the default, CI): record mode `none`, so a request that matches no recorded one fails instead of
reaching the network. Re-record with `make cassettes` (starts ../shared/tools/local-llm)."""

from __future__ import annotations

from pathlib import Path

from assistant.knowledge_base.knowledge import Knowledge
from assistant.pipeline import review_text
from assistant.reasoning.ask import Answer
from assistant.reasoning.chain import LLMReasoner, answer_with_llm
from tests.conftest import RECORD, RERECORD, local_llm_settings, use_cassette

PROPOSAL = (
    "Plan: deploy Bitnami Redis as Authentik's cache, one replica, monitoring can come later. "
    "The admin password: hunter2secret goes in the values."
)


def test_function_calling_review_with_a_real_model(tmp_path: Path) -> None:
    settings = local_llm_settings(tmp_path, structured_output="function_calling")
    knowledge = Knowledge(settings)
    with use_cassette("review-function-calling") as cassette:
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
    settings = local_llm_settings(tmp_path, structured_output="json_schema")
    with use_cassette("review-json-schema-llama-cpp") as cassette:
        v = review_text(PROPOSAL, settings, knowledge=Knowledge(settings), reasoner=LLMReasoner(settings))
    assert cassette.play_count == 1 or RECORD
    assert v.engine.mode == "offline" and v.engine.fallback_reason
    assert any(f.category == "overlap" for f in v.findings)


def test_ask_answers_from_the_given_sources(tmp_path: Path) -> None:
    settings = local_llm_settings(tmp_path, structured_output="function_calling")
    knowledge = Knowledge(settings)
    cit = knowledge.citation("framework#new-database")
    assert cit is not None
    offline = Answer(question="How should a new app get its PostgreSQL database?", answer="offline", citations=[cit])
    with use_cassette("ask-new-database") as cassette:
        answer = answer_with_llm(offline.question, offline, knowledge, settings)
    assert cassette.play_count == 1 or RECORD
    assert answer.mode == "llm" and answer.answer.strip() and answer.answer != "offline"
    assert answer.citations == [cit]
