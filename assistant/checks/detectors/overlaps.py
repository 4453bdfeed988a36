"""overlap: a chart, image or repository the PR adds whose tool fills a role the repo already fills (over the
whole review), and a chart value that switches on a bundled subchart of a tool the repo already runs."""

from __future__ import annotations

from assistant.checks.context import Context, finding, line_of
from assistant.inputs.manifests import Document, walk
from assistant.inputs.repo_files import RepoFile
from assistant.models import Finding
from assistant.stack.discovery import Discoverer
from assistant.stack.inventory import InventoryEntry
from assistant.stack.view import Stack
from assistant.stack.yaml_facts import is_client


def incumbents_of(stack: Stack, tool: str, changed: set[str]) -> list[InventoryEntry]:
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


def overlap_finding(
    ctx: Context, doc: Document, line: int | None, tool: str, how: str, incumbents: list[InventoryEntry], stack: Stack
) -> Finding:
    name = stack.catalog.by_slug[tool].name
    role = next(r for r in stack.catalog.by_slug[tool].roles if any(r in e.roles for e in incumbents))
    return finding(
        "overlap",
        f"{incumbents[0].tool}:{tool}",
        f"{how[0].upper()}{how[1:]} adds {name} ({stack.role_label(role)}); this repo already runs "
        f"{'; '.join(e.label() for e in incumbents)}.",
        ctx.at(doc, line),
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
            incumbents = incumbents_of(stack, sig.tool, changed)
            if incumbents:
                doc = Document(f.path, None, sig.evidence.line)
                out.append(overlap_finding(ctx, doc, sig.evidence.line, sig.tool, sig.evidence.how, incumbents, stack))
    return out


# Chart keys under which `<tool>: {enabled: true}` publishes to a tool the repo runs, rather than deploying one
_PUBLISHING = {"dashboards", "dashboard", "grafanadashboard", "grafanadashboards", "metrics", "servicemonitor",
               "prometheusrule", "rules", "alerts", "datasources", "integrations", "exporters"}  # fmt: skip


def bundled_subcharts(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    """A chart value `<tool>: {enabled: true}` switching on the chart's own database, store or broker where this repo
    already runs one in that role. Monitoring hooks and routes name no tool, so they never match."""
    out: list[Finding] = []
    changed = {f.path for f in ctx.pr.files}
    for trail, value in walk(doc.data):
        if not (isinstance(value, dict) and value.get("enabled") is True and trail) or is_client(value):
            continue
        key = trail[-1].lower()
        line = line_of(doc, (*trail, "enabled"))
        if not ctx.adds(doc, line) or any(t.lower() in _PUBLISHING for t in trail[:-1]):
            continue  # switched on before this change, or a flag that publishes dashboards/rules to the tool
        tool = next((t for t, p in stack.prose_tools if key in t.charts or p.fullmatch(key)), None)
        if tool is None:
            continue
        incumbents = incumbents_of(stack, tool.slug, changed) or (
            [e] if (e := stack.inventory.entry(tool.slug)) and any(ev.path not in changed for ev in e.evidence) else []
        )
        if incumbents:
            out.append(
                finding(
                    "overlap",
                    f"{incumbents[0].tool}:subchart-{key}",
                    f"The chart's bundled {tool.name} is switched on; this repo already runs "
                    f"{'; '.join(e.label() for e in incumbents)}.",
                    ctx.location(doc, line),
                    component=incumbents[0].tool,
                    suggestion=f"Disable the subchart and point the app at {' or '.join(e.name for e in incumbents)}.",
                )
            )
    return out
