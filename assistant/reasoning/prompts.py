"""Prompts live in prompts/ as Jinja files with a version line; rendered with StrictUndefined."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined


@lru_cache(maxsize=4)
def _env(folder: str) -> Environment:
    return Environment(
        loader=FileSystemLoader(folder), undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    )


def render(folder: Path, name: str, **values: object) -> str:
    return _env(str(folder)).get_template(name).render(**values)


def version(folder: Path, name: str) -> str:
    m = re.search(r"version:\s*([\w.-]+)", (folder / name).read_text(encoding="utf-8"))
    return m.group(1) if m else "unversioned"
