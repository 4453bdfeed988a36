"""Discover what a repo runs from its own files: Helm charts (HelmRelease, ResourceSet inputs, Argo CD Applications,
Chart.yaml dependencies, kustomize helmCharts), chart and Git repository URLs, container images, CRD kinds in use,
Gateway classes, secret-store providers, Terraform/OpenTofu providers and modules, and file markers; and, for what
runs outside Kubernetes, OS packages (Ansible package and service tasks, Dockerfile installs), images in Dockerfiles
and Jinja-templated manifests, installer downloads and hosted-service endpoints. A chart that ships other tools
switched on (loki-stack's Promtail) brings them unless its values switch them off.

Each file yields signals (tool, file:line, how); they are cached per file digest so a re-index only reads what
changed, then aggregated into the inventory. Prose (Markdown) is never evidence: a doc that mentions a tool does not
mean the repo runs it."""

from __future__ import annotations

import fnmatch
import re
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.inputs.manifests import LDict, parse_documents
from assistant.inputs.repo_files import SKIP_DIRS, RepoFile
from assistant.inputs.safe_yaml import YAMLLimitError
from assistant.stack.catalog import Marker, RoleCatalog, slugify
from assistant.stack.inventory import UNCLASSIFIED, Evidence, Inventory, InventoryEntry, Signal, Strength
from assistant.stack.matchers import Matchers
from assistant.stack.view import Stack
from assistant.stack.yaml_facts import (
    TEMPLATED,
    as_source,
    image_context,
    image_names,
    image_ref,
    image_repository,
    is_client,
    kind_of,
    main_unit,
    names_a_chart,
    plain,
    source_refs,
    unit_tool,
    units_at,
    walk_lines,
)

YAML_EXT = (".yaml", ".yml")
# Images that help a unit (a shell, a client, a sidecar), never the tool it runs.
UTILITY_IMAGES = {
    "busybox", "alpine", "ubuntu", "debian", "bash", "curl", "kubectl", "os-shell", "bitnami-shell", "python", "node",
    "golang", "jq", "yq", "git", "wget", "netshoot", "toolbox", "k8s-sidecar", "pause",
}  # fmt: skip


def is_utility(image_name: str) -> bool:
    """`curl`, `curl-jq`, `alpine-kubectl`: an image made only of helper names."""
    return all(part in UTILITY_IMAGES for part in image_name.lower().split("-"))


HCL_EXT = (".tf", ".hcl")
# Folders whose files describe no running tool: archives, fixtures, and the assistant's own data.
IGNORED_DIRS = {"archive", "archived", ".archive", "deprecated", "testdata", "fixtures", "__fixtures__"}
# Roles a parent chart bundles as a subchart that runs once switched on (`kube-state-metrics: {enabled: true}`).
# Not dashboards: a chart's `grafana: {enabled: true}` often only publishes dashboards to an existing Grafana.
BUNDLED_ROLES = {
    "db-postgres", "db-mysql", "db-mongodb", "in-memory", "message-broker", "object-storage", "metrics-exporter"
}  # fmt: skip
_RECEIVER = re.compile(r"^([a-z0-9]+?)(?:_configs|Configs)$")
_URL_KEYS = {"url", "repourl", "repository", "repo", "source", "registry", "chartrepo"}
_IMAGE_KEYS = {"image", "img"}
_HCL_SOURCE = re.compile(r'^\s*source\s*=\s*"([^"]+)"', re.M)
# A Terraform VM or container resource (`resource "proxmox_vm_qemu" "nas-prod-1" {`) and its description lines
_MACHINE = re.compile(
    r'^resource\s+"(\w*(?:vm|virtual_machine|lxc|container|domain|instance)\w*)"\s+"[^"]+"\s*\{', re.M
)
_DESCRIPTION = re.compile(r'^\s*(desc|description|notes)\s*=\s*"([^"\n]{1,300})"', re.M)
_HCL_PROVIDER = re.compile(r'^\s*provider\s+"([\w-]+)"', re.M)

# Ansible modules that install packages, and the ones that enable a service (`systemd: {name: x.timer}`)
_PKG_MODULES = {"package", "dnf", "dnf5", "yum", "apt", "apk", "pacman", "zypper", "pkgng", "homebrew", "snap"}
_SERVICE_MODULES = {"systemd", "systemd_service", "service"}
_ANSIBLE_PREFIX = re.compile(r"^(?:ansible\.(?:builtin|legacy)|community\.general)\.")
_GONE = {"absent", "removed", "stopped"}
TEMPLATE_EXT = (".yaml.j2", ".yml.j2", ".yaml.tpl", ".yml.tpl", ".yaml.tmpl", ".yml.tmpl", ".yaml.jinja", ".yml.jinja")
_TEMPLATE_IMAGE = re.compile(r"^[ \t]*(?:-[ \t]+)?image:[ \t]*[\"']?([^\s\"'#]+)", re.M)
# `repository:` counts only with a registry host (`ghcr.io/…`): a chart's `repository:` is a URL or a bare name
_IMAGE_LINE = re.compile(
    r"^[ \t]*(?:-[ \t]+)?(?:image:[ \t]*[\"']?([^\s\"'#{]+)"
    r"|repository:[ \t]*[\"']?([a-z0-9-]+\.[a-z0-9.-]+/[^\s\"'#]+))",
    re.M,
)
_DOCKER_STAGE = re.compile(r"^[ \t]*FROM[ \t]+\S+[ \t]+AS[ \t]+(\S+)", re.M | re.I)
_DOCKER_FROM = re.compile(r"^[ \t]*FROM[ \t]+(?:--\S+[ \t]+)*(\S+)", re.M | re.I)
_DOCKER_INSTALL = re.compile(
    r"\b(?:(?:apk|apt-get|apt|dnf5?|microdnf|yum|zypper)(?:\s+-\S+)*\s+(?:add|install|in)|pacman\s+-S\w*)\b"
    r"([^;&|\n]*)",
    re.I,
)


class Discoverer:
    def __init__(self, catalog: RoleCatalog) -> None:
        self.catalog = catalog

    @cached_property
    def matchers(self) -> Matchers:
        return Matchers.of(self.catalog)

    # -- one file ----------------------------------------------------------------------------------------------
    def scan(self, f: RepoFile) -> tuple[list[Signal], list[str]]:
        """A file's signals and the Kubernetes kinds it declares."""
        if ignored(f.path):
            return [], []
        low = f.path.lower()
        if low.endswith(YAML_EXT):
            return self._yaml(f)
        if low.endswith(HCL_EXT):
            return self._hcl(f), []
        if low.endswith(TEMPLATE_EXT):
            return self._template(f), []
        name = low.rsplit("/", 1)[-1]
        if name == "dockerfile" or name.startswith("dockerfile.") or name.endswith(".dockerfile"):
            return self._dockerfile(f), []
        return [], []

    def _sig(
        self,
        tool: str | None,
        path: str,
        line: int,
        how: str,
        strength: Strength = "strong",
        roles: tuple[str, ...] = (),
    ) -> list[Signal]:
        if tool is None:
            return []
        evidence = Evidence(path=path, line=line, how=how)
        return [Signal(tool=tool, evidence=evidence, strength=strength, roles=list(roles))]

    def _chart(self, name: str, path: str, line: int, how: str) -> list[Signal]:
        """A chart's tool, and the tools the chart ships switched on (cancelled where values switch them off)."""
        chart = name.lower().rsplit("/", 1)[-1]
        out = self._sig(self.matchers.charts.get(chart), path, line, how)
        for tool in self.matchers.chart_bundles.get(chart, []) if out else []:
            out += self._sig(tool, path, line, f"chart {chart} ships {tool} switched on", "default")
        return out

    def _links(self, text: str, path: str, line: int) -> list[Signal]:
        out: list[Signal] = []
        for tool, url in self.matchers.links(text):
            out += self._sig(tool, path, line, f"url {url}")
        return out

    def _yaml(self, f: RepoFile) -> tuple[list[Signal], list[str]]:
        try:
            docs, broken = parse_documents(f.text, f.path)
        except YAMLLimitError:  # a YAML bomb proves nothing and is never expanded
            return [], []
        m = self.matchers
        out: list[Signal] = []
        if broken:  # a file the parser rejects (a redefined anchor) still names its images line by line
            out += self._image_lines(f, start=docs[-1].line if docs else 0)
        for doc in docs:
            data = doc.data
            if isinstance(data, dict):
                out += self._kind(data, f.path, doc.line) + source_refs(data, f.path, doc.line)
            elif not isinstance(data, list):  # a list is an Ansible playbook or task file
                continue
            for trail, value, line in walk_lines(data, (), doc.line):
                key = trail[-1].lower() if trail else ""
                parent = trail[-2].lower() if len(trail) > 1 else ""
                if isinstance(value, LDict) and value.get("enabled") is True and trail and not is_client(value):
                    # a chart's bundled database/store/broker switched on (`postgresql: {enabled: true}`) runs it
                    tool = m.charts.get(trail[-1].lower())
                    if tool and set(self.catalog.by_slug[tool].roles) & BUNDLED_ROLES:
                        out += self._sig(tool, f.path, line, f"bundled subchart {trail[-1]}")
                elif isinstance(value, LDict) and value.get("enabled") is False and trail:
                    # `promtail: {enabled: false}` switches off what a chart would ship (see `_chart`)
                    tool = m.charts.get(trail[-1].lower())
                    out += self._sig(tool, f.path, line, f"subchart {trail[-1]} switched off", "off")
                if isinstance(value, LDict) and names_a_chart(value):
                    # `{name: cilium, repository: https://helm.cilium.io}`: a Chart.yaml dependency, a kustomize
                    # helmCharts entry, a ResourceSet input
                    name = str(value["name"])
                    out += self._chart(name, f.path, value.lines.get("name", line), f"chart {name}")
                if len(trail) > 1 and trail[-2].isdigit():
                    out += self._task(key, value, f.path, line)  # an Ansible task in a list of tasks
                if isinstance(value, str):
                    out += self._links(value, f.path, line)
                if value and (receiver := _RECEIVER.match(trail[-1] if trail else "")) and "receivers" in trail:
                    # `discord_configs:` in an Alertmanager receiver, `discordConfigs:` in an AlertmanagerConfig
                    tool = m.notify_types.get(receiver.group(1).lower())
                    out += self._sig(tool, f.path, line, f"alert receiver {trail[-1]}")
                text = plain(value)
                if text is None:
                    continue
                if key in ("chart", "chart_ref") or (key == "name" and parent == "chart"):
                    out += self._chart(text, f.path, line, f"chart {text}") or self._unit(
                        [text], units_at(data, trail, f.path), f.path, line, f"chart {text}"
                    )
                elif key in _IMAGE_KEYS or (key == "repository" and image_context(trail)):
                    ref = image_ref(data, trail, text)
                    repo = image_repository(ref)
                    out += (
                        self._sig(m.image(ref), f.path, line, f"image {repo}")
                        or self._unit(image_names(repo), units_at(data, trail, f.path), f.path, line, f"image {repo}")
                        or self._main_image(repo, main_unit(data, trail), f.path, line)
                    )
                elif key in _URL_KEYS and ("://" in text or "." in text.split("/", 1)[0]):
                    found = self._sig(m.url(text), f.path, line, f"repository {text}")
                    if text.startswith("oci://"):
                        name = text.rstrip("/").rsplit("/", 1)[-1].lower()
                        found += self._chart(name, f.path, line, f"OCI chart {name}") or self._unit(
                            [name], units_at(data, trail, f.path), f.path, line, f"OCI chart {name}"
                        )
                    out += as_source(found, data)
                elif key == "gatewayclassname" or (key == "controllername" and kind_of(data) == "GatewayClass"):
                    cls = m.gateway_classes.get(text.lower()) or m.gateway_classes.get(text.lower().split("/", 1)[0])
                    out += self._sig(cls, f.path, line, f"gateway class {text}", roles=("ingress",))
        return out, [d.kind for d in docs if d.kind]

    def _kind(self, data: dict[str, Any], path: str, line: int) -> list[Signal]:
        api, kind = plain(data.get("apiVersion")), plain(data.get("kind"))
        if not api or not kind:
            return []
        group = api.split("/", 1)[0].lower() if "/" in api else ""
        m = self.matchers
        tool = m.kinds.get(f"{group}/{kind.lower()}") or m.groups.get(group)
        kind_line = data.lines.get("kind", line) if isinstance(data, LDict) else line
        out = self._sig(tool, path, kind_line, f"kind {group}/{kind}", "weak")
        if kind in ("SecretStore", "ClusterSecretStore"):
            provider = (data.get("spec") or {}).get("provider")
            if isinstance(provider, dict):
                for name in provider:
                    p_line = provider.lines.get(name, line) if isinstance(provider, LDict) else line
                    out += self._sig(m.secret_providers.get(str(name).lower()), path, p_line, f"{kind} provider {name}")
        spec = data.get("spec")
        if kind == "Provider" and group.startswith("notification.toolkit.fluxcd.io") and isinstance(spec, dict):
            kind_of = plain(spec.get("type")) or ""
            t_line = spec.lines.get("type", line) if isinstance(spec, LDict) else line
            out += self._sig(m.notify_types.get(kind_of.lower()), path, t_line, f"Flux notification provider {kind_of}")
        return out

    def _task(self, key: str, value: Any, path: str, line: int) -> list[Signal]:
        """`ansible.builtin.dnf: {name: [dnf-automatic]}` installs a packaged tool; `systemd: {name: x.timer,
        enabled: true}` runs one. Removals and stopped services prove nothing."""
        module = _ANSIBLE_PREFIX.sub("", key)
        if module not in _PKG_MODULES and module not in _SERVICE_MODULES:
            return []
        if isinstance(value, str):  # free-form `dnf: name=dnsmasq state=present`
            args = dict(re.findall(r"(\w+)=(\S+)", value))
        elif isinstance(value, dict):
            args = value
        else:
            return []
        if str(args.get("state", "")).lower() in _GONE:
            return []
        if module in _SERVICE_MODULES and not (
            args.get("enabled") is True or args.get("state") in ("started", "restarted")
        ):
            return []
        names = args.get("name", args.get("pkg"))
        items = names if isinstance(names, list) else str(names or "").split(",")
        out: list[Signal] = []
        for item in items:
            text = plain(item)
            if text:
                kind = "package" if module in _PKG_MODULES else "service"
                out += self._sig(self.matchers.package(text), path, getattr(item, "line", line), f"{kind} {text}")
        return out

    def _unit(self, names: list[str], units: set[str], path: str, line: int, how: str) -> list[Signal]:
        """A tool the catalog lacks, known by what deploys it: an image or chart named like the unit that runs it
        (release `sabnzbd` with image `ghcr.io/home-operations/sabnzbd`, compose service `twingate` with image
        `twingate/connector`). It fills no known role, so it is never an overlap, but the repo runs it."""
        for name in names:
            found = unit_tool(slugify(name), units)
            if found is not None:
                tool, other = found
                evidence = Evidence(path=path, line=line, how=how)
                return [Signal(tool=tool, evidence=evidence, roles=[UNCLASSIFIED], alias=other)]
        return []

    def _main_image(self, repo: str, unit: str | None, path: str, line: int) -> list[Signal]:
        """A tool the catalog lacks, known as the unit whose main container runs it: release `zwave2mqtt` running
        `ghcr.io/zwave-js/zwave-js-ui` is one tool with both names. Helper images (busybox, kubectl) are no tool."""
        names = image_names(repo)
        if unit is None or not names or is_utility(names[0]) or self.catalog.tool(unit) is not None:
            return []
        evidence = Evidence(path=path, line=line, how=f"image {repo} in {unit}")
        return [Signal(tool=unit, evidence=evidence, roles=[UNCLASSIFIED], alias=names[0])]

    def _image_lines(self, f: RepoFile, start: int) -> list[Signal]:
        """`image: x/y:1` and app-template's `repository: ghcr.io/x/y` lines from `start` on, read as text."""
        out: list[Signal] = []
        for m in _IMAGE_LINE.finditer(f.text):
            line = f.text.count("\n", 0, m.start()) + 1
            ref = m.group(1) or m.group(2)
            if line <= start or ref.startswith("{") or "{{" in ref:
                continue
            out += self._sig(self.matchers.image(ref), f.path, line, f"image {image_repository(ref)}")
        return out

    def _template(self, f: RepoFile) -> list[Signal]:
        """A Jinja/Go-templated manifest (`kube-vip.yaml.j2`) does not parse as YAML; its image lines still name what
        it runs, where the repository part is not templated."""
        out: list[Signal] = []
        for m in _TEMPLATE_IMAGE.finditer(f.text):
            ref = m.group(1)
            if TEMPLATED.search(image_repository(ref.split("{", 1)[0].rstrip(":"))) or ref.startswith("{"):
                continue
            line = f.text.count("\n", 0, m.start(1)) + 1
            out += self._sig(self.matchers.image(ref), f.path, line, f"image {image_repository(ref)}")
        for i, text in enumerate(f.text.splitlines(), 1):
            out += self._links(text, f.path, i)
        return out

    def _dockerfile(self, f: RepoFile) -> list[Signal]:
        """`FROM` images and the packages `RUN` installs (`apk add dnsmasq`)."""
        out: list[Signal] = []
        stages = {m.group(1).lower() for m in _DOCKER_STAGE.finditer(f.text)}
        for m in _DOCKER_FROM.finditer(f.text):
            ref = m.group(1)
            if ref.lower() == "scratch" or "$" in ref or ref.lower() in stages:
                continue  # `FROM runtime` names an earlier build stage, not an image
            line = f.text.count("\n", 0, m.start(1)) + 1
            out += self._sig(self.matchers.image(ref), f.path, line, f"image {image_repository(ref)}")
        for m in _DOCKER_INSTALL.finditer(f.text.replace("\\\n", "  ")):
            line = f.text.count("\n", 0, m.start()) + 1  # continuations became two spaces: offsets hold
            for word in m.group(1).split():
                if not word.startswith(("-", "$")):
                    out += self._sig(self.matchers.package(word), f.path, line, f"package {word}")
        return out

    def _hcl(self, f: RepoFile) -> list[Signal]:
        out: list[Signal] = []
        low = f.text.lower()
        for pattern, tool in self.matchers.terraform:
            pos = low.find(pattern)
            if pos >= 0 and (_HCL_SOURCE.search(f.text) or _HCL_PROVIDER.search(f.text)):
                line = f.text.count("\n", 0, pos) + 1
                out += self._sig(tool, f.path, line, f"terraform {pattern}")
        return out + self._machine_descriptions(f)

    def _machine_descriptions(self, f: RepoFile) -> list[Signal]:
        """A VM or container the repo declares runs what its own description says (`desc = "NAS Production 1, Main
        Storage Server, TrueNAS Scale"`): a whole-machine tool of the catalog named there."""
        out: list[Signal] = []
        for block in _MACHINE.finditer(f.text):
            for m in _DESCRIPTION.finditer(f.text, block.end(), _block_end(f.text, block.end())):
                text = m.group(2)
                for tool in self._prose.named_in(text):
                    if tool.machine:
                        line = f.text.count("\n", 0, m.start(2)) + 1
                        out += self._sig(tool.slug, f.path, line, f"{block.group(1)} {m.group(1)} names {tool.name}")
        return out

    @cached_property
    def _prose(self) -> Stack:
        return Stack(self.catalog, Inventory())

    # -- file markers ----------------------------------------------------------------------------------------
    def marker_signals(self, root: Path, paths: list[str]) -> list[Signal]:
        out: list[Signal] = []
        for tool in self.catalog.tools:
            for marker in tool.markers:
                for p in paths:
                    if ignored(p) or not _glob(p, marker.glob):
                        continue
                    line = 1
                    if marker.regex:
                        line = _first_line(root / p, marker.regex)
                        if not line:
                            continue
                    out += self._sig(tool.slug, p, line, "file marker")
                    break
        return out

    def conditional_roles(self, root: Path, paths: list[str], entries: list[InventoryEntry]) -> None:
        """Apply the catalog's `role_if`/`role_unless`: a role held only where a file says so (dnsmasq boots machines
        only with `enable-tftp`, and serves no DNS with `port=0`)."""
        for entry in entries:
            tool = self.catalog.tool(entry.tool)
            if tool is None or not (tool.role_if or tool.role_unless):
                continue
            keep = []
            for role in entry.roles:
                if role in tool.role_if and not self._matches(root, paths, tool.role_if[role]):
                    continue
                if role in tool.role_unless and self._matches(root, paths, tool.role_unless[role]):
                    continue
                keep.append(role)
            entry.roles = keep

    def _matches(self, root: Path, paths: list[str], markers: list[Marker]) -> bool:
        for marker in markers:
            for p in paths:
                if (
                    not ignored(p)
                    and _glob(p, marker.glob)
                    and (not marker.regex or _first_line(root / p, marker.regex))
                ):
                    return True
        return False


def _block_end(text: str, start: int) -> int:
    """Where the HCL block opened just before `start` closes: its braces balanced (strings are not parsed)."""
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def ignored(path: str) -> bool:
    return any(part.lower() in IGNORED_DIRS for part in path.split("/")[:-1])


def _glob(path: str, pattern: str) -> bool:
    if fnmatch.fnmatchcase(path, pattern):
        return True
    return pattern.startswith("**/") and fnmatch.fnmatchcase(path, pattern[3:])


def _first_line(path: Path, regex: str) -> int:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")[:400_000]
    except OSError:
        return 0
    m = re.search(regex, text, re.M)
    return text.count("\n", 0, m.start()) + 1 if m else 0


def list_paths(root: Path) -> list[str]:
    """Every file path under the repo (for markers), without the folders the walker skips."""
    out = []
    for p in root.rglob("*"):
        rel = p.relative_to(root).parts
        if any(part in SKIP_DIRS for part in rel[:-1]) or not p.is_file():
            continue
        out.append("/".join(rel))
    return sorted(out)
