"""What an app unit carries: a claim and its backup, a network policy, scraping, a non-root security context,
requests, probes, a route, its images, managed secrets. Each is a predicate over the unit's parsed documents."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from assistant.inputs.manifests import walk
from assistant.inputs.repo_files import RepoFile
from assistant.stack.units import Unit

_BACKUP_KINDS = {"ReplicationSource", "Schedule", "Backup", "Restic", "SnapshotSchedule"}
_BACKUP_WORDS = re.compile(r"\b(?:volsync|kopiur|k8up|velero|backup)\b", re.I)
_POLICY_KINDS = {"NetworkPolicy", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"}
_MONITOR_KINDS = {"ServiceMonitor", "PodMonitor", "VMServiceScrape", "VMPodScrape", "PrometheusRule", "Probe"}
_CREDENTIAL = r"[A-Z0-9_]*(?:PASS(?:WORD)?|SECRET|TOKEN|API_?KEY|PRIVATE_KEY)[A-Z0-9_]*"
_COMPOSE_SECRET = re.compile(rf"^\s*-?\s*{_CREDENTIAL}\s*[:=]\s*[\"']?\$\{{", re.M)
_COMPOSE_LITERAL = re.compile(rf"^\s*-?\s*{_CREDENTIAL}\s*[:=]\s*[\"']?(?!\$\{{)[^\s\"'#]+", re.M)
_SECRET_KINDS = {"ExternalSecret", "SealedSecret", "ClusterExternalSecret", "InfisicalSecret", "OnePasswordItem"}


def keys(unit: Unit) -> Iterator[tuple[tuple[str, ...], Any]]:
    for _, data in unit.docs:
        yield from walk(data)


def has_pvc(unit: Unit) -> bool:
    if unit.kinds & {"PersistentVolumeClaim"}:
        return True
    for trail, value in keys(unit):
        key = trail[-1] if trail else ""
        if key == "volumeClaimTemplates" and value:
            return True
        if key == "existingClaim" and isinstance(value, str) and value:
            return True
        in_persistence = len(trail) >= 2 and trail[-2] == "persistence" and isinstance(value, dict)
        if in_persistence and value.get("enabled") is not False and (value.get("size") or value.get("existingClaim")):
            return True
    return False


def chart_creates_claim(unit: Unit) -> bool:
    """The workload or its chart makes its own claim (a StatefulSet's claim templates, chart `persistence` with a size
    or `create: true` and no existing claim), rather than mounting one the repo writes or its backup tool restores."""
    for trail, value in keys(unit):
        key = trail[-1] if trail else ""
        if key == "volumeClaimTemplates" and value:
            return True
        block = isinstance(value, dict) and (key == "persistence" or (len(trail) >= 2 and trail[-2] == "persistence"))
        if not block or value.get("enabled") is False or value.get("existingClaim") or value.get("create") is False:
            continue
        if value.get("type", "persistentVolumeClaim") == "persistentVolumeClaim" and (
            value.get("create") is True or (key != "persistence" and value.get("size"))
        ):
            return True
    return False


def mounts_existing_claim(unit: Unit) -> bool:
    return any(
        trail and trail[-1] in ("existingClaim", "claimName") and isinstance(value, str) and value
        for trail, value in keys(unit)
    )


def has_backup(unit: Unit, registered: frozenset[str] = frozenset()) -> bool:
    """A backup object or component in the unit, or the unit named in a backup tool's central list (kopiur's
    `- app: <name>` inputs, a Velero schedule's `includedNamespaces`)."""
    if unit.kinds & _BACKUP_KINDS or _BACKUP_WORDS.search(unit.text):
        return True
    return bool(registered & unit_names(unit))


def unit_names(unit: Unit) -> set[str]:
    """The names a central list may use for the unit: its folder or input name, its namespace, its claims."""
    names = {unit.path.rsplit("#", 1)[-1].rsplit("/", 1)[-1], *unit.names}
    for trail, value in keys(unit):
        key = trail[-1] if trail else ""
        if isinstance(value, str) and (key == "existingClaim" or (key == "namespace" and "metadata" in trail)):
            names.add(value)
    return names


def backup_registrations(files: list[tuple[RepoFile, list[Any]]], units: list[Unit]) -> frozenset[str]:
    """Names listed by backup configuration outside the app units (a backup tool's own folder)."""
    inside = {u.path for u in units}
    out: set[str] = set()
    for f, datas in files:
        if not _BACKUP_WORDS.search(f.path) and not _BACKUP_WORDS.search(f.text[:4000]):
            continue
        owner = next((u for u in inside if f.path.startswith(u + "/")), None)
        if owner is not None and not _BACKUP_WORDS.search(owner):
            continue  # an app's own file that mentions backups proves nothing about the others
        for data in datas:
            for trail, value in walk(data):
                key = trail[-1] if trail else ""
                if key in ("app", "includedNamespaces", "namespaces", "claimName", "pvc") or (
                    len(trail) >= 2 and trail[-2] in ("includedNamespaces", "namespaces")
                ):
                    out |= {value} if isinstance(value, str) else set()
    return frozenset(out)


def has_network_policy(unit: Unit, covered: frozenset[str] = frozenset()) -> bool:
    """A policy in the unit, or one the repo applies to its namespace from elsewhere (a policy in that namespace, a
    clusterwide policy selecting a label the Namespace carries: a profile label; `*`: a clusterwide policy for all)."""
    return bool(unit.kinds & _POLICY_KINDS) or "*" in covered or bool(covered & unit_names(unit))


_NAMESPACE_LABEL = re.compile(r"^(?:k8s:)?io\.cilium\.k8s\.namespace\.labels\.(.+)$")


def policy_namespaces(files: list[tuple[RepoFile, list[Any]]]) -> frozenset[str]:
    """The namespaces a network policy covers from outside their units."""
    covered: set[str] = set()
    selected: set[tuple[str, str]] = set()  # (namespace label, value) a clusterwide policy selects
    labels_of: dict[str, dict[str, Any]] = {}
    for _f, datas in files:
        for d in datas:
            if not isinstance(d, dict):
                continue
            raw = d.get("metadata")
            meta: dict[str, Any] = raw if isinstance(raw, dict) else {}
            if d.get("kind") == "Namespace" and isinstance(meta.get("name"), str):
                labels = meta.get("labels")
                labels_of[meta["name"]] = labels if isinstance(labels, dict) else {}
            if d.get("kind") not in _POLICY_KINDS:
                continue
            if isinstance(meta.get("namespace"), str):
                covered.add(meta["namespace"])
            selector = (d.get("spec") or {}).get("endpointSelector") if isinstance(d.get("spec"), dict) else None
            if d.get("kind") == "CiliumClusterwideNetworkPolicy" and isinstance(selector, dict):
                match = selector.get("matchLabels")
                if not match and not selector.get("matchExpressions"):
                    covered.add("*")
                for key, value in (match if isinstance(match, dict) else {}).items():
                    if m := _NAMESPACE_LABEL.match(str(key)):
                        selected.add((m.group(1), str(value)))
    covered |= {ns for ns, labels in labels_of.items() if any(str(labels.get(k)) == v for k, v in selected)}
    return frozenset(covered)


def has_monitoring(unit: Unit) -> bool:
    if unit.kinds & _MONITOR_KINDS:
        return True
    return any(
        trail and trail[-1] in ("serviceMonitor", "podMonitor") and _enabled(value) for trail, value in keys(unit)
    )


def _enabled(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, dict) and value.get("enabled", True) is not False and bool(value)


def runs_as_non_root(unit: Unit) -> bool:
    return any(trail and trail[-1] == "runAsNonRoot" and value is True for trail, value in keys(unit))


def has_requests(unit: Unit) -> bool:
    return any(len(trail) >= 2 and trail[-2:] == ("resources", "requests") and value for trail, value in keys(unit))


def has_probes(unit: Unit) -> bool:
    return any(
        trail and trail[-1] in ("livenessProbe", "readinessProbe", "startupProbe", "probes") and value
        for trail, value in keys(unit)
    )


def routes(unit: Unit) -> list[str]:
    """The gateways (HTTPRoute parentRefs, or the Ingress class) the unit routes through; [""] for an unnamed one."""
    out: list[str] = []
    for trail, value in keys(unit):
        key = trail[-1] if trail else ""
        if key == "parentRefs" and isinstance(value, list):
            out += [str(p.get("name", "")) for p in value if isinstance(p, dict)]
        elif key in ("ingressClassName", "className") and isinstance(value, str) and "ingress" in "/".join(trail):
            out.append(f"ingress:{value}")
    if not out and unit.kinds & {"HTTPRoute", "Ingress", "IngressRoute"}:
        out.append("")
    if not out and re.search(r"traefik\.http\.routers\.", unit.text):
        out.append("traefik labels")  # a compose service routed by its Traefik labels
    return out


def images(unit: Unit) -> list[str]:
    refs: list[str] = []
    for trail, value in keys(unit):
        key = trail[-1] if trail else ""
        if key == "image" and isinstance(value, str):
            refs.append(value)
        elif key == "repository" and len(trail) >= 2 and trail[-2] == "image" and isinstance(value, str):
            parent = _lookup(unit, trail[:-1])
            tag = str(parent.get("tag", "")) if isinstance(parent, dict) else ""
            refs.append(f"{value}:{tag}" if tag else value)
    return refs


def _lookup(unit: Unit, trail: tuple[str, ...]) -> Any:
    for _, data in unit.docs:
        node = data
        for key in trail:
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                node = None
                break
        if node is not None:
            return node
    return None


def needs_secrets(unit: Unit) -> bool:
    if unit.kinds & (_SECRET_KINDS | {"Secret"}):
        return True
    pattern = r"\b(?:secretKeyRef|existingSecret|secretRef|envFrom|env_file)\b|\.sops\.ya?ml|^sops:"
    return bool(re.search(pattern, unit.text, re.M) or _COMPOSE_SECRET.search(unit.text))


def secrets_managed(unit: Unit) -> bool:
    if unit.kinds & _SECRET_KINDS:
        return True
    if re.search(r"^sops:|ENC\[AES256|\benv_file\b", unit.text, re.M):
        return True  # encrypted in git, or (compose) read from an env file kept out of git
    if _COMPOSE_SECRET.search(unit.text) and not _COMPOSE_LITERAL.search(unit.text):
        return True  # compose: every credential interpolated from the environment (`${DB_PASSWORD}`)
    plain = [
        d
        for _, d in unit.docs
        if isinstance(d, dict) and d.get("kind") == "Secret" and (d.get("stringData") or d.get("data"))
    ]
    return not plain and bool(re.search(r"\b(?:secretKeyRef|existingSecret|secretRef)\b", unit.text))
