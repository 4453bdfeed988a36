import pytest

from assistant.inputs.language import is_negated


@pytest.mark.parametrize(
    ("sentence", "word", "negated"),
    [
        ("Instead of Redis we use Dragonfly", "Redis", True),
        ("Instead of a PVC we use hostPath", "hostPath", False),
        ("We will deploy Redis for Authentik", "Redis", False),
        ("No hostPath, a Longhorn PVC", "hostPath", True),
        ("we will not commit secrets, not even SOPS-encrypted", "SOPS", True),
        ("No monitoring needed, but we run Redis", "Redis", False),
        ("We considered Vault but chose ESO", "Vault", True),
        ("We won't use MinIO, SeaweedFS or Ceph", "SeaweedFS", True),
        ("Redis is not needed here", "Redis", True),
        ("Add Redis without persistence", "Redis", False),
        ("migrating from Promtail to Alloy", "Promtail", True),
        ("migrating from Promtail to Alloy", "Alloy", False),
        ("replace Redis with Dragonfly", "Dragonfly", False),
    ],
)
def test_negation_scope(sentence: str, word: str, negated: bool) -> None:
    start = sentence.index(word)
    assert is_negated(sentence, start, start + len(word)) is negated


def test_a_run_on_paste_is_read_in_bounded_clauses_and_a_repeat_adds_nothing() -> None:
    """Issue #23 item 6: review time was quadratic in a run-on proposal (every mention re-read all text before it).
    Sentences over MAX_SENTENCE characters are cut into their clauses, so each piece of work is bounded; a clause
    said again is read once. Speed itself is in bench/ (`big_proposal`)."""
    from assistant.checks.predicates import ProposalText, affirmed
    from assistant.inputs.language import MAX_SENTENCE, sentences

    unit = "Deploy Redis and MinIO with Vault, not Consul, and Traefik behind Cilium, "
    run_on = unit * 2000  # 150 kB without a full stop
    pieces = sentences(run_on)
    assert len(pieces) > 1000 and max(len(s.text) for s in pieces) <= MAX_SENTENCE
    assert "".join(s.text for s in pieces).replace(" ", "") == run_on.replace(" ", "")  # nothing lost
    doc = ProposalText.of(run_on)
    assert [s.text for s in doc.distinct] == ["Deploy Redis and MinIO with Vault,", "not Consul,",
                                             "and Traefik behind Cilium,"]  # fmt: skip
    assert [s.text for s, _ in affirmed(doc, r"\bconsul\b")] == []  # still negated inside its clause
    assert [s.line for s, _ in affirmed(doc, r"\bminio\b")] == [1]
    short = "We use Redis, not Consul, for locks."
    assert sentences(short)[0].text == short  # a normal sentence is never cut
