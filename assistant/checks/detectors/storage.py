"""ephemeral-storage: hostPath and emptyDir volumes that hold data (any pod spec or values block)."""

from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath

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


# files a compose stack mounts that are rightly kept out of git: keys, certificates, env files with secrets
KEPT_OUT = re.compile(r"\.(?:pem|key|crt|cert|p12|pfx|jks|env)$|(?:^|/)\.env[\w.-]*$|acme\.json$|secret", re.I)


def uncommitted_config(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    """A compose service that mounts a configuration file (`./config/app.conf:/etc/app.conf`) that neither the repo
    nor the change holds: the stack cannot be rebuilt from git, and its real configuration lives on one host."""
    services = doc.data.get("services")
    if not isinstance(services, dict):
        return []
    base = PurePosixPath(doc.path).parent
    changed = {f.path for f in ctx.pr.reviewed}
    for trail, value in walk(services):
        source = _bind_source(trail, value)
        if source is None or not source.startswith(("./", "../")) or not PurePosixPath(source).suffix:
            continue
        rel = posixpath.normpath(str(base / source))
        line = _line_naming(ctx, doc, line_of(doc, ("services", *trail)), source)
        if KEPT_OUT.search(rel) or rel in changed or (ctx.repo_root / rel).exists() or not ctx.adds(doc, line):
            continue
        return [
            finding(
                "state-outside-git",
                f"uncommitted:{doc.path}",
                f"{doc.path} mounts {source}, which is not in the repo or this change: the service's configuration "
                "lives only on the host, so git cannot rebuild it.",
                ctx.location(doc, line),
            )
        ]
    return []


def _line_naming(ctx: Context, doc: Document, start: int | None, text: str) -> int | None:
    """The first line from `start` on that holds `text` (a list item's own line; the parser keeps its key's)."""
    changed = ctx.file(doc.path)
    if changed is None or start is None:
        return start
    lines = changed.numbered()
    return next((n for n in range(start, start + 200) if text in lines.get(n, "")), start)


def _bind_source(trail: tuple[str, ...], value: object) -> str | None:
    """The host side of a compose volume: `./x:/y[:ro]`, or the long form's `source`."""
    if len(trail) >= 2 and trail[-2] == "volumes" and isinstance(value, str) and ":" in value:
        return value.split(":", 1)[0]
    if len(trail) >= 3 and trail[-1] == "source" and trail[-3] == "volumes" and isinstance(value, str):
        return value
    return None
