"""Moved to `assistant.redaction`, the one boundary every outgoing text passes; kept so old imports work."""

from assistant.redaction import redact, redact_data, redact_model, redact_text

__all__ = ["redact", "redact_data", "redact_model", "redact_text"]
