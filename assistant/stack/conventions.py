"""House conventions, learnt from the repo: what most of its app units carry (a backup, a network policy, a
ServiceMonitor, a non-root security context, resource requests, a route through the house gateway, managed secrets,
digest-pinned images, probes), with the support ("21 of 26 units with a PVC") and the files that prove it.

An app unit is a folder that deploys one app: a Flux HelmRelease, a Deployment/StatefulSet/DaemonSet, an Argo CD
Application or a compose file. Layout folders (`app/`, `base/`, `templates/`…) belong to the unit above them.
Archived folders, test fixtures and folders the repo switched off (liveness) are never units."""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.inputs.manifests import parse_documents, walk
from assistant.inputs.repo_files import RepoFile, is_fixture, walk_repo
from assistant.inputs.safe_yaml import YAMLLimitError
from assistant.stack.discovery import ignored
from assistant.stack.liveness import disabled_folders, is_disabled

STRONG_SHARE = 0.8  # a convention most units hold: breaking it is a finding
STRONG_MIN_UNITS = 5  # fewer units than this prove no habit
WORKLOAD_KINDS = {"HelmRelease", "Deployment", "StatefulSet", "DaemonSet", "Application", "CronJob"}
# Folders inside a unit that hold its parts, not another app
_LAYOUT = {"app", "apps", "base", "release", "resources", "helm", "manifests", "templates", "config", "crds", "chart"}
_BACKUP_KINDS = {"ReplicationSource", "Schedule", "Backup", "Restic", "SnapshotSchedule"}
_BACKUP_WORDS = re.compile(r"\b(?:volsync|kopiur|k8up|velero|backup)\b", re.I)
_POLICY_KINDS = {"NetworkPolicy", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"}
_MONITOR_KINDS = {"ServiceMonitor", "PodMonitor", "VMServiceScrape", "VMPodScrape", "PrometheusRule", "Probe"}
_CREDENTIAL = r"[A-Z0-9_]*(?:PASS(?:WORD)?|SECRET|TOKEN|API_?KEY|PRIVATE_KEY)[A-Z0-9_]*"
_COMPOSE_SECRET = re.compile(rf"^\s*-?\s*{_CREDENTIAL}\s*[:=]\s*[\"']?\$\{{", re.M)
_COMPOSE_LITERAL = re.compile(rf"^\s*-?\s*{_CREDENTIAL}\s*[:=]\s*[\"']?(?!\$\{{)[^\s\"'#]+", re.M)
_SECRET_KINDS = {"ExternalSecret", "SealedSecret", "ClusterExternalSecret", "InfisicalSecret", "OnePasswordItem"}


class Convention(BaseModel):
    id: str
    kind: str  # backup | network-policy | monitoring | security-context | resources | gateway-route | secrets | …
    title: str
    applies_to: str
    support: tuple[int, int]  # (units carrying it, units it applies to)
    strong: bool
    evidence: list[str] = Field(default_factory=list)  # units that carry it (up to 3)
    house: str = ""  # the route convention's gateway (a parentRef name, `ingress:<class>`, `traefik labels`)
    exceptions: list[str] = Field(default_factory=list)  # units that do not (up to 10)

    @property
    def share(self) -> float:
        return self.support[0] / self.support[1] if self.support[1] else 0.0

    def describe(self) -> str:
        return f"{self.support[0]} of {self.support[1]} {self.applies_to} {self.title}"


class ConventionReport(BaseModel):
    repo: str
    units: list[str]
    conventions: list[Convention]
    notes: list[str] = Field(default_factory=list)
    # the names the repo's backup tools list centrally (kopiur inputs, Velero namespaces), for judging a new unit
    backup_names: frozenset[str] = Field(default_factory=frozenset, exclude=True)
    policed: frozenset[str] = Field(default_factory=frozenset, exclude=True)  # namespaces a policy covers from outside
    workloads: dict[str, frozenset[str]] = Field(default_factory=dict, exclude=True)  # unit -> its workloads' names

    def had(self, unit: Unit) -> bool:
        """Whether the repo already had this unit: its folder with one of its workloads (a folder may hold several
        apps, so a new release beside an old one is a new unit)."""
        names = workload_names(unit)
        return unit.path in self.workloads and (not names or bool(names & self.workloads[unit.path]))

    def strong(self) -> list[Convention]:
        return [c for c in self.conventions if c.strong]

    def by_id(self, cid: str) -> Convention | None:
        return next((c for c in self.conventions if c.id == cid), None)


@dataclass
class Unit:
    path: str
    docs: list[tuple[str, Any]] = field(default_factory=list)  # (file path, parsed data)
    text: str = ""
    names: set[str] = field(default_factory=set)  # what else lists may call it (a ResourceSet input's namespace)

    @property
    def kinds(self) -> set[str]:
        return {str(d.get("kind")) for _, d in self.docs if isinstance(d, dict) and d.get("kind")}


def unit_folder(path: str) -> str:
    """The unit a workload file belongs to: its folder, above any layout folders (`x/app/helmrelease.yaml` -> `x`)."""
    folder = posixpath.dirname(path)
    while posixpath.basename(folder).lower() in _LAYOUT and "/" in folder:
        folder = posixpath.dirname(folder)
    return folder


def _is_compose(data: Any) -> bool:
    services = data.get("services") if isinstance(data, dict) else None
    return isinstance(services, dict) and any(isinstance(s, dict) and "image" in s for s in services.values())


def find_units(files: list[RepoFile]) -> list[Unit]:
    return units_and_files(files)[0]


def units_and_files(files: list[RepoFile]) -> tuple[list[Unit], list[tuple[RepoFile, list[Any]]]]:
    off = disabled_folders(files)
    parsed: list[tuple[RepoFile, list[Any]]] = []
    for f in files:
        if not f.path.lower().endswith((".yaml", ".yml")) or ignored(f.path) or is_fixture(f.path):
            continue
        if is_disabled(f.path, off):
            continue
        try:
            docs, _ = parse_documents(f.text, f.path)
        except YAMLLimitError:
            continue
        parsed.append((f, [d.data for d in docs]))
    folders: set[str] = set()
    inputs: dict[str, str] = {}  # ResourceSet input name -> its unit's label
    input_names: dict[str, set[str]] = {}
    for f, datas in parsed:
        if posixpath.basename(f.path) == "Chart.yaml" and "/charts/" not in f"/{f.path}":
            folders.add(posixpath.dirname(f.path))  # a wrapper chart (Argo CD directory per app)
        for d in datas:
            if not isinstance(d, dict):
                continue
            if d.get("kind") in WORKLOAD_KINDS or _is_compose(d):
                folder = unit_folder(f.path)
                if folder:
                    folders.add(folder)
            elif d.get("kind") == "ResourceSet":  # Flux Operator: one release per input, its files named after it
                for item in (d.get("spec") or {}).get("inputs") or []:
                    if isinstance(item, dict) and isinstance(item.get("name"), str) and item.get("chart"):
                        inputs[item["name"]] = f"{f.path}#{item['name']}"
                        input_names[inputs[item["name"]]] = {str(item.get("namespace") or item["name"])}
    # a unit is the innermost workload folder: a file belongs to the deepest unit above it
    units = {p: Unit(p) for p in folders}
    ordered = sorted(folders, key=len, reverse=True)
    for f, datas in parsed:
        owner = next((u for u in ordered if f.path.startswith(u + "/")), None)
        if owner is None and inputs:
            owner = _input_of(f.path, inputs)
            if owner is not None and owner not in units:
                units[owner] = Unit(owner, names=input_names.get(owner, set()))
        if owner is None:
            continue
        units[owner].docs += [(f.path, d) for d in datas]
        units[owner].text += f.text + "\n"
    return sorted(units.values(), key=lambda u: u.path), parsed


def workload_names(unit: Unit) -> frozenset[str]:
    """The names of the unit's workloads (metadata.name of each workload object, a compose file's services)."""
    out: set[str] = set()
    for _, d in unit.docs:
        if not isinstance(d, dict):
            continue
        if d.get("kind") in WORKLOAD_KINDS and isinstance(d.get("metadata"), dict):
            out |= {str(d["metadata"]["name"])} if d["metadata"].get("name") else set()
        elif _is_compose(d) and isinstance(d.get("services"), dict):
            out |= {str(k) for k in d["services"]}
    return frozenset(out)


def _input_of(path: str, inputs: dict[str, str]) -> str | None:
    """The ResourceSet input a file belongs to: `charts/<name>.yaml` or a `config/<name>/` folder."""
    parts = path.split("/")
    stem = posixpath.splitext(parts[-1])[0]
    if stem in inputs and len(parts) > 1 and parts[-2] in ("charts", "values"):
        return inputs[stem]
    return next((inputs[p] for p in parts[:-1] if p in inputs), None)


# -- what a unit carries -----------------------------------------------------------------------------------------
def _keys(unit: Unit) -> Iterator[tuple[tuple[str, ...], Any]]:
    for _, data in unit.docs:
        yield from walk(data)


def has_pvc(unit: Unit) -> bool:
    if unit.kinds & {"PersistentVolumeClaim"}:
        return True
    for trail, value in _keys(unit):
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
    for trail, value in _keys(unit):
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
        for trail, value in _keys(unit)
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
    for trail, value in _keys(unit):
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
        trail and trail[-1] in ("serviceMonitor", "podMonitor") and _enabled(value) for trail, value in _keys(unit)
    )


def _enabled(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, dict) and value.get("enabled", True) is not False and bool(value)


def runs_as_non_root(unit: Unit) -> bool:
    return any(trail and trail[-1] == "runAsNonRoot" and value is True for trail, value in _keys(unit))


def has_requests(unit: Unit) -> bool:
    return any(len(trail) >= 2 and trail[-2:] == ("resources", "requests") and value for trail, value in _keys(unit))


def has_probes(unit: Unit) -> bool:
    return any(
        trail and trail[-1] in ("livenessProbe", "readinessProbe", "startupProbe", "probes") and value
        for trail, value in _keys(unit)
    )


def routes(unit: Unit) -> list[str]:
    """The gateways (HTTPRoute parentRefs, or the Ingress class) the unit routes through; [""] for an unnamed one."""
    out: list[str] = []
    for trail, value in _keys(unit):
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
    for trail, value in _keys(unit):
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


@dataclass(frozen=True)
class Measure:
    id: str
    kind: str
    title: str
    applies_to: str
    applies: Callable[[Unit], bool]
    holds: Callable[[Unit], bool]


def _pods(unit: Unit) -> bool:
    """The repo writes the pod spec itself (app-template controllers, a raw workload, a compose service), so its
    security context, requests and probes are the repo's choice, not a vendor chart's defaults."""
    if unit.kinds & {"Deployment", "StatefulSet", "DaemonSet", "CronJob"}:
        return True
    if any(_is_compose(d) for _, d in unit.docs):
        return True
    return any(trail and trail[-1] == "controllers" and isinstance(v, dict) for trail, v in _keys(unit))


MEASURES = (
    Measure("backup", "backup", "back up their volumes", "units with a PVC", has_pvc, has_backup),
    Measure(
        "claim-outside-chart",
        "storage",
        "mount a claim the repo writes (existingClaim) rather than one the chart creates",
        "units with a PVC",
        lambda u: has_pvc(u) or chart_creates_claim(u),
        lambda u: mounts_existing_claim(u) and not chart_creates_claim(u),
    ),
    Measure("network-policy", "network-policy", "carry a network policy", "units", lambda u: True, has_network_policy),
    Measure(
        "monitoring",
        "monitoring",
        "are scraped (ServiceMonitor or chart flag)",
        "units",
        lambda u: True,
        has_monitoring,
    ),
    Measure(
        "run-as-non-root",
        "security-context",
        "run as non-root",
        "units that write their pod spec",
        _pods,
        runs_as_non_root,
    ),
    Measure(
        "resource-requests",
        "resources",
        "set resource requests",
        "units that write their pod spec",
        _pods,
        has_requests,
    ),
    Measure("probes", "probes", "declare probes", "units that write their pod spec", _pods, has_probes),
    Measure(
        "digest-pin",
        "digest-pin",
        "pin images by digest",
        "units that write their pod spec",
        _pods,
        lambda u: all("@sha256:" in i for i in images(u)),
    ),
    Measure(
        "secrets-managed",
        "secrets",
        "manage their secrets (ExternalSecret, SOPS, a generator or env interpolation)",
        "units that use secrets",
        needs_secrets,
        secrets_managed,
    ),
)


def holds(m: Measure, unit: Unit, registered: frozenset[str], policed: frozenset[str]) -> bool:
    if m.id == "backup":
        return has_backup(unit, registered)
    if m.id == "network-policy":
        return has_network_policy(unit, policed)
    return m.holds(unit)


def mine(root: Path, files: list[RepoFile] | None = None) -> ConventionReport:
    files = walk_repo(root).files if files is None else files
    units, parsed = units_and_files(files)
    registered = backup_registrations(parsed, units)
    policed = policy_namespaces(parsed)
    report = ConventionReport(
        repo=str(root),
        units=[u.path for u in units],
        conventions=[],
        backup_names=registered,
        policed=policed,
        workloads={u.path: workload_names(u) for u in units},
    )
    if not units:
        report.notes.append("no app units found (no HelmRelease, workload, Argo CD Application or compose file)")
        return report
    for m in MEASURES:
        applies = [u for u in units if m.applies(u)]
        if not applies:
            continue
        carry = [u for u in applies if holds(m, u, registered, policed)]
        report.conventions.append(_convention(m.id, m.kind, m.title, m.applies_to, applies, carry))
    routed = [(u, routes(u)) for u in units]
    routed = [(u, r) for u, r in routed if r]
    if routed:
        house, _ = Counter(g for _, r in routed for g in set(r)).most_common(1)[0]
        carry = [u for u, r in routed if house in r]
        name = house.removeprefix("ingress:") or "one unnamed gateway"
        how = "the Ingress class" if house.startswith("ingress:") else "" if house == "traefik labels" else "gateway"
        title = f"route through {how} {name}".replace("  ", " ")
        route = _convention("gateway-route", "gateway-route", title, "routed units", [u for u, _ in routed], carry)
        report.conventions.append(route.model_copy(update={"house": house}))
    return report


def _convention(cid: str, kind: str, title: str, applies_to: str, applies: list[Unit], carry: list[Unit]) -> Convention:
    n, m = len(carry), len(applies)
    have = {u.path for u in carry}
    return Convention(
        id=cid,
        kind=kind,
        title=title,
        applies_to=applies_to,
        support=(n, m),
        strong=m >= STRONG_MIN_UNITS and n / m >= STRONG_SHARE,
        evidence=[u.path for u in carry[:3]],
        exceptions=[u.path for u in applies if u.path not in have][:10],
    )
