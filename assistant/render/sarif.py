"""SARIF 2.1.0 for GitHub code scanning: one rule per finding category, help text from the framework."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from assistant import __version__
from assistant.checks import load_checks
from assistant.models import Verdict
from assistant.redaction import redact_model

LEVEL = {"blocker": "error", "major": "error", "minor": "warning", "info": "note"}


def render_sarif(v: Verdict) -> str:
    v = redact_model(v)
    rules = [
        {
            "id": s.category,
            "name": s.title,
            "shortDescription": {"text": s.title},
            "fullDescription": {"text": s.suggestion},
            "help": {"text": f"{s.suggestion} (framework: {', '.join(s.framework)})"},
            "defaultConfiguration": {"level": LEVEL[s.severity]},
        }
        for s in load_checks()
    ]
    results: list[dict[str, Any]] = []
    unlocated = 0
    for f in v.findings:
        if f.location is None:
            unlocated += 1  # code scanning shows a result at a file and line: a proposal's findings have none
            continue
        result: dict[str, Any] = {
            "ruleId": f.category,
            "level": LEVEL[f.severity],
            "message": {"text": f"{f.message} {f.suggestion}".strip()},
            "partialFingerprints": {"findingId": f.id},
        }
        region = {"startLine": f.location.line} if f.location.line else {}
        result["locations"] = [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(f.location.path, safe="/")},  # a URI reference: `[/]`, spaces
                    **({"region": region} if region else {}),
                }
            }
        ]
        results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "review-assistant", "version": __version__, "rules": rules}},
                "results": results,
                "properties": {
                    "verdict": v.verdict,
                    "score": v.score,
                    **(
                        {"unlocatedFindings": unlocated, "why": "findings with no file and line are left out; the "
                         "Markdown or JSON output holds them"}
                        if unlocated else {}
                    ),
                },
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"
