"""Eval cases from the project's own YAML format and from the `tests.yaml` format of instruction-eval suites."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

from assistant.errors import InputError
from assistant.inputs.safe_yaml import load_document

CaseSeverity = Literal["critical", "high", "medium", "low"]


class Keywords(BaseModel):
    required: list[str] = Field(default_factory=list)
    any_of: list[str] = Field(default_factory=list)
    forbidden: list[str] = Field(default_factory=list)


class Case(BaseModel):
    id: str
    kind: Literal["proposal", "question", "patch", "prompt"]  # prompt: routed like a user's message
    severity: CaseSeverity = "medium"
    description: str = ""
    input: str = ""
    patch: str | None = None
    repo: str | None = None
    categories: list[str] | None = None
    components: list[str] = Field(default_factory=list)
    absent_categories: list[str] = Field(default_factory=list)
    verdict: list[str] = Field(default_factory=list)
    clean: bool = False
    keywords: Keywords = Field(default_factory=Keywords)
    sources: list[str] = Field(default_factory=list)
    mode: Literal["keywords", "judge", "both"] = "keywords"
    judge_criteria: str = ""
    expect_refusal: bool = False
    manual_review: bool = False
    origin: str = ""  # the file it came from


def _own(data: dict[str, Any], origin: str) -> Case:
    expect = data.get("expect") or {}
    return Case(
        id=data["id"],
        kind=data.get("kind", "prompt"),
        severity=data.get("severity", "medium"),
        description=data.get("description", ""),
        input=data.get("input", ""),
        patch=data.get("patch"),
        repo=data.get("repo"),
        categories=expect.get("categories"),
        components=expect.get("components") or [],
        absent_categories=expect.get("absent_categories") or [],
        verdict=expect.get("verdict") or [],
        clean=bool(expect.get("clean")),
        keywords=Keywords.model_validate(expect.get("keywords") or {}),
        sources=expect.get("sources") or [],
        origin=origin,
    )


def _instruction_eval(data: dict[str, Any], origin: str) -> list[Case]:
    """`tests.yaml`: version, skill, description, tests[] with scoring.mode/keywords/forbidden/judge_criteria."""
    out = []
    for t in data.get("tests") or []:
        scoring = t.get("scoring") or {}
        kw = dict(scoring.get("keywords") or {})
        forbidden = list(kw.get("forbidden") or []) + list(scoring.get("forbidden") or [])  # both layouts exist
        kw["forbidden"] = forbidden
        out.append(
            Case(
                id=f"{data.get('skill', 'suite')}/{t['id']}",
                kind="prompt",
                severity=t.get("severity", "medium"),
                description=t.get("description", ""),
                input=t.get("prompt", ""),
                keywords=Keywords.model_validate(kw),
                mode=scoring.get("mode", "keywords"),
                judge_criteria=t.get("judge_criteria") or scoring.get("judge_criteria") or "",
                expect_refusal=bool(t.get("expect_refusal")),
                manual_review=bool(t.get("manual_review")),
                origin=origin,
            )
        )
    return out


def load_cases(paths: list[Path]) -> list[Case]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(x for x in p.rglob("*.y*ml") if x.suffix in (".yaml", ".yml"))
        elif p.is_file():
            files.append(p)
        else:
            raise InputError(f"eval path not found: {p}")
    cases: list[Case] = []
    for f in files:
        try:
            data = load_document(f.read_text(encoding="utf-8"))  # bounded: a case file is user input
        except yaml.YAMLError as exc:  # YAMLLimitError included
            raise InputError(f"{f}: not valid YAML ({str(exc).splitlines()[0]})") from None
        if not isinstance(data, dict):
            continue
        if "tests" in data:
            cases += _instruction_eval(data, str(f))
        elif "id" in data and ("input" in data or "patch" in data):
            cases.append(_own(data, str(f)))
    ids = [c.id for c in cases]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise InputError(f"duplicate eval case ids: {', '.join(sorted(dupes))}")
    return cases
