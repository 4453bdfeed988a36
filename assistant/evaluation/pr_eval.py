"""Measure PR reviews on real pull requests against hand labels (`evals/prs/<repo>.labels.yaml`): false and
missed major findings, precision per PR, verdict accuracy, how many findings carry a file:line, and the scores."""

from __future__ import annotations

import time
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from assistant.config import Settings
from assistant.evaluation.metrics import score_ordering
from assistant.inputs.diff import parse_diff
from assistant.knowledge_base.knowledge import Knowledge
from assistant.models import Verdict

MAJOR = ("major", "blocker")


class LabelledFinding(BaseModel):
    category: str
    severity: str = "major"
    path: str = ""
    line: int | None = None
    why: str = ""


class SnapshotLabel(BaseModel):
    """What a careful reviewer raises against the corpus snapshot, where the repo changed after the PR merged in a
    way that changes the answer (a later app that overlaps, a backup added later). The review runs against the
    snapshot, so the score uses this; the PR-time label is kept and scored alongside."""

    verdict: str
    findings: list[LabelledFinding] = Field(default_factory=list)
    why: str


class LabelledPR(BaseModel):
    patch: str
    summary: str = ""
    verdict: str
    findings: list[LabelledFinding] = Field(default_factory=list)
    against_snapshot: SnapshotLabel | None = None

    def at_snapshot(self) -> LabelledPR:
        if self.against_snapshot is None:
            return self
        snap = self.against_snapshot
        return self.model_copy(update={"verdict": snap.verdict, "findings": snap.findings, "against_snapshot": None})


class PRLabels(BaseModel):
    repo: str
    prs: list[LabelledPR]


class PROutcome(BaseModel):
    patch: str
    expected_verdict: str
    verdict: str
    score: int
    majors: list[str]  # "category@path:line" of each major or blocker finding
    false_majors: list[str]
    missed: list[str]  # labelled categories no major finding raised
    missed_major: list[str] = Field(default_factory=list)  # labelled *major* findings whose category no major raised
    at_line: int = 0  # labelled findings raised in their category at the labelled file and line
    unlocated: int  # findings with no path or no line
    seconds: float = 0.0  # the review's own time (warm)


class PRScore(BaseModel):
    prs: int
    verdict_accuracy: float
    false_majors: int
    missed_majors: int
    labelled_majors: int
    major_labels: int = 0  # labelled findings of severity major (what a revise label rests on)
    major_labels_missed: int = 0  # of those, the ones no major finding of their category answered
    mean_precision: float  # per PR: true majors / majors raised (1.0 where none is raised)
    findings: int
    located: float  # share of findings with a path and a line
    at_labelled_line: float  # share of labelled findings raised at their labelled file and line
    zero_scores: int
    score_ordering: float | None  # pairwise: PRs labelled approve score above those labelled revise, above reject
    relabelled_at_snapshot: int = 0  # PRs whose snapshot label differs from the PR-time one
    pr_time_verdict_accuracy: float = 0.0  # against the PR-time labels alone
    pr_time_false_majors: int = 0
    outcomes: list[PROutcome]


def load_labels(path: Path) -> PRLabels:
    return PRLabels.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def outcome(label: LabelledPR, verdict: Verdict) -> PROutcome:
    wanted = {f.category for f in label.findings}
    majors = [f for f in verdict.findings if f.severity in MAJOR]
    where = [f"{f.category}@{f.location.path}:{f.location.line}" if f.location else f.category for f in majors]
    raised = {(f.category, f.location.path, f.location.line) for f in majors if f.location}
    return PROutcome(
        at_line=sum((f.category, f.path, f.line) in raised for f in label.findings),
        patch=label.patch,
        expected_verdict=label.verdict,
        verdict=verdict.verdict,
        score=verdict.score,
        majors=where,
        false_majors=[w for f, w in zip(majors, where, strict=True) if f.category not in wanted],
        missed=sorted(wanted - {f.category for f in majors}),
        missed_major=sorted({f.category for f in label.findings if f.severity in MAJOR} - {f.category for f in majors}),
        unlocated=sum(1 for f in verdict.findings if f.location is None or f.location.line is None),
    )


def score_prs(labels: PRLabels, prs_dir: Path, repo: Path, settings: Settings, knowledge: Knowledge) -> PRScore:
    from assistant.pr_review import review_pr

    outcomes: list[PROutcome] = []
    pr_time: list[PROutcome] = []
    findings = 0
    expected = [label.at_snapshot() for label in labels.prs]
    for label, want in zip(labels.prs, expected, strict=True):
        patch = prs_dir / label.patch
        started = time.perf_counter()
        verdict = review_pr(parse_diff(patch.read_text(), patch.name, repo), settings, repo=repo, knowledge=knowledge)
        seconds = time.perf_counter() - started
        findings += len(verdict.findings)
        outcomes.append(outcome(want, verdict).model_copy(update={"seconds": round(seconds, 3)}))
        pr_time.append(outcome(label, verdict))
    precisions = [(len(o.majors) - len(o.false_majors)) / len(o.majors) if o.majors else 1.0 for o in outcomes]
    unlocated = sum(o.unlocated for o in outcomes)
    return PRScore(
        prs=len(outcomes),
        verdict_accuracy=sum(o.verdict == o.expected_verdict for o in outcomes) / max(len(outcomes), 1),
        false_majors=sum(len(o.false_majors) for o in outcomes),
        missed_majors=sum(len(o.missed) for o in outcomes),
        labelled_majors=sum(len(label.findings) for label in expected),
        major_labels=sum(f.severity in MAJOR for label in expected for f in label.findings),
        major_labels_missed=sum(len(o.missed_major) for o in outcomes),
        mean_precision=sum(precisions) / max(len(precisions), 1),
        findings=findings,
        located=(findings - unlocated) / findings if findings else 1.0,
        at_labelled_line=sum(o.at_line for o in outcomes) / max(sum(len(x.findings) for x in expected), 1),
        zero_scores=sum(o.score == 0 for o in outcomes),
        score_ordering=score_ordering([(o.expected_verdict, o.score) for o in outcomes]),
        relabelled_at_snapshot=sum(label.against_snapshot is not None for label in labels.prs),
        pr_time_verdict_accuracy=sum(o.verdict == o.expected_verdict for o in pr_time) / max(len(pr_time), 1),
        pr_time_false_majors=sum(len(o.false_majors) for o in pr_time),
        outcomes=outcomes,
    )


class MutantScore(BaseModel):
    mutants: int
    caught: int  # the planted finding raised in its category at its file and line, at any severity
    verdict_accuracy: float
    false_majors: int
    missed: list[str]  # "patch category@path:line" of each planted finding not caught


def score_mutants(
    labels: PRLabels, mutants_dir: Path, repo: Path, settings: Settings, knowledge: Knowledge | None
) -> MutantScore:
    """Mutants (evals/prs/mutants/): real changes with one planted hazard each, caught only at the planted line."""
    from assistant.pr_review import review_pr

    caught = right = false_majors = 0
    missed: list[str] = []
    for label in labels.prs:
        patch = mutants_dir / label.patch
        verdict = review_pr(parse_diff(patch.read_text(), patch.name, repo), settings, repo=repo, knowledge=knowledge)
        raised = {(f.category, f.location.path, f.location.line) for f in verdict.findings if f.location}
        for want in label.findings:
            if (want.category, want.path, want.line) in raised:
                caught += 1
            else:
                missed.append(f"{label.patch} {want.category}@{want.path}:{want.line}")
        right += verdict.verdict == label.verdict
        false_majors += len(outcome(label, verdict).false_majors)
    return MutantScore(
        mutants=len(labels.prs),
        caught=caught,
        verdict_accuracy=right / max(len(labels.prs), 1),
        false_majors=false_majors,
        missed=missed,
    )


def score_spread(pairs: list[tuple[str, int]]) -> dict[str, str]:
    """Per expected verdict: how many cases, and their scores' min / median / max."""
    out: dict[str, str] = {}
    for name in ("approve", "revise", "reject"):
        scores = sorted(s for v, s in pairs if v == name)
        if scores:
            out[name] = f"n={len(scores)} min {scores[0]} median {scores[len(scores) // 2]} max {scores[-1]}"
    return out
