"""unpinned-version: a HelmRelease with no pinned chart version (kind HelmRelease), and an image the PR adds that
runs `latest` or no tag (any document: pod specs and Helm values image blocks)."""

from __future__ import annotations

import re
from typing import Any

from assistant.checks.context import TEMPLATED, Context, finding, get, line_of
from assistant.inputs.manifests import Document, walk
from assistant.models import Finding
from assistant.stack.view import Stack


def chart_version(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
    version = get(doc.data, "spec", "chart", "spec", "version")
    if not get(doc.data, "spec", "chart", "spec", "chart") or (
        version is not None and not re.search(r"[*x]|>=|latest", str(version))
    ):
        return []
    return [
        finding(
            "unpinned-version",
            f"chart:{doc.name}",
            f"HelmRelease {doc.name} does not pin its chart version ({version}).",
            ctx.location(doc, doc.key_line("spec", "chart")),
        )
    ]


def images(ctx: Context, doc: Document, stack: Stack) -> list[Finding]:
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
            if tag is None or str(tag).strip() == "":
                continue  # a chart's values with no tag (or `tag: ""`) run the chart's appVersion: the chart pins it
        if not image:
            continue
        at = (*trail, "tag") if isinstance(value, dict) and "tag" in value else trail
        line = line_of(doc, at)
        if not ctx.adds(doc, line):
            continue  # an image the PR does not touch is the repo's, not this change's
        if (tag is None or str(tag).strip() in ("", "latest")) and not TEMPLATED.search(f"{image}{tag or ''}"):
            out.append(
                finding(
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
