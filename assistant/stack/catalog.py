"""The role catalog (`knowledge/roles.yaml`): roles a homelab fills, the tools that fill them, and how to recognise
each tool in a repo (chart, image, CRD, repo URL, Terraform provider, file markers) and in prose (aliases)."""

from __future__ import annotations

import json
import re
from functools import cached_property, lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from assistant.errors import InputError
from assistant.inputs.safe_yaml import load_document
from assistant.stack.matching import CommonName, ProperName

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SOURCE = re.compile(r"^(?:https?://)?(?:www\.)?([a-z0-9.-]+\.[a-z]+)/([\w.-]+)/([\w.-]+)", re.I)


def source_repo(url: str) -> str:
    """`https://github.com/Org/Repo.git/tree/main` -> `github.com/org/repo`; '' for a URL that names no repository."""
    m = _SOURCE.match(url.strip())
    if not m:
        return ""
    host, org, repo = (g.lower() for g in m.groups())
    return f"{host}/{org}/{repo.removesuffix('.git')}"


class Role(BaseModel):
    id: str
    name: str
    # What the framework asks of this role, without naming a tool: said when the repo runs nothing in it.
    requirement: str = ""
    # The words an operator uses for the need this role fills, without naming a tool ("a password manager",
    # "somewhere to keep container images"): a proposal worded as a need reaches the role through them.
    needs: list[str] = Field(default_factory=list)
    # A coarse group from the open data ("Observability"): its tools are known, but two of them need not do the same
    # job, so a family is never an overlap.
    family: bool = False
    app: bool = False  # an end-user application's job (a password manager), not the platform's
    words: list[str] = Field(default_factory=list)  # the open datasets' tags and categories mapped to this role


class Marker(BaseModel):
    """A file (glob on the repo-relative path) that proves a tool runs, optionally only where a line matches."""

    glob: str
    regex: str | None = None


class Tool(BaseModel):
    slug: str
    name: str
    roles: list[str]
    aliases: list[str] = Field(default_factory=list)  # prose names, whole-word, case-insensitive
    # Names that are also ordinary words (`Drone`, `Harbor`): matched only capitalised as written.
    proper_names: list[str] = Field(default_factory=list)
    charts: list[str] = Field(default_factory=list)  # Helm chart names, exact
    images: list[str] = Field(default_factory=list)  # image repositories without tag: a suffix at a `/` boundary
    crds: list[str] = Field(default_factory=list)  # API group (`postgresql.cnpg.io`) or group/Kind (`argoproj.io/App`)
    repos: list[str] = Field(default_factory=list)  # substrings of Helm/OCI/git repository URLs
    terraform: list[str] = Field(default_factory=list)  # provider sources (`siderolabs/talos`) or module sources
    markers: list[Marker] = Field(default_factory=list)
    gateway_classes: list[str] = Field(default_factory=list)  # Gateway `gatewayClassName` / GatewayClass controller
    secret_providers: list[str] = Field(default_factory=list)  # keys under a SecretStore's `spec.provider`
    # A whole-machine system (a NAS OS, a directory server): a VM or container the repo declares runs it where the
    # machine's own description names it.
    machine: bool = False
    hosted: bool = False  # a hosted service (Discord): the repo relies on it, it never deploys it
    # A Flux notification Provider `type`, Alertmanager `<type>_configs`, AlertmanagerConfig `<type>Configs`
    notify_types: list[str] = Field(default_factory=list)
    # OS packages (an Ansible `package`/`dnf`/`apt` task, a systemd unit it enables, a Dockerfile's `apk add`): host
    # tools that no Kubernetes manifest shows.
    packages: list[str] = Field(default_factory=list)
    # Substrings of artifact URLs a repo downloads to install the tool (an installer ISO, a release binary).
    downloads: list[str] = Field(default_factory=list)
    # Hostnames of the tool's hosted service (`ntfy.sh`): a URL to one in config means the repo uses it.
    endpoints: list[str] = Field(default_factory=list)
    # Charts of this tool that deploy other catalog tools unless their values switch them off
    # (`loki-stack: [promtail]`: Promtail runs unless `promtail.enabled: false`).
    chart_bundles: dict[str, list[str]] = Field(default_factory=dict)
    speaks: list[str] = Field(default_factory=list)  # protocols it is compatible with (redis, s3, postgres …)
    # A role the tool fills only where the repo declares one of these kinds (Rook-Ceph is object storage only
    # with a CephObjectStore).
    role_kinds: dict[str, list[str]] = Field(default_factory=dict)
    bundles: list[str] = Field(default_factory=list)  # tools an umbrella chart deploys with it (slugs)
    # A role the tool fills only where a file of the repo matches (`role_if`), or not where one does
    # (`role_unless`): dnsmasq with `port=0` serves no DNS, and boots machines only with `enable-tftp`.
    role_if: dict[str, list[Marker]] = Field(default_factory=dict)
    role_unless: dict[str, list[Marker]] = Field(default_factory=dict)
    # Roles the tool helps with but does not own (Longhorn's recurring backups): named in suggestions, never an
    # incumbent for overlap. `role_kinds` can make them conditional too.
    assists: list[str] = Field(default_factory=list)
    # Roles a tool fills only where a given part of it is deployed: evidence `how` prefix -> roles (`chart
    # istio-ingress` makes Istio the ingress; istiod and ztunnel alone are a mesh).
    part_roles: dict[str, list[str]] = Field(default_factory=dict)
    note: str = ""
    origin: str = "hand"  # hand (knowledge/roles.yaml) | awesome-selfhosted | cncf-landscape (the compiled file)
    # The name is a common English word: set at compile time from word frequencies, or by hand ("Task")
    common_name: bool = False
    source: str = ""  # `github.com/org/repo`, from the open data

    @property
    def names(self) -> list[str]:
        """Every way prose may name the tool. A compiled tool named by one plain word ("Homer", "Flame") is named only
        capitalised as written: the open data carries no word list to tell which names are also ordinary words."""
        name: str = self.name
        if (self.origin != "hand" or self.common_name) and re.fullmatch(r"[A-Za-z]+", name):
            name = CommonName(name) if self.common_name else ProperName(name)
        return [name, *self.aliases, *(ProperName(p) for p in self.proper_names)]

    @property
    def engine_named(self) -> bool:
        """Named after the protocol it speaks (PostgreSQL, Redis): the word in prose is often the protocol or the
        ecosystem ("postgres access label", "Redis-compatible"), not the tool."""
        return any(n.lower().startswith(p) for n in self.names for p in self.speaks)


class CloudService(BaseModel):
    slug: str
    name: str
    aliases: list[str]
    role: str | None = None  # the role a self-hosted tool would fill instead
    # self-hosted tools that connect a repo to this service (1Password Connect): where one runs, the repo has chosen
    # the service, so relying on it is the house's way, not a new cloud dependency
    connectors: list[str] = Field(default_factory=list)
    # Hostnames of the service (`uptimerobot.com`): a URL to one in the repo's config means the repo relies on it
    endpoints: list[str] = Field(default_factory=list)


class RoleCatalog(BaseModel):
    version: int = 1
    roles: list[Role]
    tools: list[Tool]
    cloud_only: list[CloudService] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> RoleCatalog:
        role_ids = {r.id for r in self.roles}
        seen: set[str] = set()
        for t in self.tools:
            if not _SLUG.match(t.slug):
                raise ValueError(f"tool slug {t.slug!r} is not lower-case-hyphenated")
            if t.slug in seen:
                raise ValueError(f"tool {t.slug!r} is listed twice")
            seen.add(t.slug)
            parts = [r for rs in t.part_roles.values() for r in rs]
            unknown = [r for r in [*t.roles, *t.assists, *parts] if r not in role_ids]
            if unknown or not t.roles:
                raise ValueError(f"tool {t.slug!r} has unknown or no roles: {unknown}")
        for t in self.tools:
            missing = [b for bs in t.chart_bundles.values() for b in bs if b not in seen]
            if missing:
                raise ValueError(f"tool {t.slug!r} bundles unknown tools: {missing}")
        for s in self.cloud_only:
            if s.role is not None and s.role not in role_ids:
                raise ValueError(f"cloud service {s.slug!r} names unknown role {s.role!r}")
        return self

    @cached_property
    def by_slug(self) -> dict[str, Tool]:
        return {t.slug: t for t in self.tools}

    @cached_property
    def role_by_id(self) -> dict[str, Role]:
        return {r.id: r for r in self.roles}

    def tool(self, slug: str) -> Tool | None:
        return self.by_slug.get(slug)

    @cached_property
    def cloud_by_slug(self) -> dict[str, CloudService]:
        return {c.slug: c for c in self.cloud_only}

    def role(self, role_id: str) -> Role | None:
        return self.role_by_id.get(role_id)

    def tools_in(self, role_id: str) -> list[Tool]:
        return [t for t in self.tools if role_id in t.roles]

    def is_family(self, role_id: str) -> bool:
        role = self.role_by_id.get(role_id)
        return role is not None and role.family


COMPILED_NAME = "catalog.compiled.json"


class CompiledEntry(BaseModel):
    """One tool of the compiled catalog, as `make catalog` writes it."""

    slug: str
    name: str
    roles: list[str]
    source: str = ""
    origin: str = "compiled"
    common_name: bool = False
# Image path segments that name no tool (`ghcr.io/org/server`, `…/app`): never matched by a compiled tool's name.
_GENERIC_SEGMENTS = frozenset(
    {
        "server", "app", "web", "api", "core", "ui", "frontend", "backend", "worker", "docker", "image", "images",
        "base", "cli", "client", "agent", "operator", "controller", "exporter", "proxy", "service", "daemon", "main",
        "community", "library", "bot", "wiki", "home", "cloud", "runtime"
    }
)


@lru_cache(maxsize=8)
def _load(path: str, mtime: float, compiled: str, compiled_mtime: float) -> RoleCatalog:
    try:
        catalog = RoleCatalog.model_validate(load_document(Path(path).read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise InputError(f"role catalog {path} is invalid: {str(exc).splitlines()[0]}") from None
    if not compiled:
        return catalog
    try:
        data = json.loads(Path(compiled).read_text(encoding="utf-8"))
        roles = [Role(id=r["id"], name=r["name"], family=True) for r in data["roles"]]
        entries = [CompiledEntry.model_validate(t) for t in data["tools"]]
        words = {str(k): [str(w) for w in v] for k, v in data.get("role_words", {}).items()}
    except (OSError, ValueError, KeyError, TypeError, ValidationError) as exc:
        raise InputError(
            f"compiled catalog {compiled} is unreadable ({type(exc).__name__}); rebuild it with `make catalog` "
            "or delete it to review with the hand-written catalog alone"
        ) from None
    merged = merge_compiled(catalog, roles, entries)
    for role in merged.roles:
        role.words = words.get(role.id, [])
    return merged


def merge_compiled(catalog: RoleCatalog, roles: list[Role], entries: list[CompiledEntry]) -> RoleCatalog:
    """The hand-written catalog plus the compiled tools it does not already know (same slug, name or source
    repository: the hand-written entry wins)."""
    known: set[str] = set()
    images: set[str] = set()
    for t in catalog.tools:
        known |= {t.slug, slugify(t.name), *(slugify(a) for a in t.aliases), *(c.lower() for c in t.charts)}
        images |= {i.lower() for i in t.images}
    # `rook/rook` is Rook-Ceph (images `rook/ceph`): a project named after an org whose images a hand entry owns
    owned_orgs = {i.split("/")[-2] for i in images if "/" in i}
    role_ids = {r.id for r in catalog.roles} | {r.id for r in roles}
    fresh: list[tuple[CompiledEntry, str, str, list[str]]] = []  # (entry, org/repo, repo name, roles)
    for e in entries:
        org_repo = e.source.split("/", 1)[1] if e.source.count("/") == 2 else ""
        org, _, repo_name = org_repo.partition("/")
        if not e.slug or e.slug in known or slugify(repo_name) in known or org_repo in images:
            continue
        if org in owned_orgs and e.slug == slugify(org):
            continue
        known.add(e.slug)
        e_roles = [r for r in e.roles if r in role_ids]
        if e_roles and _SLUG.match(e.slug):
            fresh.append((e, org_repo, repo_name, e_roles))
    # A bare name (`jellyfin`) matches an image's last segment, so it must be one tool's alone: `panel`, `spec` and
    # `platform` name several projects, and `distribution` is a hand-written tool's image.
    bare: dict[str, int] = {i.rsplit("/", 1)[-1]: 2 for i in images}
    for e, _, repo_name, _ in fresh:
        for name in {e.slug, repo_name} - {""}:
            bare[name] = bare.get(name, 0) + 1
    tools = list(catalog.tools)
    for e, org_repo, repo_name, e_roles in fresh:
        names = [n for n in dict.fromkeys([e.slug, repo_name]) if n]
        unique = [n for n in names if bare.get(n) == 1 and len(n) >= 4 and n not in _GENERIC_SEGMENTS]
        patterns = ([org_repo] if org_repo and repo_name not in _GENERIC_SEGMENTS else []) + unique
        if org_repo and repo_name in _GENERIC_SEGMENTS and org_repo.split("/")[0] == e.slug:
            patterns.append(org_repo)  # `vaultwarden/server`: the org names the tool
        if not patterns:
            continue  # nothing in a repo could ever show it runs
        tools.append(
            Tool(
                slug=e.slug,
                name=e.name,
                roles=e_roles,
                images=patterns,
                charts=[e.slug] if e.slug in unique else [],
                origin=e.origin,
                source=e.source,
                common_name=e.common_name,
            )
        )
    return RoleCatalog(
        version=catalog.version, roles=[*catalog.roles, *roles], tools=tools, cloud_only=catalog.cloud_only
    )


def slugify(name: str) -> str:
    """`Home Assistant` -> `home-assistant`, `Paperless-ngx` -> `paperless-ngx`."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def clear_cache() -> None:
    """Forget loaded catalogs (for a benchmark's cold load)."""
    _load.cache_clear()


def compiled_path(path: Path) -> Path:
    """The compiled catalog that ships beside the hand-written one."""
    return path.with_name(COMPILED_NAME)


def load_catalog(path: Path) -> RoleCatalog:
    compiled = compiled_path(path)
    try:
        compiled_mtime = compiled.stat().st_mtime
    except OSError:
        compiled, compiled_mtime = Path(""), 0.0
    try:
        return _load(str(path), path.stat().st_mtime, str(compiled) if compiled_mtime else "", compiled_mtime)
    except FileNotFoundError:
        raise InputError(f"role catalog not found: {path}") from None
