"""Intent routing on the labelled set (evals/routing/utterances.yaml): answer, review or both."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from assistant.reasoning.intent import route

SET = Path(__file__).resolve().parent.parent / "evals" / "routing" / "utterances.yaml"
UTTERANCES: list[dict[str, object]] = yaml.safe_load(SET.read_text(encoding="utf-8"))["utterances"]
FLOOR = 0.95


def accuracy(items: list[dict[str, object]], labels: dict[str, str] | None = None) -> float:
    relabel = labels or {}
    hits = sum(route(str(u["text"])).route == relabel.get(str(u["label"]), u["label"]) for u in items)
    return hits / len(items)


def test_the_set_is_big_and_mixed() -> None:
    labels = Counter(str(u["label"]) for u in UTTERANCES)
    assert len(UTTERANCES) >= 160 and sum(bool(u.get("blind")) for u in UTTERANCES) >= 60
    assert min(labels[k] for k in ("answer", "review", "both")) >= 25


def test_routing_accuracy_holds_on_the_whole_set_and_the_blind_subset() -> None:
    assert accuracy(UTTERANCES) >= FLOOR
    assert accuracy([u for u in UTTERANCES if u.get("blind")]) >= FLOOR


@pytest.mark.parametrize("label", ["answer", "review", "both"])
def test_each_route_is_recalled(label: str) -> None:
    assert accuracy([u for u in UTTERANCES if u["label"] == label]) >= 0.9


def test_control_the_labels_carry_information() -> None:
    """With answer and review swapped, or everything called an answer, the same router falls far below the floor:
    the figure above measures the router, not a set any rule would pass."""
    assert accuracy(UTTERANCES, {"answer": "review", "review": "answer"}) < 0.4
    share_answer = sum(u["label"] == "answer" for u in UTTERANCES) / len(UTTERANCES)
    assert share_answer < 0.6  # "always answer" would score this, well under the floor


def test_the_session_secret_question_is_answered_and_a_plan_is_reviewed() -> None:
    question = (
        "I need to add a session secret for a new web application. It can be any random 32-byte value and does "
        "not need to survive a full cluster rebuild. What mechanism should I use and what does the manifest look like?"
    )
    assert route(question).route == "answer"
    assert route("Deploy Redis as a cache for Authentik, one replica.").route == "review"
    both = route("Should we deploy Redis for Authentik?")
    assert both.route == "both" and both.reason


def test_odd_input_routes_without_error() -> None:
    assert route("").route == "answer"
    assert route("   \n ").route == "answer"
    assert route("how do I restore a backup? " * 4000).route == "answer"  # ~100 KB
    assert route("¿cómo agrego un secreto nuevo?").route == "answer"
