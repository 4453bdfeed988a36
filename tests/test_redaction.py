import pytest

from assistant.redaction import credential_key, redact, redact_data, redact_model
from tests.secret_samples import BENIGN, PLANTED, Sample


def test_secrets_are_redacted_and_references_kept() -> None:
    text = (
        "password: hunter2secret\n"
        'api_key = "sk-proj-abcdefghijklmnopqrstuvwx"\n'
        "existingSecret: paperless-secret\n"
        "token: ${SECRET_TOKEN}\n"
        "postgres://app:s3cr3t@db:5432/x\n"
        "AKIAABCDEFGHIJKLMNOP\n"
    )
    out, count = redact(text)
    for secret in ("hunter2secret", "sk-proj-abcdef", "s3cr3t", "AKIAABCDEFGHIJKLMNOP"):
        assert secret not in out
    assert "existingSecret: paperless-secret" in out and "${SECRET_TOKEN}" in out
    assert count == 4


@pytest.mark.parametrize("sample", PLANTED, ids=[s.name for s in PLANTED])
def test_every_planted_secret_is_redacted(sample: Sample) -> None:
    out, count = redact(sample.text)
    assert sample.secret not in out and count >= 1 and "[REDACTED:" in out


@pytest.mark.parametrize("sample", BENIGN, ids=[s.name for s in BENIGN])
def test_lookalikes_are_left_alone(sample: Sample) -> None:
    assert redact(sample.text) == (sample.text, 0)


def test_redaction_is_idempotent_and_keeps_the_key() -> None:
    text = "".join(s.text + "\n" for s in PLANTED)
    once, n = redact(text)
    assert all(s.secret not in once for s in PLANTED) and n > 0 and redact(once) == (once, 0)
    assert "POSTGRES_PASSWORD: [REDACTED:value]" in once and "DB_PASS: [REDACTED:value]" in once


def test_credential_keys_and_references() -> None:
    for key in ("DB_PASS", "smtp-pass", ".dockerconfigjson", "apiKey", "PGPASSWORD", "client_secret", "webhook_url"):
        assert credential_key(key), key
    for key in ("secretName", "existingSecret", "passwordSecretRef", "secretKeyRef", "bypass", "auth_url", "tokenizer"):
        assert not credential_key(key), key


def test_nested_data_and_models_are_redacted_and_excluded_fields_kept() -> None:
    from assistant.models import Finding

    data = {"turns": [{"text": "DB_PASS: Xq7vLp2mWn"}], "n": 3}
    assert redact_data(data) == {"turns": [{"text": "DB_PASS: [REDACTED:value]"}], "n": 3}
    f = Finding(id="x", category="secret-in-git", severity="blocker", message="password: hunter2secret", origin="llm")
    g = redact_model(f)
    assert "hunter2secret" not in g.message and g.origin == "llm" and f.message.endswith("hunter2secret")
