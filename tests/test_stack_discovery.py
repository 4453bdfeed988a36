"""Stack discovery on small real repos written to a temp dir: what each source proves, with file:line; bad input;
overrides; incremental reuse; and reviews that name only what the repo runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.config import Settings, data_dir
from assistant.evaluation.stack_eval import foreign_mentions
from assistant.knowledge_base.knowledge import Knowledge
from assistant.pipeline import review_text
from assistant.stack.catalog import load_catalog
from assistant.stack.inventory import Inventory
from assistant.stack.store import catalog_digest, discover

CATALOG_PATH = data_dir("knowledge") / "roles.yaml"
CATALOG = load_catalog(CATALOG_PATH)

HELMRELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: traefik
spec:
  chart:
    spec:
      chart: traefik
      version: 34.1.0
"""
ARGO_APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ingress
spec:
  source:
    repoURL: https://kubernetes.github.io/ingress-nginx
    chart: ingress-nginx
    targetRevision: 4.11.0
"""
CHART_YAML = """\
apiVersion: v2
name: cache
version: 0.1.0
dependencies:
  - name: redis
    version: 20.1.0
    repository: https://charts.bitnami.com/bitnami
"""
VALUES = """\
app:
  image:
    repository: valkey/valkey
    tag: "8.0"
"""
CNPG = """\
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: app-db
spec:
  instances: 3
"""


TALOS_TF = 'terraform {\n  required_providers {\n    talos = {\n      source = "siderolabs/talos"\n    }\n  }\n}\n'


# a billion-laughs bomb: nine levels of nine aliases each
LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def inventory_of(root: Path) -> Inventory:
    return discover(root, CATALOG, catalog_digest(CATALOG_PATH))[0].inventory


def knowledge_for(root: Path, tmp_path: Path, **settings: object) -> Knowledge:
    s = Settings(index_dir=tmp_path / "no-index", repo=root, llm="off", **settings)  # type: ignore[arg-type]
    return Knowledge(s, inventory=inventory_of(root))


def test_each_source_proves_its_tool_at_file_and_line(tmp_path: Path) -> None:
    root = write(
        tmp_path / "repo",
        {
            "apps/traefik/helmrelease.yaml": HELMRELEASE,
            "argo/ingress.yaml": ARGO_APP,
            "charts/cache/Chart.yaml": CHART_YAML,
            "charts/app/values.yaml": VALUES,
            "db/cluster.yaml": CNPG,
            "infra/main.tf": TALOS_TF,
        },
    )
    inv = inventory_of(root)
    where = {e.tool: str(e.evidence[0]) for e in inv.entries}
    assert where["traefik"] == "apps/traefik/helmrelease.yaml:8"
    assert where["ingress-nginx"].startswith("argo/ingress.yaml:")
    assert where["argo-cd"] == "argo/ingress.yaml:2"  # an Application is Argo CD's own kind
    assert where["redis"] == "charts/cache/Chart.yaml:5"
    assert where["valkey"] == "charts/app/values.yaml:3"
    assert where["cnpg"] == "db/cluster.yaml:2"
    assert where["talos"] == "infra/main.tf:4"
    assert inv.kinds["HelmRelease"] == 1 and inv.kinds["Cluster"] == 1
    ingress = {e.tool for e in inv.incumbents("ingress")}
    assert {"traefik", "ingress-nginx"} <= ingress  # two tools in one role are both listed


def test_a_crd_kind_alone_does_not_add_a_tool_where_another_fills_the_role(tmp_path: Path) -> None:
    """A Prometheus CR alone suggests the operator; with VictoriaMetrics deployed by chart it proves nothing more."""
    monitor = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata:\n  name: main\n"
    vm = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: vm\nspec:\n  chart:\n    spec:\n"
    vm += "      chart: victoria-metrics-k8s-stack\n"
    alone = inventory_of(write(tmp_path / "a", {"app/monitor.yaml": monitor}))
    assert alone.has("kube-prometheus-stack")  # with nothing else, the kind is the only evidence there is
    both = inventory_of(write(tmp_path / "b", {"app/monitor.yaml": monitor, "vm/hr.yaml": vm}))
    assert both.has("victoria-metrics") and not both.has("kube-prometheus-stack")


def test_templated_patched_and_malformed_files_do_not_crash_or_guess(tmp_path: Path) -> None:
    root = write(
        tmp_path / "repo",
        {
            "t/values.yaml": "image:\n  repository: '{{ .Values.image }}'\nchart: ${CHART_NAME}\n",
            "k/kustomization.yaml": "patches:\n  - target: {kind: Deployment}\n    patch: |-\n      - op: replace\n",
            "bad/broken.yaml": "key: [unclosed\n  - : :\n",
            "docs/notes.md": "We might add Redis, Traefik and Vault one day.",
            "archive/old/hr.yaml": HELMRELEASE,
            "bomb/laughs.yaml": LAUGHS,
        },
    )
    inv = inventory_of(root)
    assert inv.empty
    assert inv.notes == ["no deployed tools found; overlaps are off"]


def test_a_values_block_that_points_at_a_shared_service_is_reuse_not_a_bundle(tmp_path: Path) -> None:
    client = "session:\n  redis:\n    enabled: true\n    host: dragonfly.cache.svc.cluster.local\n"
    bundle = "postgresql:\n  enabled: true\n  auth:\n    database: app\n"
    inv = inventory_of(write(tmp_path / "repo", {"a/values.yaml": client, "b/values.yaml": bundle}))
    assert not inv.has("redis")
    assert str(inv.entry("postgresql").evidence[0]) == "b/values.yaml:1"  # type: ignore[union-attr]


def test_rediscovery_reads_only_changed_files(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", {"a/hr.yaml": HELMRELEASE, "b/chart/Chart.yaml": CHART_YAML})
    digest = catalog_digest(CATALOG_PATH)
    first, report1 = discover(root, CATALOG, digest)
    assert report1.files_read == 2
    again, report2 = discover(root, CATALOG, digest, cache=first)
    assert (report2.files_read, report2.files_reused) == (0, 2)
    (root / "a/hr.yaml").write_text(HELMRELEASE.replace("traefik", "ingress-nginx"), encoding="utf-8")
    changed, report3 = discover(root, CATALOG, digest, cache=again)
    assert (report3.files_read, report3.files_reused) == (1, 1)
    assert changed.inventory.has("ingress-nginx") and not changed.inventory.has("traefik")


ARGO_HOMELAB = {
    "README.md": "# lab\nWe run Redis, MinIO, Traefik and Sealed Secrets on k3s with Argo CD.\n",
    "apps/redis.yaml": ARGO_APP.replace("ingress-nginx", "redis").replace(
        "https://kubernetes.github.io/redis", "https://charts.bitnami.com/bitnami"
    ),
    "apps/minio/values.yaml": "image:\n  repository: minio/minio\n  tag: RELEASE.2024-10-02T17-50-41Z\n",
    "apps/traefik.yaml": ARGO_APP.replace("ingress-nginx", "traefik").replace(
        "https://kubernetes.github.io/traefik", "https://traefik.github.io/charts"
    ),
    "apps/sealed.yaml": ARGO_APP.replace("ingress-nginx", "sealed-secrets").replace(
        "https://kubernetes.github.io/sealed-secrets", "https://bitnami-labs.github.io/sealed-secrets"
    ),
}


def test_the_issue_example_names_only_what_an_argo_cd_repo_runs(tmp_path: Path) -> None:
    """The issue's first report: this repo runs neither Flux nor Dragonfly, so no finding may name them."""
    root = write(tmp_path / "repo", ARGO_HOMELAB)
    knowledge = knowledge_for(root, tmp_path)
    assert {"argo-cd", "redis", "minio", "traefik", "sealed-secrets"} <= {e.tool for e in knowledge.inventory.entries}
    proposal = "Add a second Redis instance for Nextcloud's file locking, via Argo CD, with a ServiceMonitor."
    verdict = review_text(proposal, knowledge.settings, knowledge=knowledge)
    overlaps = [f for f in verdict.findings if f.category == "overlap"]
    assert [f.component for f in overlaps] == ["redis"]
    assert "apps/redis.yaml:" in overlaps[0].message  # the incumbent's evidence
    assert foreign_mentions(verdict, knowledge.stack, proposal) == []
    said = json.dumps(verdict.model_dump(exclude={"citations"})).lower()  # citations quote the framework verbatim
    assert "flux" not in said and "dragonfly" not in said


def test_overlap_names_both_tools_of_a_role_and_none_where_the_role_is_empty(tmp_path: Path) -> None:
    root = write(
        tmp_path / "repo",
        {"a/hr.yaml": HELMRELEASE, "b/gw.yaml": "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
         "metadata:\n  name: main\nspec:\n  gatewayClassName: envoy-gateway\n"},
    )
    knowledge = knowledge_for(root, tmp_path)
    verdict = review_text("Deploy ingress-nginx as the ingress controller for the media apps.", knowledge.settings,
                          knowledge=knowledge)
    message = next(f.message for f in verdict.findings if f.category == "overlap")
    assert "Traefik" in message and "Envoy Gateway" in message
    broker = review_text("Add NATS as a message broker for the home automation events.", knowledge.settings,
                         knowledge=knowledge)
    assert not [f for f in broker.findings if f.category == "overlap"]
    for criterion in ("stack-fit", "alternative-analysis"):  # "does it overlap?", "what existing components?"
        rated = next(c for c in broker.criteria if c.id == criterion)
        assert "none found for message broker" in rated.rationale.lower()
        assert "stack#inventory" in rated.citations


def test_a_repo_with_nothing_discoverable_gets_no_overlap(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", {"README.md": "# empty\n"})
    knowledge = knowledge_for(root, tmp_path)
    verdict = review_text("Add Redis as a cache for Nextcloud.", knowledge.settings, knowledge=knowledge)
    assert not [f for f in verdict.findings if f.category == "overlap"]
    assert knowledge.inventory.notes == ["no deployed tools found; overlaps are off"]


def test_the_operators_overrides_beat_inference(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", {"a/hr.yaml": HELMRELEASE, "b/values.yaml": VALUES})
    (root / "assistant-stack.yaml").write_text(
        "add:\n  - tool: garage\n    where: docs/garage.md:3\n"
        "exclude: [valkey]\n"
        "decisions:\n  - use: dragonfly\n    instead_of: [redis, valkey]\n    why: one shared store, ADR 0001\n",
        encoding="utf-8",
    )
    knowledge = knowledge_for(root, tmp_path)
    inv = knowledge.inventory
    assert inv.has("garage") and str(inv.entry("garage").evidence[0]) == "docs/garage.md:3"  # type: ignore[union-attr]
    assert not inv.has("valkey")
    assert inv.has("dragonfly") and inv.entry("dragonfly").origin == "override"  # type: ignore[union-attr]
    verdict = review_text("Add Redis for Authentik's sessions.", knowledge.settings, knowledge=knowledge)
    overlap = next(f for f in verdict.findings if f.category == "overlap")
    assert overlap.component == "dragonfly"
    assert "one shared store, ADR 0001" in overlap.suggestion


def test_invalid_overrides_are_one_clear_error(tmp_path: Path) -> None:
    from assistant.errors import InputError

    root = write(tmp_path / "repo", {"a/hr.yaml": HELMRELEASE, "assistant-stack.yaml": "add: [{tool: nosuchtool}]\n"})
    with pytest.raises(InputError, match="not in the role catalog"):
        _ = knowledge_for(root, tmp_path).inventory


def test_a_reindex_keeps_the_inventory_chunks_in_step_with_the_catalog(tmp_path: Path) -> None:
    """The inventory chunks' words come from the catalog too: renaming a role must reach an incremental re-index."""
    from assistant.knowledge_base.index import IndexStore

    root = write(tmp_path / "repo", {"a/hr.yaml": HELMRELEASE})
    catalog = tmp_path / "roles.yaml"
    catalog.write_text(CATALOG_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index", repo=root, llm="off", catalog_path=catalog)
    IndexStore(settings).build(root)
    before = IndexStore(settings).chunks(["stack#inventory"])["stack#inventory"].text
    assert "Ingress and gateway controller: Traefik" in before
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace("name: Ingress and gateway controller", "name: Front door"),
        encoding="utf-8",
    )
    report = IndexStore(settings).build(root)
    after = IndexStore(settings).chunks(["stack#inventory"])["stack#inventory"].text
    assert "Front door: Traefik" in after and report.files_indexed == 1  # only the inventory unit changed
