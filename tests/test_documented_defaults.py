"""The README and docs/configuration.md say the same defaults as the code (#23: "the README and the code agree on
every default"). Each table row that names `ASSISTANT_*` settings with plain defaults ("40 s", "1, 1500, 0.0",
`gpt-4o-mini`) is compared, setting by setting, with `Settings`' own default; rows whose default is prose ("the
shipped `knowledge/`") are named in PROSE and skipped on purpose."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.config import Settings
from tests.conftest import PROJECT

PROSE = {"repo", "framework_path", "catalog_path", "stack_overrides", "prompts_dir", "embed_cache_dir"}
_ROW = re.compile(r"^\| (`[A-Z_]+`(?:(?:, | / )`[A-Z_]+`)*) \| ([^|]+) \|", re.M)


def documented(path: Path) -> dict[str, str]:
    """setting field -> the default the document gives for it."""
    out: dict[str, str] = {}
    for names, defaults in _ROW.findall(path.read_text(encoding="utf-8")):
        fields = [n.strip("`").removeprefix("ASSISTANT_").lower() for n in re.split(r", | / ", names)]
        values = [v.strip() for v in re.split(r" / |, ", defaults.strip())]
        if len(values) != len(fields):
            values = [defaults.strip()] * len(fields)
        for field, value in zip(fields, values, strict=True):
            if field in Settings.model_fields and field not in PROSE:
                out[field] = value
    return out


def as_documented(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Path):
        return f"`{value}`"
    if isinstance(value, str):
        return f"`{value}`"
    return str(value)


def mismatches(path: Path) -> dict[str, tuple[str, object]]:
    """Each documented default that is not the code's: field -> (what the document says, the code's default)."""
    wrong: dict[str, tuple[str, object]] = {}
    for field, text in documented(path).items():
        value = Settings.model_fields[field].get_default(call_default_factory=True)
        number = re.fullmatch(r"([\d.]+)( s)?", text)
        if number and isinstance(value, int | float) and not isinstance(value, bool):
            ok = float(number.group(1)) == float(value)
        else:
            ok = text == as_documented(value) or (text == "—" and value is None)
        if not ok:
            wrong[field] = (text, value)
    return wrong


@pytest.mark.parametrize("doc", ["README.md", "docs/configuration.md"])
def test_documented_defaults_are_the_codes(doc: str) -> None:
    assert len(documented(PROJECT / doc)) >= 6  # the tables were read at all
    assert mismatches(PROJECT / doc) == {}


def test_a_wrong_default_in_a_document_is_caught(tmp_path: Path) -> None:
    doc = tmp_path / "README.md"
    doc.write_text("| `ASSISTANT_TIMEOUT`, `ASSISTANT_MODEL` | 60 s, `gpt-4o-mini` | LLM |\n", encoding="utf-8")
    assert mismatches(doc) == {"timeout": ("60 s", 40.0)}  # the README once said 60 s; the code says 40
