"""Stack awareness on the two real homelabs of the corpus, against ground truth written by hand before the
discoverer ran (evals/stack/): inventory recall and precision, overlap with the right incumbent on the labelled
proposals, no false overlap, and no tool named that the repo does not run."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.evaluation.stack_eval import (
    OverlapScore,
    Truth,
    TruthTool,
    load_stack_cases,
    load_truth,
    score_inventory,
    score_overlaps,
)
from assistant.knowledge_base.knowledge import Knowledge
from assistant.stack.catalog import load_catalog
from assistant.stack.inventory import UNCLASSIFIED, Inventory, InventoryEntry
from assistant.stack.store import catalog_digest, discover
from tests.conftest import CORPUS, PROJECT

REPOS = ["homelab", "khuedoan-homelab", "billimek-k8s-gitops", "christianlempa-homelab", "xunholy-k8s-gitops"]
# The targets are recall/precision >= 0.95, overlap recall >= 0.95, no false overlap and no foreign tool;
# the last two are held at 0 on every set. The floors are what the discoverer reaches on the hand-written ground
# truth (measured 0.968/1.0/0.952 on homelab, 1.0/1.0/1.0 on khuedoan-homelab): a change that falls below them is a
# regression. Missed on purpose: homelab's UniFi DNS (its HCL is not in the snapshot, only prose names it).
# Replacement wording ("Talos instead of Fedora + k3s", "migrate from Gitea to Forgejo", "replace X with Y") reads
# as adding the new tool since checks/predicates.py learnt it.
FLOORS = {
    "homelab": {"recall": 0.96, "precision": 1.0, "overlap": 0.95},
    "khuedoan-homelab": {"recall": 1.0, "precision": 1.0, "overlap": 1.0},
    # Issue #19's three new repos, truth written and committed before any code ran on them (evals/stack/). First runs
    # of the compiled catalog: billimek 0.470/0.975, christianlempa 0.550/0.957; after the deployed-unit, liveness and
    # hand add-on changes tuned on those two: the floors below. xunholy was the held-out check: blind 0.866/0.652
    # for the inventory and 0.75 overlap recall (two need wordings missed), then the liveness and source rules and
    # the two need phrasings were learnt from it, so its floors are no longer blind. Session 15 (not blind): a unit's
    # main image the catalog lacks, hosted alert receivers, exporters a parent chart switches on, task files, and Flux
    # sync paths with no kustomization file; a Terraform VM's own description (TrueNAS, Active Directory); the truths'
    # own game-server exclusions are honoured (`excluded`).
    # Hosted services the config links to (UptimeRobot) count as relied on. The target (recall >= 0.9 at
    # precision >= 0.95) is met on every repo; billimek's misses are SaaS without a config link (GitHub, 1Password),
    # services outside the cluster (a NAS's Garage, OPNsense's Unbound), CLIs (minijinja, flate, claude-code) and a
    # stack's bundled Alertmanager.
    "billimek-k8s-gitops": {"recall": 0.9, "precision": 0.96, "overlap": 1.0},
    "christianlempa-homelab": {"recall": 0.95, "precision": 1.0, "overlap": 1.0},
    "xunholy-k8s-gitops": {"recall": 0.92, "precision": 0.96, "overlap": 1.0},
}
# Blind set 2 (evals/stack/<repo>.proposals-blind2.yaml), labelled and committed before the discovery changes it
# measures: first measured 1.0 and 0.9. khuedoan's one miss ("Migrate from Gitea to Forgejo") led to the
# replacement-wording rule, so that case is no longer blind: 1.0 now.
BLIND_FLOORS = {"homelab": 1.0, "khuedoan-homelab": 1.0}


def _inventory(name: str) -> tuple[Path, Inventory]:
    repo = CORPUS.parent / name / "repo"
    if not repo.is_dir():
        pytest.skip(f"the shared corpus is not at {repo} (it is beside the checkout in dev and CI)")
    path = Settings().catalog_path
    return repo, discover(repo, load_catalog(path), catalog_digest(path))[0].inventory


@pytest.mark.corpus
@pytest.mark.parametrize("name", REPOS)
def test_inventory_matches_the_hand_written_truth(name: str) -> None:
    _, inventory = _inventory(name)
    truth = load_truth(PROJECT / f"evals/stack/{name}.inventory.yaml")
    score = score_inventory(inventory, truth, load_catalog(Settings().catalog_path))
    assert score.recall >= FLOORS[name]["recall"], f"missed {score.missed}"
    assert score.precision >= FLOORS[name]["precision"], f"not in the truth: {score.extra}"


def _overlaps(name: str, cases_file: str, tmp_path: Path) -> tuple[OverlapScore, int]:
    repo, inventory = _inventory(name)
    settings = Settings(index_dir=tmp_path / "none", repo=repo, llm="off")
    cases = load_stack_cases(PROJECT / f"evals/stack/{name}.{cases_file}.yaml")
    return score_overlaps(cases, Knowledge(settings, inventory=inventory), settings), len(cases.cases)


def _check(score: OverlapScore, overlap: float) -> None:
    failed = [(o.id, o.expected, o.named) for o in score.cases if not o.passed]
    assert score.overlap_recall >= overlap, failed
    assert score.false_overlap == 0, failed
    assert score.foreign_mentions == 0, [(o.id, o.foreign) for o in score.cases if o.foreign]


@pytest.mark.corpus
@pytest.mark.parametrize("name", REPOS)
def test_overlaps_name_the_right_incumbent_and_nothing_the_repo_does_not_run(name: str, tmp_path: Path) -> None:
    score, n = _overlaps(name, "proposals", tmp_path)
    assert n >= (25 if name in BLIND_FLOORS else 12)
    _check(score, FLOORS[name]["overlap"])


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(BLIND_FLOORS))
def test_the_blind_proposals_hold_too(name: str, tmp_path: Path) -> None:
    score, n = _overlaps(name, "proposals-blind2", tmp_path)
    assert n >= 10
    _check(score, BLIND_FLOORS[name])


def test_the_inventory_score_counts_aliases_and_skips_what_the_truth_excluded() -> None:
    def entry(tool: str, aliases: list[str] | None = None) -> InventoryEntry:
        return InventoryEntry(tool=tool, name=tool, roles=[UNCLASSIFIED], aliases=aliases or [])

    inventory = Inventory(entries=[entry("zwave2mqtt", ["zwave-js-ui"]), entry("minecraft", ["minecraft-server"])])
    inventory.entries.append(entry("stray"))
    truth = Truth(repo="x", tools=[TruthTool(tool="zwave-js-ui"), TruthTool(tool="ser2net")])
    catalog = load_catalog(Settings().catalog_path)
    score = score_inventory(inventory, truth, catalog)
    assert (score.recall, score.missed, sorted(score.extra)) == (0.5, ["ser2net"], ["minecraft", "stray"])
    truth.excluded = ["minecraft-server"]  # the truth left game servers out on purpose
    score = score_inventory(inventory, truth, catalog)
    assert (score.precision, score.extra) == (0.5, ["stray"])
