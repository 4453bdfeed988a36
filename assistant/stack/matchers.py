"""The catalog's recognition data as lookups: chart names, image repositories, CRD groups and kinds, source and
Terraform repositories, gateway classes, secret-store providers, alert receivers, OS packages, downloads and hosted
endpoints."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from assistant.stack.catalog import RoleCatalog
from assistant.stack.yaml_facts import image_repository

URL = re.compile(r"\b(?:https?|oci)://([^\s\"'`/:?#]+)[^\s\"'`]*", re.I)


@dataclass
class Matchers:
    """The catalog's recognition data as lookups."""

    charts: dict[str, str] = field(default_factory=dict)
    images: list[tuple[str, str]] = field(default_factory=list)  # (image repo, tool)
    # the same, by the repository's last path segment: an image can only match patterns that end like it
    image_buckets: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)  # api group -> tool
    kinds: dict[str, str] = field(default_factory=dict)  # group/Kind -> tool
    repos: list[tuple[str, str]] = field(default_factory=list)
    terraform: list[tuple[str, str]] = field(default_factory=list)
    gateway_classes: dict[str, str] = field(default_factory=dict)
    secret_providers: dict[str, str] = field(default_factory=dict)
    notify_types: dict[str, str] = field(default_factory=dict)
    packages: dict[str, str] = field(default_factory=dict)
    downloads: list[tuple[str, str]] = field(default_factory=list)
    endpoints: list[tuple[str, str]] = field(default_factory=list)
    chart_bundles: dict[str, list[str]] = field(default_factory=dict)  # chart -> tools it ships switched on

    @classmethod
    def of(cls, catalog: RoleCatalog) -> Matchers:
        m = cls()
        for t in catalog.tools:
            for c in t.charts:
                m.charts.setdefault(c.lower(), t.slug)
            m.images += [(i.lower().strip("/"), t.slug) for i in t.images]
            for crd in t.crds:
                if "/" in crd:
                    m.kinds.setdefault(crd.lower(), t.slug)
                else:
                    m.groups.setdefault(crd.lower(), t.slug)
            m.repos += [(r.lower(), t.slug) for r in t.repos]
            m.terraform += [(s.lower(), t.slug) for s in t.terraform]
            for g in t.gateway_classes:
                m.gateway_classes.setdefault(g.lower(), t.slug)
            for p in t.secret_providers:
                m.secret_providers.setdefault(p.lower(), t.slug)
            for n in t.notify_types:
                m.notify_types.setdefault(n.lower(), t.slug)
            for p in t.packages:
                m.packages.setdefault(p.lower(), t.slug)
            m.downloads += [(d.lower(), t.slug) for d in t.downloads]
            m.endpoints += [(e.lower(), t.slug) for e in t.endpoints]
            for chart, tools in t.chart_bundles.items():
                m.chart_bundles.setdefault(chart.lower(), []).extend(tools)
        for service in catalog.cloud_only:  # a hosted service the repo's config links to
            m.endpoints += [(e.lower(), service.slug) for e in service.endpoints]
        m.images.sort(key=lambda x: -len(x[0]))  # the most specific repository wins
        for pattern, tool in m.images:
            m.image_buckets.setdefault(pattern.rsplit("/", 1)[-1], []).append((pattern, tool))
        return m

    def image(self, ref: str) -> str | None:
        repo = image_repository(ref)
        for pattern, tool in self.image_buckets.get(repo.rsplit("/", 1)[-1], ()):
            if repo == pattern or repo.endswith("/" + pattern):
                return tool
        return None

    def url(self, value: str) -> str | None:
        low = value.lower()
        return next((tool for pattern, tool in self.repos if pattern in low), None)

    def package(self, name: str) -> str | None:
        """`dnf-automatic`, `dnsmasq=2.90-r0`, `dnf-automatic.timer` -> the catalog tool packaged under that name."""
        name = re.split(r"[=<>~]", name.strip().lower(), maxsplit=1)[0]
        name = re.sub(r"\.(?:service|timer|socket)$", "", name)
        return self.packages.get(name)

    def links(self, text: str) -> Iterator[tuple[str, str]]:
        """(tool, url) for each URL in the text that downloads a tool or reaches its hosted service."""
        if not (self.downloads or self.endpoints) or "://" not in text:
            return
        for m in URL.finditer(text):
            url, host = m.group(0).lower(), m.group(1).lower()
            tool = next((t for d, t in self.downloads if d in url), None) or next(
                (t for e, t in self.endpoints if host == e or host.endswith("." + e)), None
            )
            if tool:
                yield tool, m.group(0)
