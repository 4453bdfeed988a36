"""Types at the boundaries: chunks of knowledge, findings, and the Verdict JSON contract (schema_version 1)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Source = Literal["framework", "stack", "repo"]
Rating = Literal["strong", "neutral", "weak", "unknown"]
Severity = Literal["blocker", "major", "minor", "info"]
VerdictName = Literal["approve", "revise", "reject"]
VerdictReason = Literal["findings", "insufficient-detail"]
Category = Literal[
    "overlap",
    "cloud-only",
    "no-observability",
    "manual-steps",
    "state-outside-git",
    "single-instance",
    "secret-in-git",
    "ephemeral-storage",
    "no-backup",
    "network-exposure",
    "unpinned-version",
    "missing-tests",
    "convention",
    "privileged",
    "duplicate-key",
    "breaks-dependants",
    "prompt-injection",
]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]
SEVERITY_ORDER: dict[str, int] = {"blocker": 3, "major": 2, "minor": 1, "info": 0}


class Chunk(BaseModel):
    """One retrievable piece of knowledge with a stable citation id."""

    id: str
    source: Source
    path: str
    section: str = ""
    lines: tuple[int, int] = (1, 1)
    text: str
    kind: str = "text"  # markdown | yaml | hcl | text | stack
    extra: dict[str, str] = Field(default_factory=dict)  # k8s kind/name/namespace, component slug …


class Hit(BaseModel):
    """A chunk returned by retrieval, with its fused score."""

    chunk: Chunk
    score: float

    def excerpt(self, width: int = 240) -> str:
        body = " ".join(self.chunk.text.split())
        return body if len(body) <= width else body[: width - 1] + "…"


class Location(BaseModel):
    path: str
    line: int | None = None


class Citation(BaseModel):
    id: str
    source: Source
    path: str
    section: str
    lines: tuple[int, int]
    excerpt: str


class Finding(BaseModel):
    id: str
    category: Category
    severity: Severity
    component: str | None = None
    message: str
    suggestion: str = ""
    location: Location | None = None
    citations: list[str] = Field(default_factory=list)
    evidence: str = Field(default="", exclude=True)  # the words that triggered it (not in the contract)
    origin: Literal["check", "llm"] = Field(default="check", exclude=True)


class CriterionResult(BaseModel):
    id: str
    group: str
    name: str
    rating: Rating
    rationale: str
    citations: list[str] = Field(default_factory=list)


class Subject(BaseModel):
    kind: Literal["proposal", "pull_request"]
    title: str
    ref: str


class EngineInfo(BaseModel):
    mode: Literal["offline", "llm"]
    model: str
    duration_ms: int = 0
    dropped_citations: int = 0
    dropped_summaries: int = 0  # a model summary that contradicted the computed verdict (it is replaced)
    fallback_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt_version: str | None = None
    # how the sources were found: "hybrid" (the index, dense + keyword), "keyword" (no index yet: the repo searched by
    # BM25 alone, so the sources are preliminary and may change once `assistant index` has run), "none" (no repo)
    retrieval: Literal["hybrid", "keyword", "none"] = "hybrid"


class ChecklistItem(BaseModel):
    pattern: str  # the framework design pattern
    item: str  # the pattern's item as the framework words it
    status: Literal["satisfied", "missing", "not applicable"]
    evidence: str = ""  # file:line, or why


class Coverage(BaseModel):
    reviewed: int
    skipped: dict[str, int]
    trimmed_for_llm: list[str] = Field(default_factory=list)
    malformed_yaml: list[str] = Field(default_factory=list)
    not_reviewed: dict[str, str] = Field(default_factory=dict)  # changed files that could not be reviewed, and why


class PullRequestSummary(BaseModel):
    """What a pull-request review adds to the verdict: what the PR does in the repo's words, its risk and effort,
    the New Application checklist, and what was (not) reviewed."""

    what: str  # the PR's title
    summary: str = ""  # the new apps and namespaces, the areas touched, the house patterns present or missing
    apps: list[str]
    components: list[str]  # the repo's tools the PR touches
    files: list[str]
    areas: dict[str, int] = Field(default_factory=dict)  # top folders of the repo, and how many files each
    patterns_present: list[str] = Field(default_factory=list)
    patterns_missing: list[str] = Field(default_factory=list)
    risk: Literal["low", "medium", "high"]
    effort: int
    checklist: list[ChecklistItem]
    coverage: Coverage


class Answer(BaseModel):
    """The answer to a question (`assistant ask`), grounded in cited sources."""

    question: str
    answer: str  # Markdown with [n] markers
    citations: list[Citation]
    mode: str = "offline"
    relevant: bool = True  # False: no source matched; the citations are the closest ones, not an answer
    notes: list[str] = Field(default_factory=list)
    retrieval: Literal["hybrid", "keyword", "none"] = "hybrid"  # as EngineInfo.retrieval


class Verdict(BaseModel):
    """The review result. `model_dump(mode="json")` is the public JSON contract."""

    schema_version: Literal[1] = 1
    subject: Subject
    verdict: VerdictName
    score: int
    criteria: list[CriterionResult]
    findings: list[Finding]
    questions: list[str]
    citations: list[Citation]
    engine: EngineInfo
    challenges: list[str] = Field(default_factory=list)
    summary: str = ""
    # why the verdict is not approve: findings to act on, or a plan too thin to judge (say more, not "this is wrong")
    reason: VerdictReason | None = None
    pull_request: PullRequestSummary | None = None  # PR summary, pattern checklist, coverage (pull requests only)

    def to_json(self) -> str:
        """The contract's JSON; `pull_request` appears only on pull-request reviews."""
        return self.model_dump_json(indent=2, exclude={"pull_request"} if self.pull_request is None else None)
