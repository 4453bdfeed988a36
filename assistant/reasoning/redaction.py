"""Redact secret material before any text leaves the machine for an LLM."""

from __future__ import annotations

import re

_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("private-key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----")),
    ("aws-access-key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b")),
    ("openai-key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}\b")),
    ("slack-token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b")),
    ("sops-data", re.compile(r"ENC\[AES256_GCM,[^\]]*\]")),
    ("age-key", re.compile(r"\bAGE-SECRET-KEY-1[0-9A-Z]{50,}\b")),
    ("url-credentials", re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)")),
]
# key: value pairs whose key names a secret; the value is replaced, the key kept
_ASSIGNMENT = re.compile(
    r"(?P<key>\b[\w.-]*(?:password|passwd|secret|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key|"
    r"client[_-]?secret|credentials?)[\w.-]*\b[\"']?\s*[:=]\s*)(?P<q>[\"']?)(?P<value>[^\s\"'#,}]{4,})(?P=q)",
    re.I,
)
_NOT_SECRET = re.compile(
    r"^(?:\$\{.*|\{\{.*|<.*>|true|false|null|none|changeme|example|redacted|\[redacted.*|"
    r"[a-z0-9-]+-(?:secret|credentials|token)s?|secretKeyRef|existingSecret|/[\w/.-]+)$",
    re.I,
)


def redact(text: str) -> tuple[str, int]:
    """The text with secret values replaced by `[REDACTED:kind]`, and how many were replaced."""
    count = 0
    for kind, pattern in _RULES:
        text, n = pattern.subn(f"[REDACTED:{kind}]", text)
        count += n

    def assignment(m: re.Match[str]) -> str:
        nonlocal count
        value = m.group("value")
        if _NOT_SECRET.match(value) or "REDACTED" in value:
            return m.group(0)
        count += 1
        return f"{m.group('key')}{m.group('q')}[REDACTED:value]{m.group('q')}"

    text = _ASSIGNMENT.sub(assignment, text)
    return text, count
