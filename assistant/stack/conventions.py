"""House conventions, learnt from the repo: what most of its app units carry (a backup, a network policy, a
ServiceMonitor, a non-root security context, resource requests, a route through the house gateway, managed secrets,
digest-pinned images, probes), with the support ("21 of 26 units with a PVC") and the files that prove it. The units
are found in `units`, what each carries is judged in `unit_traits`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.inputs.repo_files import RepoFile, walk_repo
from assistant.stack.unit_traits import (
    backup_registrations,
    chart_creates_claim,
    has_backup,
    has_monitoring,
    has_network_policy,
    has_probes,
    has_pvc,
    has_requests,
    images,
    keys,
    mounts_existing_claim,
    needs_secrets,
    policy_namespaces,
    routes,
    runs_as_non_root,
    secrets_managed,
)
from assistant.stack.units import Unit, is_compose, units_and_files, workload_names

STRONG_SHARE = 0.8  # a convention most units hold: breaking it is a finding
STRONG_MIN_UNITS = 5  # fewer units than this prove no habit


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
    if any(is_compose(d) for _, d in unit.docs):
        return True
    return any(trail and trail[-1] == "controllers" and isinstance(v, dict) for trail, v in keys(unit))


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
