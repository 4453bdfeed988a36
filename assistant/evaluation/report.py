"""Eval reports: a Rich table, JSON, JUnit XML, and the comparison of two runs."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from rich.console import Console
from rich.table import Table

from assistant.evaluation.metrics import Summary
from assistant.evaluation.runner import CaseResult
from assistant.redaction import redact_data, redact_model, redact_text


def to_json(results: list[CaseResult], summary: Summary) -> str:
    """The report, redacted: a case's reasons may quote its input."""
    data = {"summary": summary.model_dump(), "cases": [r.model_dump() for r in results]}
    return json.dumps(redact_data(data), indent=2) + "\n"


def to_junit(results: list[CaseResult], summary: Summary) -> str:
    results = [redact_model(r) for r in results]
    suite = ET.Element(
        "testsuite",
        name="review-assistant-eval",
        tests=str(summary.cases),
        failures=str(summary.failed),
        skipped=str(summary.skipped),
    )
    for r in results:
        tc = ET.SubElement(suite, "testcase", classname=f"eval.{r.kind}", name=r.id, time=str(r.seconds))
        if r.skipped:
            ET.SubElement(tc, "skipped", message="; ".join(r.reasons))
        elif not r.passed:
            ET.SubElement(tc, "failure", message="; ".join(r.reasons)[:500], type=r.severity)
    return ET.tostring(suite, encoding="unicode") + "\n"


def print_report(results: list[CaseResult], summary: Summary, console: Console, verbose: bool = False) -> None:
    results = [redact_model(r) for r in results]
    failing = [r for r in results if not r.passed or (verbose and r.skipped)]
    if failing:
        t = Table(title="Cases that did not pass", title_justify="left", expand=True)
        t.add_column("case", style="cyan")
        t.add_column("severity")
        t.add_column("why")
        for r in failing:
            t.add_row(r.id, r.severity, "; ".join(r.reasons))
        console.print(t)
    m = Table(title="Eval metrics", title_justify="left")
    m.add_column("metric")
    m.add_column("value", justify="right")
    rows: list[tuple[str, Any]] = [
        ("cases (passed / failed / skipped)", f"{summary.passed} / {summary.failed} / {summary.skipped}"),
        ("category recall", summary.category_recall),
        ("category precision", summary.category_precision),
        ("verdict accuracy", summary.verdict_accuracy),
        ("score ordering (pairwise)", summary.score_ordering),
        ("cases scored 0/100", summary.zero_scores),
        ("citation validity", summary.citation_validity),
        ("retrieval recall (expected source cited)", summary.retrieval_recall_at_k),
        ("structured-output validity (LLM)", summary.structured_output_validity),
        ("tokens", summary.tokens),
    ]
    rows += [(f"keyword pass rate · {k}", v) for k, v in summary.keyword_pass_rate.items()]
    for name, value in rows:
        m.add_row(name, "—" if value is None else str(value))
    console.print(m)
    if summary.gate_failures:
        console.print("[bold red]gate failed:[/] " + redact_text("; ".join(summary.gate_failures)))
    else:
        console.print("[bold green]gate passed[/]")


def compare(old: dict[str, Any], new_results: list[CaseResult], new_summary: Summary) -> list[str]:
    lines: list[str] = []
    before = {c["id"]: c["passed"] for c in old.get("cases", [])}
    for r in new_results:
        if r.id in before and before[r.id] != r.passed:
            lines.append(
                f"{'fixed' if r.passed else 'broke'}: {r.id}" + ("" if r.passed else f" ({'; '.join(r.reasons)})")
            )
    for key, value in new_summary.model_dump().items():
        was = old.get("summary", {}).get(key)
        if isinstance(value, int | float) and isinstance(was, int | float) and value != was:
            lines.append(f"{key}: {was} → {value}")
    return lines or ["no change"]
