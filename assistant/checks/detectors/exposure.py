"""network-exposure: an Ingress where the repo routes through Gateway API (kind Ingress), a NodePort or a
LoadBalancer outside the gateway (kind Service), hostNetwork (any pod spec), and the namespace profile-label
convention the checklist uses."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.checks.context import YAML, Context, finding, get, line_of, repo_documents
from assistant.inputs.manifests import Document, walk
from assistant.models import Finding
from assistant.stack.view import Stack

NETWORK_POLICY_KINDS = {"NetworkPolicy", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "AuthorizationPolicy"}


def _routes_instead(stack: Stack) -> str | None:
    """Why an Ingress is off-pattern here, or None where Ingress is the repo's own pattern (more Ingresses than
    HTTPRoutes, or no HTTPRoute at all next to a controller it runs in the ingress role, Ingresses then living in
    chart values)."""
    routes, ingresses = stack.inventory.kinds.get("HTTPRoute", 0), stack.inventory.kinds.get("Ingress", 0)
    if routes < ingresses or (routes == 0 and stack.inventory.incumbents("ingress")):
        return None
    return f"this repo routes through {routes} Gateway API HTTPRoutes" if routes else "the framework's pattern"


def ingress(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    if (where := _routes_instead(stack)) is None:
        return []
    return [
        finding(
            "network-exposure",
            f"ingress:{doc.name}",
            f"Ingress {doc.name} instead of a Gateway API HTTPRoute ({where}).",
            ctx.location(doc, doc.key_line("kind")),
        )
    ]


def ingress_in_values(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    """A chart's own Ingress switched on in values the PR adds (`ingress: {enabled: true}`, or app-template's named
    `ingress: {app: {hosts: …}}`), where the repo routes through HTTPRoutes."""
    if doc.kind not in ("", "HelmRelease") or (where := _routes_instead(stack)) is None:
        return []
    for trail, value in walk(doc.data):
        if not (trail and trail[-1] == "ingress" and isinstance(value, dict)) or value.get("enabled") is False:
            continue
        named = [v for v in value.values() if isinstance(v, dict) and "hosts" in v and v.get("enabled") is not False]
        line = line_of(doc, trail)
        if (value.get("enabled") is True or named) and ctx.adds(doc, line):
            release = doc.name or Path(doc.path).stem
            return [
                finding(
                    "network-exposure",
                    f"values-ingress:{doc.path}",
                    f"{release}: the chart's Ingress is switched on ({'.'.join(trail)}) instead of a Gateway API "
                    f"HTTPRoute ({where}).",
                    ctx.location(doc, line),
                )
            ]
    return []


def service_type(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    spec = doc.data.get("spec")
    stype = spec.get("type") if isinstance(spec, dict) else None
    if not (stype == "NodePort" or (stype == "LoadBalancer" and "gateway" not in doc.path)):
        return []
    return [
        finding(
            "network-exposure",
            f"service:{doc.name}",
            f"Service {doc.name} of type {stype} exposes the app outside the Gateway.",
            ctx.location(doc, doc.key_line("spec", "type")),
        )
    ]


def service_type_in_values(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    """A chart's Service made a NodePort in values the PR adds (`service: {type: NodePort}`, or app-template's named
    `service: {main: {type: NodePort}}`)."""
    if doc.kind not in ("", "HelmRelease"):
        return []
    out = []
    for trail, value in walk(doc.data):
        if not (len(trail) >= 2 and trail[-1] == "type" and value == "NodePort") or "service" not in trail[-3:-1]:
            continue
        line = line_of(doc, trail)
        if ctx.adds(doc, line):
            out.append(
                finding(
                    "network-exposure",
                    f"values-nodeport:{doc.path}:{'.'.join(trail)}",
                    f"{doc.name or Path(doc.path).stem}: the chart's Service is a NodePort ({'.'.join(trail)}), "
                    "reachable on every node outside the Gateway.",
                    ctx.location(doc, line),
                )
            )
    return out


def host_network(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    label = f"{doc.kind or 'values'} {doc.name}".strip()
    return [
        finding(
            "network-exposure",
            f"hostnetwork:{doc.path}",
            f"{label} uses hostNetwork: the pod sits on the node's network.",
            ctx.location(doc, line_of(doc, trail)),
        )
        for trail, value in walk(doc.data)
        if trail and trail[-1] == "hostNetwork" and value is True
    ][:1]


def profile_convention(ctx: Context) -> bool:
    """The repo labels its namespaces with a network-policy profile (the house pattern the check enforces)."""
    return any(
        YAML.search(rel) and "kind: Namespace" in text and re.search(r"network-policy[\w./-]*/profile", text)
        for rel, text in ctx.repo_texts.items()
    )


PUBLIC_WORDS = {"public", "external", "internet", "wan", "edge"}
RAW_PROTOCOLS = {"TCP", "UDP"}


def _public(doc: Document) -> bool:
    """A Gateway named or filed as the internet-facing one (`public`, `envoy-external`, `gateway-public.yaml`)."""
    words = set(re.split(r"[^a-z0-9]+", f"{doc.name} {Path(doc.path).stem}".lower()))
    return bool(words & PUBLIC_WORDS)


def public_raw_listener(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    """A raw TCP or UDP listener (or TLS passthrough) the change adds to an internet-facing Gateway: the service
    behind it answers the whole internet with no HTTP layer for auth, rate limits or WAF rules."""
    listeners = doc.data.get("spec", {}).get("listeners") if isinstance(doc.data.get("spec"), dict) else None
    if not isinstance(listeners, list) or not _public(doc):
        return []
    out = []
    for i, listener in enumerate(listeners):
        if not isinstance(listener, dict):
            continue
        protocol = str(listener.get("protocol", "")).upper()
        passthrough = protocol == "TLS" and str(get(listener, "tls", "mode")).lower() == "passthrough"
        line = line_of(doc, ("spec", "listeners", str(i), "name")) or line_of(doc, ("spec", "listeners", str(i)))
        if (protocol in RAW_PROTOCOLS or passthrough) and ctx.adds(doc, line):
            what = "TLS passthrough" if passthrough else f"raw {protocol}"
            out.append(
                finding(
                    "network-exposure",
                    f"public-listener:{doc.path}:{listener.get('name')}",
                    f"Gateway {doc.name} faces the internet and gets a {what} listener "
                    f"{listener.get('name', '')} on port {listener.get('port', '?')}: the service behind it answers "
                    "the whole internet with no HTTP layer for auth or rate limits.",
                    ctx.location(doc, line),
                )
            )
    return out


_TUNNEL = re.compile(r"tunnel|cloudflared|argotunnel", re.I)


def _public_mark(trail: tuple[str, ...], value: str, public_gateways: set[str]) -> bool:
    key = trail[-1]
    if "parentRefs" in trail and key == "name":
        return value in public_gateways
    if key.endswith("external-dns.alpha.kubernetes.io/target"):
        return bool(_TUNNEL.search(value))
    return key.endswith("cloudflare-proxied") and value.lower() == "true"


def _public_marks(doc: Document, public_gateways: set[str]) -> list[tuple[str, ...]]:
    """The trails that make a route or Ingress reachable from the internet: a parentRef to an internet-facing
    Gateway, an external-dns target on a tunnel, Cloudflare's proxy switched on."""
    return [
        trail
        for trail, value in walk(doc.data)
        if trail and isinstance(value, (str, bool)) and _public_mark(trail, str(value), public_gateways)
    ]


def _routes(docs: list[Document]) -> list[Document]:
    routed = ("HTTPRoute", "Ingress")
    return [d for d in docs if d.kind in routed or (d.kind in ("", "HelmRelease") and _has_ingress(d))]


def _has_ingress(doc: Document) -> bool:
    return any(t and t[-1] == "ingress" and isinstance(v, dict) for t, v in walk(doc.data))


def _public_gateways(ctx: Context) -> set[str]:
    gateways = [*ctx.docs, *repo_documents(ctx, "kind: Gateway", r"listeners:")]
    return {d.name for d in gateways if d.kind == "Gateway" and _public(d)}


def newly_public(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    """A route or Ingress the change makes reachable from the internet, where the house keeps most apps inside (under
    half of its routes public): a question, since whether the app has its own login is not in the manifests. Where
    public is the norm, nothing."""
    if doc not in _routes([doc]):
        return []
    gateways = _public_gateways(ctx)
    marks = [t for t in _public_marks(doc, gateways) if ctx.adds(doc, line_of(doc, t))]
    if not marks:
        return []
    repo_routes = [d for d in _routes(repo_documents(ctx, "", r"(?m)kind:\s*(?:HTTPRoute|Ingress)\b|^\s*ingress:"))
                   if d.path not in {x.path for x in ctx.docs}]  # fmt: skip
    public = [d for d in repo_routes if _public_marks(d, gateways)]
    if len(repo_routes) < 5 or len(public) / len(repo_routes) >= 0.5:
        return []
    names = ", ".join(sorted({Path(d.path).parent.name for d in public})[:4]) or "none"
    line = line_of(doc, marks[0])
    return [
        finding(
            "network-exposure",
            f"public:{doc.path}",
            f"{doc.name or Path(doc.path).parent.name} becomes reachable from the internet ({marks[0][-1]}), where "
            f"this repo keeps {len(public)} of {len(repo_routes)} routes public ({names}): does it have its own login, "
            "or should it stay inside?",
            ctx.location(doc, line),
            severity="minor",
        )
    ]
