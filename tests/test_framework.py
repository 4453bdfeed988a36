from pathlib import Path

from assistant.config import data_dir
from assistant.knowledge_base.framework import load_rubric, parse_framework

FRAMEWORK = data_dir("knowledge") / "framework.md"


def test_rubric_has_the_framework_criteria_patterns_and_anti_patterns() -> None:
    rubric = load_rubric(FRAMEWORK)
    ids = [c.id for c in rubric.criteria]
    assert ids[:6] == [
        "principle-alignment/enterprise-at-home",
        "principle-alignment/everything-as-code",
        "principle-alignment/automation-is-key",
        "principle-alignment/learning-first",
        "principle-alignment/dry-and-code-reuse",
        "principle-alignment/continuous-improvement",
    ]
    assert ids[6:] == ["stack-fit", "operational-cost", "complexity-budget", "alternative-analysis", "failure-modes"]
    backed_up = rubric.criterion("operational-cost").questions[1]
    assert backed_up.text == "How is it backed up?" and backed_up.requirement == "Must have a recovery story"
    assert [p.id for p in rubric.patterns] == [
        "new-application",
        "new-infrastructure-component",
        "new-secret",
        "new-storage",
        "new-database",
        "new-network-exposure",
    ]
    assert "Never use hostPath or emptyDir for persistent data" in rubric.pattern("new-storage").items  # type: ignore[union-attr]
    assert len(rubric.anti_patterns) == 7
    assert rubric.anti_pattern("storing-state-outside-git").correct == "Git is the source of truth"  # type: ignore[union-attr]
    assert len(rubric.stack) == 14 and rubric.stack[6].technology == "Dragonfly"


def test_editing_the_framework_changes_the_rubric(tmp_path: Path) -> None:
    text = FRAMEWORK.read_text()
    text = text.replace(
        "- Can it self-heal? (Strong preference for self-healing)",
        "- Can it self-heal? (Strong preference for self-healing)\n"
        "- Is there a chaos test? (Must survive a node drain)",
    )
    text = text.replace("| Storing state outside git |", "| Keeping state out of the repo |")
    text = text.replace("### Complexity Budget", "### Complexity Allowance")
    copy = tmp_path / "framework.md"
    copy.write_text(text)
    rubric = load_rubric(copy)
    failure = rubric.criterion("failure-modes")
    assert failure.questions[-1].text == "Is there a chaos test?"
    assert failure.questions[-1].requirement == "Must survive a node drain"
    assert rubric.anti_pattern("storing-state-outside-git") is None
    assert rubric.anti_pattern("keeping-state-out-of-the-repo") is not None
    assert "complexity-allowance" in [c.id for c in rubric.criteria]
    assert "framework#complexity-allowance" in rubric.anchors


def test_a_framework_without_criteria_is_refused() -> None:
    import pytest

    from assistant.errors import InputError

    with pytest.raises(InputError, match="no criteria"):
        parse_framework("# Empty\n\nNothing here.\n")
