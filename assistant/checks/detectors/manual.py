"""manual-steps in a change: a set-up script that changes the cluster by hand (`kubectl run`, `apply`, `exec`…),
a comment the change adds that says something it depends on is made by hand ("created imperatively, never
committed"), and a value the change itself marks as a stand-in (`clone = "test-vm"  # <- need to replace!`).
A hand-made credential where the repo keeps its secrets in git is major, and so is a stand-in value (someone has to
replace it by hand before it is right); other hand steps the change documents are questions."""

from __future__ import annotations

import re

from assistant.checks.context import Context, finding
from assistant.checks.detectors.conventions import repo_conventions
from assistant.inputs.diff import ChangedFile
from assistant.models import Finding, Location
from assistant.stack.view import Stack

SCRIPT = re.compile(r"\.(?:sh|bash|zsh|just)$|(?:^|/)(?:Makefile|[Jj]ustfile|Taskfile[\w.-]*)$|(?:^|/)\.taskfiles/")
# a script that sets something up (not a drill, a test or a bootstrap the repo documents once)
SETS_UP = re.compile(r"(?:^|[/_.-])(?:setup|set-up|create|provision|prepare|configure|init|fix)(?:[_.-]|$)", re.I)
KUBECTL = re.compile(
    r"\bkubectl\b(?:\s+(?:-{1,2}[A-Za-z-]+(?:[= ]\"?[^\s\"]+\"?)?))*\s+"
    r"(run|apply|create|patch|exec|scale|edit|label|annotate|replace|set|delete)\b"
)
COMMENT = re.compile(r"^\s*(?:#|//)")
BY_HAND = re.compile(
    r"\b(?:creat\w*|made|appl\w*|set\s+up|add\w*|import\w*)\s+(?:\w+\s+)?(?:imperatively|by\s+hand|manually|"
    r"out[\s-]of[\s-]band)\b|\bout[\s-]of[\s-]band\b|\bnever\s+committed\b|\bkubectl\s+create\s+secret\b",
    re.I,
)
# A value with a comment on its own line saying it is not the real one yet (a bare TODO is a note, not this)
PLACEHOLDER = re.compile(
    r"^\s*(?:-\s+)?[\w\"'.-]+\s*[:=]\s*[^\s#/].*?\s(?:#|//)[^\n]*?\b(?:(?:needs?|must|has)\s+to\s+(?:be\s+)?replace"
    r"\w*|replace\s*me|change\s*me|changeme|placeholder|dummy\s+value|fill\s+(?:this\s+)?in)\b",
    re.I,
)
CREDENTIAL = re.compile(r"\b(?:secret|credential|password|token|api[\s-]?key|key)s?\b", re.I)


def _script_steps(f: ChangedFile) -> Finding | None:
    if not (SCRIPT.search(f.path) and SETS_UP.search(f.path.rsplit("/", 1)[-1])):
        return None
    lines = f.numbered()
    hits = [(n, m.group(1)) for n in sorted(f.added_lines) if (m := KUBECTL.search(lines.get(n, "")))]
    hits = [h for h in hits if h[1] != "delete"] or hits  # a clean-up trap is not what the script is for
    if not hits:
        return None
    number, verb = hits[0]
    return finding(
        "manual-steps",
        f"script:{f.path}",
        f"{f.path} sets things up with kubectl {verb} against the cluster: what it makes is not in git, and a rebuild "
        "needs someone to run it again. A Job, an init container or a manifest that the GitOps tool applies keeps "
        "it declarative.",
        Location(path=f.path, line=number),
    )


def _said_by_hand(ctx: Context, f: ChangedFile, secrets_kept: str | None) -> list[Finding]:
    out: list[Finding] = []
    lines = f.numbered()
    for number in sorted(f.added_lines):
        line = lines.get(number, "")
        if not (COMMENT.match(line) and BY_HAND.search(line)):
            continue
        block = " ".join(lines.get(n, "") for n in range(number - 2, number + 3) if COMMENT.match(lines.get(n, "")))
        credential = bool(CREDENTIAL.search(block))
        message = f"{f.path} says a step is done by hand: {line.strip().lstrip('#/ ').strip()[:160]}"
        if credential and secrets_kept:
            message += f". This repo keeps its secrets in git ({secrets_kept}); a hand-made one is lost on a rebuild."
        out.append(
            finding(
                "manual-steps",
                f"said:{f.path}:{number}",
                message,
                Location(path=f.path, line=number),
                severity="major" if credential and secrets_kept else "minor",
            )
        )
        break  # one per file: a comment block says it once
    return out


def _stand_ins(f: ChangedFile) -> Finding | None:
    lines = f.numbered()
    for number in sorted(f.added_lines):
        line = lines.get(number, "")
        if PLACEHOLDER.search(line):
            value, _, comment = re.split(r"\s(#|//)", line, maxsplit=1)  # the pattern holds a comment
            return finding(
                "manual-steps",
                f"stand-in:{f.path}:{number}",
                f"{f.path} sets `{value.strip()[:120]}` and says it is a stand-in ({comment.strip()[:100]}): "
                "deployed as it is, the change ships the placeholder, and someone must replace it by hand later.",
                Location(path=f.path, line=number),
                severity="major",
            )
    return None


def _secrets_convention(ctx: Context) -> str | None:
    if not ctx.repo_texts:
        return None
    held = repo_conventions(ctx).by_id("secrets-managed")
    return held.describe() if held is not None and held.strong else None


def hand_steps(ctx: Context, stack: Stack) -> list[Finding]:
    out: list[Finding] = []
    commented = [f for f in ctx.pr.reviewed if _says_by_hand(f)]
    secrets_kept = _secrets_convention(ctx) if commented else None
    for f in ctx.pr.reviewed:
        if (script := _script_steps(f)) is not None:
            out.append(script)
        elif f in commented:
            out.extend(_said_by_hand(ctx, f, secrets_kept))
        if (stand_in := _stand_ins(f)) is not None:
            out.append(stand_in)
    return out


def _says_by_hand(f: ChangedFile) -> bool:
    lines = f.numbered()  # the file once: a 35,000-line change is one pass, not one file per line
    return any(BY_HAND.search(lines.get(n, "")) for n in f.added_lines)
