"""Which folders a repo has switched off, read from its own Kustomize files: a tool there is not running.

Two signs, both the operator's own:
- a `resources:` entry that is only ever commented out (`# - ../../base/ai-system/kagent/ks.yaml`);
- where the repo lists its Flux Kustomization files one by one (`- ../../base/x/ks.yaml`, five or more of one file
  name), a file of that name that no live entry lists: the app beside it was never switched on. Not where a Flux
  sync path with no kustomization file holds it: Flux applies every manifest below such a path.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter

from assistant.inputs.repo_files import RepoFile

_KUSTOMIZATIONS = {"kustomization.yaml", "kustomization.yml", "Kustomization"}
_LIST_KEYS = {"resources", "components", "bases"}
_TOP_KEY = re.compile(r"^([A-Za-z][\w-]*)\s*:")
_ENTRY = re.compile(r"^\s*(#\s*)?-\s+[\"']?([^\s\"'#]+)")
_FLUX_SYNC = re.compile(r"^kind:\s*(?:Kustomization|FluxInstance)\b", re.M)
_SYNC_PATH = re.compile(r"^\s+path:\s*[\"']?\.?/?([^\s\"'#]*)", re.M)
_SYNC_BLOCK = re.compile(r"^([ \t]*)sync:[ \t]*\n((?:\1[ \t]+\S.*\n?)+)", re.M)
LISTED_ONE_BY_ONE = 5  # live entries naming files of one name before an unlisted one counts as switched off


def _entries(f: RepoFile) -> tuple[set[str], set[str]]:
    """Repo paths a kustomization lists in live lines and in commented-out lines."""
    live: set[str] = set()
    commented: set[str] = set()
    base = posixpath.dirname(f.path)
    section = ""
    for line in f.text.splitlines():
        top = _TOP_KEY.match(line)
        if top:
            section = top.group(1)
            continue
        m = _ENTRY.match(line)
        if section not in _LIST_KEYS or not m or "://" in m.group(2):
            continue
        target = posixpath.normpath(posixpath.join(base, m.group(2)))
        if target.startswith(".."):
            continue
        (commented if m.group(1) else live).add(target)
    return live, commented


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + "/")


def _covers(folder: str, live: dict[str, set[str]]) -> bool:
    """A live entry of a kustomization outside the folder lands on it or inside it (the folder's own
    kustomizations, listing its own files, do not switch it on)."""
    return any(_inside(t, folder) and any(not _inside(src, folder) for src in sources) for t, sources in live.items())


def disabled_folders(files: list[RepoFile]) -> set[str]:
    live: dict[str, set[str]] = {}
    commented: set[str] = set()
    for f in files:
        if f.path.rsplit("/", 1)[-1] in _KUSTOMIZATIONS:
            on, off = _entries(f)
            for target in on:
                live.setdefault(target, set()).add(posixpath.dirname(f.path))
            commented |= off
    out: set[str] = set()
    for target in commented - live.keys():
        folder = posixpath.dirname(target) if posixpath.splitext(target)[1] else target
        if folder and not _covers(folder, live):
            out.add(folder)
    governed = {posixpath.dirname(f.path) for f in files if posixpath.basename(f.path) in _KUSTOMIZATIONS}
    folders = {posixpath.dirname(f.path) for f in files}
    for folder in list(folders):
        while folder := posixpath.dirname(folder):
            folders.add(folder)
    roots = _sync_roots(files, folders)
    listed = Counter(posixpath.basename(t) for t in live if posixpath.splitext(t)[1] in (".yaml", ".yml"))
    one_by_one = {name for name, n in listed.items() if n >= LISTED_ONE_BY_ONE and name not in _KUSTOMIZATIONS}
    for f in files:
        if posixpath.basename(f.path) in one_by_one and f.path not in live:
            folder = posixpath.dirname(f.path)
            if folder and not _covers(folder, live) and not _applied_whole(folder, roots, governed):
                out.add(folder)
    return out


def _sync_roots(files: list[RepoFile], folders: set[str]) -> set[str]:
    """Repo folders a Flux Kustomization or FluxInstance syncs (`path: ./clusters/cluster-00`): the path is relative
    to its source's root, so any folder ending with it."""
    paths = set()
    for f in files:
        if _FLUX_SYNC.search(f.text):
            paths |= {p.strip("/") for p in _SYNC_PATH.findall(f.text)}
        for block in _SYNC_BLOCK.findall(f.text):  # a FluxInstance's `sync:`, also in the flux-instance chart values
            paths |= {p.strip("/") for p in _SYNC_PATH.findall(block[1])[:1]}
    paths.discard("")
    return {d for d in folders for p in paths if d == p or d.endswith("/" + p)}


def _applied_whole(folder: str, roots: set[str], governed: set[str]) -> bool:
    """Flux applies every manifest below a synced path that has no kustomization file, listed or not: the folder
    is below such a root, with no kustomization file from the root down to it."""
    while folder:
        if folder in governed:
            return False
        if folder in roots:
            return True
        folder = posixpath.dirname(folder)
    return False


def is_disabled(path: str, folders: set[str]) -> bool:
    return any(path.startswith(folder + "/") for folder in folders)
