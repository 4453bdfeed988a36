"""Benchmarks: prints figures, asserts nothing. `python bench/bench.py` (full) or `--quick` (CI smoke).

Full: index of the shared corpus (about 600 files) and a no-change re-index, pure-embedding time for the
same chunks, search latency p50/p95 (warm), retrieval recall@1/@5 and MRR on evals/retrieval (the tuned set and
the two held-out sets), offline review latency p50/p95 (warm) and CLI wall time to a printed verdict; stack discovery
and the real PRs of both corpus repos against their hand labels; the score spread per expected verdict; the alias
bomb's refusal through the whole CLI; the first review and answer on a never-indexed repo (the example, and xunholy
when the corpus is there), searched by keyword alone."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from assistant.config import Settings  # noqa: E402
from assistant.knowledge_base.index import IndexStore  # noqa: E402
from assistant.knowledge_base.knowledge import Knowledge  # noqa: E402
from assistant.knowledge_base.records import embedding_text  # noqa: E402
from assistant.pipeline import review_text  # noqa: E402

CORPUS = PROJECT.parent / "shared" / "corpus" / "homelab" / "repo"
EXAMPLE = PROJECT / "examples" / "homelab"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def bench_index(repo: Path, work: Path) -> tuple[Settings, dict[str, float]]:
    """A full index with an empty embedding cache (every chunk embedded), a no-op re-index, and a --rebuild that
    finds every vector in that cache."""
    settings = Settings(index_dir=work / "index", llm="off", embed_cache_dir=work / "embedding-cache")
    t0 = time.perf_counter()
    report = IndexStore(settings).build(repo)
    full = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = IndexStore(settings).build(repo)
    noop = time.perf_counter() - t0
    rebuild_settings = settings.model_copy(update={"index_dir": work / "index-rebuilt"})
    t0 = time.perf_counter()
    rebuilt = IndexStore(rebuild_settings).build(repo, rebuild=True)
    cached = time.perf_counter() - t0
    store = IndexStore(settings)
    chunks = list(store.all_chunks().values())
    texts = [embedding_text(c) for c in chunks]
    t0 = time.perf_counter()
    store.embedder.embed(texts)
    pure = time.perf_counter() - t0
    return settings, {
        "files": report.files_seen,
        "chunks": report.chunks_total,
        "full_index_s": round(full, 1),
        "embed_in_index_s": round(report.embed_seconds, 1),
        "embedded_tokens": report.embed_tokens,
        "pure_embedding_s": round(pure, 1),
        "noop_reindex_s": round(noop, 2),
        "noop_reembedded_chunks": again.chunks_added,
        "rebuild_from_cache_s": round(cached, 1),
        "rebuild_embedded_chunks": rebuilt.embedded,
        "discovery_s": round(report.discovery_seconds, 2),
        "discovery_share_of_index": round(report.discovery_seconds / full, 3),
        "noop_discovery_s": round(again.discovery_seconds, 2),
        "tools_found": report.tools_found,
    }


STACK_REPOS = ("homelab", "khuedoan-homelab", "billimek-k8s-gitops", "christianlempa-homelab", "xunholy-k8s-gitops")


def _need_caught(cases: Any, overlap: Any) -> str:
    """Need-worded proposals with an incumbent whose overlap named it: `caught of all`."""
    worded = {c.id for c in cases.cases if getattr(c, "worded_as", "") == "need" and c.overlap}
    return f"{sum(o.passed for o in overlap.cases if o.id in worded)} of {len(worded)}"


def bench_stack(work: Path) -> dict[str, dict[str, float]]:
    """Per corpus repo: discovery time, inventory against the hand-written truth, overlaps on the labelled
    proposals, and offline review time with that inventory (evals/stack/<repo>.*.yaml)."""
    from assistant.evaluation.stack_eval import load_stack_cases, load_truth, score_inventory, score_overlaps
    from assistant.knowledge_base.knowledge import Knowledge
    from assistant.stack.catalog import clear_cache, load_catalog
    from assistant.stack.store import catalog_digest, discover

    out: dict[str, dict[str, float]] = {}
    for name in STACK_REPOS:
        repo = CORPUS.parent.parent / name / "repo"  # CORPUS is the homelab repo itself
        if not repo.is_dir():
            continue
        settings = Settings(index_dir=work / f"stack-{name}", repo=repo, llm="off")
        clear_cache()  # time a cold load of both catalog files
        t0 = time.perf_counter()
        catalog = load_catalog(settings.catalog_path)
        catalog_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        cache, _ = discover(repo, catalog, catalog_digest(settings.catalog_path))
        seconds = time.perf_counter() - t0
        truth = load_truth(PROJECT / f"evals/stack/{name}.inventory.yaml")
        inv_score = score_inventory(cache.inventory, truth, catalog)
        knowledge = Knowledge(settings, inventory=cache.inventory)
        cases = load_stack_cases(PROJECT / f"evals/stack/{name}.proposals.yaml")
        t0 = time.perf_counter()
        overlap = score_overlaps(cases, knowledge, settings)
        per_review = (time.perf_counter() - t0) / len(cases.cases)
        out[f"stack_{name}"] = {
            "files_scanned": cache.inventory.files_scanned,
            "catalog_load_s": round(catalog_s, 2),
            "discovery_s": round(seconds, 2),
            "tools_found": len(cache.inventory.entries),
            "inventory_recall": round(inv_score.recall, 3),
            "inventory_precision": round(inv_score.precision, 3),
            "missed": ", ".join(inv_score.missed) or "none",  # type: ignore[dict-item]
            "extra": ", ".join(inv_score.extra) or "none",  # type: ignore[dict-item]
            "proposals": len(cases.cases),
            "overlap_recall": round(overlap.overlap_recall, 3),
            "need_worded_caught": f"{_need_caught(cases, overlap)}",  # type: ignore[dict-item]
            "false_overlaps": overlap.false_overlap,
            "foreign_tool_mentions": overlap.foreign_mentions,
            "review_mean_ms_no_index": round(per_review * 1000, 1),
        }
        blind = PROJECT / f"evals/stack/{name}.proposals-blind2.yaml"  # labelled before the changes it measures
        if blind.is_file():
            blind_score = score_overlaps(load_stack_cases(blind), knowledge, settings)
            out[f"stack_{name}"] |= {
                "blind_overlap_recall": round(blind_score.overlap_recall, 3),
                "blind_false_overlaps": blind_score.false_overlap,
                "blind_foreign_tool_mentions": blind_score.foreign_mentions,
            }
    return out


def bench_search(settings: Settings, questions: list[dict]) -> dict[str, float]:
    from assistant.evaluation.retrieval import metrics_by_style, retrieval_metrics

    k = Knowledge(settings)
    k.search("warm up", k=5)
    m = retrieval_metrics(k, questions)
    styles = {
        f"{style}_{key}": value
        for style, s in metrics_by_style(questions, m).items()
        for key, value in (("questions", s.questions), ("r1", s.recall_at_1), ("r5", s.recall_at_5), ("mrr", s.mrr))
    }
    return {
        "questions": m.questions,
        "recall_at_1": m.recall_at_1,
        "recall_at_5": m.recall_at_5,
        "mrr": m.mrr,
        **styles,
        "search_p50_ms": round(pct(m.latencies_ms, 0.5), 1),
        "search_p95_ms": round(pct(m.latencies_ms, 0.95), 1),
    }


def bench_review(settings: Settings, runs: int) -> dict[str, float]:
    k = Knowledge(settings)
    cases = [yaml.safe_load(p.read_text())["input"] for p in sorted((PROJECT / "evals/cases/proposals").glob("*.yaml"))]
    review_text(cases[0], settings, knowledge=k)
    lat: list[float] = []
    for i in range(runs):
        t0 = time.perf_counter()
        review_text(cases[i % len(cases)], settings, knowledge=k)
        lat.append((time.perf_counter() - t0) * 1000)
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(settings.index_dir), "ASSISTANT_LLM": "off"}
    proposal = PROJECT / "examples" / "proposals" / "redis-for-authentik.md"
    walls = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).parent / "assistant"), "review", "--proposal", str(proposal), "--format", "text"],
            env=env,
            capture_output=True,
            check=True,
        )
        walls.append(time.perf_counter() - t0)
    return {
        "reviews": runs,
        "review_p50_ms": round(pct(lat, 0.5), 1),
        "review_p95_ms": round(pct(lat, 0.95), 1),
        "cli_wall_s": round(statistics.median(walls), 2),
    }


def bench_prs(work: Path) -> dict[str, dict[str, float]]:
    """Each real PR of every corpus repo against its hand labels (evals/prs/), with the repo as context: false and
    missed majors, verdict accuracy, located findings, score spread per labelled verdict, and review time (warm);
    and the hand-written blind PRs (evals/prs/blind/) where a repo has them."""
    from assistant.evaluation.pr_eval import load_labels, score_mutants, score_prs, score_spread
    from assistant.stack.catalog import load_catalog
    from assistant.stack.store import catalog_digest, discover

    out: dict[str, dict[str, float]] = {}
    for name in STACK_REPOS:
        repo = CORPUS.parent.parent / name / "repo"
        if not repo.is_dir():
            continue
        settings = Settings(index_dir=work / f"prs-{name}", repo=repo, llm="off")
        inventory = discover(repo, load_catalog(settings.catalog_path), catalog_digest(settings.catalog_path))[0]
        knowledge = Knowledge(settings, inventory=inventory.inventory)
        labels = load_labels(PROJECT / f"evals/prs/{name}.labels.yaml")
        warm_up = labels.model_copy(update={"prs": labels.prs[:1]})  # one PR loads the rubric, checks and catalog
        score_prs(warm_up, repo.parent / "prs", repo, settings, knowledge)
        result = score_prs(labels, repo.parent / "prs", repo, settings, knowledge)
        times = sorted(o.seconds for o in result.outcomes)
        out[f"prs_{name}"] = {
            "prs": result.prs,
            "verdict_accuracy": round(result.verdict_accuracy, 3),
            "false_majors": result.false_majors,
            "missed_majors": f"{result.missed_majors} of {result.labelled_majors}",  # type: ignore[dict-item]
            "mean_precision_per_pr": round(result.mean_precision, 3),
            "findings_located": round(result.located, 3),
            "score_ordering": result.score_ordering,  # type: ignore[dict-item]
            "zero_scores": result.zero_scores,
            "relabelled_at_snapshot": result.relabelled_at_snapshot,
            "pr_time_labels": f"acc {result.pr_time_verdict_accuracy:.3f}, false majors {result.pr_time_false_majors}",  # type: ignore[dict-item]
            **{
                f"scores_{k}": v  # type: ignore[misc]
                for k, v in score_spread([(o.expected_verdict, o.score) for o in result.outcomes]).items()
            },
            "at_labelled_line": round(result.at_labelled_line, 3),
            "review_p50_s": round(pct(times, 0.5), 3),
            "review_max_s": round(times[-1], 3),
            "false": "; ".join(f"{o.patch[:8]} {', '.join(o.false_majors)}" for o in result.outcomes if o.false_majors)
            or "none",  # type: ignore[dict-item]
            "missed": "; ".join(f"{o.patch[:8]} {', '.join(o.missed)}" for o in result.outcomes if o.missed) or "none",  # type: ignore[dict-item]
        }
        out[f"prs_{name}"]["major_labels_missed"] = f"{result.major_labels_missed} of {result.major_labels}"  # type: ignore[assignment]
        mutants_dir = PROJECT / "evals/prs/mutants" / name  # one planted hazard each, labelled before the review ran
        if mutants_dir.is_dir():
            planted = load_labels(mutants_dir.with_suffix(".labels.yaml"))
            mutants = score_mutants(planted, mutants_dir, repo, settings, knowledge)
            out[f"prs_{name}"] |= {
                "mutants_caught_at_line": f"{mutants.caught} of {mutants.mutants}",  # type: ignore[dict-item]
                "mutant_verdicts_right": round(mutants.verdict_accuracy, 3),
                "mutant_false_majors": mutants.false_majors,
            }
        blind_dir = PROJECT / "evals/prs/blind" / name  # hand-written PRs labelled before the reviewer ran on them
        if blind_dir.is_dir():
            blind = score_prs(load_labels(blind_dir.with_suffix(".labels.yaml")), blind_dir, repo, settings, knowledge)
            out[f"prs_{name}"] |= {
                "blind_prs": blind.prs,
                "blind_verdict_accuracy": round(blind.verdict_accuracy, 3),
                "blind_false_majors": blind.false_majors,
                "blind_missed_majors": f"{blind.missed_majors} of {blind.labelled_majors}",  # type: ignore[dict-item]
                "blind_at_labelled_line": round(blind.at_labelled_line, 3),
            }
    return out


def bench_conventions() -> dict[str, dict[str, float]]:
    """House conventions mined from each corpus repo against the hand counts (evals/conventions/): recall of the
    strongly held ones the miner measures, conventions wrongly reported strong, units, and the mining time."""
    from assistant.evaluation.conventions_eval import score
    from assistant.stack.conventions import mine

    out: dict[str, dict[str, float]] = {}
    for name in STACK_REPOS:
        repo = CORPUS.parent.parent / name / "repo"
        if not repo.is_dir():
            continue
        t0 = time.perf_counter()
        report = mine(repo)
        seconds = time.perf_counter() - t0
        result = score(report, PROJECT / f"evals/conventions/{name}.conventions.yaml")
        out[f"conventions_{name}"] = {
            "units": result.units,
            "strong_recall": round(result.recall, 3),
            "false_strong": result.false_strong,
            "missed": ", ".join(result.missed) or "none",  # type: ignore[dict-item]
            "mining_s": round(seconds, 2),
        }
    return out


def bench_big_diff(settings: Settings) -> dict[str, float]:
    """A synthetic 5,000-line diff: ten new files of ConfigMaps."""
    from assistant.inputs.diff import parse_diff
    from assistant.pr_review import review_pr

    docs = "".join(
        f"+---\n+apiVersion: v1\n+kind: ConfigMap\n+metadata:\n+  name: cm-{i}\n+  namespace: app\n+data:\n"
        f"+  key: value-{i}\n+  image: ghcr.io/example/app:v1.{i}\n+  other: x\n"
        for i in range(50)
    )  # 500 lines a file, ten files: 5,000 added lines
    diff = "".join(
        f"diff --git a/app/f{n}.yaml b/app/f{n}.yaml\nnew file mode 100644\n--- /dev/null\n+++ b/app/f{n}.yaml\n"
        f"@@ -0,0 +1,500 @@\n{docs}"
        for n in range(10)
    )
    t0 = time.perf_counter()
    synthetic = parse_diff(diff, "synthetic")
    assert synthetic.added == 5000 and not synthetic.skipped
    review_pr(synthetic, settings, knowledge=Knowledge(settings))
    return {"diff_5000_lines_s": round(time.perf_counter() - t0, 2)}


def bench_big_proposal(settings: Settings) -> dict[str, float]:
    """1 MB proposals (the input limit), reviewed offline with the index: the project's own docs, each line of each
    copy numbered so that few sentences repeat, and one sentence naming eight tools repeated as a paste would
    (issue #23 item 6: linear, 1 MB < 5 s). The 100 kB figures show the slope."""
    from assistant.pipeline import review_text

    knowledge = Knowledge(settings)
    review_text("Add Loki for logs.", settings, ref="warm-up", knowledge=knowledge)
    prose = "\n".join(p.read_text(encoding="utf-8") for p in sorted((PROJECT / "docs").glob("*.md")))
    lines = prose.splitlines()
    numbered = "\n".join(f"{line} (copy {i})" for i in range(1_000_000 // len(prose) + 1) for line in lines)
    line = "Deploy Redis and MinIO with Vault, not Consul, and Traefik behind Cilium, a Secret in git, with Loki. "
    out: dict[str, float] = {}
    for name, text in (("docs", numbered), ("repeated", line * (1_000_000 // len(line) + 1))):
        for size in (100_000, 1_000_000):  # bytes: 1 MB is the input limit
            cut = text.encode("utf-8")[:size].decode("utf-8", "ignore")
            t0 = time.perf_counter()
            review_text(cut, settings, ref=name, knowledge=knowledge)
            out[f"{name}_{size // 1000}kB_s"] = round(time.perf_counter() - t0, 2)
    return out


def bench_scores(work: Path) -> dict[str, float]:
    """The score formula on the labelled proposals (evals/cases/proposals with one expected verdict): the spread per
    expected verdict, pairwise ordering (approve above revise above reject) and how many score 0. The cases are
    labelled for the example repo's stack, so they are reviewed with it as context (no index), whatever repo the
    rest of the run indexed."""
    from assistant.evaluation.metrics import score_ordering
    from assistant.evaluation.pr_eval import score_spread

    settings = Settings(index_dir=work / "scores-no-index", repo=EXAMPLE, llm="off")
    k = Knowledge(settings)
    pairs: list[tuple[str, int]] = []
    for p in sorted((PROJECT / "evals/cases/proposals").glob("*.yaml")):
        case = yaml.safe_load(p.read_text())
        expected = (case.get("expect") or {}).get("verdict") or []
        if len(expected) == 1:
            pairs.append((expected[0], review_text(case["input"], settings, knowledge=k).score))
    return {
        "proposals": len(pairs),
        **score_spread(pairs),  # type: ignore[dict-item]
        "score_ordering": score_ordering(pairs),  # type: ignore[dict-item]
        "zero_scores": sum(s == 0 for _, s in pairs),
    }


# 438 bytes: nine levels of nine aliases stand for 9^9 (387 million) strings (the #13 alias bomb)
BOMB = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a: &a ["
    + ",".join(['"lol"'] * 9)
    + "]\n"
    + "".join(f"  {c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
)


def bench_hostile(work: Path) -> dict[str, float]:
    """The whole `assistant review --diff` on the alias bomb, in a child: wall time to the refusal and peak RSS."""

    patch = work / "bomb.diff"
    lines = BOMB.splitlines()
    patch.write_text(
        "diff --git a/apps/lol.yaml b/apps/lol.yaml\nnew file mode 100644\n--- /dev/null\n+++ b/apps/lol.yaml\n"
        f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines)
    )
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(work / "no-index"), "ASSISTANT_LLM": "off"}
    cli = str(Path(sys.executable).parent / "assistant")
    # a fresh wrapper per run, so the peak RSS is this command's own (RUSAGE_CHILDREN of this process is cumulative)
    wrapper = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "p = subprocess.run(sys.argv[1:], capture_output=True); "
        "print(p.returncode, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
        "int(b'YAML bomb' in p.stderr))"
    )
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", wrapper, cli, "review", "--diff", str(patch), "--fail-on", "reject"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert out[0] == "2" and out[3] == "1", out
        runs.append((float(out[1]), int(out[2]) / 1024))
    return {
        "bomb_bytes": len(BOMB.encode()),
        "bomb_cli_refusal_s": round(statistics.median(r[0] for r in runs), 2),
        "bomb_cli_peak_rss_mb": round(max(r[1] for r in runs)),
    }


def bench_first_answer(work: Path, repos: dict[str, Path]) -> dict[str, dict[str, float]]:
    """A never-indexed repo, through the whole CLI: wall time from the call to a printed review (a proposal that
    overlaps the repo's tools) and to a printed answer, searched by keyword alone; which sources they cite."""
    cli = str(Path(sys.executable).parent / "assistant")
    proposal = "Deploy MetalLB to hand out LoadBalancer IPs and a second Prometheus for the game servers"
    question = "How do I add a new app to this cluster?"
    out: dict[str, dict[str, float]] = {}
    for name, repo in repos.items():
        env = {**os.environ, "ASSISTANT_INDEX_DIR": str(work / f"never-{name}"), "ASSISTANT_REPO": str(repo)}
        env["ASSISTANT_LLM"] = "off"
        figures: dict[str, Any] = {}
        for what, argv in (("review", ["review", "--proposal", proposal]), ("ask", ["ask", question])):
            times, cited = [], []
            for _ in range(3):
                t0 = time.perf_counter()
                done = subprocess.run([cli, *argv, "-f", "json"], env=env, capture_output=True, text=True)
                times.append(time.perf_counter() - t0)
                got = json.loads(done.stdout)
                cited = [c["path"] for c in got.get("citations", []) if c["source"] == "repo"]
                figures[f"{what}_retrieval"] = (got.get("engine") or got)["retrieval"]
            figures[f"{what}_wall_s"] = round(statistics.median(times), 2)
            figures[f"{what}_repo_sources"] = len(cited)
            figures[f"{what}_first_repo_source"] = cited[0] if cited else "none"
        assert not (work / f"never-{name}").exists(), "a read-only command created the index folder"
        out[f"first_answer_{name}"] = figures
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="CI smoke: the example repo, few runs")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ra-bench-"))
    figures: dict[str, dict[str, float]] = {}
    try:
        repo = EXAMPLE if args.quick or not CORPUS.is_dir() else CORPUS
        settings, figures["index"] = bench_index(repo, work)
        figures["index"]["repo"] = str(repo.relative_to(PROJECT.parent))  # type: ignore[assignment]
        if repo == CORPUS:
            from assistant.evaluation.retrieval import SETS

            named = {
                "corpus-questions": "search",
                "corpus-questions-heldout": "search_held_out",
                "corpus-questions-heldout2": "search_held_out_2",
            }
            for file in SETS["homelab"]:  # blind sets: search_blind_3 onwards
                name = named.get(file) or file.replace("corpus-questions-blind", "search_blind_")
                qs = yaml.safe_load((PROJECT / f"evals/retrieval/{file}.yaml").read_text())["questions"]
                figures[name] = bench_search(settings, qs)
            figures["big_diff"] = bench_big_diff(settings)
            figures.update(bench_stack(work))
        if CORPUS.is_dir() and not args.quick:
            figures.update(bench_prs(work))
            figures.update(bench_conventions())
        never = {"example": EXAMPLE}
        if CORPUS.is_dir() and not args.quick:
            never["xunholy"] = CORPUS.parents[1] / "xunholy-k8s-gitops" / "repo"
        figures.update(bench_first_answer(work, never))
        figures["scores"] = bench_scores(work)
        figures["hostile"] = bench_hostile(work)
        figures["review"] = bench_review(settings, 20 if args.quick else 200)
        figures["big_proposal"] = bench_big_proposal(settings)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for section, values in figures.items():
        print(f"[{section}]")
        for key, value in values.items():
            print(f"  {key:<24} {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
