from collections import Counter

from assistant.config import data_dir
from assistant.knowledge_base.stack import alias_pattern, load_stack

STACK = load_stack(data_dir("knowledge") / "stack.yaml")


def test_catalog_has_every_framework_component_and_the_required_coverage() -> None:
    slugs = {c.slug for c in STACK.components}
    assert {
        "talos",
        "flux",
        "cilium",
        "longhorn",
        "garage",
        "cnpg",
        "dragonfly",
        "kube-prometheus-stack",
        "alloy",
        "loki",
        "cert-manager",
        "external-secrets",
        "tuppr",
        "opentofu",
        "github-actions",
    } <= slugs
    covers = {t.name.lower(): c.slug for c in STACK.components for t in c.covers}
    for tool, slug in [
        ("redis", "dragonfly"),
        ("minio", "garage"),
        ("argo cd", "flux"),
        ("calico", "cilium"),
        ("promtail", "alloy"),
        ("opensearch", "loki"),
        ("certbot", "cert-manager"),
    ]:
        assert any(tool in name and s == slug for name, s in covers.items()), tool
    cloud = {s.slug for s in STACK.cloud_only}
    assert len(cloud) >= 10
    for svc in STACK.cloud_only:
        assert svc.alternative is None or STACK.component(svc.alternative) is not None, svc.slug


def test_no_alias_is_listed_twice() -> None:
    aliases = [a.lower() for c in STACK.components for t in c.covers for a in t.aliases]
    aliases += [a.lower() for c in STACK.components for a in c.aliases]
    aliases += [a.lower() for s in STACK.cloud_only for a in s.aliases]
    assert [a for a, n in Counter(aliases).items() if n > 1] == []


def test_alias_pattern_matches_whole_words_only() -> None:
    p = alias_pattern(["redis", "fluent bit"])
    assert p.search("deploy Redis for authentik")
    assert p.search("ship logs with fluent-bit")
    assert not p.search("the redisson client")
    assert not p.search("predisposed")
