"""privileged: a changed workload that gets more of the node than a pod needs (`privileged: true`, the host's PID or
IPC namespace, privilege escalation, the SYS_ADMIN or NET_ADMIN capability, the Docker socket), in raw manifests,
chart values (HelmRelease `values`, values files) and compose services alike. Only on the lines the change adds.

Severity follows the house: where the repo already runs the same setting for the same image (a GPU plugin, a
network exporter), the change repeats a choice the operator made, and it is a question (minor) citing that file;
a workload newly given the setting is major."""

from __future__ import annotations

import re
from typing import Any

from assistant.checks.context import Context, finding, line_of
from assistant.inputs.manifests import Document, walk
from assistant.models import Finding
from assistant.stack.discovery import UTILITY_IMAGES
from assistant.stack.view import Stack

_CAPS = {"SYS_ADMIN", "NET_ADMIN", "CAP_SYS_ADMIN", "CAP_NET_ADMIN", "ALL"}
_SOCKET = re.compile(r"/var/run/docker\.sock|/run/docker\.sock|/run/containerd/containerd\.sock")
_IMAGE = re.compile(r"^[ \t]*(?:-[ \t]*)?(?:image|repository):[ \t]*[\"']?([^\s\"'#@:]+)", re.M)


def _settings(trail: tuple[str, ...], value: Any) -> list[tuple[str, str]]:
    """(setting, what it gives) for one node of a document."""
    key = trail[-1] if trail else ""
    out: list[tuple[str, str]] = []
    if key == "privileged" and value is True:
        out.append(("privileged: true", "every device and capability of the node"))
    elif key in ("hostPID", "hostIPC") and value is True:
        out.append((f"{key}: true", f"the node's {key[4:]} namespace"))
    elif key in ("pid", "ipc") and value == "host" and "services" in trail:
        out.append((f"{key}: host", f"the node's {key.upper()} namespace"))
    elif key == "allowPrivilegeEscalation" and value is True:
        out.append(("allowPrivilegeEscalation: true", "a way to gain more privileges than it starts with"))
    elif isinstance(value, str) and value.upper() in _CAPS and (
        (len(trail) >= 2 and trail[-2] in ("add", "cap_add")) or key == "cap_add"
    ):
        out.append((f"capability {value.upper()}", "administrative control of the node"))
    elif (
        isinstance(value, str)
        and _SOCKET.search(value)
        and (key in ("path", "mountPath", "hostPath", "source") or (len(trail) >= 2 and trail[-2] == "volumes"))
    ):
        out.append(("the container runtime socket", "root on the node through the container runtime"))
    return out


# general-purpose base images run as helpers by every kind of workload: sharing one says nothing of what runs


def _images(doc: Document) -> set[str]:
    """The image names of the workload itself (init containers and utility images left out)."""
    names = {
        str(v).split("@")[0].split(":")[0].rsplit("/", 2)[-1]
        for t, v in walk(doc.data)
        if t and t[-1] in ("image", "repository") and isinstance(v, str) and "initContainers" not in t
    }
    return names - UTILITY_IMAGES


def _precedent(ctx: Context, setting: str, images: set[str], stack: Stack) -> str | None:
    """A repo file outside the change that runs the same kind of workload with the same setting: one of these images,
    or a tool in one of the roles these images' tools fill (WireGuard's NET_ADMIN for a Tailscale router)."""
    needle = setting.split(":")[0].replace("capability ", "")
    roles = _roles(images, stack)
    for rel, text in ctx.repo_texts.items():
        if needle.lower() not in text.lower() and not (needle.startswith("the container") and _SOCKET.search(text)):
            continue
        names = {m.group(1).rsplit("/", 1)[-1] for m in _IMAGE.finditer(text)} - UTILITY_IMAGES
        if names & images or (roles and _roles(names, stack) & roles):
            return rel
    return None


def _roles(images: set[str], stack: Stack) -> set[str]:
    """The platform roles of the catalog tools these image names belong to."""
    out: set[str] = set()
    for name in images:
        for tool in stack.candidates(name.replace("-", " ")):
            if any(i.rsplit("/", 1)[-1] == name for i in tool.images):
                out |= {r for r in tool.roles if not stack.catalog.is_family(r)}
    return out


_EMBEDDED = re.compile(
    r"^\s*(?:-\s*)?(privileged|hostPID|hostIPC|allowPrivilegeEscalation):\s*true\b|(/var/run/docker\.sock)", re.M
)


def _embedded(trail: tuple[str, ...], value: Any, key_line: int | None) -> list[tuple[str, str, int | None]]:
    """Settings inside a pod spec kept as text (a ConfigMap's `podspec-dind.yaml: |-`): (setting, gives, line)."""
    if not isinstance(value, str) or "\n" not in value or key_line is None:
        return []
    out: list[tuple[str, str, int | None]] = []
    for m in _EMBEDDED.finditer(value):
        key = m.group(1)
        inner = value.count("\n", 0, m.start()) + 1  # a block scalar starts on the line after its key
        for setting, gives in _settings((key,), True) if key else _settings(("path",), m.group(2)):
            out.append((setting, gives, key_line + inner))
    return out


def privileged_settings(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    out: list[Finding] = []
    seen: set[str] = set()
    images = _images(doc)
    for trail, value in walk(doc.data):
        found = [(setting, gives, line_of(doc, trail)) for setting, gives in _settings(trail, value)]
        found += _embedded(trail, value, line_of(doc, trail))
        for setting, gives, line in found:
            if setting in seen or not ctx.adds(doc, line):
                continue
            seen.add(setting)
            label = f"{doc.kind or 'values'} {doc.name}".strip()
            precedent = _precedent(ctx, setting, images, stack)
            if precedent:
                message = (
                    f"{label} sets {setting} ({gives}); this repo already runs the same kind of workload with it in "
                    f"{precedent}: is it needed here too?"
                )
            else:
                message = f"{label} newly sets {setting}: it gets {gives}."
            out.append(
                finding(
                    "privileged",
                    f"{setting.split(':')[0].replace(' ', '-').lower()}:{doc.path}:{line}",
                    message,
                    ctx.location(doc, line),
                    severity="minor" if precedent else None,
                )
            )
    return out
