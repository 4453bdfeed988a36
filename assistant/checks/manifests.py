"""Checks on the parsed manifests of a pull request: anti-patterns with file and line, and the framework's
design-pattern checklist for each new application, looking beyond the diff at the repo for conventions."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from assistant.checks.registry import CheckSpec, load_checks
from assistant.inputs.diff import ChangedFile, PullRequest
from assistant.inputs.manifests import Document, LDict, parse_documents, walk
from assistant.inputs.safe_yaml import Budget, YAMLLimitError
from assistant.knowledge_base.files import RepoFile
from assistant.models import Finding, Location, Severity
from assistant.reasoning.redaction import redact
from assistant.stack.discovery import Discoverer, is_client
from assistant.stack.inventory import InventoryEntry
from assistant.stack.view import Stack

YAML = re.compile(r"\.ya?ml$")
TEMPLATED = re.compile(r"\$\{[^}]+\}|\{\{.*\}\}")
HARMLESS_HOST_PATHS = re.compile(r"^/(?:dev|sys|proc|run|var/run|etc/localtime|lib/modules|etc/machine-id)\b")
SCRATCH = re.compile(r"cache|tmp|temp|scratch|run|sock|shm|transcode|thumb|dev|log", re.I)
DATA_MOUNT = re.compile(r"data|db|database|storage|upload|media|library|config|state|backup|vault|postgres", re.I)
CLOUD_HOSTS = re.compile(
    r"\b[\w.-]*(?:rds\.amazonaws\.com|cache\.amazonaws\.com|dynamodb\.[\w-]+\.amazonaws\.com|"
    r"datadoghq\.(?:com|eu)|newrelic\.com|grafana\.net|logs\.[\w-]+\.amazonaws\.com)\b",
    re.I,
)
OBSERVABILITY_KINDS = {"ServiceMonitor", "PodMonitor", "PrometheusRule", "Probe"}
NETWORK_POLICY_KINDS = {"NetworkPolicy", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "AuthorizationPolicy"}
MONITOR_KEYS = {"servicemonitor", "podmonitor"}
MAX_YAML_BYTES = 512_000  # a changed manifest larger than this is parsed one document at a time
REVIEW_NODES = 1_000_000  # expanded YAML nodes over all changed files of one review
REVIEW_YAML_BYTES = 4_000_000  # changed YAML parsed in one review; files past it are named as not reviewed
_DOC_START = re.compile(r"^---(?:\s|$)", re.M)


class ChecklistItem(BaseModel):
    pattern: str  # the framework design pattern
    item: str  # the pattern's item as the framework words it
    status: str  # satisfied | missing | not applicable
    evidence: str = ""  # file:line, or why


@dataclass
class Context:
    """The PR's documents and, for conventions beyond the diff, the repo's documents by namespace."""

    pr: PullRequest
    docs: list[Document] = field(default_factory=list)
    repo_docs: list[Document] = field(default_factory=list)
    repo_texts: dict[str, str] = field(default_factory=dict)
    malformed: list[str] = field(default_factory=list)

    def file(self, path: str) -> ChangedFile | None:
        return next((f for f in self.pr.files if f.path == path), None)

    def nearest(self, path: str, line: int | None) -> Location | None:
        """The changed line nearest to `line` in a file the PR adds lines to."""
        f = self.file(path)
        if f is None or not f.added_lines:
            return None
        target = line or 0
        return Location(path=path, line=min(f.added_lines, key=lambda n: (abs(n - target), n)))

    def adds(self, doc: Document, line: int | None) -> bool:
        f = self.file(doc.path)
        return f is not None and line is not None and line in f.added_lines

    def location(self, doc: Document, line: int | None) -> Location | None:
        """A location only when the line is one the PR adds; otherwise null rather than a wrong one."""
        f = self.file(doc.path)
        if f is None or line is None or line not in f.added_lines:
            return None
        return Location(path=doc.path, line=line)


def build_context(pr: PullRequest, repo: Path | None) -> Context:
    """The parsed changed manifests and the repo's YAML and Markdown for conventions. Bounded: a YAML bomb
    refuses the review (YAMLLimitError); a file over MAX_YAML_BYTES is parsed one document at a time, and
    what still cannot be parsed is named in pr.unreviewed, never dropped."""
    ctx = Context(pr)
    budget = Budget(REVIEW_NODES, "the changed files")
    yaml_bytes = REVIEW_YAML_BYTES
    for f in pr.reviewed:
        if not YAML.search(f.path):
            continue
        text = f.new_text if f.new_text is not None else f.partial_text
        size = len(text.encode("utf-8", "replace"))
        yaml_bytes -= size
        if yaml_bytes < 0:
            pr.unreviewed[f.path] = f"past {REVIEW_YAML_BYTES // 1_000_000} MB of changed YAML in this review"
            continue
        # a large file is reviewed in parts, one YAML document at a time; padding line numbers keeps locations
        parts = [(1, text)] if size <= MAX_YAML_BYTES else _documents(text)
        for start, part in parts:
            if len(part.encode("utf-8", "replace")) > MAX_YAML_BYTES:
                pr.unreviewed[f.path] = f"a YAML document of over {MAX_YAML_BYTES // 1000} kB at line {start}"
                continue
            docs, bad = parse_documents("\n" * (start - 1) + part, f.path, budget)
            ctx.docs.extend(docs)
            if bad and f.path not in ctx.malformed:
                ctx.malformed.append(f.path)
    if repo is not None and repo.is_dir():
        changed = {f.path for f in pr.files}
        for path in repo.rglob("*"):
            rel = path.relative_to(repo).as_posix()
            if rel in changed or "/." in f"/{rel}" or not path.is_file():
                continue
            if path.is_symlink() and not path.resolve().is_relative_to(repo.resolve()):
                continue  # context never reads outside the repo
            if YAML.search(rel) or rel.endswith((".md", ".tftest.hcl")):
                try:
                    ctx.repo_texts[rel] = path.read_text(encoding="utf-8")
                except (UnicodeDecodeError, OSError):
                    continue
    return ctx


def _documents(text: str) -> list[tuple[int, str]]:
    """(1-based first line, text) of each `---`-separated YAML document of a file."""
    cuts = [m.start() for m in _DOC_START.finditer(text) if m.start() > 0]
    bounds = [0, *cuts, len(text)]
    return [(text.count("\n", 0, a) + 1, text[a:b]) for a, b in itertools.pairwise(bounds) if text[a:b]]


def repo_docs_for(ctx: Context, namespace: str) -> list[Document]:
    """The repo's documents that mention a namespace (parsed on demand)."""
    out: list[Document] = []
    needle = re.compile(rf"\b{re.escape(namespace)}\b")
    for rel, text in ctx.repo_texts.items():
        if YAML.search(rel) and needle.search(text):
            try:
                out.extend(parse_documents(text, rel)[0])
            except YAMLLimitError:  # a repo file past the YAML bounds is no context, and costs nothing
                continue
    return out


def _spec(category: str) -> CheckSpec:
    return next(s for s in load_checks() if s.category == category)


def _finding(
    category: str,
    key: str,
    message: str,
    location: Location | None,
    component: str | None = None,
    suggestion: str | None = None,
    severity: Severity | None = None,
) -> Finding:
    """`severity` overrides the check's own where a manifest makes the problem concrete (a proposal that mentions
    `latest` is a minor worry; a Deployment that runs it is a change to ask for)."""
    spec = _spec(category)
    return Finding(
        id=f"{category}:{key}",
        category=spec.category,
        severity=severity or spec.severity,
        component=component,
        message=redact(message)[0],  # a finding never echoes a secret back
        suggestion=suggestion or spec.suggestion,
        location=location,
        citations=list(spec.framework),
    )


NOT_SECRET_KEYS = re.compile(
    r"^(?:username|user|login|host|hostname|port|database|dbname|db|name|email|"
    r"ssl-?mode|schema)$",
    re.I,
)


def secret_values(doc: Document) -> list[tuple[str, str]]:
    """(section, key) of the literal secret values a Secret commits. Keys that a generator fills in-cluster
    (secret-generator's autogenerate, a replicator's copy), templated values and plain usernames or hosts
    are not secret material."""
    annotations = _get(doc.data, "metadata", "annotations") or {}
    generated = {
        k.strip()
        for v in (annotations.get("secret-generator.v1.mittwald.de/autogenerate") or "",)
        for k in str(v).split(",")
        if k.strip()
    }
    out = []
    for section in ("data", "stringData"):
        values = doc.data.get(section)
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            text = "" if value is None else str(value).strip()
            if not text or TEMPLATED.fullmatch(text) or key in generated:
                continue
            if NOT_SECRET_KEYS.match(key) and not re.search(r"://[^/\s:@]+:[^/\s@]+@", text):
                continue
            out.append((section, key))
    return out


def _empty_secret(doc: Document) -> bool:
    return not secret_values(doc)


def localise(findings: list[Finding], stack: Stack) -> list[Finding]:
    """Name this repo's tools: the finding's component is the incumbent in its check's role, and the check's
    suggestion is filled with the repo's tools (`{in:ROLE}`)."""
    from assistant.checks.registry import template_values

    specs = {s.category: s for s in load_checks()}
    for f in findings:
        spec = specs[f.category]
        f.component = f.component or stack.component(spec.role)
        if f.suggestion == spec.suggestion:
            f.suggestion = spec.suggestion.format_map(template_values(stack))
    return findings


def anti_patterns(ctx: Context, stack: Stack) -> list[Finding]:
    found: list[Finding] = []
    for doc in ctx.docs:
        data = doc.data
        if not isinstance(data, dict):
            continue
        kind = doc.kind
        label = f"{kind or 'values'} {doc.name}".strip()
        committed = secret_values(doc) if kind == "Secret" else []
        if committed:
            section, key = committed[0]
            keys = ", ".join(k for _, k in committed)
            found.append(
                _finding(
                    "secret-in-git",
                    f"{doc.path}:{doc.name}",
                    f"{label} commits secret values to git ({keys}).",
                    ctx.location(doc, doc.key_line(section, key)),
                )
            )
        if kind == "SealedSecret" or "sops" in data:
            found.append(
                _finding(
                    "secret-in-git",
                    f"{doc.path}:encrypted",
                    f"{doc.path} commits an encrypted secret ({'SOPS' if 'sops' in data else kind});"
                    " the framework: not even encrypted.",
                    ctx.location(doc, doc.key_line("kind")),
                )
            )
        routes, ingresses = stack.inventory.kinds.get("HTTPRoute", 0), stack.inventory.kinds.get("Ingress", 0)
        # where Ingress is the repo's own pattern (more Ingresses than HTTPRoutes, or no HTTPRoute at all next to a
        # controller it runs in the ingress role, Ingresses then living in chart values), it is no finding
        house_ingress = routes < ingresses or (routes == 0 and bool(stack.inventory.incumbents("ingress")))
        if kind == "Ingress" and not house_ingress:
            where = f"this repo routes through {routes} Gateway API HTTPRoutes" if routes else "the framework's pattern"
            found.append(
                _finding(
                    "network-exposure",
                    f"ingress:{doc.name}",
                    f"Ingress {doc.name} instead of a Gateway API HTTPRoute ({where}).",
                    ctx.location(doc, doc.key_line("kind")),
                )
            )
        if kind == "Service" and isinstance(data.get("spec"), dict):
            stype = data["spec"].get("type")
            if stype == "NodePort" or (stype == "LoadBalancer" and "gateway" not in doc.path):
                found.append(
                    _finding(
                        "network-exposure",
                        f"service:{doc.name}",
                        f"Service {doc.name} of type {stype} exposes the app outside the Gateway.",
                        ctx.location(doc, doc.key_line("spec", "type")),
                    )
                )
        if kind == "HelmRelease":
            version = _get(data, "spec", "chart", "spec", "version")
            if _get(data, "spec", "chart", "spec", "chart") and (
                version is None or re.search(r"[*x]|>=|latest", str(version))
            ):
                found.append(
                    _finding(
                        "unpinned-version",
                        f"chart:{doc.name}",
                        f"HelmRelease {doc.name} does not pin its chart version ({version}).",
                        ctx.location(doc, doc.key_line("spec", "chart")),
                    )
                )
        cnpg = kind == "Cluster" and str(data.get("apiVersion", "")).startswith("postgresql.cnpg.io")
        if cnpg and _get(data, "spec", "instances") == 1 and not _runbook_mentions(ctx, doc.namespace or doc.name):
            found.append(
                _finding(
                    "single-instance",
                    f"cnpg:{doc.name}",
                    f"CNPG Cluster {doc.name} runs one instance and no runbook documents its recovery.",
                    ctx.location(doc, doc.key_line("spec", "instances")),
                )
            )
        added = (f := ctx.file(doc.path)) is not None and f.status == "added"  # a patch of a shared cluster is partial
        if added and cnpg and not _cnpg_backed_up(ctx, doc):
            found.append(
                _finding(
                    "no-backup",
                    f"cnpg:{doc.name}",
                    f"CNPG Cluster {doc.name} has no backup configured.",
                    ctx.location(doc, doc.key_line("spec")),
                    component="cnpg" if stack.inventory.has("cnpg") else None,
                )
            )
        found.extend(_volumes(ctx, doc))
        found.extend(_images(ctx, doc))
        for trail, value in walk(data):
            if isinstance(value, str) and CLOUD_HOSTS.search(value):
                found.append(
                    _finding(
                        "cloud-only",
                        f"{doc.path}:{CLOUD_HOSTS.search(value).group(0)}",  # type: ignore[union-attr]
                        f"{label} points at a cloud-only service ({value}).",
                        ctx.location(doc, _line_of(doc, trail)),
                    )
                )
            if trail and trail[-1] == "hostNetwork" and value is True:
                found.append(
                    _finding(
                        "network-exposure",
                        f"hostnetwork:{doc.path}",
                        f"{label} uses hostNetwork: the pod sits on the node's network.",
                        ctx.location(doc, _line_of(doc, trail)),
                    )
                )
        found.extend(_subcharts(ctx, doc, stack))
        found.extend(_monitoring_switched_off(ctx, doc))
    found.extend(_volumes_outside_backups(ctx))
    found.extend(tool_overlaps(ctx, stack))
    found.extend(_untested_modules(ctx))
    return localise(_dedupe(found), stack)


def _get(data: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(k)
    return data


def _line_of(doc: Document, trail: tuple[str, ...]) -> int | None:
    node: Any = doc.data
    line: int | None = None
    for key in trail:
        if isinstance(node, LDict) and key in node:
            line = node.lines.get(key, line)
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
            line = getattr(node, "line", line)
        else:
            break
    return line


def _volumes(ctx: Context, doc: Document) -> list[Finding]:
    out: list[Finding] = []
    mounts: dict[str, str] = {}
    for _trail, value in walk(doc.data):
        if isinstance(value, dict) and "mountPath" in value and "name" in value:
            mounts[str(value["name"])] = str(value["mountPath"])
    for trail, value in walk(doc.data):
        if not isinstance(value, dict):
            continue
        kind = (
            "hostPath"
            if ("hostPath" in value or value.get("type") == "hostPath")
            else ("emptyDir" if ("emptyDir" in value or value.get("type") == "emptyDir") else None)
        )
        if kind is None:
            continue
        name = str(value.get("name") or (trail[-1] if trail else ""))
        paths = [str(p) for _, p in walk(value) if isinstance(p, str) and p.startswith("/")]
        paths.append(mounts.get(name, ""))
        host = value.get("hostPath")
        host_path = str(host.get("path", "")) if isinstance(host, dict) else str(value.get("hostPath") or "")
        if kind == "hostPath" and HARMLESS_HOST_PATHS.match(host_path or "/"):
            continue
        where = " ".join([name, *paths])
        if kind == "emptyDir" and (SCRATCH.search(where) or not DATA_MOUNT.search(where)):
            continue
        out.append(
            _finding(
                "ephemeral-storage",
                f"{doc.path}:{name}",
                f"Volume {name or '?'} ({', '.join(p for p in paths if p) or 'no mount path'}) is a {kind}: "
                "data there is lost when the pod moves.",
                ctx.location(doc, _line_of(doc, (*trail, kind) if kind in value else trail)),
            )
        )
    return out


def _images(ctx: Context, doc: Document) -> list[Finding]:
    out: list[Finding] = []
    for trail, value in walk(doc.data):
        image: str | None = None
        tag: Any = None
        if trail and trail[-1] == "image" and isinstance(value, str):
            image, _, tag = (
                value.partition("@")[0].rpartition(":") if ":" in value.split("/")[-1] else (value, "", None)
            )
            if "@" in value:
                tag = "digest"
        elif _image_block(trail, value):
            image, tag = value["repository"], value.get("tag", value.get("digest"))
        if not image:
            continue
        at = (*trail, "tag") if isinstance(value, dict) and "tag" in value else trail
        line = _line_of(doc, at)
        if not ctx.adds(doc, line):
            continue  # an image the PR does not touch is the repo's, not this change's
        if (tag is None or str(tag).strip() in ("", "latest")) and not TEMPLATED.search(f"{image}{tag or ''}"):
            out.append(
                _finding(
                    "unpinned-version",
                    f"image:{image}",
                    f"Image {image} runs {'the latest tag' if tag == 'latest' else 'without a tag'}: "
                    "Renovate cannot track it and a restart can change the version.",
                    ctx.location(doc, line),
                    severity="major",
                )
            )
    return out


def _image_block(trail: tuple[str, ...], value: Any) -> bool:
    """A Helm values image block (`image: {repository, tag}`), not any map with a `repository` (a Chart.yaml
    dependency names a chart repository URL)."""
    if not (isinstance(value, dict) and isinstance(value.get("repository"), str)):
        return False
    named = bool(trail) and trail[-1].lower().endswith("image")
    return bool(named or {"tag", "digest"} & set(value)) and "://" not in value["repository"]


def _incumbents(stack: Stack, tool: str, changed: set[str]) -> list[InventoryEntry]:
    """Tools this repo already runs in the roles of `tool`, other than `tool` itself, with evidence outside the
    PR's own files (an index built after the merge already holds the PR)."""
    catalog_tool = stack.catalog.tool(tool)
    if catalog_tool is None:
        return []
    return [
        e
        for e in stack.incumbents_for(catalog_tool)
        if e.tool != tool and (e.origin == "override" or any(ev.path not in changed for ev in e.evidence))
    ]


def _overlap(
    ctx: Context, doc: Document, line: int | None, tool: str, how: str, incumbents: list[InventoryEntry], stack: Stack
) -> Finding:
    name = stack.catalog.by_slug[tool].name
    role = next(r for r in stack.catalog.by_slug[tool].roles if any(r in e.roles for e in incumbents))
    return _finding(
        "overlap",
        f"{incumbents[0].tool}:{tool}",
        f"{how[0].upper()}{how[1:]} adds {name} ({stack.role_label(role)}); this repo already runs "
        f"{'; '.join(e.label() for e in incumbents)}.",
        ctx.location(doc, line) or ctx.nearest(doc.path, line),
        component=incumbents[0].tool,
        suggestion=f"Use {' or '.join(e.name for e in incumbents)} instead of running {name} next to it.",
    )


def tool_overlaps(ctx: Context, stack: Stack) -> list[Finding]:
    """A chart, image or repository the PR adds whose tool fills a role this repo already fills with another tool.
    Only strong signals: a CRD kind (a ServiceMonitor) is how a repo uses its tools, not a new tool."""
    changed = {f.path for f in ctx.pr.files}
    finder = Discoverer(stack.catalog)
    out: list[Finding] = []
    for f in ctx.pr.reviewed:
        text = f.new_text if f.new_text is not None else f.partial_text
        signals, _ = finder.scan(RepoFile(f.path, text, ""))
        for sig in signals:
            if sig.strength != "strong" or sig.evidence.line not in f.added_lines:
                continue
            incumbents = _incumbents(stack, sig.tool, changed)
            if incumbents:
                doc = Document(f.path, None, sig.evidence.line)
                out.append(_overlap(ctx, doc, sig.evidence.line, sig.tool, sig.evidence.how, incumbents, stack))
    return out


def _subcharts(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    """A chart value `<tool>: {enabled: true}` switching on the chart's own database, store or broker where this repo
    already runs one in that role. Monitoring hooks and routes name no tool, so they never match."""
    out: list[Finding] = []
    changed = {f.path for f in ctx.pr.files}
    for trail, value in walk(doc.data):
        if not (isinstance(value, dict) and value.get("enabled") is True and trail) or is_client(value):
            continue
        key = trail[-1].lower()
        tool = next((t for t, p in stack.prose_tools if key in t.charts or p.fullmatch(key)), None)
        if tool is None:
            continue
        incumbents = _incumbents(stack, tool.slug, changed) or (
            [e] if (e := stack.inventory.entry(tool.slug)) and any(ev.path not in changed for ev in e.evidence) else []
        )
        if incumbents:
            out.append(
                _finding(
                    "overlap",
                    f"{incumbents[0].tool}:subchart-{key}",
                    f"The chart's bundled {tool.name} is switched on; this repo already runs "
                    f"{'; '.join(e.label() for e in incumbents)}.",
                    ctx.location(doc, _line_of(doc, (*trail, "enabled"))),
                    component=incumbents[0].tool,
                    suggestion=f"Disable the subchart and point the app at {' or '.join(e.name for e in incumbents)}.",
                )
            )
    return out


def _velero_coverage(ctx: Context) -> tuple[set[str], bool] | None:
    """The namespaces the repo's (and the PR's) Velero Schedules back up, and whether one covers every namespace.
    None when the repo schedules no Velero backups by namespace: then coverage is not this check's to judge."""
    schedules = [d for d in ctx.docs if d.kind == "Schedule" and "velero.io" in str(_get(d.data, "apiVersion"))]
    for rel, text in ctx.repo_texts.items():
        if YAML.search(rel) and "velero.io" in text and re.search(r"kind:\s*Schedule\b", text):
            try:
                schedules += [d for d in parse_documents(text, rel)[0] if d.kind == "Schedule"]
            except YAMLLimitError:
                continue
    if not schedules:
        return None
    namespaces: set[str] = set()
    everything = False
    for d in schedules:
        included = _get(d.data, "spec", "template", "includedNamespaces")
        if not included or "*" in included:
            everything = True
        else:
            namespaces |= {str(n) for n in included}
    return namespaces, everything


def _volumes_outside_backups(ctx: Context) -> list[Finding]:
    """A PersistentVolumeClaim the PR adds in a namespace that none of the repo's Velero Schedules includes, where
    the repo backs up by namespace: the data on it has no recovery story. Scratch volumes (cache, tmp…) and claims a
    VolSync ReplicationSource in the PR copies are not findings."""
    claims = [d for d in ctx.docs if d.kind == "PersistentVolumeClaim" and ctx.adds(d, d.key_line("kind"))]
    if not claims or (coverage := _velero_coverage(ctx)) is None or coverage[1]:
        return []
    covered = coverage[0]
    replicated = {str(_get(d.data, "spec", "sourcePVC")) for d in ctx.docs if d.kind == "ReplicationSource"}
    out = []
    for d in claims:
        namespace = d.namespace or Path(d.path).parent.name
        if namespace in covered or d.name in replicated or SCRATCH.search(d.name):
            continue
        out.append(
            _finding(
                "no-backup",
                f"pvc:{namespace}/{d.name}",
                f"PersistentVolumeClaim {d.name} is in namespace {namespace}, which no Velero Schedule of this repo "
                f"includes (it backs up {', '.join(sorted(covered))}): its data has no backup.",
                ctx.location(d, d.key_line("metadata", "name")),
                severity="major",
                suggestion=f"Add {namespace} to a Velero Schedule's includedNamespaces (or say why this data can be "
                "rebuilt).",
            )
        )
    return out


def _cnpg_backed_up(ctx: Context, doc: Document) -> bool:
    """A CNPG Cluster has backups when any definition of it (this document, another in the PR, or the repo's base
    that a patch or an overlay merges with) configures `backup` or a backup plugin, or a ScheduledBackup names it."""
    name = doc.name
    candidates = list(ctx.docs)
    for rel, text in ctx.repo_texts.items():
        if YAML.search(rel) and "postgresql.cnpg.io" in text and re.search(rf"\b{re.escape(name)}\b", text):
            try:
                candidates.extend(parse_documents(text, rel)[0])
            except YAMLLimitError:
                continue
    for d in candidates:
        if not str(_get(d.data, "apiVersion") or "").startswith("postgresql.cnpg.io"):
            continue
        if (
            d.kind == "Cluster"
            and d.name == name
            and (_get(d.data, "spec", "backup") or _get(d.data, "spec", "plugins"))
        ):
            return True
        if d.kind == "ScheduledBackup" and _get(d.data, "spec", "cluster", "name") in (name, None):
            return True
    return False


def _monitoring_switched_off(ctx: Context, doc: Document) -> list[Finding]:
    """Chart values the PR adds that switch the chart's own ServiceMonitor or PodMonitor off
    (`serviceMonitor: {enabled: false}`, `podMonitor: false`), where nothing else
    in the PR or the repo monitors that release: the metrics surface exists and is left unread."""
    out: list[Finding] = []
    for trail, value in walk(doc.data):
        # `serviceMonitor: {enabled: false}`, or app-template's named ones `serviceMonitor: {app: {enabled: false}}`
        named = len(trail) > 1 and trail[-2].lower() in MONITOR_KEYS and isinstance(value, dict)
        if not trail or not (trail[-1].lower() in MONITOR_KEYS or named):
            continue
        off = (value is False and not named) or (isinstance(value, dict) and value.get("enabled") is False)
        at = (*trail, "enabled") if isinstance(value, dict) else trail
        line = _line_of(doc, at)
        if not off or not ctx.adds(doc, line):
            continue
        release = doc.name or Path(doc.path).stem
        if _monitored_elsewhere(ctx, doc, release):
            continue
        out.append(
            _finding(
                "no-observability",
                f"switched-off:{doc.path}:{release}",
                f"{release}: the chart's {'.'.join(trail[-2:])} is switched off ({'.'.join(trail)}) and nothing else "
                "scrapes it, so its failures are invisible.",
                ctx.location(doc, line),
                severity="major",
                suggestion="Switch the chart's ServiceMonitor on (and add its PrometheusRule alerts), or say in the "
                "PR what monitors it instead.",
            )
        )
        break  # one finding per document: the first switch is where to look
    return out


def _monitored_elsewhere(ctx: Context, doc: Document, release: str) -> bool:
    """A ServiceMonitor, PodMonitor or Probe in the PR, or in the repo, that names the release or its namespace."""
    needle = re.compile(rf"\b{re.escape(release)}\b")
    for d in ctx.docs:
        if d.kind in OBSERVABILITY_KINDS - {"PrometheusRule"} and (
            needle.search(d.name) or (doc.namespace and d.namespace == doc.namespace)
        ):
            return True
    return any(
        YAML.search(rel) and re.search(r"kind:\s*(?:ServiceMonitor|PodMonitor|Probe)\b", text) and needle.search(text)
        for rel, text in ctx.repo_texts.items()
    )


def _profile_convention(ctx: Context) -> bool:
    """The repo labels its namespaces with a network-policy profile (the house pattern the check enforces)."""
    return any(
        YAML.search(rel) and "kind: Namespace" in text and re.search(r"network-policy[\w./-]*/profile", text)
        for rel, text in ctx.repo_texts.items()
    )


def _untested_modules(ctx: Context) -> list[Finding]:
    modules = {m.group(1) for f in ctx.pr.reviewed if (m := re.match(r"(infrastructure/modules/[^/]+)/", f.path))}
    out = []
    for module in sorted(modules):
        tested = any(f.path.startswith(module) and f.path.endswith(".tftest.hcl") for f in ctx.pr.reviewed) or any(
            p.startswith(module) and p.endswith(".tftest.hcl") for p in ctx.repo_texts
        )
        if not tested:
            first = next(f for f in ctx.pr.reviewed if f.path.startswith(module))
            where = Location(path=first.path, line=min(first.added_lines)) if first.added_lines else None
            out.append(_finding("missing-tests", module, f"{module} has no .tftest.hcl tests.", where))
    return out


def locate(findings: list[Finding], ctx: Context) -> list[Finding]:
    """Every PR finding gets a file and a line: one without its own goes to the first added line of the changed
    file its id or message names, else of the first changed file (the nearest changed line the diff has)."""
    files = [f for f in ctx.pr.reviewed if f.added_lines]
    for finding in findings:
        if (finding.location is not None and finding.location.line is not None) or not files:
            continue
        text = f"{finding.id} {finding.message}"
        named = next((f for f in files if f.path in text), None) or next(
            (f for f in files if re.search(rf"\b{re.escape(Path(f.path).parent.name)}\b", text)), files[0]
        )
        finding.location = Location(path=named.path, line=min(named.added_lines))
    return findings


def _runbook_mentions(ctx: Context, name: str) -> bool:
    texts = [f.new_text or "" for f in ctx.pr.reviewed if f.path.endswith(".md")]
    texts += [t for p, t in ctx.repo_texts.items() if "runbook" in p and p.endswith(".md")]
    return bool(name) and any(re.search(rf"\b{re.escape(name)}\b", t, re.I) for t in texts)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: dict[str, Finding] = {}
    for f in findings:
        seen.setdefault(f.id, f)
    return list(seen.values())


# -- the New Application checklist -----------------------------------------------------------------------


def new_apps(ctx: Context) -> list[str]:
    """Namespaces the PR creates (its `kind: Namespace` line is added), not ones it only relabels."""
    names = [d.name for d in ctx.docs if d.kind == "Namespace" and d.name and ctx.adds(d, d.key_line("kind"))]
    return list(dict.fromkeys(names))


def _mentions(doc: Document, app: str) -> bool:
    return doc.namespace == app or f"/{app}/" in f"/{doc.path}" or Path(doc.path).stem == app


def checklist(ctx: Context, app: str) -> tuple[list[ChecklistItem], list[Finding]]:
    ours = [d for d in ctx.docs if _mentions(d, app) or d.name == app]
    theirs = [d for d in repo_docs_for(ctx, app) if _mentions(d, app)]
    both = ours + theirs
    items: list[ChecklistItem] = []
    findings: list[Finding] = []

    def where(d: Document) -> str:
        return f"{d.path}:{d.line}"

    flux = [d for d in both if d.kind in ("HelmRelease", "ResourceSet")]
    resourceset = [
        f
        for f in ctx.pr.reviewed
        if "resourceset" in f.path.lower() and re.search(rf"\b{re.escape(app)}\b", f.new_text or f.partial_text)
    ]
    values = [d for d in ours if not d.kind and Path(d.path).stem == app]
    if flux or resourceset or values:
        ev = where(flux[0]) if flux else resourceset[0].path if resourceset else f"{values[0].path} (chart values)"
        items.append(
            ChecklistItem(
                pattern="New Application", item="HelmRelease via ResourceSet", status="satisfied", evidence=ev
            )
        )
    else:
        items.append(
            ChecklistItem(
                pattern="New Application",
                item="HelmRelease via ResourceSet",
                status="missing",
                evidence="no HelmRelease, ResourceSet input or chart values for it in the PR",
            )
        )
    ns = next((d for d in ctx.docs if d.kind == "Namespace" and d.name == app), None)
    labels = _get(ns.data, "metadata", "labels") if ns else None
    profile = next((f"{k}: {v}" for k, v in (labels or {}).items() if "network-policy" in k and "profile" in k), None)
    if ns is not None and profile:
        items.append(
            ChecklistItem(
                pattern="New Application",
                item="Namespace with network-policy profile label",
                status="satisfied",
                evidence=f"{where(ns)} ({profile})",
            )
        )
    elif ns is not None and (policy := next((d for d in both if d.kind in NETWORK_POLICY_KINDS), None)):
        items.append(
            ChecklistItem(
                pattern="New Application",
                item="Namespace with network-policy profile label",
                status="satisfied",
                evidence=f"{where(policy)} (its own {policy.kind} instead of a profile)",
            )
        )
    elif ns is not None and _profile_convention(ctx):
        items.append(
            ChecklistItem(
                pattern="New Application",
                item="Namespace with network-policy profile label",
                status="missing",
                evidence=where(ns),
            )
        )
        findings.append(
            _finding(
                "network-exposure",
                f"profile-label:{app}",
                f"Namespace {app} has no network-policy profile label: default deny leaves it "
                "either unreachable or hand-patched.",
                ctx.location(ns, ns.key_line("metadata")) or ctx.nearest(ns.path, ns.key_line("metadata")),
                component="cilium",
                suggestion="Label the namespace with its network-policy profile "
                "(e.g. network-policy.homelab/profile: internal).",
            )
        )
    secret_refs = any(
        isinstance(v, dict) and ({"secretKeyRef", "existingSecret", "secretRef"} & set(v))
        for d in ours
        for _, v in walk(d.data)
    )
    external = [d for d in both if d.kind == "ExternalSecret"]
    generated = [d for d in ours if d.kind == "Secret" and _empty_secret(d)]
    if external or generated:
        d = (external or generated)[0]
        items.append(
            ChecklistItem(
                pattern="New Application",
                item="ExternalSecret for credentials",
                status="satisfied",
                evidence=where(d) + ("" if external else " (generated/replicated in-cluster)"),
            )
        )
    else:
        items.append(
            ChecklistItem(
                pattern="New Application",
                item="ExternalSecret for credentials",
                status="missing" if secret_refs else "not applicable",
                evidence="credentials referenced, no ExternalSecret" if secret_refs else "no credentials referenced",
            )
        )
    monitors = [d for d in both if d.kind in OBSERVABILITY_KINDS]
    enabled = [
        d
        for d in ours
        for t, v in walk(d.data)
        if t
        and t[-1].lower() == "servicemonitor"
        and (v is True or (isinstance(v, dict) and v.get("enabled", True) is not False))
    ]
    canary = [d for d in both if d.kind == "Canary"]
    if monitors or enabled or canary:
        d = (monitors or enabled or canary)[0]
        how = "" if monitors else " (chart values enable a ServiceMonitor)" if enabled else " (canary-checker probe)"
        items.append(
            ChecklistItem(
                pattern="New Application",
                item="ServiceMonitor + PrometheusRule for observability",
                status="satisfied",
                evidence=where(d) + how,
            )
        )
    else:
        items.append(
            ChecklistItem(
                pattern="New Application",
                item="ServiceMonitor + PrometheusRule for observability",
                status="missing",
                evidence="none in the PR, the chart values or the repo",
            )
        )
        anchor = ns or (ours[0] if ours else None)
        findings.append(
            _finding(
                "no-observability",
                f"app:{app}",
                f"{app} ships without a ServiceMonitor, PrometheusRule or canary (and nothing in the repo "
                "monitors it): if it exposes metrics, scrape them; if not, a probe tells you it is down.",
                ctx.location(anchor, anchor.key_line("kind")) or ctx.nearest(anchor.path, anchor.line)
                if anchor
                else None,
                severity="minor",  # many apps have no metrics surface: a question, unless one is switched off
            )
        )
    db = [d for d in both if str(_get(d.data, "apiVersion") or "").startswith("postgresql.cnpg.io")]
    db += [d for d in ours for _, v in walk(d.data) if isinstance(v, str) and re.search(r"-rw\.[\w.-]+|\bcnpg\b", v)]
    wants_db = any(
        isinstance(v, str) and re.search(r"postgres|-rw\.|DB_HOST|DATABASE_URL", v, re.I)
        for d in ours
        for _, v in walk(d.data)
    )
    items.append(
        ChecklistItem(
            pattern="New Application",
            item="CNPG Cluster if database needed",
            status="satisfied" if db else "missing" if wants_db else "not applicable",
            evidence=where(db[0]) if db else "database settings without a CNPG resource" if wants_db else "no database",
        )
    )
    garage = [d for d in both if d.kind.startswith("Garage")]
    wants_s3 = any(isinstance(v, str) and re.search(r"\bs3\b|bucket", v, re.I) for d in ours for _, v in walk(d.data))
    items.append(
        ChecklistItem(
            pattern="New Application",
            item="GarageBucketClaim if S3 storage needed",
            status="satisfied" if garage else "missing" if wants_s3 else "not applicable",
            evidence=where(garage[0])
            if garage
            else "S3 settings without a Garage bucket"
            if wants_s3
            else "no object storage",
        )
    )
    routes = [d for d in ours if d.kind == "HTTPRoute"]
    if routes:
        items.append(
            ChecklistItem(
                pattern="New Network Exposure",
                item="HTTPRoute for HTTP/HTTPS traffic (Gateway API)",
                status="satisfied",
                evidence=where(routes[0]),
            )
        )
    return items, findings
