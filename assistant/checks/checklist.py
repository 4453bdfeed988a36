"""The framework's New Application checklist for each app a PR creates: HelmRelease via ResourceSet, a namespace
with its network-policy profile, credentials through ExternalSecret, monitoring, CNPG, Garage, HTTPRoute. It looks
beyond the diff at the repo's own documents for the app."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.checks.context import Context, finding, get, repo_documents
from assistant.checks.detectors.exposure import NETWORK_POLICY_KINDS, profile_convention
from assistant.checks.detectors.observability import OBSERVABILITY_KINDS
from assistant.checks.detectors.secrets import empty_secret
from assistant.inputs.manifests import Document, walk
from assistant.models import ChecklistItem, Finding


def new_apps(ctx: Context) -> list[str]:
    """Namespaces the PR creates (its `kind: Namespace` line is added), not ones it only relabels."""
    names = [d.name for d in ctx.docs if d.kind == "Namespace" and d.name and ctx.adds(d, d.key_line("kind"))]
    return list(dict.fromkeys(names))


def mentions(doc: Document, app: str) -> bool:
    return doc.namespace == app or f"/{app}/" in f"/{doc.path}" or Path(doc.path).stem == app


def checklist(ctx: Context, app: str) -> tuple[list[ChecklistItem], list[Finding]]:
    ours = [d for d in ctx.docs if mentions(d, app) or d.name == app]
    theirs = [d for d in repo_documents(ctx, "", rf"\b{re.escape(app)}\b") if mentions(d, app)]
    both = ours + theirs
    items: list[ChecklistItem] = []
    findings: list[Finding] = []

    def where(d: Document) -> str:
        return f"{d.path}:{d.line}"

    flux = [d for d in both if d.kind in ("HelmRelease", "ResourceSet")]
    resourceset = [
        f
        for f in ctx.pr.reviewed
        if "resourceset" in f.path.lower() and re.search(rf"\b{re.escape(app)}\b", f.new_text or f.partial_text)
    ]
    values = [d for d in ours if not d.kind and Path(d.path).stem == app]
    if flux or resourceset or values:
        ev = where(flux[0]) if flux else resourceset[0].path if resourceset else f"{values[0].path} (chart values)"
        items.append(
            ChecklistItem(
                pattern="New Application", item="HelmRelease via ResourceSet", status="satisfied", evidence=ev
            )
        )
    else:
        items.append(
            ChecklistItem(
                pattern="New Application",
                item="HelmRelease via ResourceSet",
                status="missing",
                evidence="no HelmRelease, ResourceSet input or chart values for it in the PR",
            )
        )
    ns = next((d for d in ctx.docs if d.kind == "Namespace" and d.name == app), None)
    labels = get(ns.data, "metadata", "labels") if ns else None
    profile = next((f"{k}: {v}" for k, v in (labels or {}).items() if "network-policy" in k and "profile" in k), None)
    if ns is not None and profile:
        items.append(
            ChecklistItem(
                pattern="New Application",
                item="Namespace with network-policy profile label",
                status="satisfied",
                evidence=f"{where(ns)} ({profile})",
            )
        )
    elif ns is not None and (policy := next((d for d in both if d.kind in NETWORK_POLICY_KINDS), None)):
        items.append(
            ChecklistItem(
                pattern="New Application",
                item="Namespace with network-policy profile label",
                status="satisfied",
                evidence=f"{where(policy)} (its own {policy.kind} instead of a profile)",
            )
        )
    elif ns is not None and profile_convention(ctx):
        items.append(
            ChecklistItem(
                pattern="New Application",
                item="Namespace with network-policy profile label",
                status="missing",
                evidence=where(ns),
            )
        )
        findings.append(
            finding(
                "network-exposure",
                f"profile-label:{app}",
                f"Namespace {app} has no network-policy profile label: default deny leaves it "
                "either unreachable or hand-patched.",
                ctx.at(ns, ns.key_line("metadata")),
                component="cilium",
                suggestion="Label the namespace with its network-policy profile "
                "(e.g. network-policy.homelab/profile: internal).",
            )
        )
    secret_refs = any(
        isinstance(v, dict) and ({"secretKeyRef", "existingSecret", "secretRef"} & set(v))
        for d in ours
        for _, v in walk(d.data)
    )
    external = [d for d in both if d.kind == "ExternalSecret"]
    generated = [d for d in ours if d.kind == "Secret" and empty_secret(d)]
    if external or generated:
        d = (external or generated)[0]
        items.append(
            ChecklistItem(
                pattern="New Application",
                item="ExternalSecret for credentials",
                status="satisfied",
                evidence=where(d) + ("" if external else " (generated/replicated in-cluster)"),
            )
        )
    else:
        items.append(
            ChecklistItem(
                pattern="New Application",
                item="ExternalSecret for credentials",
                status="missing" if secret_refs else "not applicable",
                evidence="credentials referenced, no ExternalSecret" if secret_refs else "no credentials referenced",
            )
        )
    monitors = [d for d in both if d.kind in OBSERVABILITY_KINDS]
    enabled = [
        d
        for d in ours
        for t, v in walk(d.data)
        if t
        and t[-1].lower() == "servicemonitor"
        and (v is True or (isinstance(v, dict) and v.get("enabled", True) is not False))
    ]
    canary = [d for d in both if d.kind == "Canary"]
    if monitors or enabled or canary:
        d = (monitors or enabled or canary)[0]
        how = "" if monitors else " (chart values enable a ServiceMonitor)" if enabled else " (canary-checker probe)"
        items.append(
            ChecklistItem(
                pattern="New Application",
                item="ServiceMonitor + PrometheusRule for observability",
                status="satisfied",
                evidence=where(d) + how,
            )
        )
    else:
        items.append(
            ChecklistItem(
                pattern="New Application",
                item="ServiceMonitor + PrometheusRule for observability",
                status="missing",
                evidence="none in the PR, the chart values or the repo",
            )
        )
        anchor = ns or (ours[0] if ours else None)
        findings.append(
            finding(
                "no-observability",
                f"app:{app}",
                f"{app} ships without a ServiceMonitor, PrometheusRule or canary (and nothing in the repo "
                "monitors it): if it exposes metrics, scrape them; if not, a probe tells you it is down.",
                ctx.location(anchor, anchor.key_line("kind")) or ctx.nearest(anchor.path, anchor.line)
                if anchor
                else None,
                severity="minor",  # many apps have no metrics surface: a question, unless one is switched off
            )
        )
    db = [d for d in both if str(get(d.data, "apiVersion") or "").startswith("postgresql.cnpg.io")]
    db += [d for d in ours for _, v in walk(d.data) if isinstance(v, str) and re.search(r"-rw\.[\w.-]+|\bcnpg\b", v)]
    wants_db = any(
        isinstance(v, str) and re.search(r"postgres|-rw\.|DB_HOST|DATABASE_URL", v, re.I)
        for d in ours
        for _, v in walk(d.data)
    )
    items.append(
        ChecklistItem(
            pattern="New Application",
            item="CNPG Cluster if database needed",
            status="satisfied" if db else "missing" if wants_db else "not applicable",
            evidence=where(db[0]) if db else "database settings without a CNPG resource" if wants_db else "no database",
        )
    )
    garage = [d for d in both if d.kind.startswith("Garage")]
    wants_s3 = any(isinstance(v, str) and re.search(r"\bs3\b|bucket", v, re.I) for d in ours for _, v in walk(d.data))
    items.append(
        ChecklistItem(
            pattern="New Application",
            item="GarageBucketClaim if S3 storage needed",
            status="satisfied" if garage else "missing" if wants_s3 else "not applicable",
            evidence=where(garage[0])
            if garage
            else "S3 settings without a Garage bucket"
            if wants_s3
            else "no object storage",
        )
    )
    routes = [d for d in ours if d.kind == "HTTPRoute"]
    if routes:
        items.append(
            ChecklistItem(
                pattern="New Network Exposure",
                item="HTTPRoute for HTTP/HTTPS traffic (Gateway API)",
                status="satisfied",
                evidence=where(routes[0]),
            )
        )
    return items, findings
