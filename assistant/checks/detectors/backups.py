"""no-backup for volumes: a PersistentVolumeClaim the PR adds in a namespace the repo's Velero Schedules leave out
(over the whole review: the schedules may live anywhere in the repo)."""

from __future__ import annotations

from pathlib import Path

from assistant.checks.context import SCRATCH, Context, finding, get, repo_documents
from assistant.models import Finding
from assistant.stack.view import Stack


def velero_coverage(ctx: Context) -> tuple[set[str], bool] | None:
    """The namespaces the repo's (and the PR's) Velero Schedules back up, and whether one covers every namespace.
    None when the repo schedules no Velero backups by namespace: then coverage is not this check's to judge."""
    schedules = [d for d in ctx.docs if d.kind == "Schedule" and "velero.io" in str(get(d.data, "apiVersion"))]
    schedules += [d for d in repo_documents(ctx, "velero.io", r"kind:\s*Schedule\b") if d.kind == "Schedule"]
    if not schedules:
        return None
    namespaces: set[str] = set()
    everything = False
    for d in schedules:
        included = get(d.data, "spec", "template", "includedNamespaces")
        if not included or "*" in included:
            everything = True
        else:
            namespaces |= {str(n) for n in included}
    return namespaces, everything


def volumes_outside_backups(ctx: Context, stack: Stack) -> list[Finding]:
    """A PersistentVolumeClaim the PR adds in a namespace that none of the repo's Velero Schedules includes, where
    the repo backs up by namespace: the data on it has no recovery story. Scratch volumes (cache, tmp…) and claims a
    VolSync ReplicationSource in the PR copies are not findings."""
    claims = [d for d in ctx.docs if d.kind == "PersistentVolumeClaim" and ctx.adds(d, d.key_line("kind"))]
    if not claims or (coverage := velero_coverage(ctx)) is None or coverage[1]:
        return []
    covered = coverage[0]
    replicated = {str(get(d.data, "spec", "sourcePVC")) for d in ctx.docs if d.kind == "ReplicationSource"}
    out = []
    for d in claims:
        namespace = d.namespace or Path(d.path).parent.name
        if namespace in covered or d.name in replicated or SCRATCH.search(d.name):
            continue
        out.append(
            finding(
                "no-backup",
                f"pvc:{namespace}/{d.name}",
                f"PersistentVolumeClaim {d.name} is in namespace {namespace}, which no Velero Schedule of this repo "
                f"includes (it backs up {', '.join(sorted(covered))}): its data has no backup.",
                ctx.location(d, d.key_line("metadata", "name")),
                severity="major",
                suggestion=f"Add {namespace} to a Velero Schedule's includedNamespaces (or say why this data can be "
                "rebuilt).",
            )
        )
    return out
