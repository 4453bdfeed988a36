"""Prompts live in prompts/ as Jinja files with a version line; rendered with StrictUndefined.

Every LLM request is a rendered prompt, so `render` is where requests pass the redaction boundary: whatever the
values hold (a proposal, a diff, retrieved repo chunks, a question), no secret value leaves in a prompt."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from assistant.redaction import redact_text


@lru_cache(maxsize=4)
def _env(folder: str) -> Environment:
    return Environment(
        loader=FileSystemLoader(folder), undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    )


def render(folder: Path, name: str, **values: object) -> str:
    """The prompt, redacted (see the module docstring)."""
    return redact_text(_env(str(folder)).get_template(name).render(**values))


def version(folder: Path, name: str) -> str:
    m = re.search(r"version:\s*([\w.-]+)", (folder / name).read_text(encoding="utf-8"))
    return m.group(1) if m else "unversioned"
