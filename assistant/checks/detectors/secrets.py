"""secret-in-git: a Secret that commits literal values (bound to kind Secret), and an encrypted secret in git
(a SealedSecret, or any document SOPS encrypted)."""

from __future__ import annotations

import re

from assistant.checks.context import TEMPLATED, Context, finding, get
from assistant.inputs.manifests import Document
from assistant.models import Finding
from assistant.stack.view import Stack

NOT_SECRET_KEYS = re.compile(
    r"^(?:username|user|login|host|hostname|port|database|dbname|db|name|email|"
    r"ssl-?mode|schema)$",
    re.I,
)


def secret_values(doc: Document) -> list[tuple[str, str]]:
    """(section, key) of the literal secret values a Secret commits. Keys that a generator fills in-cluster
    (secret-generator's autogenerate, a replicator's copy), templated values and plain usernames or hosts
    are not secret material."""
    annotations = get(doc.data, "metadata", "annotations") or {}
    generated = {
        k.strip()
        for v in (annotations.get("secret-generator.v1.mittwald.de/autogenerate") or "",)
        for k in str(v).split(",")
        if k.strip()
    }
    out = []
    for section in ("data", "stringData"):
        values = doc.data.get(section)
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            text = "" if value is None else str(value).strip()
            if not text or TEMPLATED.fullmatch(text) or key in generated:
                continue
            if NOT_SECRET_KEYS.match(key) and not re.search(r"://[^/\s:@]+:[^/\s@]+@", text):
                continue
            out.append((section, key))
    return out


def empty_secret(doc: Document) -> bool:
    return not secret_values(doc)


def committed_values(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    committed = secret_values(doc)
    if not committed:
        return []
    section, key = committed[0]
    keys = ", ".join(k for _, k in committed)
    return [
        finding(
            "secret-in-git",
            f"{doc.path}:{doc.name}",
            f"Secret {doc.name} commits secret values to git ({keys}).",
            ctx.location(doc, doc.key_line(section, key)),
        )
    ]


def encrypted_in_git(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    if not (doc.kind == "SealedSecret" or "sops" in doc.data):
        return []
    return [
        finding(
            "secret-in-git",
            f"{doc.path}:encrypted",
            f"{doc.path} commits an encrypted secret ({'SOPS' if 'sops' in doc.data else doc.kind});"
            " the framework: not even encrypted.",
            ctx.location(doc, doc.key_line("kind")),
        )
    ]
