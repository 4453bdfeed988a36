"""The role catalog (knowledge/roles.yaml) is product data, held here to the matching contract in its header."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from assistant.config import data_dir
from assistant.errors import InputError
from assistant.stack.catalog import RoleCatalog, Tool, load_catalog
from assistant.stack.matching import ProperName

CATALOG = data_dir("knowledge") / "roles.yaml"

# Ordinary words and protocol/category words: as a bare alias (or name) each would fire on prose about something else.
STOP_WORDS = {
    "vault", "fleet", "vector", "drone", "harbor", "s3", "nginx", "ceph", "proxy", "gateway",
    "agent", "operator", "backup", "cache", "database", "registry", "runner",
}  # fmt: skip

# Slugs other parts of the product (ground truth, checks, evals) refer to.
REQUIRED_SLUGS = {
    "flux", "argo-cd", "talos", "k3s", "opentofu", "terraform", "terragrunt", "ansible", "istio", "cilium",
    "ingress-nginx", "traefik", "envoy-gateway", "longhorn", "rook-ceph", "garage", "minio", "cnpg", "dragonfly",
    "redis", "valkey", "keydb", "velero", "volsync", "kopiur", "kube-prometheus-stack", "prometheus", "grafana",
    "loki", "alloy", "promtail", "victoria-logs", "victoria-metrics", "gatus", "uptime-kuma", "canary-checker",
    "external-secrets", "sealed-secrets", "sops", "vault", "onepassword-connect", "cert-manager", "external-dns",
    "cloudflared", "tailscale", "authelia", "authentik", "keycloak", "kanidm", "dex", "lldap", "woodpecker", "gitea",
    "forgejo", "zot", "harbor", "spegel", "kured", "system-upgrade-controller", "tuppr", "renovate", "kyverno",
    "metallb", "kube-vip", "ntfy", "alertmanager", "aws-ssm", "snapshot-controller",
}  # fmt: skip


def _norm(name: str) -> str:
    """The matcher lets a space, `-` or `_` match one another, so names equal under this are the same name."""
    return re.sub(r"[\s_-]+", " ", name.lower()).strip()


def _name_collisions(catalog: RoleCatalog) -> dict[str, set[str]]:
    owners: dict[str, set[str]] = defaultdict(set)
    for tool in catalog.tools:
        for name in tool.names:
            owners[_norm(name)].add(tool.slug)
    return {name: slugs for name, slugs in owners.items() if len(slugs) > 1}


def _evidence_conflicts(catalog: RoleCatalog) -> list[str]:
    """Repo evidence that would attribute one file to two tools."""
    conflicts: list[str] = []
    images = [(t.slug, i) for t in catalog.tools for i in t.images]
    for slug_a, a in images:  # an image pattern matches as a suffix at a `/` boundary
        conflicts += [f"image {a} ({slug_a}) ~ {b} ({slug_b})" for slug_b, b in images
                      if slug_a != slug_b and (a == b or b.endswith("/" + a))]  # fmt: skip
    crds = [(t.slug, c) for t in catalog.tools for c in t.crds]
    for slug_a, a in crds:  # a bare group covers every Kind in it
        conflicts += [f"crd {a} ({slug_a}) ~ {b} ({slug_b})" for slug_b, b in crds
                      if slug_a != slug_b and (a == b or ("/" not in a and b.split("/")[0] == a))]  # fmt: skip
    repos = [(t.slug, r) for t in catalog.tools for r in t.repos]
    for slug_a, a in repos:  # a repo pattern matches as a substring
        conflicts += [f"repo {a} ({slug_a}) in {b} ({slug_b})" for slug_b, b in repos if slug_a != slug_b and a in b]
    for field in ("charts", "gateway_classes", "secret_providers", "terraform"):
        owners: dict[str, set[str]] = defaultdict(set)
        for tool in catalog.tools:
            for value in getattr(tool, field):
                owners[value.lower()].add(tool.slug)
        conflicts += [f"{field} {v}: {sorted(s)}" for v, s in owners.items() if len(s) > 1]
    return conflicts


@pytest.fixture(scope="module")
def catalog() -> RoleCatalog:
    return load_catalog(CATALOG)


# Jobs that one project does in practice (no second descheduler or secondary-network CNI is maintained): such a
# role names its tool in advice, and can never be an overlap.
ONE_TOOL_ROLES = {"descheduling", "multi-network"}


def test_catalog_covers_the_ecosystem(catalog: RoleCatalog) -> None:
    assert len(catalog.tools) >= 130
    thin = {
        r.id: [t.slug for t in catalog.tools_in(r.id)]
        for r in catalog.roles
        if len(catalog.tools_in(r.id)) < 2 and not r.family and r.id not in ONE_TOOL_ROLES
    }
    assert thin == {}
    assert REQUIRED_SLUGS - set(catalog.by_slug) == set()


def test_every_tool_can_be_found_in_a_repo(catalog: RoleCatalog) -> None:
    def evidence(t: Tool) -> list[object]:
        return [*t.charts, *t.images, *t.crds, *t.repos, *t.terraform, *t.markers, *t.gateway_classes,
                *t.secret_providers, *t.notify_types, t.machine or None]  # fmt: skip

    assert [t.slug for t in catalog.tools if not any(evidence(t))] == []


def test_no_name_or_alias_belongs_to_two_tools(catalog: RoleCatalog) -> None:
    assert _name_collisions(catalog) == {}
    # The check itself catches a collision that differs only in case and separators.
    bad = catalog.model_copy(deep=True)
    bad.tools[1].aliases.append(bad.tools[0].name.upper().replace(" ", "_"))
    assert _norm(bad.tools[0].name) in _name_collisions(bad)


def test_aliases_are_lower_case_and_never_a_bare_common_word(catalog: RoleCatalog) -> None:
    assert [(t.slug, a) for t in catalog.tools for a in t.aliases if a != a.lower()] == []
    # a proper name ("Drone", "Harbor") is an ordinary word too, so it matches only capitalised, as a name
    names = [(t.slug, n) for t in catalog.tools for n in t.names if not isinstance(n, ProperName)]
    names += [(s.slug, a) for s in catalog.cloud_only for a in s.aliases]
    assert [(slug, n) for slug, n in names if _norm(n) in STOP_WORDS] == []
    assert all(p[:1].isupper() for t in catalog.tools for p in t.proper_names)
    # Generic database names belong only to the plain server of that name.
    for generic, owner in {"postgres": "postgresql", "postgresql": "postgresql", "redis": "redis"}.items():
        assert [t.slug for t in catalog.tools if generic in {_norm(n) for n in t.names}] == [owner]


def test_compatible_tools_declare_the_protocol_they_speak(catalog: RoleCatalog) -> None:
    expected = {
        "redis": ["dragonfly", "valkey", "keydb", "garnet", "redis"],
        "s3": ["garage", "minio", "seaweedfs", "rook-ceph"],
        "postgres": ["cnpg", "postgresql"],
    }
    for protocol, slugs in expected.items():
        missing = [s for s in slugs if protocol not in catalog.by_slug[s].speaks]
        assert missing == [], protocol
    # A drop-in that is not the original says so in a note.
    for slug in ("dragonfly", "valkey", "keydb", "garnet", "garage", "minio", "seaweedfs", "rook-ceph"):
        assert catalog.by_slug[slug].note, slug


def test_repo_evidence_attributes_each_file_to_one_tool(catalog: RoleCatalog) -> None:
    assert _evidence_conflicts(catalog) == []
    for tool in catalog.tools:
        for marker in tool.markers:
            if marker.regex:
                re.compile(marker.regex)
    bad = catalog.model_copy(deep=True)
    next(t for t in bad.tools if t.slug == "valkey").images.append("redis")  # would shadow bitnami/redis etc.
    assert any(c.startswith("image redis (valkey)") for c in _evidence_conflicts(bad))


def test_umbrella_and_standalone_charts_are_separate_tools(catalog: RoleCatalog) -> None:
    assert catalog.by_slug["kube-prometheus-stack"].roles == ["metrics", "alerting", "dashboards"]
    assert catalog.by_slug["prometheus"].roles == ["metrics"]
    assert catalog.by_slug["grafana"].roles == ["dashboards"]
    assert catalog.by_slug["alertmanager"].roles == ["alerting"]
    assert catalog.by_slug["aws-ssm"].secret_providers == []


def test_cloud_only_services_name_an_existing_role(catalog: RoleCatalog) -> None:
    role_ids = {r.id for r in catalog.roles}
    assert len(catalog.cloud_only) >= 71
    assert [s.slug for s in catalog.cloud_only if s.role is not None and s.role not in role_ids] == []
    assert sum(s.role is not None for s in catalog.cloud_only) >= len(catalog.cloud_only) - 3
    owners: dict[str, set[str]] = defaultdict(set)
    for service in catalog.cloud_only:
        for alias in service.aliases:
            owners[_norm(alias)].add(service.slug)
    assert {a: s for a, s in owners.items() if len(s) > 1} == {}
    # A SaaS product that is also a tool (1Password Connect, ngrok...) keeps one role for both.
    tool_names = {_norm(n): t for t in catalog.tools for n in t.names}
    for service in catalog.cloud_only:
        for alias in service.aliases:
            tool = tool_names.get(_norm(alias))
            if tool is not None:
                assert service.role in tool.roles, (service.slug, tool.slug)


def test_an_unknown_cloud_role_is_rejected(tmp_path: Path) -> None:
    data = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    copy = tmp_path / "copy.yaml"
    copy.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert len(load_catalog(copy).cloud_only) == len(data["cloud_only"])
    data["cloud_only"][0]["role"] = "no-such-role"
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.yaml is invalid"):
        load_catalog(broken)
