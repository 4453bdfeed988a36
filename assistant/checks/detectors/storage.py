"""ephemeral-storage: hostPath and emptyDir volumes that hold data (any pod spec or values block)."""

from __future__ import annotations

import re

from assistant.checks.context import SCRATCH, Context, finding, line_of
from assistant.inputs.manifests import Document, walk
from assistant.models import Finding
from assistant.stack.view import Stack

HARMLESS_HOST_PATHS = re.compile(r"^/(?:dev|sys|proc|run|var/run|etc/localtime|lib/modules|etc/machine-id)\b")
DATA_MOUNT = re.compile(r"data|db|database|storage|upload|media|library|config|state|backup|vault|postgres", re.I)
# CI runners and build agents work in throwaway directories: a fresh workspace per job is their design
BUILD_WORKER = re.compile(r"(?:^|[-_.])(?:runner|agent|dind|buildkitd?|builder)(?:$|[-_.])", re.I)


def _build_worker(doc: Document, stack: Stack | None) -> bool:
    """The document runs a CI runner or build agent: an image named like one, or a catalog tool in the CI role."""
    images = {str(v).split("@")[0].split(":")[0] for t, v in walk(doc.data) if t and t[-1] in ("image", "repository")}
    if any(BUILD_WORKER.search(i.rsplit("/", 1)[-1]) for i in images):
        return True
    return stack is not None and any(
        "ci" in tool.roles and any(i == own or i.endswith(f"/{own}") for own in tool.images)
        for i in images
        for tool in stack.candidates(i.rsplit("/", 1)[-1].replace("-", " "))
    )


def hostpath_and_emptydir(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    out: list[Finding] = []
    scratch_workload: bool | None = None  # decided on the first emptyDir
    mounts: dict[str, str] = {}
    for _trail, value in walk(doc.data):
        if isinstance(value, dict) and "mountPath" in value and "name" in value:
            mounts[str(value["name"])] = str(value["mountPath"])
    for trail, value in walk(doc.data):
        if not isinstance(value, dict):
            continue
        kind = (
            "hostPath"
            if ("hostPath" in value or value.get("type") == "hostPath")
            else ("emptyDir" if ("emptyDir" in value or value.get("type") == "emptyDir") else None)
        )
        if kind is None:
            continue
        name = str(value.get("name") or (trail[-1] if trail else ""))
        paths = [str(p) for _, p in walk(value) if isinstance(p, str) and p.startswith("/")]
        paths.append(mounts.get(name, ""))
        host = value.get("hostPath")
        host_path = str(host.get("path", "")) if isinstance(host, dict) else str(value.get("hostPath") or "")
        if kind == "hostPath" and HARMLESS_HOST_PATHS.match(host_path or "/"):
            continue
        where = " ".join([name, *paths])
        if kind == "emptyDir" and (SCRATCH.search(where) or not DATA_MOUNT.search(where)):
            continue
        if kind == "emptyDir":
            scratch_workload = _build_worker(doc, stack) if scratch_workload is None else scratch_workload
            if scratch_workload:
                continue
        mounted = ", ".join(p for p in paths if p) or "no mount path"
        article = "an" if kind == "emptyDir" else "a"
        out.append(
            finding(
                "ephemeral-storage",
                f"{doc.path}:{name}",
                f"Volume {name or '?'} ({mounted}) is {article} {kind}: data there is lost when the pod moves.",
                # the line that declares it: app-template's `type: hostPath`, else the `hostPath:` key
                ctx.location(doc, line_of(doc, (*trail, "type" if value.get("type") == kind else kind))),
            )
        )
    return out
