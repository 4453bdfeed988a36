"""The conversation's logic, with no Textual in it: the proposal, the operator's answers, the text to review,
which challenge or question to put next (one at a time), the replies, and JSON to and from disk.

The text reviewed is the proposal followed by the operator's answers, never the questions: a question such as
"How is it backed up?" would otherwise count as the proposal answering the backup topic itself."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from assistant.models import Verdict

SCHEMA_VERSION = 1
SKIP_COMMANDS = ("/skip", "/s")
EDIT_COMMANDS = ("/edit", "/e")
ANSWERS_HEADING = "## Operator's answers"

Role = Literal["operator", "assistant"]
TurnKind = Literal["proposal", "answer", "addition", "verdict", "challenge", "question", "done", "error", "note"]
StepKind = Literal["challenge", "question"]


@dataclass
class Turn:
    role: Role
    kind: TurnKind
    text: str  # Markdown for the assistant's turns, the operator's words as typed otherwise


@dataclass
class Step:
    """What the assistant has put to the operator and waits for an answer to."""

    kind: StepKind
    text: str


@dataclass
class Answer:
    text: str
    prompt: str | None = None  # the challenge or question it answers; None for detail added unprompted


@dataclass
class Point:
    """One review's result: the verdict's trajectory over the conversation."""

    verdict: str
    score: int
    findings: int
    questions: int


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


HEADLINE = {"approve": "✅ APPROVE", "revise": "🟡 REVISE", "reject": "⛔ REJECT"}


@dataclass
class Conversation:
    id: str = field(default_factory=new_id)
    created: str = field(default_factory=_now)
    updated: str = field(default_factory=_now)
    kind: Literal["proposal", "pull_request"] = "proposal"
    ref: str = "-"
    proposal: str = ""
    answers: list[Answer] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    challenged: list[str] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    pending: Step | None = None
    editing: bool = False  # the next submission replaces the proposal
    trajectory: list[Point] = field(default_factory=list)
    verdict: Verdict | None = None
    _replaced: tuple[str, Step | None] | None = field(default=None, repr=False, compare=False)  # undo of an /edit

    # -- what the operator says -------------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return bool(self.proposal)

    @property
    def title(self) -> str:
        if self.verdict is not None:
            return self.verdict.subject.title
        for line in self.proposal.splitlines():
            line = line.strip().lstrip("#").strip()
            if line:
                return line[:90]
        return "new review"

    def submit(self, text: str) -> Turn:
        """The operator's words: the proposal first, then answers (to the pending step, or unprompted detail).
        The caller reviews `review_input()` afterwards."""
        text = text.strip()
        if not self.started or self.editing:
            self._replaced = (self.proposal, self.pending) if self.editing else None
            self.proposal = text
            turn = Turn("operator", "proposal", text)
            if self.editing:
                self.editing = False
                self.pending = None
        elif self.pending is not None:
            self.answers.append(Answer(text, self.pending.text))
            self._mark_raised(self.pending)
            self.pending = None
            turn = Turn("operator", "answer", text)
        else:
            self.answers.append(Answer(text))
            turn = Turn("operator", "addition", text)
        self.turns.append(turn)
        self.touch()
        return turn

    def start_pull_request(self, ref: str) -> Turn:
        self.kind = "pull_request"
        self.ref = ref
        self.proposal = f"Pull request {ref}"
        turn = Turn("operator", "proposal", f"Review pull request {ref}")
        self.turns.append(turn)
        return turn

    def begin_edit(self) -> str:
        """The proposal's text, for the operator to revise; the next submission replaces it."""
        self.editing = True
        return self.proposal

    def skip(self) -> list[Turn]:
        """Leave the pending step unanswered and put the next one (no re-review: nothing changed)."""
        if self.pending is None:
            return []
        self.skipped.append(self.pending.text)
        self.pending = None
        return self._advance(note=None)

    def advance(self) -> list[Turn]:
        """Put the next step without a re-review (a pull request's verdict does not read the answers)."""
        return self._advance(note=None)

    def review_input(self) -> str:
        """The text to review: the proposal, then the operator's answers as a list (questions left out)."""
        if not self.answers:
            return self.proposal
        lines = [self.proposal.rstrip(), "", ANSWERS_HEADING, ""]
        lines += [f"- {' '.join(a.text.split())}" for a in self.answers]
        return "\n".join(lines) + "\n"

    # -- what the assistant says ------------------------------------------------------------------------------

    def record_review(self, verdict: Verdict) -> list[Turn]:
        """A review came back: reply with the verdict (and how it moved), then put the next step."""
        before = self.trajectory[-1] if self.trajectory else None
        settled = self._settled(verdict)
        self.verdict = verdict
        point = Point(verdict.verdict, verdict.score, len(verdict.findings), len(verdict.questions))
        self.trajectory.append(point)
        reply = Turn("assistant", "verdict", verdict_reply(verdict, before))
        self.turns.append(reply)
        self.touch()
        return [reply, *self._advance(note=settled)]

    def record_error(self, message: str, hint: str | None) -> Turn:
        """A review failed: say why, and undo the submission that caused it so the operator can try again."""
        last_turn = next((t for t in reversed(self.turns) if t.role == "operator"), None)
        if last_turn is None or last_turn.kind == "proposal":
            # a failed edit restores what it replaced; a failed first proposal leaves none (the next one is it)
            self.proposal, self.pending = self._replaced or ("", None)
            self._replaced = None
        elif self.answers:
            last = self.answers.pop()
            if last.prompt is not None:
                self.pending = next((s for s in self._steps_raised() if s.text == last.prompt), None)
        text = f"**Cannot review:** {message}" + (f"\n\n*Hint:* {hint}" if hint else "")
        turn = Turn("assistant", "error", text)
        self.turns.append(turn)
        return turn

    def note(self, text: str) -> Turn:
        turn = Turn("assistant", "note", text)
        self.turns.append(turn)
        return turn

    def last_reply(self) -> str | None:
        """Everything the assistant said after the operator's last message (verdict, note, next step), as Markdown."""
        reply: list[str] = []
        for t in reversed(self.turns):
            if t.role == "operator":
                break
            reply.append(t.text.strip())
        return "\n\n".join(reversed(reply)) + "\n" if reply else None

    def touch(self) -> None:
        self.updated = _now()

    def _steps_raised(self) -> list[Step]:
        return [Step("challenge", c) for c in self.challenged] + [Step("question", q) for q in self.asked]

    def _mark_raised(self, step: Step) -> None:
        target = self.challenged if step.kind == "challenge" else self.asked
        if step.text not in target:
            target.append(step.text)

    def _settled(self, verdict: Verdict) -> str | None:
        """When this review answers the operator's answer to a step: a line if the answer did not settle it."""
        last_turn = next((t for t in reversed(self.turns) if t.role == "operator"), None)
        if last_turn is None or last_turn.kind != "answer" or self.verdict is None:
            return None
        prompt = self.answers[-1].prompt
        if prompt in verdict.challenges:
            return (
                "The finding still stands: the proposal's own words trigger it. "
                "Type `/edit` to revise the proposal if the plan has changed."
            )
        if prompt in verdict.questions:
            return "That answer did not settle the question for the framework; it stays open."
        return None

    def _next_step(self) -> Step | None:
        if self.verdict is None:
            return None
        done = set(self.challenged) | set(self.asked) | set(self.skipped)
        for text in self.verdict.challenges:
            if text not in done:
                return Step("challenge", text)
        for text in self.verdict.questions:
            if text not in done:
                return Step("question", text)
        return None

    def _advance(self, note: str | None) -> list[Turn]:
        out: list[Turn] = []
        if note:
            out.append(Turn("assistant", "note", note))
        if self.pending is None:
            step = self._next_step()
            if step is not None:
                self.pending = step
                self._mark_raised(step)
                out.append(Turn("assistant", step.kind, self._step_text(step)))
            elif self.verdict is not None and self._last_step_kind() != "done":
                out.append(Turn("assistant", "done", done_reply(self.verdict)))
        self.turns.extend(out)
        return out

    def _last_step_kind(self) -> str | None:
        return next((t.kind for t in reversed(self.turns) if t.kind in ("challenge", "question", "done")), None)

    def _step_text(self, step: Step) -> str:
        assert self.verdict is not None
        if step.kind == "challenge":
            n = self.verdict.challenges.index(step.text) + 1
            name, _, rest = step.text.partition(": ")
            body = f"**{name}.** {rest}" if rest else step.text
            return (
                f"**Challenge {n} of {len(self.verdict.challenges)}** (anti-pattern)\n\n{body}\n\n"
                "How does the proposal answer this? (`/skip` to move on)"
            )
        remaining = [q for q in self.verdict.questions if q not in self.asked and q not in self.skipped]
        return (
            f"**Question {len(self.asked)}** ({len(remaining)} more open)\n\n{step.text}\n\n"
            "*Answer in a sentence or two, or `/skip`.*"
        )

    # -- JSON ---------------------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "created": self.created,
            "updated": self.updated,
            "kind": self.kind,
            "ref": self.ref,
            "title": self.title,
            "proposal": self.proposal,
            "answers": [asdict(a) for a in self.answers],
            "turns": [asdict(t) for t in self.turns],
            "challenged": self.challenged,
            "asked": self.asked,
            "skipped": self.skipped,
            "pending": asdict(self.pending) if self.pending else None,
            "editing": self.editing,
            "trajectory": [asdict(p) for p in self.trajectory],
            "verdict": self.verdict.model_dump(mode="json") if self.verdict else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Conversation:
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"unknown conversation schema_version {data.get('schema_version')!r}")
        return cls(
            id=str(data["id"]),
            created=str(data["created"]),
            updated=str(data["updated"]),
            kind=data.get("kind", "proposal"),
            ref=str(data.get("ref", "-")),
            proposal=str(data["proposal"]),
            answers=[Answer(**a) for a in data["answers"]],
            turns=[Turn(**t) for t in data["turns"]],
            challenged=list(data["challenged"]),
            asked=list(data["asked"]),
            skipped=list(data.get("skipped", [])),
            pending=Step(**data["pending"]) if data.get("pending") else None,
            editing=bool(data.get("editing", False)),
            trajectory=[Point(**p) for p in data["trajectory"]],
            verdict=Verdict.model_validate(data["verdict"]) if data.get("verdict") else None,
        )


def _delta(now: int, before: int) -> str:
    return f"{before} → {now}" if now != before else f"{now} (unchanged)"


def verdict_reply(verdict: Verdict, before: Point | None) -> str:
    """The assistant's Markdown reply after a review: headline, how it moved, summary, findings by number."""
    nums = {c.id: n for n, c in enumerate(verdict.citations, 1)}
    lines = [f"**{HEADLINE[verdict.verdict]} · score {verdict.score}/100**", ""]
    if before is not None:
        changed = before.verdict != verdict.verdict
        moved = "Verdict " + (f"{before.verdict} → {verdict.verdict}" if changed else "unchanged")
        lines += [
            f"{moved}; score {_delta(verdict.score, before.score)}; findings "
            f"{_delta(len(verdict.findings), before.findings)}; open questions "
            f"{_delta(len(verdict.questions), before.questions)}.",
            "",
        ]
    if verdict.summary:
        lines += [verdict.summary, ""]
    if verdict.engine.fallback_reason:
        lines += [f"> Offline review: the LLM was unavailable ({verdict.engine.fallback_reason}).", ""]
    for f in verdict.findings:
        refs = "".join(f"[{nums[c]}]" for c in f.citations if c in nums)
        lines.append(f"- **{f.severity}** `{f.category}`: {f.message} {refs}".rstrip())
    if verdict.findings:
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def done_reply(verdict: Verdict) -> str:
    return (
        f"That was every challenge and open question. Standing verdict: **{verdict.verdict.upper()}**, "
        f"score {verdict.score}/100, {len(verdict.questions)} question(s) still open.\n\n"
        "Add detail at any time (it is re-reviewed), `/edit` the proposal, or export the verdict."
    )
