"""cloud-only: any value that points at a managed cloud service (RDS, ElastiCache, Datadog…)."""

from __future__ import annotations

import re

from assistant.checks.context import Context, finding, line_of
from assistant.inputs.manifests import Document, walk
from assistant.models import Finding
from assistant.stack.view import Stack

CLOUD_HOSTS = re.compile(
    r"\b[\w.-]*(?:rds\.amazonaws\.com|cache\.amazonaws\.com|dynamodb\.[\w-]+\.amazonaws\.com|"
    r"datadoghq\.(?:com|eu)|newrelic\.com|grafana\.net|logs\.[\w-]+\.amazonaws\.com)\b",
    re.I,
)


def cloud_hosts(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    label = f"{doc.kind or 'values'} {doc.name}".strip()
    out = []
    for trail, value in walk(doc.data):
        if isinstance(value, str) and (host := CLOUD_HOSTS.search(value)):
            out.append(
                finding(
                    "cloud-only",
                    f"{doc.path}:{host.group(0)}",
                    f"{label} points at a cloud-only service ({value}).",
                    ctx.location(doc, line_of(doc, trail)),
                )
            )
    return out
