"""secret-in-git: a Secret that commits literal values (bound to kind Secret), and an encrypted secret in git
(a SealedSecret, or any document SOPS encrypted)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path, PurePosixPath

from assistant.checks.context import CONFIG_FILES, TEMPLATED, YAML, Context, finding, get
from assistant.inputs.manifests import Document
from assistant.models import Finding, Location
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


# a key that names a credential by its last word (DB_PASSWORD, cipassword, clientSecret, N8N_ENCRYPTION_KEY), and
# one whose last word makes it a pointer to where the credential lives (passwordSecretRef, TS_KUBE_SECRET's name)
_CREDENTIAL_WORD = re.compile(
    r"(?:pass(?:word|wd)?|pwd|secret|token|api_?key|(?:encryption|private|secret|access|signing|master)_?key)$", re.I
)
_POINTER_WORD = re.compile(r"(?:name|ref|file|path|env|secretname|existing\w*|type|length|policy|_kube_secret)$", re.I)
_ASSIGN = re.compile(
    r"^\s*(?:-\s*)?[\"']?(?P<key>[A-Za-z_][\w.-]*)[\"']?\s*(?::|=)\s*"
    r"(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<plain>[^\"'#\s][^#]*?))\s*,?\s*(?:#.*)?$"
)
_ENV_VALUE = re.compile(r"^\s*value:\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<plain>[^\"'#\s][^#]*?))\s*(?:#.*)?$")
_ENV_NAME = re.compile(r"^\s*-\s*name:\s*[\"']?(?P<key>[A-Za-z_][\w.-]*)[\"']?\s*$")
_PLACEHOLDER = re.compile(
    r"^(?:changeme|change-?me|password|secret|token|example\w*|dummy|test|none|null|true|false|string|bool|number|"
    r"x+|\*+|<.*>|\[.*\]|todo.*|replace.*|your.*|redacted.*)$",
    re.I,
)
_REFERENCE_VALUE = re.compile(r"\$\{|\{\{|^\$[A-Z_]|^%|^/|^!|^(?:var|local|data|module)\.|^vault:|^op://|^ref\+|ENC\[")


def _literal(key: str, value: str, quoted: bool, path: str) -> bool:
    last = re.split(r"[._-]|(?<=[a-z])(?=[A-Z])", key)[-1]
    if not (_CREDENTIAL_WORD.search(key) and not _POINTER_WORD.search(key) and len(last) > 1):
        return False
    value = value.strip()
    if len(value) < 6 or _PLACEHOLDER.match(value) or _REFERENCE_VALUE.search(value) or TEMPLATED.search(value):
        return False
    if path.endswith((".tf", ".hcl")) and not quoted:  # HCL literals are quoted; `password = string` is a type
        return False
    # a name of where the secret lives (`tailscale`, `app-secrets`) has no digit, capital or symbol
    return bool(re.search(r"[0-9]", value) and re.search(r"[A-Za-z]", value)) or bool(re.search(r"[^\w\s.-]", value))


def _value(m: re.Match[str]) -> tuple[str, bool]:
    """(the value, whether it was quoted)."""
    if m.group("plain") is not None:
        return m.group("plain"), False
    return (m.group("dq") if m.group("dq") is not None else m.group("sq")) or "", True


def _credential_lines(lines: dict[int, str], added: set[int], path: str) -> list[tuple[int, str]]:
    """(line, key) of each added line that writes a credential literal; `lines` is the new file by line number."""
    out: list[tuple[int, str]] = []
    for number in sorted(added):
        line = lines.get(number, "")
        m = _ASSIGN.match(line)
        if m and _literal(m.group("key"), *_value(m), path):
            out.append((number, m.group("key")))
            continue
        env = _ENV_VALUE.match(line)
        name = _ENV_NAME.match(lines.get(number - 1, "")) if env else None
        if env and name and _literal(name.group("key"), *_value(env), path):
            out.append((number, name.group("key")))
    return out


def _house_literal(ctx: Context, key: str, path: str) -> str | None:
    """A repo file outside the change that already writes this key as a literal: among the repo's manifests and
    config files, or its other files of the same name (cloud-init `user-data` is neither)."""
    same_name = [
        p.relative_to(ctx.repo_root).as_posix()
        for p in itertools.islice(ctx.repo_root.glob(f"**/{PurePosixPath(path).name}"), 20)
        if p.is_file() and not p.is_symlink() and p.stat().st_size < 100_000
    ] if ctx.pr.files and ctx.repo_root != Path(".") else []  # fmt: skip
    texts = itertools.chain(
        ctx.repo_texts.items(),
        ctx.config_texts.items(),
        ((rel, (ctx.repo_root / rel).read_text(encoding="utf-8", errors="replace")) for rel in same_name),
    )
    changed = {f.path for f in ctx.pr.files}
    for rel, text in texts:
        if key not in text or rel.endswith(".md") or rel in changed:
            continue
        for line in text.splitlines():
            m = _ASSIGN.match(line) if key in line else None
            if m and m.group("key") == key and _literal(key, *_value(m), rel):
                return rel
    return None


def literal_credentials(ctx: Context, stack: Stack) -> list[Finding]:
    """A credential written as a literal on a line the change adds, in chart values, compose `environment`,
    Terraform (HCL and JSON), env and config files. A Secret's own values are `committed_values`; SOPS files are
    encrypted. Where another file of the repo already commits the same key as a literal, the change follows the
    house's practice: a question citing that file."""
    out: list[Finding] = []
    secret_files = {d.path for d in ctx.docs if d.kind == "Secret"}
    for f in ctx.pr.reviewed:
        readable = YAML.search(f.path) or CONFIG_FILES.search(f.path) or f.path.endswith(".json")
        if not readable or f.path in secret_files:
            continue
        lines = f.numbered()
        if any("ENC[AES256_GCM" in line for line in lines.values()):  # SOPS: encrypted_in_git's call
            continue
        for number, key in _credential_lines(lines, f.added_lines, f.path)[:3]:
            precedent = _house_literal(ctx, key, f.path)
            message = f"{f.path} writes {key} as a literal value: anyone who can read the repo has the credential."
            if precedent:
                message += f" {precedent} already commits {key} the same way: is this the house's choice?"
            out.append(
                finding(
                    "secret-in-git",
                    f"literal:{f.path}:{number}",
                    message,
                    Location(path=f.path, line=number),
                    severity="minor" if precedent else "major",
                )
            )
    return out
