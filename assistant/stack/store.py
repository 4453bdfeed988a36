"""Run discovery over a repo and keep it beside the index (`inventory.json`), incrementally: a file's signals are
reused while its digest is unchanged. The inventory a review uses is this, with the operator's overrides applied."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from assistant.inputs.repo_files import RepoFile, digest, walk_repo
from assistant.stack.catalog import RoleCatalog, compiled_path
from assistant.stack.discovery import Discoverer, list_paths
from assistant.stack.inventory import INVENTORY_VERSION, Inventory, Signal, aggregate
from assistant.stack.liveness import disabled_folders, is_disabled

INVENTORY_FILE = "inventory.json"


class FileSignals(BaseModel):
    digest: str
    signals: list[Signal] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)


class InventoryCache(BaseModel):
    version: int = INVENTORY_VERSION
    catalog: str = ""  # digest of the role catalog the signals were read with
    repo: str | None = None
    files: dict[str, FileSignals] = Field(default_factory=dict)
    inventory: Inventory = Field(default_factory=Inventory)


class DiscoveryReport(BaseModel):
    files_read: int = 0
    files_reused: int = 0
    seconds: float = 0.0


def discover(
    root: Path,
    catalog: RoleCatalog,
    catalog_digest: str,
    files: list[RepoFile] | None = None,
    cache: InventoryCache | None = None,
) -> tuple[InventoryCache, DiscoveryReport]:
    started = time.perf_counter()
    report = DiscoveryReport()
    files = walk_repo(root).files if files is None else files
    usable = cache is not None and cache.version == INVENTORY_VERSION and cache.catalog == catalog_digest
    old = cache.files if cache is not None and usable else {}
    finder = Discoverer(catalog)
    per_file: dict[str, FileSignals] = {}
    for f in files:
        prev = old.get(f.path)
        if prev is not None and prev.digest == f.digest:
            per_file[f.path] = prev
            report.files_reused += 1
            continue
        found, declared = finder.scan(f)
        per_file[f.path] = FileSignals(digest=f.digest, signals=found, kinds=declared)
        report.files_read += 1
    switched_off = disabled_folders(files)
    paths = [p for p in list_paths(root) if not is_disabled(p, switched_off)]
    signals = [s for fs in per_file.values() for s in fs.signals] + finder.marker_signals(root, paths)
    signals = [s for s in signals if not is_disabled(s.evidence.path, switched_off)]
    kinds = Counter(k for fs in per_file.values() for k in fs.kinds)
    entries = aggregate(signals, catalog, kinds)
    finder.conditional_roles(root, paths, entries)
    inventory = Inventory(
        repo=str(root.resolve()),
        entries=entries,
        kinds=dict(sorted(kinds.items())),
        files_scanned=len(files),
    )
    if inventory.empty:
        inventory.notes.append("no deployed tools found; overlaps are off")
    report.seconds = time.perf_counter() - started
    cache_out = InventoryCache(catalog=catalog_digest, repo=inventory.repo, files=per_file, inventory=inventory)
    return cache_out, report


def catalog_digest(path: Path) -> str:
    """Both catalog files: a rebuilt compiled catalog re-discovers the stack as an edited hand-written one does."""
    compiled = compiled_path(path)
    extra = compiled.read_text(encoding="utf-8") if compiled.exists() else ""
    return digest(path.read_text(encoding="utf-8") + "\0" + extra)


def load_cache(index_dir: Path) -> InventoryCache | None:
    path = index_dir / INVENTORY_FILE
    try:
        return InventoryCache.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError, json.JSONDecodeError, ValueError):
        return None


def save_cache(index_dir: Path, cache: InventoryCache) -> None:
    """Atomically: a reader never sees half an inventory."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".inventory-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(cache.model_dump_json())
    os.replace(tmp, index_dir / INVENTORY_FILE)
