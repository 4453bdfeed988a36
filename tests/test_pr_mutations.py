"""Mutation tests on real pull requests (issue #11): a real corpus PR, reviewed with its real repo as context, plus
one planted file. Each planted problem must be caught in its category at the planted file and line; the same PR
without the plant must not be. A plant that is the repo's own pattern (an Ingress where Ingress with nginx is the
house pattern) must not be reported."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.inputs.diff import parse_diff
from assistant.knowledge_base.knowledge import Knowledge
from assistant.models import Verdict
from assistant.pr_review import review_pr
from tests.conftest import CORPUS, new_file_diff

pytestmark = pytest.mark.corpus

HOMELAB_PR = "0808bc32"  # houndarr: a well-formed new-app PR (app-template, ResourceSet, HTTPRoute)
KHUEDOAN_PR = "946203aa"  # PairDrop: a wrapper chart over app-template with an nginx Ingress


@dataclass(frozen=True)
class Plant:
    name: str
    path: str
    text: str
    marker: str  # the planted line the finding must point at
    category: str
    severity: tuple[str, ...] = ("major", "blocker")


HOSTPATH_DATA = (
    "          volumeMounts:\n            - name: data\n              mountPath: /var/lib/postgresql/data\n"
    "      volumes:\n        - name: data\n          hostPath:\n            path: /srv/postgres\n"
)


def deployment(
    namespace: str, extra_spec: str = "", image: str = "ghcr.io/example/app:1.2.3", volumes: str = ""
) -> str:
    return (
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: planted\n"
        f"  namespace: {namespace}\nspec:\n  template:\n    spec:\n{extra_spec}"
        f"      containers:\n        - name: app\n          image: {image}\n{volumes}"
    )


HOMELAB_PLANTS = [
    Plant(
        "secret with data",
        "kubernetes/clusters/live/config/media/planted-secret.yaml",
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: houndarr-admin\n  namespace: media\ntype: Opaque\n"
        "stringData:\n  password: correct-horse-battery-staple-42\n",
        "password:",
        "secret-in-git",
    ),
    Plant(
        "ingress instead of the repo's HTTPRoutes",
        "kubernetes/clusters/live/config/media/planted-ingress.yaml",
        "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: houndarr\n  namespace: media\n"
        "spec:\n  rules:\n    - host: houndarr.example.com\n",
        "kind: Ingress",
        "network-exposure",
    ),
    Plant(
        "nodeport",
        "kubernetes/clusters/live/config/media/planted-service.yaml",
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: houndarr-direct\n  namespace: media\nspec:\n"
        "  type: NodePort\n  ports:\n    - port: 8080\n",
        "type: NodePort",
        "network-exposure",
    ),
    Plant(
        "hostNetwork",
        "kubernetes/clusters/live/config/media/planted-hostnet.yaml",
        deployment("media", extra_spec="      hostNetwork: true\n"),
        "hostNetwork: true",
        "network-exposure",
    ),
    Plant(
        "a chart that is an overlapping tool (Redis next to Dragonfly)",
        "kubernetes/clusters/live/config/media/planted-redis.yaml",
        "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: houndarr-redis\n"
        "  namespace: media\nspec:\n  interval: 1h\n  chart:\n    spec:\n      chart: redis\n      version: 20.1.0\n"
        "      sourceRef:\n        kind: HelmRepository\n        name: bitnami\n",
        "chart: redis",
        "overlap",
    ),
    Plant(
        "a database on hostPath",
        "kubernetes/clusters/live/config/media/planted-postgres.yaml",
        deployment(
            "media",
            image="docker.io/library/postgres:16.4",
            volumes=HOSTPATH_DATA,
        ),
        "- name: data\n          hostPath",
        "ephemeral-storage",
    ),
    Plant(
        "a volume in a namespace no Velero Schedule includes",
        "kubernetes/clusters/live/config/planted/data-pvc.yaml",
        "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: planted-data\n  namespace: planted\n"
        "spec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 5Gi\n",
        "name: planted-data",
        "no-backup",
    ),
    Plant(
        "a latest tag",
        "kubernetes/clusters/live/config/media/planted-latest.yaml",
        deployment("media", image="ghcr.io/example/tool:latest"),
        "image: ghcr.io/example/tool:latest",
        "unpinned-version",
    ),
    Plant(
        "a new app with its chart's ServiceMonitor switched off",
        "kubernetes/clusters/live/charts/planted-app.yaml",
        "---\ncontrollers:\n  planted:\n    containers:\n      app:\n        image:\n"
        "          repository: ghcr.io/example/planted\n          tag: 1.0.0\nserviceMonitor:\n  app:\n"
        "    enabled: false\n",
        "enabled: false",
        "no-observability",
    ),
    Plant(
        "a new app without any monitoring (a question: minor)",
        "kubernetes/clusters/live/config/planted/namespace.yaml",
        "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: planted\n  labels:\n"
        "    network-policy.homelab/profile: internal\n",
        "kind: Namespace",
        "no-observability",
        severity=("minor",),
    ),
]

KHUEDOAN_PLANTS = [
    Plant(
        "secret with data",
        "apps/pairdrop/templates/planted-secret.yaml",
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: pairdrop-admin\ntype: Opaque\n"
        "stringData:\n  password: correct-horse-battery-staple-42\n",
        "password:",
        "secret-in-git",
    ),
    Plant(
        "nodeport",
        "apps/pairdrop/templates/planted-service.yaml",
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: pairdrop-direct\nspec:\n  type: NodePort\n"
        "  ports:\n    - port: 3000\n",
        "type: NodePort",
        "network-exposure",
    ),
    Plant(
        "a chart that is an overlapping tool (Traefik next to ingress-nginx)",
        "platform/traefik/Chart.yaml",
        "apiVersion: v2\nname: traefik\nversion: 0.0.0\ndependencies:\n  - name: traefik\n    version: 28.0.0\n"
        "    repository: https://traefik.github.io/charts\n",
        "- name: traefik",
        "overlap",
    ),
    Plant(
        "a latest tag in wrapper-chart values",
        "apps/planted/values.yaml",
        "app-template:\n  controllers:\n    main:\n      containers:\n        main:\n          image:\n"
        "            repository: ghcr.io/example/planted\n            tag: latest\n",
        "tag: latest",
        "unpinned-version",
    ),
    Plant(
        "a database on hostPath",
        "apps/pairdrop/templates/planted-postgres.yaml",
        deployment(
            "pairdrop",
            image="docker.io/library/postgres:16.4",
            volumes=HOSTPATH_DATA,
        ),
        "- name: data\n          hostPath",
        "ephemeral-storage",
    ),
]


def line_of(text: str, marker: str) -> int:
    """1-based line of the marker's last line (a two-line marker points at its second line)."""
    at = text.index(marker) + marker.rfind("\n") + 1
    return text.count("\n", 0, at) + 1


class Reviewer:
    def __init__(self, name: str, pr: str, tmp: Path) -> None:
        self.repo = CORPUS.parent / name / "repo"
        if not self.repo.is_dir():
            pytest.skip(f"the shared corpus is not at {self.repo}")
        self.patch = next((CORPUS.parent / name / "prs").glob(f"{pr}*.patch")).read_text()
        self.settings = Settings(index_dir=tmp / "none", repo=self.repo, llm="off")
        from assistant.stack.catalog import load_catalog
        from assistant.stack.store import catalog_digest, discover

        digest = catalog_digest(self.settings.catalog_path)
        inventory = discover(self.repo, load_catalog(self.settings.catalog_path), digest)[0].inventory
        self.knowledge = Knowledge(self.settings, inventory=inventory)

    def review(self, plant: Plant | None = None) -> Verdict:
        text = self.patch + ("" if plant is None else new_file_diff(plant.path, plant.text))
        pr = parse_diff(text, "mutant", self.repo)
        return review_pr(pr, self.settings, repo=self.repo, knowledge=self.knowledge)


@pytest.fixture(scope="module")
def homelab(tmp_path_factory: pytest.TempPathFactory) -> Reviewer:
    return Reviewer("homelab", HOMELAB_PR, tmp_path_factory.mktemp("homelab"))


@pytest.fixture(scope="module")
def khuedoan(tmp_path_factory: pytest.TempPathFactory) -> Reviewer:
    return Reviewer("khuedoan-homelab", KHUEDOAN_PR, tmp_path_factory.mktemp("khuedoan"))


def assert_caught(reviewer: Reviewer, plant: Plant) -> None:
    clean = reviewer.review()
    assert not [f for f in clean.findings if f.category == plant.category and f.severity in plant.severity]
    verdict = reviewer.review(plant)
    line = line_of(plant.text, plant.marker)
    hits = [f for f in verdict.findings if f.category == plant.category and f.severity in plant.severity]
    where = [(f.category, f.severity, f.location) for f in verdict.findings]
    assert any(f.location and (f.location.path, f.location.line) == (plant.path, line) for f in hits), (line, where)
    if "major" in plant.severity:
        assert verdict.verdict in ("revise", "reject")


@pytest.mark.parametrize("plant", HOMELAB_PLANTS, ids=[p.name for p in HOMELAB_PLANTS])
def test_planted_problems_are_caught_at_file_and_line_in_the_homelab(homelab: Reviewer, plant: Plant) -> None:
    assert_caught(homelab, plant)


@pytest.mark.parametrize("plant", KHUEDOAN_PLANTS, ids=[p.name for p in KHUEDOAN_PLANTS])
def test_planted_problems_are_caught_at_file_and_line_in_the_second_homelab(khuedoan: Reviewer, plant: Plant) -> None:
    assert_caught(khuedoan, plant)


def test_an_ingress_is_no_finding_where_it_is_the_house_pattern(khuedoan: Reviewer) -> None:
    plant = Plant(
        "ingress",
        "apps/pairdrop/templates/planted-ingress.yaml",
        "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: pairdrop-extra\nspec:\n"
        "  ingressClassName: nginx\n  rules:\n    - host: drop.example.com\n",
        "kind: Ingress",
        "network-exposure",
    )
    verdict = khuedoan.review(plant)
    assert not [f for f in verdict.findings if f.category == "network-exposure"]


def test_a_volume_in_a_backed_up_namespace_is_no_finding(homelab: Reviewer) -> None:
    plant = Plant(
        "pvc in media",
        "kubernetes/clusters/live/config/media/planted-pvc.yaml",
        "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: houndarr-extra\n  namespace: media\n"
        "spec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 5Gi\n",
        "name: houndarr-extra",
        "no-backup",
    )
    verdict = homelab.review(plant)  # media is in the repo's schedule-default includedNamespaces
    assert not [f for f in verdict.findings if f.category == "no-backup"]


def test_the_redis_chart_names_the_repo_incumbent(homelab: Reviewer) -> None:
    plant = next(p for p in HOMELAB_PLANTS if p.category == "overlap")
    verdict = homelab.review(plant)
    overlap = next(f for f in verdict.findings if f.category == "overlap")
    assert overlap.component == "dragonfly" and "Dragonfly" in overlap.message
