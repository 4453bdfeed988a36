"""no-observability from values: a chart's ServiceMonitor or PodMonitor switched off where nothing else scrapes the
release (any values block, app-template's named monitors included)."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.checks.context import YAML, Context, finding, line_of
from assistant.inputs.manifests import Document, walk
from assistant.models import Finding
from assistant.stack.view import Stack

OBSERVABILITY_KINDS = {"ServiceMonitor", "PodMonitor", "PrometheusRule", "Probe"}
MONITOR_KEYS = {"servicemonitor", "podmonitor"}


def monitoring_switched_off(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
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
        line = line_of(doc, at)
        if not off or not ctx.adds(doc, line):
            continue
        release = doc.name or Path(doc.path).stem
        if monitored_elsewhere(ctx, doc, release):
            continue
        out.append(
            finding(
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


def monitored_elsewhere(ctx: Context, doc: Document, release: str) -> bool:
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
