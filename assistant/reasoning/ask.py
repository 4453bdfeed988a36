"""`assistant ask`: a grounded answer with citations. Routing (answer, review or both) is assistant.reasoning.intent.

The offline answer opens with the direct recommendation from the best source, then quotes the steps, commands
or manifest from that source with file:line, then lists related sources; at most ~25 lines. A question that no
indexed source matches says so and lists the closest sources instead of inventing an answer."""

from __future__ import annotations

import re

from assistant.config import Settings
from assistant.errors import InputError
from assistant.knowledge_base.keyword import tokenize
from assistant.knowledge_base.knowledge import Knowledge
from assistant.models import Answer, Citation, Hit
from assistant.reasoning.intent import route
from assistant.render.safe import terminal_safe


def is_proposal(text: str) -> bool:
    """Kept for callers that only need a yes/no: the router says it is a plan (review)."""
    return route(text).route == "review"


QUERY_CHARS = 2000  # a long paste is searched by its opening
QUOTE_LINES = 8
RELATED = 4
POOL = 30
# words every question shares with every doc: not evidence that a source is relevant
_GENERIC = frozenset(
    tokenize(
        "how do does i we you should use using add new app application need make get set what which where why "
        "when is are can could would cluster repo homelab kubernetes k8s thing way best right look like manifest "
        "one file step steps"
    )
)
_TASK_SECTION = re.compile(  # whole words: "Anti-Patterns to Challenge" is not a how-to
    r"\b(?:remediation|procedure|steps?|how|usage|fix|resolution|adding|create|setup|set up|examples?|"
    r"(?<!anti-)patterns?|escape|override|workaround|runbook|guide|quick ?start|instructions|checklist)\b",
    re.I,
)
_WHY_SECTION = re.compile(r"context|decision|rationale|why|consequence|overview|alternatives|trade", re.I)
_WEAK_SECTION = re.compile(r"related|see also|references|links|outline|changelog|history|table of contents", re.I)
_CUE = re.compile(
    r"\b(?:use|uses|should|must|never|always|prefer|recommend\w*|run|create|add|set|edit|instead|do not|don't|"
    r"is done|goes? in|lives? in)\b",
    re.I,
)
_STEP = re.compile(r"^\s*(?:\d+[.)]|[-*])\s|^\s*```|^\s*(?:kubectl|flux|talosctl|task|helm|git|kustomize|velero)\b")
_COMMAND = re.compile(r"`[^`]*(?:kubectl|flux|talosctl|task |helm|velero|git )[^`]*`|^\s*(?:kubectl|flux|talosctl)\b")
_WHY = re.compile(r"^\s*(?:why|what\s+is\s+the\s+reason|how\s+come)\b|\bwhy\b", re.I)
_TASK_Q = re.compile(
    r"\bhow\s+(?:do|can|should|would|to)\b|\bsteps?\b|\bprocedure\b|\bfix\b|\bstuck\b|\bfail\w*|\bbroken\b|"
    r"\brestore\b|\brecover\w*|\bresize\b|\brotate\b|\bupgrade\b|\bhealthy\s+again\b|\bcommand\b",
    re.I,
)
_ENGLISH = frozenset(
    re.findall(
        r"\w+",
        "the a an to of in on for and or is are do does how what where why which i we my our can should with it "
        "this that from",
    )
)
_FOREIGN = frozenset(
    re.findall(
        r"\w+",
        "el la los las un una de del que cómo como dónde qué por para con es en se y o le les des du et est une "
        "pour avec dans où quel quelle comment der die das und ist wie wo was ich wir mit für ein eine nicht os um "
        "uma não em com il lo di che per non sono het een van ik",
    )
)


def foreign_language(text: str) -> bool:
    """The question does not read as English (the sources and the embedding model are English)."""
    if re.search(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0400-\u04ff\u0590-\u06ff]", text):
        return True
    words = re.findall(r"[^\W\d_]+", text.lower())
    en = sum(w in _ENGLISH for w in words)
    other = sum(w in _FOREIGN and w not in _ENGLISH for w in words)
    return other > en


def _sentences(text: str) -> list[tuple[int, str]]:
    """(line offset within the chunk, sentence) for the prose of a chunk: paragraphs and list items joined across
    their wrapped lines; a lead-in ending in ":" also as one sentence with the list items after it; headings,
    tables and code left out."""
    paras: list[tuple[int, str, bool]] = []  # (line, text, is a list item)
    fenced = False
    para: list[str] = []
    para_at = 0

    def flush() -> None:
        if para:
            item = bool(re.match(r"(?:\d+[.)]|[-*>])\s", para[0]))
            paras.append((para_at, re.sub(r"^(?:\d+[.)]|[-*>])\s+", "", " ".join(para)), item))
        para.clear()

    for n, line in enumerate(text.splitlines()):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            flush()
            fenced = not fenced
            continue
        if fenced or not stripped or stripped.startswith(("#", "|", "<!--")):
            flush()
            continue
        if re.match(r"(?:\d+[.)]|[-*])\s", stripped) and para:
            flush()
        if not para:
            para_at = n
        para.append(stripped)
    flush()
    out: list[tuple[int, str]] = []
    for i, (at, body, item) in enumerate(paras):
        parts = [s for s in re.split(r"(?<=[.!?;])\s+", body) if len(s) > 20]
        items = [t for _, t, is_item in paras[i + 1 : i + 4] if is_item]
        if parts and not item and items and parts[-1].rstrip().endswith(":"):  # "Every app ships: - a … - a …"
            parts[-1] = f"{parts[-1].rstrip()} {'; '.join(t.rstrip(' ;') for t in items)}"
        out.extend((at, s) for s in parts)
    return out


def _last_heading(hit: Hit) -> str:
    return hit.chunk.section.rsplit(">", 1)[-1].strip()


def _outline(hit: Hit) -> bool:
    return hit.chunk.id.endswith("#outline") or hit.chunk.section == "outline"


def _section_prior(hit: Hit, why: bool) -> float:
    section = _last_heading(hit)
    prior = 0.0
    if _WEAK_SECTION.search(section) or _outline(hit):
        prior -= 0.6
    if why and _WHY_SECTION.search(section):
        prior += 0.3
    if not why and ">" in hit.chunk.section and _TASK_SECTION.search(section):
        prior += 0.3  # a section of steps; a document's title ("Runbook: …") names the file, which _file_prior weighs
    if not why and re.search(r"symptoms?|signs|alerts?$", section, re.I):
        prior -= 0.2  # what it looks like, not what to do
    if not why and any(_STEP.match(line) for line in hit.chunk.text.splitlines()):
        prior += 0.1
    return prior


# Runbooks, how-to guides, and agent skills (`.claude/skills/new-app/SKILL.md`: one procedure each, written to be
# followed step by step)
_HOWTO_PATH = re.compile(r"runbook|how-?to|guide|(^|/)skills?/|(^|/)skill\.md$")


def _file_prior(path: str, why: bool, task: bool = True) -> float:
    """Runbooks, how-to docs and skills for a task, architecture docs and ADRs for a why; the built-in framework below
    the repo's own docs for a task (it names patterns, the repo says how they are done here)."""
    low = path.lower()
    if why:
        return 0.15 if re.search(r"adr|decision|architecture", low) else 0.0
    prior = 0.2 if task and _HOWTO_PATH.search(low) else (0.05 if "docs/" in low else 0.0)
    return prior - (0.1 if low.startswith("knowledge/") else 0.0)


def _heading_match(hit: Hit, words: set[str]) -> float:
    """Question words in the chunk's own heading (a document's title is the whole file's, not the section's)."""
    if ">" not in hit.chunk.section:
        return 0.0
    return 0.1 * len(words & set(tokenize(_last_heading(hit))))


def _best_file(hits: list[Hit], words: set[str], why: bool, task: bool) -> str:
    """The file whose best section (with the priors) wins, plus a little for each further matching section."""
    best: dict[str, float] = {}
    count: dict[str, int] = {}
    for h in hits:
        s = h.score + _section_prior(h, why) + _file_prior(h.chunk.path, why, task) + _heading_match(h, words)
        best[h.chunk.path] = max(best.get(h.chunk.path, s), s)
        count[h.chunk.path] = count.get(h.chunk.path, 0) + 1
    return max(best, key=lambda p: best[p] + 0.05 * min(3, count[p] - 1))


def _recommendation(hits: list[Hit], words: set[str]) -> tuple[Hit, str]:
    """The sentence of the best file's chunks that shares most words with the question, a recommending one first."""
    best: tuple[float, Hit, str] | None = None
    for rank, hit in enumerate(hits):
        if hit.chunk.kind == "yaml" or _outline(hit):
            continue
        for _, sentence in _sentences(hit.chunk.text):
            if sentence.strip().rstrip(".") == (hit.chunk.extra.get("title") or "").strip():
                continue
            shared = len(words & set(tokenize(sentence)))
            opening = 0.4 if ">" not in hit.chunk.section else 0.0  # a document's opening states its purpose
            score = shared + (0.5 if _CUE.search(sentence) else 0.0) + opening - 0.15 * rank
            if best is None or score > best[0]:
                best = (score, hit, sentence)
    if best is None or best[0] <= 0.5:
        lead = hits[0]
        extra = lead.chunk.extra
        what = "/".join(v for v in (extra.get("kind"), extra.get("name")) if v) or lead.chunk.section or "this file"
        return lead, f"The file to edit is `{lead.chunk.path}` ({what})."
    sentence = best[2] if len(best[2]) <= 300 else best[2][:299] + "…"
    return best[1], sentence


def _quote(hit: Hit, words: set[str], max_lines: int = QUOTE_LINES) -> tuple[int, list[str]]:
    """(first file line, lines): the window of the chunk with the steps, commands or keys the question is about."""
    lines = hit.chunk.text.splitlines()
    start0 = hit.chunk.lines[0]
    body = [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    if hit.chunk.kind == "yaml":
        body = [i for i, line in enumerate(lines) if line.strip()]
    if not body:
        return start0, []
    best_i, best_score = body[0], -1.0
    for i in body:
        window = lines[i : i + max_lines]
        starts_well = bool(_STEP.match(lines[i])) or i == body[0] or not lines[i - 1].strip()
        score = (
            len(words & set(tokenize(" ".join(window))))
            + 0.5 * sum(bool(_STEP.match(line) or _COMMAND.search(line)) for line in window)
            + (1.0 if starts_well else -2.0)
        )
        if score > best_score:
            best_i, best_score = i, score
    window = lines[best_i : best_i + max_lines]
    while window and not window[-1].strip():
        window.pop()
    return start0 + best_i, window


def _no_source(question: str, hits: list[Hit], knowledge: Knowledge, notes: list[str]) -> Answer:
    cites = [c for c in (knowledge.citation(h.chunk.id) for h in hits[:3]) if c is not None]
    lines = ["Nothing in the indexed repo or the framework answers this directly, so there is no answer to quote."]
    if cites:
        lines += ["", "The closest sources (they may not answer it):"]
        lines += [f"- `{c.path}:{c.lines[0]}` — {c.section or c.path} [{n}]" for n, c in enumerate(cites, 1)]
    return Answer(
        question=question,
        answer="\n".join(lines),
        citations=cites,
        relevant=False,
        notes=notes,
        retrieval=knowledge.retrieval,
    )


def answer_offline(question: str, knowledge: Knowledge, k: int = 12) -> Answer:
    question = question.strip()
    if not re.search(r"\w", question):
        raise InputError('the question is empty: ask something like `assistant ask "how do I restore a CNPG cluster?"`')
    notes: list[str] = []
    query = question
    if len(question) > QUERY_CHARS:
        query = question[:QUERY_CHARS]
        notes.append(
            f"The question is {len(question):,} characters long; its first {QUERY_CHARS:,} were searched"
            " (to review a plan that long: `assistant review --proposal FILE`)."
        )
    if foreign_language(query):
        notes.append("The question does not read as English and the sources are English: a best-effort match.")
    knowledge.require_search()
    if knowledge.preliminary:
        notes.append(
            "No index yet: the repo was searched by keyword only, so these sources are preliminary"
            " (`assistant index` adds the meaning-based search)."
        )
    # with the best file's other sections, for the lead; the need words name this repo's tools ("the password vault")
    pool = knowledge.search(knowledge.question_query(query), k=POOL, per_file=None)
    hits = pool[:k]
    words = set(tokenize(query)) - _GENERIC
    if not hits:
        return _no_source(question, [], knowledge, notes)
    coverage = max(len(words & set(tokenize(f"{h.chunk.path} {h.chunk.section} {h.chunk.text}"))) for h in hits[:3])
    if words and coverage < max(1, min(2, len(words) // 3)):
        return _no_source(question, hits, knowledge, notes)

    why = bool(_WHY.search(query))
    task = bool(_TASK_Q.search(query))
    best_path = _best_file(hits, words, why, task)
    same_file = [h for h in pool if h.chunk.path == best_path]
    top = max(h.score for h in same_file) or 1.0
    lead = max(same_file, key=lambda h: h.score / top + _section_prior(h, why) + _heading_match(h, words))
    rec_hit, recommendation = _recommendation(sorted(same_file, key=lambda h: h is not lead), words)
    first_line, quoted = _quote(lead, words)

    cites: list[Citation] = []

    def cite(hit: Hit) -> int:
        for n, have in enumerate(cites, 1):
            if have.id == hit.chunk.id:
                return n
        found = knowledge.citation(hit.chunk.id)
        if found is None:
            return 0
        cites.append(found)
        return len(cites)

    n_lead = cite(lead)
    n_rec = cite(rec_hit)
    title = lead.chunk.extra.get("title") or lead.chunk.section or best_path
    out = [f"**{title}**: {recommendation} [{n_rec}]"]
    if quoted:
        lang = "yaml" if lead.chunk.kind == "yaml" else ("markdown" if lead.chunk.kind == "markdown" else "text")
        last = first_line + len(quoted) - 1
        where = f" ({lead.chunk.section})" if lead.chunk.section and lead.chunk.section != title else ""
        out += ["", f"From `{best_path}:{first_line}-{last}`{where} [{n_lead}]:", f"~~~{lang}", *quoted, "~~~"]
    seen = {best_path}
    related: list[str] = []
    sections = [h for h in same_file if h not in (lead, rec_hit) and not _outline(h) and h.chunk.kind != "yaml"]
    others = [h for h in hits if h.chunk.path != best_path and not _outline(h)]
    for h in [*sections[:1], *others]:  # the best file's next section, then other files
        if len(related) >= RELATED:
            break
        if h.chunk.path in seen and h not in sections:
            continue
        seen.add(h.chunk.path)
        n = cite(h)
        if n:
            # a doc's heading names the passage; a manifest's or the stack's label (kind/name, tool and role) is
            # not the source's words, so the path stands alone
            section = (_last_heading(h) or h.chunk.extra.get("title") or "") if h.chunk.kind == "markdown" else ""
            label = f" — {section}" if section else ""
            related.append(f"- `{h.chunk.path}:{h.chunk.lines[0]}`{label}: {_passage(h, words)} [{n}]")
    if related:
        out += ["", "Related sources:", *related]
    return Answer(
        question=question, answer="\n".join(out), citations=cites, notes=notes, retrieval=knowledge.retrieval
    )


def _passage(hit: Hit, words: set[str], width: int = 240) -> str:
    """One line of a related source: its sentence (or YAML line) with the most words of the question."""
    if hit.chunk.kind == "yaml" or hit.chunk.kind == "hcl":
        candidates = [line.strip() for line in hit.chunk.text.splitlines() if line.strip()]
    else:
        candidates = [sentence for _, sentence in _sentences(hit.chunk.text)] or [hit.excerpt(width)]
    if not candidates:
        return ""
    text = " ".join(max(candidates, key=lambda c: len(words & set(tokenize(c)))).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_answer_markdown(a: Answer) -> str:
    out = [a.answer]
    out += [f"\n_{note}_" for note in a.notes]
    listed = [(n, c) for n, c in enumerate(a.citations, 1) if f"`{c.path}:" not in a.answer]
    if listed and a.relevant:  # the sources the answer does not already name with file:line
        out += ["", "**Sources**", ""]
        for n, c in listed:
            section = f" — {c.section}" if c.section else ""
            out.append(f"{n}. `{c.path}:{c.lines[0]}-{c.lines[1]}`{section}")
    return terminal_safe("\n".join(out) + "\n")


def answer_question(question: str, knowledge: Knowledge, settings: Settings) -> Answer:
    """The LLM answers from the retrieved chunks when one is configured; otherwise (or on failure) extractive."""
    offline = answer_offline(question, knowledge)
    if not settings.llm_configured or not offline.citations or not offline.relevant:
        return offline
    from assistant.errors import AssistantError
    from assistant.reasoning.ask_llm import answer_with_llm

    try:
        return answer_with_llm(question[:QUERY_CHARS], offline, knowledge, settings)  # a long paste: its opening
    except AssistantError as exc:
        offline.notes.append(f"Offline answer: the LLM was unavailable ({exc}).")
        return offline
