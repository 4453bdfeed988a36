"""Intent routing for a free-text message: answer it, review it as a plan, or both (answer and offer the review).

Rule-based on purpose: it runs before any model is loaded, is explainable (`Intent.reason`), and is measured
on a labelled set (evals/routing/utterances.yaml). The signals:

- a *plan*: an intent to change the stack ("we want to", "thinking of", "proposal:", "let's"), an imperative
  that changes the stack ("add Redis", "replace Loki"), a structured proposal ("storage: …") or a bare manifest;
- a *question*: an interrogative opening, a question mark, "how do I", a troubleshooting report;
- an *evaluation* of a change ("should we add", "is it OK to", "would it be a good idea", "what if we"):
  a question about a plan, so both.

An operational task ("restore", "resize", "pin", "silence", "rotate") is a how-to, not a stack change.

A paste longer than PASTE_CHARS is routed by its opening and never reviewed from `ask` (a review reads every line:
about 2 minutes for 100 KB): a plan that long is answered from its opening, with the hint to review it as a file
(`assistant review --proposal`)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

Route = Literal["answer", "review", "both"]
PASTE_CHARS = (
    20_000  # a proposal is a few KB; past this a message is a paste (a log, a whole doc), answered by its opening
)

# Verbs that change what the stack runs or how it is built.
_CHANGE = (
    r"add|adding|deploy|deploying|install|installing|introduce|adopt|replace|replacing|migrate|migrating|switch|"
    r"switching|move|moving|moved|enable|disable|turn\s+(?:on|off)|roll\s+out|set\s+up|spin\s+up|bump|drop|dropping|"
    r"dropped|remove|removing|run|running|host|self-host|self-hosting|expose|exposing|store|storing|put|ship|"
    r"bring\s+in|skip|use|using|swap|retire|consolidate|split"
)
# Operational verbs: doing something with what is already there (a how-to, answered from runbooks).
_TASK = (
    r"restore|resize|rotate|pin|hold|silence|reconcile|debug|troubleshoot|fix|wipe|check|find|get|bypass|recover|"
    r"roll\s*back|rollback|list|show|explain|describe|tell|help|compare|trace|inspect|look\s+up|trigger|force|"
    r"upgrade|update|renew|unseal|drain|cordon|reboot|restart|scale|clean\s+up|delete|investigate|verify|test"
)

_PLAN_PHRASE = re.compile(
    r"\b(?:i|we)(?:\s+|'|’)(?:want|wanna|would\s+like|d\s+like|plan|am\s+planning|are\s+planning|m\s+planning|"
    r"re\s+planning|intend|am\s+going|are\s+going|m\s+going|re\s+going|will|ll|decided|have\s+decided|"
    r"ve\s+decided|propose|am\s+adding|m\s+adding|are\s+adding|re\s+adding|m\s+about|re\s+about)\b"
    r"|^\s*plan(?:ning)?\s+to\b"
    r"|\b(?:thinking\s+(?:of|about)|considering|contemplating|leaning\s+towards)\b"
    r"|\bour\s+plan\s+is\b|\blet(?:'|’)?s\s+(?:" + _CHANGE + r")\b"
    r"|^\s*(?:proposal|plan|rfc|new\s+app|new\s+service|change|design)\s*:"
    r"|^\s*going\s+to\s+(?:" + _CHANGE + r")\b"
    # other languages: de, fr, es, pt, it, nl
    r"|\b(?:wir\s+wollen|ich\s+will|ich\s+möchte|wir\s+möchten|wir\s+planen|ich\s+plane|je\s+veux|nous\s+voulons|"
    r"on\s+veut|je\s+voudrais|nous\s+allons|quiero|queremos|vamos\s+a|planeamos|eu\s+quero|nós\s+queremos|"
    r"vogliamo|voglio|we\s+willen|ik\s+wil)\b",
    re.I | re.M,
)
_IMPERATIVE_CHANGE = re.compile(r"^\s*(?:please\s+)?(?:" + _CHANGE + r")\b", re.I)
_IMPERATIVE_TASK = re.compile(r"^\s*(?:please\s+)?(?:" + _TASK + r")\b", re.I)

_WH = (
    r"how|what|what's|whats|where|where's|why|which|when|who|whom|whose|is|are|does|do|did|can|could|would|will|"
    r"should|shall|am|was|were|has|have|any|anything|cómo|como|dónde|donde|qué|que|cuál|cuáles|cuándo|por\s+qué|"
    r"comment|où|quel|quelle|quels|quelles|pourquoi|est-ce|wie|wo|was|warum|welche|welcher|welches|wann|gibt\s+es|"
    r"onde|qual|quais|porque|dove|perché|quale|hoe|waar|waarom|welke"
)
_QUESTION = re.compile(
    r"[?？]|^\s*[¿]?(?:" + _WH + r")\b"
    r"|\bhow\s+(?:do|can|should|would|to|does|is|are)\b|\bwhat(?:'|’)?s\s+the\b|\bwhat\s+(?:do|should|is|are)\s+"
    r"|\bwhere\s+(?:do|does|is|are|should)\b|\bwhich\s+\w+\s+(?:should|does|do|is)\b|\bany\s+idea\b"
    r"|\b(?:failing|fails|failed|stuck|broken|won(?:'|’)?t|can(?:'|’)?t|cannot|doesn(?:'|’)?t|crash\w*|error|"
    r"not\s+working)\b|^\s*help\b|\bi(?:'|’)?m\s+trying\s+to\b|\bi\s+need\s+to\s+(?:" + _TASK + r")\b",
    re.I | re.M,
)
# A question that weighs a change: it is about a plan, so it gets an answer and the review offer.
_EVALUATIVE = re.compile(
    r"\bshould\s+(?:we|i)\s+(?!use\b)(?:" + _CHANGE + r")\b"
    r"|\b(?:is|would)\s+it\s+(?:be\s+)?(?:ok|okay|fine|safe|acceptable|wise|sensible|a\s+good\s+idea|a\s+bad\s+idea|"
    r"better|worth|allowed|reasonable)\b"
    r"|\bgood\s+idea\b|\bbad\s+idea\b|\bmake\s+sense\b|\bacceptable\b|\bworth\s+it\b|\bpros\s+and\s+cons\b"
    r"|\bwhat\s+if\s+(?:we|i)\b|\bif\s+we\s+(?:" + _CHANGE + r")\b|\bwhat\s+would\s+(?:we|i)\s+lose\b"
    r"|\b(?:can|could|may)\s+(?:we|i)\s+(?:" + _CHANGE + r")\b|\bam\s+i\s+allowed\b|\bare\s+we\s+allowed\b"
    r"|\bwould\s+(?:a|an|the|one|two|\w+-\w+)\b.*\b(?:be\s+)?enough\b|\bwouldn(?:'|’)?t\s+it\s+be\b"
    r"|\bdoes\s+(?:" + _CHANGE + r")\b.*\b(?:conflict|break|clash|overlap)\b"
    r"|\b(?:does\s+(?:it|this)\s+look\s+(?:right|ok|okay|good|fine)|is\s+this\s+(?:\w+\s+){0,3}"
    r"(?:ok|okay|right|fine|correct|good))\b"
    r"|\bdebería(?:mos)?\b|\bdevrions|\bdevrais|\bsollten\s+wir\b|\bsollte\s+ich\b",
    re.I,
)
_MANIFEST = re.compile(r"^\s*(?:apiVersion|kind)\s*:\s*\S", re.M)
_STRUCTURED = re.compile(
    r"^\s*[-*]?\s*(?:image|storage|db|database|ingress|exposure|backups?|monitoring|auth|secrets?|network)\s*:\s*\S",
    re.I | re.M,
)


class Intent(BaseModel):
    route: Route
    reason: str
    fallback: bool = False  # no question or plan signal: the default route, not a reading of the text


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+|\n", text.strip(), maxsplit=1)[0]


def route(text: str) -> Intent:
    """answer (a how-to/what/why question), review (a plan to change the stack) or both (answer, offer the review)."""
    body = text.strip()
    if not body:
        return Intent(route="answer", reason="empty", fallback=True)
    if len(body) > PASTE_CHARS:  # read by its opening; a plan that long is answered, and its review offered
        opening = route(body[:PASTE_CHARS])
        if opening.route != "review":
            return opening
        return Intent(
            route="both",
            reason=f"a {len(body):,}-character paste: answered from its opening; review a plan that long as a file",
        )
    prose = "\n".join(line for line in body.splitlines() if not re.match(r"^\s+\S|^\s*[-\w]+:\s", line)) or body
    manifest = bool(_MANIFEST.search(body))
    structured = len(_STRUCTURED.findall(body)) >= 2
    question = bool(_QUESTION.search(prose))
    evaluative = _EVALUATIVE.search(prose)
    plan = _PLAN_PHRASE.search(body)
    first = _first_sentence(prose)
    imperative_change = bool(_IMPERATIVE_CHANGE.search(first)) and not _IMPERATIVE_TASK.search(first)

    if evaluative:
        return Intent(route="both", reason=f"weighs a change ({evaluative.group(0).strip()!r})")
    if question and (plan or imperative_change):
        what = plan.group(0).strip() if plan else first.split()[0]
        return Intent(route="both", reason=f"a plan ({what!r}) with a question")
    if plan:
        return Intent(route="review", reason=f"states a plan ({plan.group(0).strip()!r})")
    if question:
        return Intent(route="answer", reason="a question")
    if imperative_change:
        return Intent(route="review", reason=f"an instruction to change the stack ({first.split()[0]!r})")
    if manifest or structured:
        return Intent(route="review", reason="a manifest or structured proposal without a question")
    if len(body.split()) > 60:
        return Intent(route="review", reason="a long description without a question")
    return Intent(route="answer", reason="no question or plan signal", fallback=True)
