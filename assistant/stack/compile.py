"""Compile the open datasets about homelab tools (awesome-selfhosted, the CNCF landscape) into the catalog file the
product ships (`knowledge/catalog.compiled.json`), with the project's role table deciding each tool's roles.

Run by `make catalog` (`python -m assistant.stack.compile ../shared/data`); the product itself only reads the compiled
file. Names, tags, categories and URLs are kept; descriptions (prose written by others) are not."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from assistant.stack.catalog import slugify, source_repo

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
FAMILY = "family"
_BY_AUTHOR = re.compile(r"\s+by\s+\S+$", re.I)
CNCF_SKIPPED_HOSTS = ("crunchbase.com",)


class CompiledTool(BaseModel):
    slug: str
    name: str
    roles: list[str]
    common_name: bool = False  # a one-word name that is a common English word: named in prose only mid-sentence
    source: str = ""  # `github.com/org/repo`, lower-case, when the dataset names a source repository
    website: str = ""
    tags: list[str] = Field(default_factory=list)  # the dataset's tags or `category / subcategory`
    origin: str  # awesome-selfhosted | cncf-landscape


class CompiledRole(BaseModel):
    id: str
    name: str
    family: bool = True


class CompiledCatalog(BaseModel):
    version: int = 1
    attribution: dict[str, str]
    roles: list[CompiledRole]
    # each role's tag and category names in the datasets: words an operator may use for the need it fills
    role_words: dict[str, list[str]] = Field(default_factory=dict)
    tools: list[CompiledTool]


class RoleTable(BaseModel):
    version: int = 1
    awesome_selfhosted: dict[str, str]
    cncf_landscape: dict[str, str]


COMMON_ZIPF = 3.0  # Zipf frequency (wordfreq, English): "keep" 5.7, "ghost" 4.4, "rook" 3.1; "mealie" 1.4


def is_common_word(name: str) -> bool:
    """A one-word name that English prose uses as a word (build time only: `make catalog` installs wordfreq)."""
    from wordfreq import zipf_frequency

    return bool(re.fullmatch(r"[A-Za-z]+", name)) and zipf_frequency(name.lower(), "en") >= COMMON_ZIPF


def _role_for(mapped: str, label: str, families: dict[str, CompiledRole]) -> str:
    if mapped != FAMILY:
        return mapped
    role_id = f"family-{slugify(label.split(' / ')[-1])}"
    families.setdefault(role_id, CompiledRole(id=role_id, name=label.split(" / ")[-1]))
    return role_id


def _snapshot(folder: Path) -> str:
    path = folder / "SNAPSHOT"
    return path.read_text(encoding="utf-8").strip().removeprefix("snapshot:").strip() if path.exists() else "unknown"


def _awesome_selfhosted(folder: Path, table: RoleTable, families: dict[str, CompiledRole]) -> list[CompiledTool]:
    out = []
    for path in sorted((folder / "software").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict) or not data.get("name") or data.get("archived"):
            continue
        tags = [t for t in data.get("tags") or [] if isinstance(t, str)]
        roles = [_role_for(table.awesome_selfhosted[t], t, families) for t in tags if t in table.awesome_selfhosted]
        if not roles:
            continue
        roles = roles[:1]  # the first tag is the app's job: Glance is a start page that also shows feeds
        name = _BY_AUTHOR.sub("", str(data["name"]))  # "Homepage by gethomepage": the tool is Homepage
        out.append(
            CompiledTool(
                slug=slugify(name),
                name=name,
                roles=list(dict.fromkeys(roles)),
                source=source_repo(str(data.get("source_code_url") or "")),
                website=str(data.get("website_url") or ""),
                tags=tags,
                origin="awesome-selfhosted",
            )
        )
    return out


def _cncf(path: Path, table: RoleTable, families: dict[str, CompiledRole]) -> list[CompiledTool]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for category in data.get("landscape") or []:
        for sub in category.get("subcategories") or []:
            label = f"{category.get('name')} / {sub.get('name')}"
            if label not in table.cncf_landscape:
                continue
            for item in sub.get("items") or []:
                repo = source_repo(str(item.get("repo_url") or ""))
                if not item.get("name") or not repo:
                    continue  # a vendor, hosted service or member, not a project one can run
                out.append(
                    CompiledTool(
                        slug=slugify(str(item["name"])),
                        name=str(item["name"]),
                        roles=[_role_for(table.cncf_landscape[label], label, families)],
                        source=repo,
                        website=str(item.get("homepage_url") or ""),
                        tags=[label],
                        origin="cncf-landscape",
                    )
                )
    return out


def compile_catalog(data_dir: Path, table_path: Path) -> CompiledCatalog:
    table = RoleTable.model_validate(yaml.safe_load(table_path.read_text(encoding="utf-8")))
    families: dict[str, CompiledRole] = {}
    tools: dict[str, CompiledTool] = {}
    seen_sources: dict[str, str] = {}
    for tool in _cncf(data_dir / "cncf-landscape" / "landscape.yml", table, families) + _awesome_selfhosted(
        data_dir / "awesome-selfhosted", table, families
    ):
        known = tools.get(tool.slug) or (tools.get(seen_sources[tool.source]) if tool.source in seen_sources else None)
        if known is not None:  # the same project twice (two subcategories, or both datasets): one entry, all roles
            known.roles = list(dict.fromkeys([*known.roles, *tool.roles]))
            known.tags = list(dict.fromkeys([*known.tags, *tool.tags]))
            continue
        tools[tool.slug] = tool
        if tool.source:
            seen_sources[tool.source] = tool.slug
    for tool in tools.values():  # a role beats a family: Harbor is a registry, not "some CI/CD tool"
        if any(not r.startswith("family-") for r in tool.roles):
            tool.roles = [r for r in tool.roles if not r.startswith("family-")]
    for tool in tools.values():
        tool.common_name = is_common_word(tool.name)
    used = {r for t in tools.values() for r in t.roles}
    return CompiledCatalog(
        attribution={
            "awesome-selfhosted": "Entries with origin awesome-selfhosted are derived from awesome-selfhosted-data "
            "(https://github.com/awesome-selfhosted/awesome-selfhosted-data) by its AUTHORS, licensed CC-BY-SA 3.0; "
            "this file is distributed under CC-BY-SA 3.0 as a derived work. Snapshot: "
            + _snapshot(data_dir / "awesome-selfhosted"),
            "cncf-landscape": "Entries with origin cncf-landscape are derived from the CNCF landscape "
            "(https://github.com/cncf/landscape), licensed Apache-2.0. Snapshot: "
            + _snapshot(data_dir / "cncf-landscape"),
            "kept": "names, tags, categories and URLs only; no descriptions",
        },
        roles=sorted((r for r in families.values() if r.id in used), key=lambda r: r.id),
        role_words=_role_words(table),
        tools=sorted(tools.values(), key=lambda t: t.slug),
    )


def _role_words(table: RoleTable) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for label, role in [*table.awesome_selfhosted.items(), *table.cncf_landscape.items()]:
        if role != FAMILY:
            out.setdefault(role, []).append(label.split(" / ")[-1])
    return dict(sorted(out.items()))


def write(catalog: CompiledCatalog, out: Path) -> None:
    payload: dict[str, Any] = catalog.model_dump(exclude_defaults=False)
    for tool in payload["tools"]:  # keep the file small: drop empty fields
        for key in ("source", "website", "tags", "common_name"):
            if not tool[key]:
                del tool[key]
    tools = payload.pop("tools")
    head = json.dumps(payload, ensure_ascii=False, indent=1)[:-2]  # one tool a line: a rebuild diffs by tool
    lines = ",\n".join(json.dumps(t, ensure_ascii=False, separators=(",", ":")) for t in tools)
    out.write_text(f'{head},\n "tools": [\n{lines}\n ]\n}}\n', "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("data_dir", type=Path, help="folder holding awesome-selfhosted/ and cncf-landscape/")
    parser.add_argument("--table", type=Path, default=KNOWLEDGE / "role_table.yaml")
    parser.add_argument("--out", type=Path, default=KNOWLEDGE / "catalog.compiled.json")
    args = parser.parse_args(argv)
    if not (args.data_dir / "awesome-selfhosted").is_dir() or not (args.data_dir / "cncf-landscape").is_dir():
        print(f"catalog: {args.data_dir} holds no awesome-selfhosted/ and cncf-landscape/", file=sys.stderr)
        return 2
    catalog = compile_catalog(args.data_dir, args.table)
    write(catalog, args.out)
    size = args.out.stat().st_size
    print(f"catalog: {len(catalog.tools)} tools, {len(catalog.roles)} families, {size / 1e6:.2f} MB -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
