"""missing-tests: an infrastructure module the PR changes with no `.tftest.hcl` test in the PR or the repo."""

from __future__ import annotations

import re

from assistant.checks.context import Context, finding
from assistant.models import Finding
from assistant.stack.view import Stack


def untested_modules(ctx: Context, stack: Stack) -> list[Finding]:
    modules = {m.group(1) for f in ctx.pr.reviewed if (m := re.match(r"(infrastructure/modules/[^/]+)/", f.path))}
    out = []
    for module in sorted(modules):
        tested = any(f.path.startswith(module) and f.path.endswith(".tftest.hcl") for f in ctx.pr.reviewed) or any(
            p.startswith(module) and p.endswith(".tftest.hcl") for p in ctx.repo_texts
        )
        if not tested:
            first = next(f for f in ctx.pr.reviewed if f.path.startswith(module))
            where = ctx.nearest(first.path, None)  # its first added line
            out.append(finding("missing-tests", module, f"{module} has no .tftest.hcl tests.", where))
    return out
