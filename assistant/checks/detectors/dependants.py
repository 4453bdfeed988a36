"""breaks-dependants: a change that removes or switches off a platform piece that other units still use.

What goes away: the documents of a deleted file, and what a kustomization stops listing (an entry removed or
commented out). What still uses it, read from the repo's live files and the change's new text:
- a StorageClass: `storageClassName` / `storageClass` naming it;
- a Gateway: a route's `parentRefs`;
- a ClusterIssuer, (Cluster)SecretStore: an `issuerRef` / `secretStoreRef` / `storeRef`;
- a Flux Kustomization or HelmRelease: a `dependsOn`;
- an operator (a HelmRelease, Argo Application or workload of a tool): documents of its API group
  (`volsync.backube`, `postgresql.cnpg.io`);
- a folder: a kustomization that lists it, a Flux Kustomization whose `path` is in it.
The finding sits on the deleted file's first line or where the entry was, and names the dependants."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from assistant.checks.context import YAML, Context, finding, line_of
from assistant.inputs.manifests import Document, parse_documents, walk
from assistant.inputs.repo_files import RepoFile
from assistant.inputs.safe_yaml import YAMLLimitError
from assistant.models import Finding, Location
from assistant.stack.liveness import disabled_folders, is_disabled
from assistant.stack.view import Stack

_KUSTOMIZATION = re.compile(r"(?:^|/)kustomization\.ya?ml$")
_ENTRY = re.compile(r"^\s*-\s+[\"']?([^\s\"'#:]+)[\"']?\s*(?:#.*)?$")
_LIST_KEYS = ("resources:", "components:", "bases:")
# words of a tool's name that are no API group of its own
_GENERIC = {
    "operator", "controller", "manager", "cluster", "system", "server", "helm", "chart", "charts", "crds", "stack",
    "kube", "k8s", "kubernetes", "gateway", "networking", "metrics", "monitoring", "app", "apps", "home", "core",
    "io", "com", "dev", "org", "net", "v1", "alpha", "beta", "operations", "storage", "external", "internal",
    "public", "private", "template", "exporter", "agent", "proxy", "webhook", "admission", "config",
}  # fmt: skip
_REFERENCE = {  # kind of the piece -> the key a dependant names it under, and a word the key's trail contains
    "StorageClass": ("storageClassName", "storageClass"),
    "Gateway": ("parentRefs",),
    "ClusterIssuer": ("issuerRef",),
    "Issuer": ("issuerRef",),
    "ClusterSecretStore": ("secretStoreRef", "storeRef"),
    "SecretStore": ("secretStoreRef", "storeRef"),
    "Kustomization": ("dependsOn",),
    "HelmRelease": ("dependsOn",),
}
MAX_NAMED = 5


@dataclass
class Removal:
    what: str
    location: Location
    paths: set[str]  # repo paths that go away with it
    docs: list[Document] = field(default_factory=list)
    deleted: bool = False  # the change deletes these files (else it only stops listing them)


def _parse(text: str, path: str) -> list[Document]:
    try:
        return parse_documents(text, path)[0]
    except YAMLLimitError:
        return []


def _live_entries(text: str) -> set[str]:
    return {m.group(1) for line in text.splitlines() if (m := _ENTRY.match(line))}


def _emptied(ctx: Context, path: str) -> str | None:
    """The highest folder above a deleted file that keeps no file after the change."""
    kept = [*ctx.repo_texts, *(f.path for f in ctx.pr.reviewed)]
    top = None
    folder = posixpath.dirname(path)
    while folder and not any(p.startswith(folder + "/") for p in kept):
        top, folder = folder, posixpath.dirname(folder)
    return top


def removals(ctx: Context) -> list[Removal]:
    out: list[Removal] = []
    new_docs = {(d.kind, d.name) for d in ctx.docs}
    for f in ctx.pr.files:
        if f.status == "removed" and YAML.search(f.path):
            gone = [d for d in _parse(f.old_text, f.path) if d.kind and (d.kind, d.name) not in new_docs]
            names = ", ".join(f"{d.kind} {d.name}".strip() for d in gone[:3])
            paths = {f.path} | ({folder} if (folder := _emptied(ctx, f.path)) else set())
            what = f"deletes {f.path}" + (f" ({names})" if names else "")
            out.append(Removal(what, Location(path=f.path, line=1), paths, gone, deleted=True))
        elif _KUSTOMIZATION.search(f.path) and f.removed_lines:
            still = _live_entries(f.new_text if f.new_text is not None else f.partial_text)
            base = posixpath.dirname(f.path)
            for position, text in f.removed_lines:
                m = _ENTRY.match(text)
                if not m or m.group(1) in still or "://" in m.group(1):
                    continue
                target = posixpath.normpath(posixpath.join(base, m.group(1)))
                if target.startswith(".."):
                    continue
                paths = {p for p in ctx.repo_texts if p == target or p.startswith(target + "/")}
                docs = [d for p in sorted(paths) if YAML.search(p) for d in _parse(ctx.repo_texts[p], p)]
                docs = [d for d in docs if (d.kind, d.name) not in new_docs]
                what = f"stops listing {target} in {f.path}"
                out.append(Removal(what, Location(path=f.path, line=position), paths | {target}, docs))
    return out


def _tokens(doc: Document, stack: Stack) -> set[str]:
    """The words an operator's API groups are named with: its chart, release and catalog tool names."""
    names = {doc.name}
    for trail, value in walk(doc.data):
        if trail and trail[-1] in ("chart", "repository", "image") and isinstance(value, str):
            names.add(value.split("@")[0].split(":")[0].rsplit("/", 1)[-1])
        elif trail[-2:] in (("chartRef", "name"),) and isinstance(value, str):
            names.add(value)
    words: set[str] = set()
    for name in {n for n in names if n}:
        for tool in stack.candidates(name.replace("-", " ")):
            if name in (tool.slug, *tool.charts) or any(i.rsplit("/", 1)[-1] == name for i in tool.images):
                words |= {tool.slug, *tool.aliases}
        words.add(name)
    split = {w for n in words for w in re.split(r"[^a-z0-9]+", n.lower())}
    return {w for w in {*(n.lower() for n in words), *split} if len(w) >= 4 and w not in _GENERIC}


def _group_matches(api_version: str, tokens: set[str]) -> bool:
    group = api_version.split("/")[0] if "/" in api_version else ""
    labels = [x for x in re.split(r"[.]", group) if x]
    return any(label == t or (len(t) >= 5 and label.startswith(t)) for label in labels for t in tokens)


def _deployed_by(ctx: Context, docs: list[Document]) -> tuple[list[Document], set[str]]:
    """What a removed Flux Kustomization deployed: the documents under its `spec.path`, and their files."""
    out: list[Document] = []
    files: set[str] = set()
    for doc in docs:
        path = doc.data.get("spec", {}).get("path") if doc.kind == "Kustomization" else None
        if isinstance(path, str) and "fluxcd" in str(doc.data.get("apiVersion", "")):
            # relative to the source's root, which may be a folder of the repo (`./apps/...` under `kubernetes/`)
            folder = posixpath.normpath(path[2:] if path.startswith("./") else path)
            for p in sorted(ctx.repo_texts):
                if (p.startswith(folder + "/") or f"/{folder}/" in p) and YAML.search(p):
                    out.extend(_parse(ctx.repo_texts[p], p))
                    files.add(p)
    return out, files


def _live_documents(ctx: Context, removed: set[str], must: set[str], off: set[str]) -> Iterator[Document]:
    """Documents that stay after the change: the repo's unchanged YAML in live folders, and the change's own."""
    for path, text in ctx.repo_texts.items():
        if (
            YAML.search(path)
            and not _gone(path, removed)
            and not is_disabled(path, off)
            and any(word in text for word in must)
        ):
            if path not in ctx.repo_parsed:
                ctx.repo_parsed[path] = _parse(text, path)
            yield from ctx.repo_parsed[path]
    yield from (d for d in ctx.docs if not _gone(d.path, removed))


def _gone(path: str, removed: set[str]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in removed)


def _uses(doc: Document, piece: Document, tokens: set[str]) -> int | None:
    """The line where `doc` uses `piece`, or None."""
    keys = _REFERENCE.get(piece.kind, ())
    for trail, value in walk(doc.data):
        named = value == piece.name and any(k in trail for k in keys)
        if named and (piece.kind == "StorageClass" or trail[-1] == "name"):
            return _line(doc, trail)
    api = doc.data.get("apiVersion") if isinstance(doc.data, dict) else None
    if tokens and isinstance(api, str) and _group_matches(api, tokens):
        return doc.line
    return None


def _line(doc: Document, trail: tuple[str, ...]) -> int:
    return line_of(doc, trail) or doc.line


def _listed_by(ctx: Context, removal: Removal) -> list[str]:
    """Kustomizations that still list a deleted file or folder, and Flux Kustomizations whose path is in it."""
    out: list[str] = []
    if not removal.deleted:
        return out
    for path, text in [*ctx.repo_texts.items(), *((f.path, f.new_text or "") for f in ctx.pr.reviewed)]:
        if _gone(path, removal.paths) or not YAML.search(path):
            continue
        base = posixpath.dirname(path)
        for number, line in enumerate(text.splitlines(), 1):
            m = _ENTRY.match(line)
            if m and _KUSTOMIZATION.search(path):
                if _gone(posixpath.normpath(posixpath.join(base, m.group(1))), removal.paths):
                    out.append(f"{path}:{number}")
            elif (p := re.match(r"^\s*path:\s*[\"']?\./?([^\s\"'#]+)", line)) and "kind: Kustomization" in text:
                target = posixpath.normpath(p.group(1))  # relative to its source's root, maybe a folder of the repo
                if any(gone == target or gone.endswith("/" + target) for gone in removal.paths):
                    out.append(f"{path}:{number}")
    return out


def removed_while_used(ctx: Context, stack: Stack) -> list[Finding]:
    out: list[Finding] = []
    found = removals(ctx)
    off = disabled_folders([RepoFile(p, t, "") for p, t in ctx.repo_texts.items()]) if found else set()
    for removal in found:
        deployed, files = _deployed_by(ctx, removal.docs)
        removal.docs += deployed
        removal.paths |= files
        users: list[str] = []
        for piece in removal.docs:
            tokens = _tokens(piece, stack) if piece.kind in ("HelmRelease", "Application") else set()
            must = {piece.name} if piece.name and piece.kind in _REFERENCE else set()
            must |= tokens
            if not must:
                continue
            for doc in _live_documents(ctx, removal.paths, must, off):
                line = _uses(doc, piece, tokens)
                if line is not None and doc.path not in removal.paths:
                    users.append(f"{doc.path}:{line}")
        users = list(dict.fromkeys([*users, *_listed_by(ctx, removal)]))
        if not users:
            continue
        shown = ", ".join(users[:MAX_NAMED]) + (f" and {len(users) - MAX_NAMED} more" if len(users) > MAX_NAMED else "")
        out.append(
            finding(
                "breaks-dependants",
                f"{removal.location.path}:{removal.location.line}",
                f"This change {removal.what}, but {len(users)} place(s) in the repo still use it: {shown}.",
                removal.location,
            )
        )
    return out
