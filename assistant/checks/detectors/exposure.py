"""network-exposure: an Ingress where the repo routes through Gateway API (kind Ingress), a NodePort or a
LoadBalancer outside the gateway (kind Service), hostNetwork (any pod spec), and the namespace profile-label
convention the checklist uses."""

from __future__ import annotations

import re

from assistant.checks.context import YAML, Context, finding, line_of
from assistant.inputs.manifests import Document, walk
from assistant.models import Finding
from assistant.stack.view import Stack

NETWORK_POLICY_KINDS = {"NetworkPolicy", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "AuthorizationPolicy"}


def ingress(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    routes, ingresses = stack.inventory.kinds.get("HTTPRoute", 0), stack.inventory.kinds.get("Ingress", 0)
    # where Ingress is the repo's own pattern (more Ingresses than HTTPRoutes, or no HTTPRoute at all next to a
    # controller it runs in the ingress role, Ingresses then living in chart values), it is no finding
    if routes < ingresses or (routes == 0 and stack.inventory.incumbents("ingress")):
        return []
    where = f"this repo routes through {routes} Gateway API HTTPRoutes" if routes else "the framework's pattern"
    return [
        finding(
            "network-exposure",
            f"ingress:{doc.name}",
            f"Ingress {doc.name} instead of a Gateway API HTTPRoute ({where}).",
            ctx.location(doc, doc.key_line("kind")),
        )
    ]


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
