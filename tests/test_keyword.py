"""The keyword half of retrieval: Snowball stemming, the file-level BM25 index, and when a saved keyword index is
reused. Real BM25 (bm25s), real Chroma and the real embedding model on small repos made in a temp dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.knowledge_base import retrieval
from assistant.knowledge_base.index import IndexStore
from assistant.knowledge_base.keyword import KeywordIndex, tokenize
from assistant.knowledge_base.knowledge import Knowledge
from tests.conftest import settings_for


def test_words_are_stemmed_so_inflections_meet() -> None:
    assert set(tokenize("restoring upgrades")) == set(tokenize("restore upgrade"))
    assert "garagebucketclaim" in tokenize("GarageBucketClaim")  # a name is kept whole, and split
    assert {"garag", "bucket", "claim"} <= set(tokenize("GarageBucketClaim"))


def test_a_saved_index_from_another_tokenizer_is_not_reused(tmp_path: Path) -> None:
    KeywordIndex.build(["a", "b"], ["restoring volumes", "upgrades"]).save(tmp_path, "stamp-1")
    assert KeywordIndex.load(tmp_path, "stamp-1") is not None
    assert KeywordIndex.load(tmp_path, "stamp-2") is None
    meta = json.loads((tmp_path / "ids.json").read_text())
    meta["tokenizer"] = "light-suffix/0"
    (tmp_path / "ids.json").write_text(json.dumps(meta))
    assert KeywordIndex.load(tmp_path, "stamp-1") is None


@pytest.fixture(scope="module")
def two_runbooks(tmp_path_factory: pytest.TempPathFactory) -> Knowledge:
    """Two runbooks with the same "Restart the relay" section. Only the first also covers the sensor
    calibration and torque limits that the question asks about, in its other sections."""
    root = tmp_path_factory.mktemp("two-runbooks")
    repo = root / "repo"
    (repo / "docs").mkdir(parents=True)
    restart = "## Restart the relay\n\nScale the relay deployment to zero, wait for the pods to go, then scale up.\n"
    (repo / "docs" / "relay-maintenance.md").write_text(
        "# Relay maintenance\n\n"
        + restart
        + "\n## Sensor calibration\n\nRun the calibration job after every firmware flash.\n"
        + "\n## Torque limits\n\nKeep the torque limit at 40 Nm for the clamp actuator.\n"
    )
    (repo / "docs" / "relay-upgrade.md").write_text(
        "# Relay upgrade\n\n"
        + restart.replace("Scale the relay", "To restart the relay (a relay restart), scale the relay")
        + "\n## Chart version\n\nBump the chart in helm-charts.yaml.\n"
        + "\n## Rollback\n\nRevert the commit and let Flux reconcile.\n"
    )
    settings = settings_for(root / "index", repo=repo)
    IndexStore(settings).build(repo)
    return Knowledge(settings)


QUESTION = "restart the relay during sensor calibration within torque limits"


def _restart_sections(knowledge: Knowledge) -> list[str]:
    hits = knowledge.search(QUESTION, k=10, sources={"repo"}, per_file=None)  # by score: one file's sections in turn
    return [h.chunk.path for h in hits if h.chunk.section.endswith("Restart the relay")]


def test_the_file_holding_the_other_words_lends_its_restart_section_the_lead(two_runbooks: Knowledge) -> None:
    assert _restart_sections(two_runbooks)[0] == "docs/relay-maintenance.md"


def test_without_the_file_level_score_the_other_restart_section_leads(
    two_runbooks: Knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control for the test above: the chunk-level scores alone prefer the upgrade runbook's section (it names
    the restart of the relay three times), so the lead above comes from the file-level index."""
    monkeypatch.setattr(retrieval, "FILE_WEIGHT", 0.0)
    assert _restart_sections(two_runbooks)[0] == "docs/relay-upgrade.md"


def test_an_alert_deep_in_a_long_rule_file_is_cited_by_its_own_lines(tmp_path: Path) -> None:
    from tests.test_chunking import _long_rule_file

    text = _long_rule_file(60).replace(
        "Garage condition number 45 held", "Metadata engine replication lag above thirty seconds held"
    )
    repo = tmp_path / "repo"
    (repo / "monitoring").mkdir(parents=True)
    (repo / "monitoring" / "garage-rules.yaml").write_text(text)
    settings = settings_for(tmp_path / "index", repo=repo)
    IndexStore(settings).build(repo)
    top = Knowledge(settings).search("alert on metadata engine replication lag", k=3, sources={"repo"})[0]
    line = text.split("\n").index("        - alert: GarageAlert45") + 1
    assert top.chunk.id.startswith("repo:monitoring/garage-rules.yaml#prometheusrule/garage-alerts~part")
    assert top.chunk.lines[0] <= line <= top.chunk.lines[1] < line + 60
