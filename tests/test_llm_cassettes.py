"""The LLM path against recorded responses of a real OpenAI-compatible server (see tests/cassettes/README.md).

Replay (the default, CI): record mode `none`, so a request that matches no recorded one fails instead of
reaching the network. Re-record with `make cassettes` (starts ../shared/tools/local-llm)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from assistant.knowledge_base.knowledge import Knowledge
from assistant.models import Answer, Verdict
from assistant.pipeline import review_text
from assistant.reasoning.ask_llm import answer_with_llm
from assistant.reasoning.chain import LLMReasoner
from tests.conftest import RECORD, RERECORD, local_llm_settings, use_cassette

PROPOSAL = (
    "Plan: deploy Bitnami Redis as Authentik's cache, one replica, monitoring can come later. "
    "The admin password: hunter2secret goes in the values."
)


def _body(cassette) -> str:  # type: ignore[no-untyped-def]
    body = cassette.requests[0].body
    return body.decode() if isinstance(body, bytes) else body


def _expected_drops(reply: dict, offline: Verdict, allowed: set[str]) -> int:  # type: ignore[type-arg]
    """The guardrail, restated from the recorded reply: a citation outside the given sources is dropped where the
    claim is kept (a criterion the framework has and no finding made weak; a finding that adds a category)."""
    open_criteria = {c.id for c in offline.criteria if c.rating != "weak"}
    have = {(f.category, f.component) for f in offline.findings}
    kept = [c for c in reply.get("criteria", []) if c.get("id") in open_criteria]
    kept += [f for f in reply.get("findings", []) if (f.get("category"), f.get("component")) not in have]
    return sum(1 for claim in kept for cid in claim.get("citations", []) if cid not in allowed)


def _check_llm_path(v: Verdict, offline: Verdict, body: str, knowledge: Knowledge, reply: dict) -> None:  # type: ignore[type-arg]
    """The review went the LLM way, and its guardrails held on what the model really said."""
    assert v.engine.mode == "llm" and v.engine.fallback_reason is None
    assert v.engine.prompt_tokens > 0 and v.engine.completion_tokens > 0 and v.engine.prompt_version == "review-v1"
    # a deterministic finding cannot be dropped or softened, and the verdict is the formula's
    assert {(f.id, f.severity) for f in offline.findings} <= {(f.id, f.severity) for f in v.findings}
    assert v.verdict == "reject"  # the committed password is a blocker whatever the model said
    # a citation that names no given source is dropped and counted
    given = re.findall(r'<source id=\\?"([^"\\]+)', body)
    allowed = {c.id for c in knowledge.rubric.criteria} | set(given)
    expected = _expected_drops(reply, offline, allowed)
    assert v.engine.dropped_citations == expected
    known = {c.id for c in v.citations}
    assert all(set(c.citations) <= known for c in v.criteria) and all(set(f.citations) <= known for f in v.findings)


def _json_object_review(tmp_path: Path, text: str, name: str):  # type: ignore[no-untyped-def]
    """The text reviewed offline and through the recorded json_object cassette `name`: (verdict, offline, cassette,
    knowledge); the recording must match the request."""
    settings = local_llm_settings(tmp_path, structured_output="json_object", max_tokens=600, timeout=900.0)
    knowledge = Knowledge(settings)
    offline = review_text(text, settings.model_copy(update={"llm": "off"}), knowledge=knowledge)
    with use_cassette(name) as cassette:
        v = review_text(text, settings, knowledge=knowledge, reasoner=LLMReasoner(settings))
    assert cassette.play_count == 1 or RECORD, f"the recorded request no longer matches: {RERECORD}"
    return v, offline, cassette, knowledge


def test_json_object_review_with_a_real_model_takes_the_llm_path(tmp_path: Path) -> None:
    """The model's reply is constrained to the schema by llama.cpp's grammar (response_format json_object with the
    schema): a valid structured review, so the LLM path and its guardrails run (an offline fallback fails this)."""
    v, offline, cassette, knowledge = _json_object_review(tmp_path, PROPOSAL, "review-json-object-llama-cpp")
    body = _body(cassette)
    request = json.loads(body)
    assert "hunter2secret" not in body and "REDACTED" in body  # redacted before it left the machine
    assert request["response_format"]["type"] == "json_object"
    assert set(request["response_format"]["schema"]["required"]) == {"criteria", "findings", "questions", "summary"}
    response = json.loads(cassette.responses[-1]["body"]["string"])
    assert response["choices"][0]["finish_reason"] == "stop"  # a whole answer, not one cut at max_tokens
    reply = json.loads(response["choices"][0]["message"]["content"], strict=False)
    # the dropped count equals the invalid ids in the recorded reply (whatever this recording holds); the drop itself
    # is pinned by tests/test_llm.py with a reply that cites two ids it was never given
    _check_llm_path(v, offline, body, knowledge, reply)


def test_function_calling_review_with_a_real_model(tmp_path: Path) -> None:
    """Function calling (the default with a base URL): the 135M model's tool call parses, so the LLM path runs."""
    settings = local_llm_settings(tmp_path, structured_output="function_calling")
    knowledge = Knowledge(settings)
    offline = review_text(PROPOSAL, settings.model_copy(update={"llm": "off"}), knowledge=knowledge)
    with use_cassette("review-function-calling") as cassette:
        v = review_text(PROPOSAL, settings, knowledge=knowledge, reasoner=LLMReasoner(settings))
    assert cassette.play_count == 1 or RECORD, f"the recorded request no longer matches: {RERECORD}"
    body = _body(cassette)
    assert "hunter2secret" not in body and "REDACTED" in body  # redacted before it left the machine
    assert '"tools"' in body  # function calling, not response_format json_schema
    response = json.loads(cassette.responses[-1]["body"]["string"])
    call = response["choices"][0]["message"]["tool_calls"][0]["function"]
    _check_llm_path(v, offline, body, knowledge, json.loads(call["arguments"], strict=False))


def test_json_schema_on_llama_cpp_falls_back_offline(tmp_path: Path) -> None:
    settings = local_llm_settings(tmp_path, structured_output="json_schema")
    with use_cassette("review-json-schema-llama-cpp") as cassette:
        v = review_text(PROPOSAL, settings, knowledge=Knowledge(settings), reasoner=LLMReasoner(settings))
    assert cassette.play_count == 1 or RECORD
    assert v.engine.mode == "offline" and "Error code: 500" in (v.engine.fallback_reason or "")
    offline = review_text(PROPOSAL, settings.model_copy(update={"llm": "off"}), knowledge=Knowledge(settings))
    assert [f.id for f in v.findings] == [f.id for f in offline.findings]  # the offline review, unchanged


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


def test_an_injected_proposal_through_a_real_model_keeps_the_offline_floor(tmp_path: Path) -> None:
    """Issue #23 item 1 on a real model's recorded answer to a proposal that tells the reviewer to approve: the
    verdict is the offline one, no criterion is raised without a valid citation, no rationale claims a verdict, and
    the instructions are a finding. (The recorded 135M model does not obey; tests/test_llm.py holds the same rules
    against a fake model that does, said so there.)"""
    from tests.test_llm import INJECTED

    v, offline, cassette, _ = _json_object_review(tmp_path, INJECTED, "review-injected-proposal")
    assert "ignore previous instructions" in _body(cassette)  # the model was given the injection
    assert v.engine.mode == "llm" and v.verdict == offline.verdict == "revise"
    rank = {"weak": 0, "unknown": 1, "neutral": 2, "strong": 3}
    for c, o in zip(v.criteria, offline.criteria, strict=True):
        assert rank[c.rating] <= rank[o.rating] or set(c.citations) - set(o.citations), c
        assert "approved" not in c.rationale.lower()
    assert any(f.category == "prompt-injection" for f in v.findings)
