"""CNPG Clusters (kind Cluster of postgresql.cnpg.io): single-instance with no recovery runbook, and a new cluster
that no definition of it backs up."""

from __future__ import annotations

import re

from assistant.checks.context import Context, finding, get, line_of, repo_documents
from assistant.inputs.manifests import Document, walk
from assistant.models import Finding
from assistant.stack.view import Stack


def _cnpg(doc: Document) -> bool:
    return str(doc.data.get("apiVersion", "")).startswith("postgresql.cnpg.io")


def single_instance(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    if not _cnpg(doc) or get(doc.data, "spec", "instances") != 1 or runbook_mentions(ctx, doc.namespace or doc.name):
        return []
    return [
        finding(
            "single-instance",
            f"cnpg:{doc.name}",
            f"CNPG Cluster {doc.name} runs one instance and no runbook documents its recovery.",
            ctx.location(doc, doc.key_line("spec", "instances")),
        )
    ]


def no_backup(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    added = (f := ctx.file(doc.path)) is not None and f.status == "added"  # a patch of a shared cluster is partial
    if not (added and _cnpg(doc)) or cnpg_backed_up(ctx, doc):
        return []
    return [
        finding(
            "no-backup",
            f"cnpg:{doc.name}",
            f"CNPG Cluster {doc.name} has no backup configured.",
            ctx.location(doc, doc.key_line("spec")),
            component="cnpg" if stack.inventory.has("cnpg") else None,
        )
    ]


def cnpg_backed_up(ctx: Context, doc: Document) -> bool:
    """A CNPG Cluster has backups when any definition of it (this document, another in the PR, or the repo's base
    that a patch or an overlay merges with) configures `backup` or a backup plugin, or a ScheduledBackup names it."""
    name = doc.name
    candidates = ctx.docs + repo_documents(ctx, "postgresql.cnpg.io", rf"\b{re.escape(name)}\b")
    for d in candidates:
        if not str(get(d.data, "apiVersion") or "").startswith("postgresql.cnpg.io"):
            continue
        if d.kind == "Cluster" and d.name == name and (get(d.data, "spec", "backup") or get(d.data, "spec", "plugins")):
            return True
        if d.kind == "ScheduledBackup" and get(d.data, "spec", "cluster", "name") in (name, None):
            return True
    return False


def runbook_mentions(ctx: Context, name: str) -> bool:
    texts = [f.new_text or "" for f in ctx.pr.reviewed if f.path.endswith(".md")]
    texts += [t for p, t in ctx.repo_texts.items() if "runbook" in p and p.endswith(".md")]
    return bool(name) and any(re.search(rf"\b{re.escape(name)}\b", t, re.I) for t in texts)


# members of a store that needs a majority to write, or that replicates each write to a set number of members
QUORUM_MEMBERS = {
    "mon", "mons", "etcd", "zookeeper", "raft", "quorum", "ingester", "write", "kafka", "nats", "consul", "sentinel",
    "jetstream", "garage", "minio", "opensearch", "elasticsearch", "mongodb",
}  # fmt: skip
MEMBER_COUNTS = {"count", "replicas", "replicaCount", "instances", "size", "members"}


def below_quorum(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    """A replicated store's members set to one or two on a line the change adds (`mon.count: 1`, Loki's
    `write.replicas: 1`): one member failing then stops writes or loses data. A question: a small homelab may
    accept it, but it should be said."""
    out = []
    for trail, value in walk(doc.data):
        if not (len(trail) >= 2 and trail[-1] in MEMBER_COUNTS and isinstance(value, int) and 0 < value < 3):
            continue
        if value is True or trail[-2].lower() not in QUORUM_MEMBERS:
            continue
        line = line_of(doc, trail)
        if ctx.adds(doc, line):
            path = ".".join(trail)
            out.append(
                finding(
                    "single-instance",
                    f"quorum:{doc.path}:{path}",
                    f"{path} is {value}: a replicated store ({trail[-2]}) with fewer than three members stops "
                    "writing or loses data when one fails. Is that accepted here, and where is it written down?",
                    ctx.location(doc, line),
                    severity="minor",
                )
            )
    return out
