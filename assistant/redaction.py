"""The one redaction boundary: every text that leaves the process passes `redact` first.

LLM requests (every prompt is rendered by `reasoning.prompts.render`, which redacts), printed output (the
renderers), TUI history files, recorded cassettes and eval reports. Secret values become `[REDACTED:kind]`;
the key, and references to secrets (`secretName: x`, `existingSecret:`, `${SECRET}`), are kept so that the
text still reads and the checks still see that a secret was there.

Detectors, in order:
1. PEM private-key blocks, with or without their END line;
2. known token formats (AWS, GitHub, GitLab, Slack tokens and webhooks, Google, Stripe, OpenAI, JWT, age, SOPS);
3. credentials in URLs (`scheme://user:pass@host`) and `Authorization: Bearer …` headers;
4. key/value pairs whose key names a credential (password, pass, pwd, secret, token, api key, private key,
   webhook, dockerconfigjson, auth, credentials …) in YAML, env, JSON, INI and connection strings;
5. prose: "the admin password is Hunter2!", "token `abc…`";
6. high-entropy values in a secret-ish context (a credential word on the line or the few lines above).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from typing import Any, TypeVar

from pydantic import BaseModel

MARK = "[REDACTED:{}]"

# 1. PEM: the block to its END line, or (END missing) the base64 body that follows the BEGIN line
_PEM = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
    r"(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|"
    r"[A-Za-z0-9+/=]*(?:(?:\r?\n|\\n)[ \t]*(?:[A-Za-z0-9+/=]{8,}|(?:Proc-Type|DEK-Info|Comment):[^\n\\]*))*)"
)

# 2. token formats
_TOKENS: list[tuple[str, re.Pattern[str]]] = [
    ("aws-access-key", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[0-9A-Z]{16}(?![A-Z0-9])")),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b")),
    ("gitlab-token", re.compile(r"\bgl(?:pat|dt|rt|ptt|cbt|oas)-[A-Za-z0-9_-]{20,}")),
    ("slack-token", re.compile(r"\bxox[abposre]-[A-Za-z0-9-]{10,}")),
    ("slack-webhook", re.compile(r"(?<=hooks\.slack\.com/)(?:services|workflows|triggers)/[A-Za-z0-9/_-]+")),
    ("discord-webhook", re.compile(r"(?<=discord\.com/api/webhooks/)[0-9]+/[A-Za-z0-9_-]+")),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("stripe-key", re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}|\bwhsec_[0-9A-Za-z]{24,}")),
    ("openai-key", re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")),
    ("age-key", re.compile(r"\bAGE-SECRET-KEY-1[0-9A-Z]{50,}")),
    ("sops-data", re.compile(r"ENC\[AES256_GCM,[^\]]*\]")),
]

# 3. URL credentials and authorization headers
_URL_CREDENTIALS = re.compile(r"(?<=://)(?P<user>[^/\s:@\"'`]*):(?P<value>[^/\s@\"'`]+)(?=@)")
_AUTH_HEADER = re.compile(r"\b(?P<scheme>Bearer|Basic|[Tt]oken)[ \t]+(?P<value>(?=[^\s]*\d)[A-Za-z0-9._~+/=-]{16,})")

# 4. key/value pairs. A key is split into words (snake, kebab, dots, camelCase); it names a credential when one
# word does (or ends in one: PGPASSWORD), unless its last word makes it a reference (secretName, passwordSecretRef)
_ASSIGNMENT = re.compile(
    r"(?P<key>(?<![\w.-])[\"']?\.?[A-Za-z_][\w.-]*[\"']?)(?P<sep>[ \t]*(?::|=|:=)[ \t]*)"
    r"(?P<q>[\"'`])?(?P<value>(?(q)[^\"'`\n]+|(?:\$\w*\{[^}\n]*\}|\{\{[^}\n]*\}\}|[^\s\"'`,;}#]+(?![^\s\"'`,;}#])(?<!:))"
    r"(?P<eol>(?=[ \t]*(?:[\r\n,;}\]#]|$)))?))"
)
_CREDENTIAL_WORDS = {
    "password", "passwd", "passphrase", "pass", "pwd", "secret", "secrets", "token", "apikey", "credential",
    "credentials", "webhook", "dockerconfigjson", "dockercfg", "auth", "authorization", "privatekey", "secretkey",
    "accesskey", "dsn", "connectionstring", "signingkey", "encryptionkey", "masterkey", "sessionkey",
}  # fmt: skip
_CREDENTIAL_SUFFIXES = ("password", "passwd", "passphrase", "secret", "token", "apikey", "credentials")
_PAIRS = {("api", "key"), ("private", "key"), ("access", "key"), ("secret", "key"), ("client", "secret"),
          ("connection", "string"), ("signing", "key"), ("encryption", "key"), ("master", "key"), ("auth", "key"),
          ("session", "key"), ("license", "key"), ("shared", "key")}  # fmt: skip
_REFERENCE_LAST = {"name", "names", "ref", "refs", "keyref", "secretref", "namespace", "file", "path", "dir",
                   "enabled", "enable", "length", "ttl", "type", "kind", "store", "storeref", "template", "templates",
                   "policy", "mode", "method", "format", "provider", "key_name", "selector", "id", "url_env", "env",
                   "expiry", "expires", "lifetime", "rotation", "count", "size", "header", "field", "prefix", "regex",
                   "rules", "reset", "hash", "algorithm", "strength", "min", "max", "chars", "version", "yaml", "yml",
                   "generator", "controller", "operator", "manager", "policies", "sync", "status", "annotations",
                   "labels"}  # fmt: skip
_REFERENCE_FIRST = {"existing", "use", "create", "generate", "external", "sealed", "sops", "from", "mount", "no",
                    "skip", "require", "requires", "allow", "show", "hide", "rotate", "with", "enable", "min", "max",
                    "forgot", "reset", "change"}  # fmt: skip
_ENDPOINT_LAST = {"url", "uri", "endpoint", "host", "hostname", "server", "issuer", "scope", "scopes", "user",
                  "username", "email", "audience", "realm", "port", "address", "redirect"}  # fmt: skip
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")

# 4b. a Kubernetes env entry: `- name: DB_PASSWORD` then `value: …` (next line, a diff line, or a flow mapping)
_ENV_ENTRY = re.compile(
    r"(?P<head>\bname:[ \t]*[\"']?(?P<key>[\w.-]+)[\"']?(?:[ \t]*\r?\n[+\- \t]*|[ \t]*,[ \t]*|[ \t]+)value:[ \t]*)"
    r"(?P<q>[\"']?)(?P<value>[^\s\"',}]+)"
)

# 5. prose: a credential noun, a linking word, then a value that looks like a secret
_PROSE = re.compile(
    r"\b(?P<key>passwords?|passphrase|passwd|pwd|secrets?|tokens?|api[ -]?keys?|access keys?|private keys?|"
    r"webhook(?: url)?)\b"
    r"(?P<link>(?:[ \t]+(?:is|was|are|=|of|set to|to|will be|reads|being|for \w+ is))?[ \t]*[:=]?[ \t]+)"
    r"(?P<q>[\"'`]?)(?P<value>[\w!@#$%^&+=~.-]{6,}?)(?P=q)(?=[\s.,;!?)\]]|$)",
    re.I,
)

# 6. entropy
_CANDIDATE = re.compile(r"(?<![A-Za-z0-9+/=_:@.-])[A-Za-z0-9+/=_-]{20,}(?![A-Za-z0-9+/=_-])")
_SECRETISH = re.compile(
    r"passw|passphrase|secret|token|credential|api[_-]?key|private|auth|\bpass\b|\bpwd\b|stringData|dockerconfig|"
    r"\bkey\b",
    re.I,
)
_DIGEST_BEFORE = re.compile(r"(?:sha(?:1|256|384|512)|md5|digest|checksum|hash|commit|rev|ref|sum)[:=@ \t\"']*$", re.I)

_NOT_A_SECRET = re.compile(
    r"^(?:\$+\w*\{[^}]*\}|\$\([^)]*\)|\$[A-Z_][A-Z0-9_]*|\{\{.*\}\}|<[^>]*>|%\([^)]*\)s|\*+|x{3,}|\.{3}|…|-+|"
    r"true|false|yes|no|on|off|null|nil|none|empty|changeme|change-me|example|redacted|required|optional|pass|read|write|"
    r"password|passwd|secret|token|placeholder|dummy|test|your[-_]\w+|"
    r"\[REDACTED[^\]]*\]?|REDACTED.*|secretKeyRef|existingSecret|secretRef|"
    r"(?-i:[a-z0-9]+(?:[-.][a-z0-9]+)*[-.](?:secrets?|credentials?|tokens?|passwords?|keys?|auth|env)|"
    r"(?:secrets?|credentials?|tokens?)[-.][a-z0-9-]+)|"
    r"(?:/|\./|~/)[\w/.@-]*|[\w.-]*(?:/[\w.@-]+)*\.(?:ya?ml|json|txt|env|pem|key|crt|toml|ini|conf|tfvars|md)|"
    r"kubernetes\.io/[\w.-]+|Opaque|[A-Z][a-z]+Secret|ExternalSecret|ClusterSecretStore|SecretStore|"
    r"\d{1,6}(?:\.\d+)?[smhd]?|"
    r"(?:var|local|data|module|each|self|path|terraform)\.[\w.\[\]\"-]+|[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+|"
    r"\w+\(.*|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)$",
    re.I,
)


def _key_words(key: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(key.strip("\"'."))]


def credential_key(key: str) -> bool:
    """Whether a key names a credential (`DB_PASS`, `smtp-pass`, `.dockerconfigjson`, `apiKey`), and not a reference
    to one (`secretName`, `existingSecret`, `passwordSecretRef`)."""
    words = _key_words(key)
    if not words:
        return False
    if words[-1] in _REFERENCE_LAST or words[0] in _REFERENCE_FIRST or words[-1].isdigit():
        return False
    if words[-1] in _ENDPOINT_LAST and not ("webhook" in words and words[-1] in ("url", "uri")):
        return False  # auth_url, token_url, WEBHOOK_HOST: where to go, not what to send
    if any(w in _CREDENTIAL_WORDS or w.endswith(_CREDENTIAL_SUFFIXES) for w in words):
        return True
    return any(pair in _PAIRS for pair in itertools.pairwise(words))


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values()) if value else 0.0


def _looks_random(token: str) -> bool:
    """Random key material rather than an identifier (`ExternalSecretSyncFailure`, `oauth2_proxy_version`): high
    entropy, digits mixed in, and little of it made of word-like runs."""
    if re.fullmatch(r"[0-9a-f]+", token, re.I):
        return len(token) >= 32 and entropy(token) >= 3.0 and bool(re.search(r"[a-f]", token, re.I))
    if token.startswith("/") or entropy(token) < 3.5 or not re.search(r"[A-Za-z]", token):
        return False
    pieces = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", token)
    wordy = sum(len(x) for x in pieces if len(x) >= 4) / max(1, len(re.findall(r"[A-Za-z0-9]", token)))
    digits = len(re.findall(r"\d", token))
    return (digits >= 2 and wordy < 0.6) or (digits >= 4 and wordy < 0.75)


def _plain_value(value: str) -> bool:
    """A value that is clearly not secret material: a template, a reference, a path, a flag, a number."""
    v = value.strip()
    templated = re.search(r"\{\{|\$+\w*\{|\$\(", v)
    return len(v) < 3 or bool(templated or _NOT_A_SECRET.match(v)) or "REDACTED" in v


def _prose_secret(value: str, quoted: bool) -> bool:
    """In prose a credential noun is often followed by an ordinary word ("the token is required"): only a value
    that looks like one (a digit or symbol in it, mixed case, or quoted) counts."""
    v = value.rstrip(".,;:!?…)]")
    if _plain_value(v) or len(v) < 6:
        return False
    if quoted:
        return True
    if v.startswith(("!", "<", "(", "[")) or not re.fullmatch(r"[\w!@#$%^&*+=~?.-]+", v):
        return False  # a YAML tag (!env_var X), a placeholder, markup: not a password written out
    return bool(re.search(r"\d", v) and re.search(r"[A-Za-z]", v)) or bool(re.search(r"[!@#$%^&*+=~?]", v)) or (
        bool(re.search(r"[a-z][A-Z]|[A-Z]{2}[a-z]", v)) and not v.istitle()
    )


class _Pass:
    def __init__(self) -> None:
        self.count = 0

    def mark(self, kind: str) -> str:
        self.count += 1
        return MARK.format(kind)


def redact(text: str) -> tuple[str, int]:
    """The text with secret values replaced by `[REDACTED:kind]`, and how many were replaced."""
    if not text:
        return text, 0
    p = _Pass()
    text = _PEM.sub(lambda m: p.mark("private-key"), text)
    for kind, pattern in _TOKENS:
        text = pattern.sub(lambda m, kind=kind: p.mark(kind), text)  # type: ignore[misc]

    def url(m: re.Match[str]) -> str:
        if _plain_value(m.group("value")):
            return m.group(0)
        return f"{m.group('user')}:{p.mark('url-credentials')}"

    text = _URL_CREDENTIALS.sub(url, text)
    text = _AUTH_HEADER.sub(
        lambda m: m.group(0) if "REDACTED" in m.group("value") else f"{m.group('scheme')} {p.mark('auth-header')}",
        text,
    )

    def assignment(m: re.Match[str]) -> str:
        value = m.group("value")
        if not credential_key(m.group("key")) or _plain_value(value):
            return m.group(0)
        if not m.group("q") and m.group("eol") is None and not _prose_secret(value, False):
            return m.group(0)  # `New Secret: store it in SSM` is prose; mid-line, only a secret-looking value counts
        if not m.group("q") and m.group("sep").strip() == ":" and value.endswith(":"):
            return m.group(0)  # `password:` opening a mapping, not a value
        if _key_words(m.group("key"))[-1] == "key" and re.fullmatch(r"[A-Za-z][A-Za-z_-]{0,40}(?:-\d+)?", value):
            return m.group(0)  # an ExternalSecret's `secretKey: password` names a key; a key has digits
        return f"{m.group('key')}{m.group('sep')}{m.group('q') or ''}{p.mark('value')}"

    text = _ASSIGNMENT.sub(assignment, text)
    text = _ENV_ENTRY.sub(
        lambda m: m.group(0)
        if not credential_key(m.group("key")) or _plain_value(m.group("value"))
        else f"{m.group('head')}{m.group('q')}{p.mark('value')}",
        text,
    )

    def prose(m: re.Match[str]) -> str:
        if not _prose_secret(m.group("value"), bool(m.group("q"))):
            return m.group(0)
        return f"{m.group('key')}{m.group('link')}{m.group('q')}{p.mark('value')}{m.group('q')}"

    text = _PROSE.sub(prose, text)
    text = _redact_high_entropy(text, p)
    return text, p.count


def _redact_high_entropy(text: str, p: _Pass) -> str:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not _CANDIDATE.search(line):
            continue
        context = "\n".join(lines[max(0, i - 3) : i + 1])
        if not _SECRETISH.search(context):
            continue

        def one(m: re.Match[str], line: str = line) -> str:
            token = m.group(0)
            filename = re.match(r"\.[A-Za-z]{1,8}\b", line[m.end() :])
            if "REDACTED" in token or filename or _DIGEST_BEFORE.search(line[: m.start()]) or not _looks_random(token):
                return token
            return p.mark("high-entropy")

        lines[i] = _CANDIDATE.sub(one, line)
    return "\n".join(lines)


def redact_text(text: str) -> str:
    return redact(text)[0]


def redact_data(data: Any) -> Any:
    """Every string inside JSON-like data (dicts, lists, tuples), redacted; dict keys are kept."""
    if isinstance(data, str):
        return redact(data)[0]
    if isinstance(data, dict):
        return {k: redact_data(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return type(data)(redact_data(x) for x in data)
    return data


M = TypeVar("M", bound=BaseModel)


def redact_model(model: M) -> M:
    """A copy of a pydantic model (a Verdict, an Answer) with every string field redacted, nested models included;
    fields excluded from its JSON are kept as they are."""
    update: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        new = _redact_value(value)
        if new is not value:
            update[name] = new
    return model.model_copy(update=update) if update else model


def _redact_value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return redact_model(value)
    if isinstance(value, str):
        out = redact(value)[0]
        return value if out == value else out
    if isinstance(value, list | tuple | dict):
        out = redact_data(value) if not _has_models(value) else _redact_container(value)
        return value if out == value else out
    return value


def _has_models(value: Any) -> bool:
    items = value.values() if isinstance(value, dict) else value
    return any(isinstance(x, BaseModel) for x in items)


def _redact_container(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    return type(value)(_redact_value(x) for x in value)
