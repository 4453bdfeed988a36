"""The role catalog (`knowledge/roles.yaml`): roles a homelab fills, the tools that fill them, and how to recognise
each tool in a repo (chart, image, CRD, repo URL, Terraform provider, file markers) and in prose (aliases)."""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from assistant.errors import InputError
from assistant.inputs.safe_yaml import load_document
from assistant.stack.matching import ProperName

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class Role(BaseModel):
    id: str
    name: str
    # What the framework asks of this role, without naming a tool: said when the repo runs nothing in it.
    requirement: str = ""


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
    note: str = ""

    @property
    def names(self) -> list[str]:
        """Every way prose may name the tool."""
        return [self.name, *self.aliases, *(ProperName(p) for p in self.proper_names)]

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
            unknown = [r for r in [*t.roles, *t.assists] if r not in role_ids]
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

    def role(self, role_id: str) -> Role | None:
        return self.role_by_id.get(role_id)

    def tools_in(self, role_id: str) -> list[Tool]:
        return [t for t in self.tools if role_id in t.roles]


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> RoleCatalog:
    try:
        return RoleCatalog.model_validate(load_document(Path(path).read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise InputError(f"role catalog {path} is invalid: {str(exc).splitlines()[0]}") from None


def load_catalog(path: Path) -> RoleCatalog:
    try:
        return _load(str(path), path.stat().st_mtime)
    except FileNotFoundError:
        raise InputError(f"role catalog not found: {path}") from None
