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
