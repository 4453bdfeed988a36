"""CNPG Clusters (kind Cluster of postgresql.cnpg.io): single-instance with no recovery runbook, and a new cluster
that no definition of it backs up."""

from __future__ import annotations

import re

from assistant.checks.context import Context, finding, get, repo_documents
from assistant.inputs.manifests import Document
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
