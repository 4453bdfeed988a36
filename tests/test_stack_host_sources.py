"""Stack discovery outside Kubernetes manifests, on small real repos in a temp dir: Ansible package, service and Helm
tasks, Dockerfile installs, Jinja-templated manifests, installer downloads, hosted-service endpoints, subcharts a chart
ships switched on, roles a config file turns on or off, and tools named by an ordinary word in prose."""

from __future__ import annotations

from pathlib import Path

from assistant.config import Settings
from assistant.knowledge_base.knowledge import Knowledge
from assistant.pipeline import review_text
from assistant.stack.matching import alias_pattern
from assistant.stack.view import Stack
from tests.test_stack_discovery import CATALOG, inventory_of, write

ANSIBLE_TASKS = """\
- name: Install packages for automatic upgrade
  ansible.builtin.dnf:
    name:
      - dnf-automatic
      - dnf-utils

- name: Enable automatic upgrade service
  ansible.builtin.systemd:
    name: dnf-automatic.timer
    state: started
    enabled: true

- name: Remove the old resolver
  ansible.builtin.package:
    name: unbound
    state: absent

- name: Install Cilium
  kubernetes.core.helm:
    name: cilium
    chart_ref: cilium
    chart_repo_url: "{{ cilium_repo_url }}"
"""
DOCKERFILE = 'FROM alpine:3.19\n\nRUN apk --no-cache add \\\n    tini \\\n    dnsmasq\n\nENTRYPOINT ["dnsmasq", "-k"]\n'
DNSMASQ_CONF = '# Disable DNS Server.\nport=0\ndhcp-range={{ ip }},proxy\npxe-service=X86-64_EFI, "Boot", grubx64.efi\n'
KUBE_VIP = """\
apiVersion: v1
kind: Pod
metadata:
  name: kube-vip
spec:
  containers:
    - name: kube-vip
      image: ghcr.io/kube-vip/kube-vip:v0.6.4
      env:
        - name: address
          value: {{ control_plane_endpoint }}
        - name: cp_enable
          value: "true"
    - name: other
      image: "{{ kured_image }}"
"""
PXE_DEFAULTS = 'iso_url: "https://dl.fedoraproject.org/pub/fedora/linux/releases/40/Server/x86_64/iso/x.iso"\n'
ALERTMANAGER = """\
alertmanager:
  containers:
    - name: relay
      args:
        - --upstream-host=https://ntfy.sh
grafana:
  enabled: false
"""
LOKI_CHART = """\
apiVersion: v2
name: loki
version: 0.0.0
dependencies:
  - name: loki-stack
    version: 2.10.1
    repository: https://grafana.github.io/helm-charts
"""


METAL_REPO = {  # an Ansible-provisioned lab: what runs on the hosts is in tasks, templates and Dockerfiles
    "metal/roles/upgrade/tasks/main.yml": ANSIBLE_TASKS,
    "metal/roles/pxe/files/dnsmasq/Dockerfile": DOCKERFILE,
    "metal/roles/pxe/templates/dnsmasq.conf.j2": DNSMASQ_CONF,
    "metal/roles/k3s/templates/kube-vip.yaml.j2": KUBE_VIP,
    "metal/roles/pxe/defaults/main.yml": PXE_DEFAULTS,
    "system/monitoring/values.yaml": ALERTMANAGER,
}


def test_host_level_tools_are_found_where_ansible_docker_and_templates_install_them(tmp_path: Path) -> None:
    inv = inventory_of(write(tmp_path / "repo", METAL_REPO))
    where = {e.tool: (str(e.evidence[0]), e.evidence[0].how) for e in inv.entries}
    assert where["dnf-automatic"] == ("metal/roles/upgrade/tasks/main.yml:2", "package dnf-automatic")
    assert [str(e) for e in inv.entry("dnf-automatic").evidence] == [  # type: ignore[union-attr]
        "metal/roles/upgrade/tasks/main.yml:2",
        "metal/roles/upgrade/tasks/main.yml:8",  # the timer it enables
    ]
    assert where["cilium"] == ("metal/roles/upgrade/tasks/main.yml:21", "chart cilium")  # kubernetes.core.helm
    assert where["dnsmasq"] == ("metal/roles/pxe/files/dnsmasq/Dockerfile:3", "package dnsmasq")
    assert where["kube-vip"][0] == "metal/roles/k3s/templates/kube-vip.yaml.j2:8"
    assert where["fedora"][0] == "metal/roles/pxe/defaults/main.yml:1"
    assert where["ntfy"][0] == "system/monitoring/values.yaml:5"
    assert not inv.has("unbound")  # a removal proves nothing
    assert not inv.has("kured")  # a templated image is not guessed
    # dnsmasq.conf says `port=0` (no DNS) and `pxe-service` (network boot): a boot server, not a LAN resolver
    assert inv.entry("dnsmasq").roles == ["network-boot"]  # type: ignore[union-attr]
    # kube-vip with cp_enable and no svc_enable holds the API address: no Service load balancer beside Cilium's
    assert inv.entry("kube-vip").roles == ["control-plane-vip"]  # type: ignore[union-attr]
    stack = Stack(CATALOG, inv)
    assert [e.tool for e in stack.incumbents_for(CATALOG.by_slug["metallb"])] == ["cilium"]
    assert [e.tool for e in stack.incumbents_for(CATALOG.by_slug["kube-vip"])] == ["kube-vip"]


def test_dnsmasq_serving_dns_is_a_resolver_and_not_a_boot_server(tmp_path: Path) -> None:
    conf = "domain-needed\nserver=1.1.1.1\n"
    inv = inventory_of(write(tmp_path / "repo", {"dns/Dockerfile": DOCKERFILE, "dns/dnsmasq.conf": conf}))
    assert inv.entry("dnsmasq").roles == ["dns-resolver"]  # type: ignore[union-attr]


def test_a_chart_brings_what_it_ships_switched_on_unless_its_values_switch_it_off(tmp_path: Path) -> None:
    on = inventory_of(write(tmp_path / "on", {"system/loki/Chart.yaml": LOKI_CHART}))
    promtail = on.entry("promtail")
    assert promtail is not None and str(promtail.evidence[0]) == "system/loki/Chart.yaml:5"
    off = "loki-stack:\n  promtail:\n    enabled: false\n"
    root = write(tmp_path / "off", {"system/loki/Chart.yaml": LOKI_CHART, "system/loki/values.yaml": off})
    inv = inventory_of(root)
    assert inv.has("loki") and not inv.has("promtail")


def test_a_tool_named_by_an_ordinary_word_matches_only_capitalised(tmp_path: Path) -> None:
    drone = CATALOG.by_slug["drone"]
    pattern = alias_pattern(drone.names)
    assert pattern.search("Install Drone with the Kubernetes runner")
    assert not pattern.search("aerial drone footage for the photo library")
    root = write(tmp_path / "repo", {"ci/woodpecker.yaml": "image: woodpeckerci/woodpecker-server:v2\n"})
    settings = Settings(index_dir=tmp_path / "none", repo=root, llm="off")
    knowledge = Knowledge(settings, inventory=inventory_of(root))
    verdict = review_text("Run Drone with the Kubernetes runner for image builds.", settings, knowledge=knowledge)
    assert [f.component for f in verdict.findings if f.category == "overlap"] == ["woodpecker"]


def test_a_docs_only_tool_is_the_operators_to_add_and_terraform_proves_it(tmp_path: Path) -> None:
    """Prose is never evidence: a README that says UniFi serves DNS adds nothing until the operator says so; the
    provider in HCL does."""
    readme = {"README.md": "LAN DNS records live on the UniFi controller (Terragrunt unit, HCL kept elsewhere).\n"}
    assert inventory_of(write(tmp_path / "docs", readme)).empty
    declared = write(tmp_path / "declared", {**readme, "assistant-stack.yaml": "add:\n  - tool: unifi\n"})
    settings = Settings(index_dir=tmp_path / "none", repo=declared, llm="off")
    knowledge = Knowledge(settings, inventory=inventory_of(declared))
    proposal = "Deploy external-dns with the webhook provider so new HTTPRoutes get DNS records."
    verdict = review_text(proposal, settings, knowledge=knowledge)
    assert [f.component for f in verdict.findings if f.category == "overlap"] == ["unifi"]
    hcl = 'terraform {\n  required_providers {\n    unifi = {\n      source = "paultyng/unifi"\n    }\n  }\n}\n'
    assert str(inventory_of(write(tmp_path / "tf", {"dns/main.tf": hcl})).entry("unifi").evidence[0]) == "dns/main.tf:4"  # type: ignore[union-attr]
