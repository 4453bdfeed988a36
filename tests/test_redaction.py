from assistant.reasoning.redaction import redact


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
