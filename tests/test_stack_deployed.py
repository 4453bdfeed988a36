"""What a repo deploys, on small real repos written to a temp dir: tools the catalog lacks, known by the unit that
runs them; folders the repo switched off; Flux sources no release uses; and files the YAML parser rejects."""

from __future__ import annotations

from pathlib import Path

from assistant.stack.inventory import UNCLASSIFIED, Inventory
from tests.conftest import discovered, write_tree


def _inventory(root: Path, files: dict[str, str]) -> Inventory:
    return discovered(write_tree(root, files))


APP = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {name}
spec:
  chartRef:
    kind: OCIRepository
    name: app-template
  values:
    controllers:
      {name}:
        containers:
          app:
            image:
              repository: ghcr.io/example/{image}
              tag: 1.2.3
"""


def test_a_tool_the_catalog_lacks_is_known_by_the_unit_that_runs_it(tmp_path: Path) -> None:
    inventory = _inventory(
        tmp_path,
        {
            "kubernetes/default/shelfmark/helmrelease.yaml": APP.format(name="shelfmark", image="shelfmark"),
            # a helper image named unlike its unit is no tool of the repo
            "kubernetes/default/qui/helmrelease.yaml": APP.format(name="qui", image="curl-jq"),
            "compose/twingate/docker-compose.yaml": "services:\n  twingate:\n    image: twingate/connector:1\n",
        },
    )
    found = {e.tool: e for e in inventory.entries}
    assert found["shelfmark"].roles == [UNCLASSIFIED]
    assert str(found["shelfmark"].evidence[0]) == "kubernetes/default/shelfmark/helmrelease.yaml:15"
    assert found["twingate"].roles == [UNCLASSIFIED]
    assert "qui" not in found and "curl-jq" not in found
    # a catalog tool keeps its catalog roles, never `unclassified`
    inventory = _inventory(tmp_path / "b", {"apps/plex/helmrelease.yaml": APP.format(name="plex", image="plex")})
    assert inventory.entry("plex") is not None and inventory.entry("plex").roles == ["media-streaming"]  # type: ignore[union-attr]


OVERLAY = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
{entries}
"""
KS = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n"


def test_folders_the_repo_switched_off_run_nothing(tmp_path: Path) -> None:
    apps = ["jellyfin", "radarr", "sonarr", "prowlarr", "bazarr", "sabnzbd", "crowdsec", "falco"]
    listed = [f"  - ../../base/{a}/ks.yaml" for a in apps[:6]] + ["  # - ../../base/crowdsec/ks.yaml"]
    files = {"kubernetes/overlays/cluster/kustomization.yaml": OVERLAY.format(entries="\n".join(listed))}
    for app in apps:
        files[f"kubernetes/base/{app}/ks.yaml"] = KS.format(name=app)
        files[f"kubernetes/base/{app}/app/kustomization.yaml"] = OVERLAY.format(entries="  - helmrelease.yaml")
        files[f"kubernetes/base/{app}/app/helmrelease.yaml"] = APP.format(name=app, image=app)
    inventory = _inventory(tmp_path, files)
    assert inventory.has("jellyfin") and inventory.has("sabnzbd")
    assert not inventory.has("crowdsec")  # listed only in a commented-out line
    assert not inventory.has("falco")  # its ks.yaml is not listed where every live app's is


HELM_REPOSITORY = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: {name}
spec:
  url: {url}
"""
RELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: app
spec:
  chart:
    spec:
      chart: anything
      sourceRef:
        kind: HelmRepository
        name: {name}
"""


def test_a_flux_source_proves_a_tool_only_where_a_release_uses_it(tmp_path: Path) -> None:
    files = {
        "flux/repositories/crowdsec.yaml": HELM_REPOSITORY.format(
            name="crowdsec", url="https://crowdsecurity.github.io/helm-charts"
        ),
        "flux/repositories/falco.yaml": HELM_REPOSITORY.format(name="falco", url="https://falcosecurity.github.io/charts"),
        "apps/security/release.yaml": RELEASE.format(name="falco"),
    }
    inventory = _inventory(tmp_path, files)
    assert inventory.has("falco") and not inventory.has("crowdsec")


def test_a_file_the_parser_rejects_still_names_its_images(tmp_path: Path) -> None:
    broken = APP.format(name="plex", image="plex").replace("spec:\n", "spec: &a\n  x: &a 1\n  y: *a\n  z: [\n", 1)
    inventory = _inventory(tmp_path, {"apps/plex/helmrelease.yaml": broken})
    entry = inventory.entry("plex")
    assert entry is not None and entry.evidence[0].path == "apps/plex/helmrelease.yaml"


def test_a_tools_role_follows_the_parts_deployed(tmp_path: Path) -> None:
    mesh = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: istiod\nspec:\n  chart:\n"
    mesh += "    spec:\n      chart: istiod\n"
    inventory = _inventory(tmp_path / "a", {"mesh/istiod.yaml": mesh})
    assert inventory.entry("istio") is not None and inventory.entry("istio").roles == ["mesh"]  # type: ignore[union-attr]
    gateway = mesh.replace("istiod", "istio-ingress")
    inventory = _inventory(tmp_path / "b", {"mesh/istiod.yaml": mesh, "mesh/gateway.yaml": gateway})
    assert inventory.entry("istio").roles == ["mesh", "ingress"]  # type: ignore[union-attr]
