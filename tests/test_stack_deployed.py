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
        "flux/repositories/falco.yaml": HELM_REPOSITORY.format(
            name="falco", url="https://falcosecurity.github.io/charts"
        ),
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


def test_a_unit_whose_main_image_the_catalog_lacks_is_one_tool_with_both_names(tmp_path: Path) -> None:
    helper = APP.format(name="backup-job", image="backup").replace("        containers:", "        initContainers:")
    inventory = _inventory(
        tmp_path,
        {
            "apps/zwave2mqtt/helmrelease.yaml": APP.format(name="zwave2mqtt", image="zwave-js-ui"),
            "apps/echo-server/helmrelease.yaml": APP.format(name="echo-server", image="echo"),
            "apps/tools/helmrelease.yaml": APP.format(name="toolbox-runner", image="alpine-kubectl"),
            "apps/backup-job/helmrelease.yaml": helper,  # an init container is no unit's main image
        },
    )
    zwave = inventory.entry("zwave2mqtt")
    assert zwave is not None and zwave.roles == [UNCLASSIFIED] and zwave.aliases == ["zwave-js-ui"]
    assert str(zwave.evidence[0]) == "apps/zwave2mqtt/helmrelease.yaml:15"
    echo = inventory.entry("echo")  # the image names the tool; the release is its other name
    assert echo is not None and echo.aliases == ["echo-server"]
    assert not inventory.has("toolbox-runner") and not inventory.has("backup-job")


def test_an_integration_of_a_tool_the_repo_runs_is_not_a_tool_of_its_own(tmp_path: Path) -> None:
    dns = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: {name}\nspec:\n  chart:\n"
    dns += "    spec:\n      chart: external-dns\n"
    files = {
        "dns/external-dns.yaml": dns.format(name="external-dns"),
        "dns/webhook/helmrelease.yaml": APP.format(name="external-dns-unifi", image="external-dns-unifi-webhook"),
        "apps/victoria-logs-shipper/helmrelease.yaml": APP.format(name="grafana-shipper", image="grafana-shipper"),
    }
    inventory = _inventory(tmp_path, files)
    assert inventory.has("external-dns") and not inventory.has("external-dns-unifi")  # UniFi is a catalog tool
    assert inventory.has("grafana-shipper")  # `shipper` names no tool: a tool of its own


PROVIDER = """\
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata:
  name: alerts
spec:
  type: discord
  secretRef:
    name: webhook
"""
ALERTMANAGER_CONFIG = """\
apiVersion: monitoring.coreos.com/v1alpha1
kind: AlertmanagerConfig
metadata:
  name: team
spec:
  receivers:
    - name: chat
      slackConfigs:
        - channel: '#alerts'
    - name: empty
      telegramConfigs: []
"""


def test_the_hosted_services_alerts_are_sent_to_are_known_from_the_routing(tmp_path: Path) -> None:
    values = "alertmanager:\n  config:\n    receivers:\n      - name: phone\n        pushover_configs:\n"
    values += "          - user_key: x\n"
    inventory = _inventory(
        tmp_path,
        {
            "flux/provider.yaml": PROVIDER,
            "monitoring/alertmanager-config.yaml": ALERTMANAGER_CONFIG,
            "monitoring/values.yaml": values,
            "docs/chat.md": "We talk on Discord and Telegram.",  # prose proves nothing
        },
    )
    assert str(inventory.entry("discord").evidence[0]) == "flux/provider.yaml:6"  # type: ignore[union-attr]
    assert inventory.entry("slack").roles == ["notifications"]  # type: ignore[union-attr]
    assert inventory.has("pushover")
    assert not inventory.has("telegram")  # an empty receiver list sends nothing


def test_a_ks_file_under_a_synced_path_with_no_kustomization_runs_though_no_overlay_lists_it(tmp_path: Path) -> None:
    apps = ["jellyfin", "radarr", "sonarr", "prowlarr", "bazarr", "sabnzbd"]
    listed = [f"  - ../../base/{a}/ks.yaml" for a in apps]
    files = {"kubernetes/overlays/cluster/kustomization.yaml": OVERLAY.format(entries="\n".join(listed))}
    for app in apps:
        files[f"kubernetes/base/{app}/ks.yaml"] = KS.format(name=app)
        files[f"kubernetes/base/{app}/app/helmrelease.yaml"] = APP.format(name=app, image=app)
    # the FluxInstance syncs ./clusters/main, which has no kustomization file: Flux applies all of it
    files["kubernetes/clusters/main/flux-instance/values.yaml"] = "instance:\n  sync:\n    kind: OCIRepository\n"
    files["kubernetes/clusters/main/flux-instance/values.yaml"] += "    path: ./clusters/main\n"
    files["kubernetes/clusters/main/webhook/ks.yaml"] = KS.format(name="shelfmark")
    files["kubernetes/clusters/main/webhook/app/helmrelease.yaml"] = APP.format(name="shelfmark", image="shelfmark")
    inventory = _inventory(tmp_path, files)
    assert inventory.has("shelfmark") and inventory.has("sabnzbd")


def test_a_parent_chart_runs_the_exporters_its_values_switch_on(tmp_path: Path) -> None:
    release = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: vm\nspec:\n  chart:\n"
    release += "    spec:\n      chart: victoria-metrics-k8s-stack\n  values:\n    kube-state-metrics:\n"
    release += "      enabled: true\n    prometheus-node-exporter:\n      enabled: false\n"
    release += "    grafana:\n      enabled: true\n"
    inventory = _inventory(tmp_path, {"monitoring/vm.yaml": release})
    assert inventory.has("kube-state-metrics") and not inventory.has("node-exporter")
    assert not inventory.has("grafana")  # a dashboards flag is not a Grafana of the repo's


def test_the_repos_own_task_runner_and_hooks_are_known_by_their_files(tmp_path: Path) -> None:
    files = {"Taskfile.yaml": "version: '3'\ntasks: {}\n", ".pre-commit-config.yaml": "repos: []\n"}
    files["docs/tasks.md"] = "Each task is listed in the justfile of another project."
    inventory = _inventory(tmp_path, files)
    assert inventory.has("go-task") and inventory.has("pre-commit") and not inventory.has("just")


VM = """resource "proxmox_vm_qemu" "{name}" {{
    name = "{name}"
    desc = "{desc}"
    network {{
        bridge = "vmbr1"
    }}
}}
"""


def test_a_declared_vm_runs_what_its_own_description_names(tmp_path: Path) -> None:
    files = {
        "terraform/nas.tf": VM.format(name="nas-prod-1", desc="NAS Production 1, Main Storage Server, TrueNAS Scale"),
        "terraform/dc.tf": VM.format(name="wdc-prod-1", desc="Windows Domain Controller Production 1"),
        # a bucket's description is no machine's; prose in a README proves nothing
        "terraform/bucket.tf": 'resource "minio_bucket" "b" {\n  description = "Keycloak backups"\n}\n',
        "README.md": "We once ran Keycloak on a VM.",
    }
    inventory = _inventory(tmp_path, files)
    truenas = inventory.entry("truenas")
    assert truenas is not None and truenas.roles == ["nas"] and str(truenas.evidence[0]) == "terraform/nas.tf:3"
    assert inventory.entry("active-directory").roles == ["identity"]  # type: ignore[union-attr]
    assert not inventory.has("keycloak")


def test_a_hosted_service_the_config_links_to_is_relied_on_not_deployed(tmp_path: Path) -> None:
    gatus = "ui:\n  buttons:\n    - name: Outside-in status\n      link: https://stats.uptimerobot.com/abc\n"
    inventory = _inventory(
        tmp_path,
        {"monitoring/gatus/config.yaml": gatus, "flux/provider.yaml": PROVIDER, "docs/ideas.md": "Try pingdom.com?"},
    )
    robot = inventory.entry("uptimerobot")
    assert robot is not None and robot.roles == ["uptime"] and robot.hosted
    assert robot.label() == "UptimeRobot (hosted; monitoring/gatus/config.yaml:4)"
    assert inventory.entry("discord").hosted  # type: ignore[union-attr]
    assert not inventory.has("pingdom")  # prose names it, no config uses it
