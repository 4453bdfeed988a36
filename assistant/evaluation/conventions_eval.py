"""Score mined house conventions against the hand-written truth (evals/conventions/<repo>.conventions.yaml): of the
conventions the truth holds strongly and the miner measures, how many it reports strong (recall); and how many it
reports strong that the truth holds by fewer than 80% of units (false strong)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from assistant.stack.conventions import ConventionReport, mine

MEASURED = {"backup", "network-policy", "monitoring", "security-context", "resources", "probes", "digest-pin",
            "secrets", "gateway-route"}  # fmt: skip


class TruthConvention(BaseModel):
    id: str
    kind: str
    support: tuple[int, int]
    strong: bool


class ConventionTruth(BaseModel):
    repo: str
    conventions: list[TruthConvention]


class ConventionScore(BaseModel):
    units: int
    recall: float  # truth-strong measured conventions the miner reports strong
    false_strong: int  # miner-strong where the truth is weak
    missed: list[str] = Field(default_factory=list)
    wrong: list[str] = Field(default_factory=list)


def _mined_id(t: TruthConvention) -> str | None:
    if t.kind == "security-context":
        return "run-as-non-root" if "non-root" in t.id else None
    return {"resources": "resource-requests", "secrets": "secrets-managed"}.get(t.kind, t.kind)


def score(report: ConventionReport, truth_path: Path) -> ConventionScore:
    truth = ConventionTruth.model_validate(yaml.safe_load(truth_path.read_text(encoding="utf-8")))
    per_id: dict[str, TruthConvention] = {}
    for t in truth.conventions:  # several of one kind: the one measured on the most units stands for it
        mid = _mined_id(t) if t.kind in MEASURED else None
        if mid and (mid not in per_id or t.support[1] > per_id[mid].support[1]):
            per_id[mid] = t
    strong = [mid for mid, t in per_id.items() if t.strong]
    hit = [mid for mid in strong if (c := report.by_id(mid)) is not None and c.strong]
    wrong = [mid for mid, t in per_id.items() if not t.strong and (c := report.by_id(mid)) is not None and c.strong]
    return ConventionScore(
        units=len(report.units),
        recall=len(hit) / len(strong) if strong else 1.0,
        false_strong=len(wrong),
        missed=sorted(set(strong) - set(hit)),
        wrong=sorted(wrong),
    )


def score_repo(repo: Path, truth_path: Path) -> ConventionScore:
    return score(mine(repo), truth_path)
