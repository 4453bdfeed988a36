"""The operator's own decisions beat inference: add, exclude or pin tools, record "X instead of Y", accept cloud
services. A YAML file: `stack_overrides` in settings/assistant.toml, else `assistant-stack.yaml` at the repo root."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from assistant.errors import InputError
from assistant.inputs.safe_yaml import load_document
from assistant.stack.catalog import RoleCatalog
from assistant.stack.inventory import Decision, Evidence, Inventory, InventoryEntry, entry_for

OVERRIDES_NAME = "assistant-stack.yaml"


class AddedTool(BaseModel):
    tool: str
    name: str | None = None  # needed only for a tool the catalog does not know
    roles: list[str] = Field(default_factory=list)
    where: str | None = None  # `path:line` or a note


class Overrides(BaseModel):
    version: int = 1
    add: list[AddedTool] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    pin: dict[str, str] = Field(default_factory=dict)  # role -> the one tool named for it
    decisions: list[Decision] = Field(default_factory=list)
    accept_cloud: list[str] = Field(default_factory=list)


def load_overrides(path: Path) -> Overrides:
    try:
        data = load_document(path.read_text(encoding="utf-8")) or {}
        return Overrides.model_validate(data)
    except FileNotFoundError:
        raise InputError(f"stack overrides not found: {path}") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise InputError(f"stack overrides {path} are invalid: {str(exc).splitlines()[0]}") from None


def _evidence(where: str | None, path: Path) -> list[Evidence]:
    if not where:
        return [Evidence(path=path.name, line=1, how="declared in the stack overrides")]
    file, _, line = where.rpartition(":")
    if file and line.isdigit():
        return [Evidence(path=file, line=int(line), how="declared in the stack overrides")]
    return [Evidence(path=path.name, line=1, how=where)]


def apply_overrides(inv: Inventory, ov: Overrides, catalog: RoleCatalog, path: Path) -> Inventory:
    entries = {e.tool: e for e in inv.entries if e.tool not in set(ov.exclude)}
    wanted = list(ov.add) + [AddedTool(tool=d.use) for d in ov.decisions if d.use not in entries]
    for add in wanted:
        if add.tool in entries or add.tool in ov.exclude:
            continue
        tool = catalog.tool(add.tool)
        evidence = _evidence(add.where, path)
        if tool is not None:
            entry = entry_for(tool, evidence, "override")
            if add.roles:
                entry.roles = list(add.roles)
        elif add.name and add.roles:
            entry = InventoryEntry(
                tool=add.tool, name=add.name, roles=add.roles, evidence=evidence, evidence_count=1, origin="override"
            )
        else:
            raise InputError(
                f"stack overrides {path}: `{add.tool}` is not in the role catalog; give it a name and roles"
            )
        entries[add.tool] = entry
    for role, pinned in ov.pin.items():
        for e in entries.values():
            if e.tool != pinned and role in e.roles:
                e.roles = [r for r in e.roles if r != role]
    kept = [e for e in entries.values() if e.roles]
    return Inventory(  # a new object: the inventory caches its lookups
        repo=inv.repo,
        entries=sorted(kept, key=lambda e: e.tool),
        decisions=[*inv.decisions, *ov.decisions],
        accepted_cloud=sorted({*inv.accepted_cloud, *ov.accept_cloud}),
        kinds=inv.kinds,
        files_scanned=inv.files_scanned,
        notes=inv.notes,
    )


def with_overrides(inv: Inventory, catalog: RoleCatalog, configured: Path | None) -> Inventory:
    """The inventory with the operator's overrides: the configured file, else `assistant-stack.yaml` in the repo."""
    path = configured
    if path is None and inv.repo and (Path(inv.repo) / OVERRIDES_NAME).is_file():
        path = Path(inv.repo) / OVERRIDES_NAME
    return apply_overrides(inv, load_overrides(path), catalog, path) if path is not None else inv
