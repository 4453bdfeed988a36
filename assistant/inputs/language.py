"""Reading a proposal's language: sentences, and whether a mention is negated or contrasted away.

"instead of Redis we use Dragonfly", "no hostPath", "we will not commit secrets, not even SOPS-encrypted":
a mention inside the scope of a negation cue is not a claim that the proposal does the thing."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"'(*-])|\n\s*\n|\n\s*(?=[-*•]\s|\d+[.)]\s|#)")
# cues whose scope runs forward over the next few words
NEG_BEFORE = re.compile(
    r"\b(?:no|not|never|without|instead\s+of|rather\s+than|avoid(?:s|ing)?|won'?t|wont|will\s+not|don'?t|"
    r"doesn'?t|do\s+not|does\s+not|isn'?t|aren'?t|cannot|can'?t|nor|neither|"
    r"drop(?:s|ped|ping)?|remov(?:e|es|ed|ing)|delet(?:e|es|ed|ing)|replac(?:e|es|ed|ing)|reject(?:s|ed|ing)?|"
    r"rul(?:e|ed)\s+out|nobody|no\s+one|until\s+now|previously|so\s+far|in\s+the\s+past|"
    r"old|legacy|leftover|stale|deprecated|former|still\s+(?:on|runs?|running|uses?|using|sits?|shipping)|"
    r"off\s+(?:the|our|my)|"
    r"(?:readme|docs?|documentation|upstream|wiki|guide|tutorial)(?:\s+\w+)?\s+(?:shows?|says?|suggests?|uses|"
    r"recommends?|wants?|expects?|tells?)|"
    r"migrat(?:e|ed|ing)\s+(?:away\s+)?from|mov(?:e|ed|ing)\s+(?:away\s+)?from|retir(?:e|ed|ing)|"
    r"skip(?:s|ping|ped)?|revert(?:s|ed|ing)?|decommission(?:ed|ing)?|get\s+rid\s+of|used\s+to|ditch(?:ed|ing)?|skip\s+the\s+idea\s+of|"
    r"considered|evaluated|looked\s+at|thought\s+about|tempted\s+by|"
    r"unlike|as\s+opposed\s+to|in\s+place\s+of|zero|nothing|nowhere|haven'?t|hasn'?t|leav(?:e|ing)\s+out|"
    r"(?:someone|somebody|people|others?|a\s+friend|reddit)\s+(?:suggested|recommended|proposed|mentioned))\b",
    re.I,
)
# cues after the mention: "Redis is not needed", "MinIO: rejected"
NEG_AFTER = re.compile(
    r"^[\s\w/'`:-]{0,60}?\b(?:is|are|was|were)?\s*(?:skip(?:ping|ped)?\b|none\b|n/a\b|came\s+up\b|comes?\s+back\b|"
    r"go(?:es)?\s+(?:too|away)\b|(?:is|are)\s+gone\b|(?:gets?|got|is|are)\s+deleted\b|that\s+stops\b|"
    r"(?:were|was)\s+(?:suggested|mentioned)\b|"
    r"not\s+(?:needed|necessary|required|used|an\s+option|involved|now|yet|planned|"
    r"in\s+(?:scope|play))|unnecessary|rejected|ruled\s+out|out\s+of\s+scope|off\s+the\s+table|"
    r"was\s+considered\s+but|(?:gets|got|is|are)\s+(?:replaced|removed|dropped|retired))",
    re.I,
)
# a "but" / "so" resets the scope of an earlier cue: "we considered Vault, but ..." keeps Vault negated,
# while "no monitoring needed, but we run Redis" must not negate Redis
_SCOPE_BREAK = re.compile(
    r"[;!?]|\.(?=\s)|(?<!kind):(?=\s)|\b(?:but|however|so|then|although|though|while|whereas|and\s+then|we|i|they|let'?s)\b|,\s+and\b|→|->",
    re.I,
)
# "replace Redis with Dragonfly", "migrate from Promtail to Alloy": what follows to/with is the new choice
_SWAP_CUE = re.compile(r"replac|migrat|mov|swap|switch|in\s+place", re.I)
_SWAP_TARGET = re.compile(r"\b(?:to|with|by|for|in\s+favou?r\s+of|onto)\b", re.I)
WINDOW_WORDS = 12
LOOKBACK = 400  # characters before a mention: room for the 16 words the list walk-back reads


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset in the whole text
    line: int  # 1-based line of its start


MAX_SENTENCE = 600  # characters: a longer run-on is cut into its clauses, so per-sentence work stays linear
_CLAUSE = re.compile(r"(?<=[,;])\s+")


def _bounded(piece: str) -> list[str]:
    """A sentence as it is, or, over MAX_SENTENCE characters, its clauses (cut after each comma or semicolon), a
    clause still too long cut at the last space that fits. Clause cuts repeat where the text repeats."""
    if len(piece) <= MAX_SENTENCE:
        return [piece]
    out: list[str] = []
    for clause in _CLAUSE.split(piece):
        while len(clause) > MAX_SENTENCE:
            cut = clause.rfind(" ", 0, MAX_SENTENCE) + 1 or MAX_SENTENCE
            out.append(clause[:cut])
            clause = clause[cut:]
        out.append(clause)
    return out


def sentences(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    pos = 0
    line = 1
    for piece in (p for whole in _SENTENCE.split(text) for p in _bounded(whole)):
        idx = text.find(piece, pos)
        if idx < 0:
            idx = pos
        line += text.count("\n", pos, idx)
        if piece.strip():
            out.append(Sentence(piece, idx, line))
        line += piece.count("\n")
        pos = idx + len(piece)
    return out


def is_negated(sentence: str, start: int, end: int) -> bool:
    """Whether the mention at [start, end) of the sentence sits in the scope of a negation or contrast cue. Only
    the words just before it count, so only the last LOOKBACK characters are read: linear in the input, however
    long a run-on "sentence" is."""
    before = sentence[max(0, start - LOOKBACK) : start]
    breaks = list(_SCOPE_BREAK.finditer(before))
    scope = before[breaks[-1].end() :] if breaks else before
    words = scope.split()
    window = " ".join(words[-WINDOW_WORDS:])
    cues = list(NEG_BEFORE.finditer(window))
    if cues:
        last = cues[-1]
        return not (_SWAP_CUE.match(last.group(0)) and _SWAP_TARGET.search(window[last.end() :]))
    # "A, B or C" after a cue: walk back over a list that started under the cue
    if re.search(r"(?:,|\bor\b|\bnor\b|/)\s*$", window) and NEG_BEFORE.search(" ".join(words[-16:])):
        return True
    return bool(NEG_AFTER.match(sentence[end:]))
