"""The `assistant` command: parse, call the pipeline, pick a renderer. Errors are one line, never a traceback."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markdown import Markdown
from rich.markup import escape

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.redaction import redact_model, redact_text
from assistant.render.progress import fallback_line, llm_progress
from assistant.render.safe import SafeConsole

if TYPE_CHECKING:
    from assistant.knowledge_base.knowledge import Knowledge
    from assistant.models import Verdict

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Architecture reviews for GitOps homelabs.")
out = SafeConsole()  # data never reaches the terminal as control codes, whatever the format
err = SafeConsole(stderr=True)


class Format(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"
    sarif = "sarif"


class ListFormat(StrEnum):  # what the listing commands print: `--help` offers only these
    text = "text"
    json = "json"


class AnswerFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


class FailOn(StrEnum):
    revise = "revise"
    reject = "reject"


def _work_tree(repo: Path) -> Path:
    """The repo folder to read: a clear error for a missing one and for a bare git repository (no files to read)."""
    if not repo.is_dir():
        raise AssistantError(f"repo path not found or not a folder: {repo}")
    if (repo / "HEAD").is_file() and (repo / "objects").is_dir() and (repo / "refs").is_dir():
        raise AssistantError(
            f"{repo} is a bare git repository: it has no work tree to read",
            f"clone it (`git clone {repo} <folder>`) and pass the clone",
        )
    return repo


def _settings(repo: Path | None = None) -> Settings:
    from assistant.config import IGNORED_REPO_KEYS, REPO_LOCAL_FILE

    s = Settings()
    if IGNORED_REPO_KEYS:
        err.print(
            f"[yellow]note:[/] ./{REPO_LOCAL_FILE} sets {escape(', '.join(IGNORED_REPO_KEYS))}: ignored, a repo's own"
            " config may not choose endpoints, keys or paths (`assistant trust` allows this file as it is now)",
            soft_wrap=True,
        )
    if repo is not None:
        s.repo = repo
    return s


@app.command()
def index(
    repo: Annotated[Path | None, typer.Option(help="Repo to index (docs, manifests, HCL).")] = None,
    rebuild: Annotated[bool, typer.Option(help="Build a fresh index and swap it in.")] = False,
) -> None:
    """Embed the framework and a repo into the Chroma index, and discover what the repo runs (incremental)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from assistant.knowledge_base.index import IndexStore

    settings = _settings(_work_tree(repo) if repo is not None else None)
    store = IndexStore(settings)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("embedding", total=None)

        def on_progress(phase: str, done: int, total: int) -> None:
            progress.update(task, description=phase, completed=done, total=total)

        report = store.build(settings.repo, rebuild=rebuild, progress=on_progress)
    skipped = ", ".join(f"{n} {why}" for why, n in report.skipped.most_common()) or "none"
    out.print(
        f"[bold]indexed[/] {report.files_indexed} file(s), {report.files_unchanged} unchanged, "
        f"{report.files_removed} removed · {report.chunks_added} chunk(s) indexed ({report.embedded} embedded,"
        f" {report.reused} reused from the embedding cache), {report.chunks_total} in the index"
        f" · {report.seconds:.1f}s (embedding {report.embed_seconds:.1f}s)"
    )
    out.print(
        f"skipped: {skipped}"
        + (f" · malformed YAML indexed as text: {report.malformed_yaml}" if report.malformed_yaml else "")
    )
    out.print(f"index: {store.location}")
    if settings.repo is not None:
        out.print(
            f"stack: {report.tools_found} tool(s) discovered in {report.discovery_seconds:.1f}s"
            + ("" if report.tools_found else " · no deployed tools found; overlaps are off")
            + " (`assistant stack` lists them)"
        )
    if report.set_aside:
        out.print(
            f"the old index failed its health check ({report.damage}); it was kept at {report.set_aside}",
            style="yellow",
            markup=False,
        )


@app.command()
def stack(
    repo: Annotated[Path | None, typer.Option(help="Discover this repo now instead of reading the index's.")] = None,
    format: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.text,
    all_roles: Annotated[bool, typer.Option("--all", help="Also list the roles with no tool.")] = False,
) -> None:
    """Show what the repo runs, by role, with the file:line that proves each tool (discovered at `assistant index`)."""
    from assistant.knowledge_base.knowledge import Knowledge
    from assistant.render.stack import print_stack, stack_json
    from assistant.stack.inventory import Inventory
    from assistant.stack.store import catalog_digest, discover

    settings = _settings(repo)
    knowledge = Knowledge(settings)
    inventory: Inventory | None = None
    if repo is not None:
        inventory = discover(_work_tree(repo), knowledge.catalog, catalog_digest(settings.catalog_path))[0].inventory
        knowledge = Knowledge(settings, inventory=inventory)
        if not inventory.entries:
            err.print(
                f"note: nothing deployable found in {repo} ({inventory.files_scanned} files read): no Kubernetes "
                "manifests, chart values, compose files, Terraform or host config that names a tool",
                markup=False,
                soft_wrap=True,
            )
    if format is ListFormat.json:
        out.print_json(json.dumps(stack_json(knowledge.stack)))
    else:
        print_stack(knowledge.stack, out, all_roles)


@app.command()
def conventions(
    repo: Annotated[Path | None, typer.Option(help="Repo to read (default: the configured repo).")] = None,
    format: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.text,
) -> None:
    """Show the house conventions the repo holds (backups, policies, monitoring, security context, routes, secrets),
    learnt from its app units, with their support and the files that prove them."""
    from assistant.render.conventions import conventions_json, print_conventions
    from assistant.stack.conventions import mine

    root = repo or _settings().repo
    if root is None:
        raise AssistantError("no repo to read", hint="pass --repo PATH")
    report = mine(_work_tree(Path(root)))
    if format is ListFormat.json:
        out.print_json(json.dumps(conventions_json(report)))
    else:
        print_conventions(report, out)


@app.command()
def search(
    query: str,
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=50, help="How many hits (1-50).")] = 5,
    format: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.text,
) -> None:
    """Show the top chunks with their citation ids (debugging retrieval)."""
    from assistant.knowledge_base.knowledge import Knowledge
    from assistant.render.text import print_hits

    knowledge = Knowledge(_settings())
    knowledge.require_search()
    hits = knowledge.search(query, k=k)
    if format is ListFormat.json:
        out.print_json(
            json.dumps(
                [
                    {
                        "id": h.chunk.id,
                        "path": h.chunk.path,
                        "section": h.chunk.section,
                        "lines": list(h.chunk.lines),
                        "score": round(h.score, 5),
                        "excerpt": redact_text(h.excerpt()),
                    }
                    for h in hits
                ]
            )
        )
    else:
        print_hits(hits, out)


@app.command()
def ask(
    question: str,
    format: Annotated[AnswerFormat, typer.Option("--format", "-f")] = AnswerFormat.text,
) -> None:
    """A grounded answer about the framework or repo, with citations. A plan to change the stack gets a review;
    a question about a plan gets the answer and a hint to review it. `-` reads the question from stdin."""
    from assistant.knowledge_base.knowledge import Knowledge
    from assistant.reasoning.ask import render_answer_markdown
    from assistant.reasoning.intent import route
    from assistant.respond import respond

    if question == "-":
        from assistant.inputs.proposal import read_stdin

        question = read_stdin(_settings().max_input_bytes, "the question").decode("utf-8", "replace")
    settings = _settings()
    knowledge = Knowledge(settings)
    knowledge.warm_up()
    where = route(question).route
    with llm_progress(settings, err, "reviewing" if where == "review" else "answering"):
        response = respond(question, settings, knowledge, ref="ask", where=where)
    if response.answer is None:
        assert response.verdict is not None
        _emit_verdict(response.verdict, Format(format.value))
        return
    answer = redact_model(response.answer)  # printed: past the redaction boundary
    if response.route == "both":
        err.print("This reads like a plan too: `assistant review --proposal -`", soft_wrap=True, markup=False)
    if format is AnswerFormat.json:
        out.print_json(answer.model_dump_json())
    elif format is AnswerFormat.markdown:
        sys.stdout.write(render_answer_markdown(answer))
    else:
        out.print(Markdown(render_answer_markdown(answer)))


@app.command()
def review(
    pr: Annotated[str | None, typer.Argument(help="Pull request: 123, #123 or its URL (GitHub API).")] = None,
    proposal: Annotated[str | None, typer.Option("--proposal", "-p", help="Proposal file, or - for stdin.")] = None,
    diff: Annotated[str | None, typer.Option("--diff", help="A unified diff or git format-patch file, or -.")] = None,
    git: Annotated[str | None, typer.Option("--git", help="A local git range BASE..HEAD.")] = None,
    format: Annotated[Format | None, typer.Option("--format", "-f", help="text on a terminal by default.")] = None,
    repo: Annotated[Path | None, typer.Option(help="The operator's repo: context for the review.")] = None,
    github: Annotated[str | None, typer.Option("--github", help="owner/name, when not read from git remote.")] = None,
    post: Annotated[bool, typer.Option(help="Create or update the review comment on the PR.")] = False,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(help="Exit 1 when the verdict is this bad or worse, or a changed file could not be reviewed."),
    ] = None,
    allow_skipped: Annotated[
        bool, typer.Option(help="With --fail-on: pass even if some changed files could not be reviewed.")
    ] = False,
    offline: Annotated[bool, typer.Option(help="Skip the LLM even if one is configured.")] = False,
) -> None:
    """Review a written proposal, a patch, a local git range or a GitHub pull request."""
    settings = _settings(repo)
    if offline:
        settings.llm = "off"
    context = settings.context_repo
    from assistant.inputs.resolve import Change, resolve

    subject = resolve(
        proposal=proposal,
        diff=diff,
        git=git,
        pr=pr,
        repo=context,
        github=github,
        max_input_bytes=settings.max_input_bytes,
    )
    if not isinstance(subject, Change):
        read = {"stdin": "stdin", "text": "the --proposal text"}.get(subject.ref, f"the file {subject.ref}")
        err.print(f"proposal: {read}", markup=False, highlight=False)
    if post and not (isinstance(subject, Change) and subject.github is not None):
        raise AssistantError("--post needs a pull request number", "use `assistant review 123 --post`")
    manifests = None
    if isinstance(subject, Change):
        from assistant.checks.manifests import build_context

        # parse the changed manifests before opening the index: hostile YAML is refused in well under a second
        manifests = build_context(subject.pr, context)
    knowledge = _knowledge(settings)
    from assistant.review import review_subject

    with llm_progress(settings, err):
        verdict = review_subject(subject, settings, knowledge=knowledge, manifests=manifests)
    if post and isinstance(subject, Change) and subject.github is not None:
        from assistant.render.markdown import render_markdown

        url = subject.github.upsert_comment(subject.number, render_markdown(verdict))
        err.print(f"comment: {url}", markup=False, highlight=False, soft_wrap=True)
    _emit_verdict(verdict, format or (Format.text if out.is_terminal else Format.markdown))
    unreviewed = verdict.pull_request.coverage.not_reviewed if verdict.pull_request else {}
    if unreviewed:  # never a silent drop: name what could not be reviewed, and fail the gate on it
        names = ", ".join(f"{p} ({why})" for p, why in unreviewed.items())
        gate = " (--fail-on fails; --allow-skipped accepts this)" if fail_on and not allow_skipped else ""
        err.print(f"[yellow]not reviewed:[/] {escape(names)}{escape(gate)}", soft_wrap=True)
    if fail_on and (verdict.verdict == "reject" or (fail_on is FailOn.revise and verdict.verdict == "revise")):
        raise typer.Exit(1)
    if fail_on and unreviewed and not allow_skipped:
        raise typer.Exit(1)


def _knowledge(settings: Settings) -> Knowledge:
    from assistant.knowledge_base.knowledge import Knowledge

    knowledge = Knowledge(settings)
    knowledge.warm_up()
    if note := knowledge.unindexed_note():
        err.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)
    return knowledge


def _emit_verdict(verdict: Verdict, format: Format) -> None:
    from assistant.render.markdown import render_markdown
    from assistant.render.text import print_verdict

    if line := fallback_line(verdict.engine.fallback_reason):
        err.print(redact_text(line), markup=False, highlight=False, soft_wrap=True)

    if format is Format.sarif:
        from assistant.render.sarif import render_sarif

        sys.stdout.write(render_sarif(verdict))
    elif format is Format.json:
        sys.stdout.write(redact_model(verdict).to_json() + "\n")
    elif format is Format.markdown:
        sys.stdout.write(render_markdown(verdict))
    else:
        print_verdict(verdict, out)


@app.command()
def chat(
    proposal: Annotated[
        str | None, typer.Option("--proposal", "-p", help="Open with this proposal under review.")
    ] = None,
    pr: Annotated[str | None, typer.Option("--pr", help="Open with this pull request under review.")] = None,
) -> None:
    """The Textual TUI: conversation, live verdict, cited sources."""
    import importlib

    settings = _settings()
    text = None
    if proposal is not None:
        from assistant.inputs.proposal import read_proposal

        text, _ = read_proposal(proposal, settings.max_input_bytes)
    importlib.import_module("tui.app").run_chat(settings, proposal=text, pr=pr)  # assistant never imports tui


@app.command(name="eval")
def eval_(
    paths: Annotated[list[Path] | None, typer.Argument(help="Case files or folders (default: evals/cases).")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text | json | junit")] = "text",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here.")] = None,
    compare_with: Annotated[Path | None, typer.Option("--compare", help="An earlier --format json report.")] = None,
    repo: Annotated[Path | None, typer.Option(help="Repo the index was built from (for patch cases).")] = None,
    offline: Annotated[bool, typer.Option(help="Skip the LLM even if one is configured.")] = False,
    cassettes: Annotated[Path | None, typer.Option(help="LLM mode against recorded cassettes in this folder.")] = None,
    record: Annotated[bool, typer.Option(help="With --cassettes: record them against the configured LLM.")] = False,
) -> None:
    """The prompt eval suite: per-case pass/fail, metrics, exit 1 under thresholds or on a critical/high failure."""
    from assistant.config import PROJECT_DIR
    from assistant.evaluation.cases import load_cases
    from assistant.evaluation.judge import make_judge
    from assistant.evaluation.metrics import summarise
    from assistant.evaluation.report import compare, print_report, to_json, to_junit
    from assistant.evaluation.runner import run_case
    from assistant.knowledge_base.knowledge import Knowledge

    settings = _settings(repo)
    if offline:
        settings.llm = "off"
    cases = load_cases(paths or [PROJECT_DIR / "evals" / "cases"])
    if not cases:
        raise AssistantError("no eval cases found", "give case files or folders")
    if cassettes is not None:
        from assistant.evaluation.cassettes import RERECORD, cassette, cassette_name, settings_for_cassettes

        settings = settings_for_cassettes(settings, cassettes, record)
    knowledge = Knowledge(settings)
    judge = make_judge(settings) if cassettes is None else None
    results = []
    for case in cases:
        if cassettes is None:
            results.append(run_case(case, settings, knowledge, judge))
            continue
        with cassette(cassettes, case.id, record):
            result = run_case(case, settings, knowledge, judge)
        if result.fallback and "CannotOverwriteExistingCassette" in (result.fallback_reason or ""):
            result.passed = False  # the prompt changed since the recording: say which cassette, and how to fix it
            stale = f"cassette {cassettes / cassette_name(case.id)} no longer matches: {RERECORD}"
            result.reasons.append(stale)
            err.print(stale, soft_wrap=True, markup=False)
        elif result.fallback:
            result.reasons.append(f"LLM fell back offline: {result.fallback_reason}")
        results.append(result)
    summary = summarise(cases, results, settings.eval_thresholds)
    if format == "json":
        report = to_json(results, summary)
    elif format == "junit":
        report = to_junit(results, summary)
    else:
        report = ""
        print_report(results, summary, out)
    if report and output:  # the machine report to the file, the table to the terminal
        output.write_text(report)
        print_report(results, summary, out)
    elif report:
        sys.stdout.write(report)
    elif output:
        output.write_text(to_json(results, summary))
    if compare_with is not None:
        old = json.loads(compare_with.read_text())
        for line in compare(old, results, summary):
            err.print(line, markup=False, highlight=False)
    if summary.gate_failures:
        raise typer.Exit(1)


@app.command()
def trust(
    path: Annotated[Path, typer.Argument(help="the repo-local config file to trust as it is now")] = Path(
        "assistant.toml"
    ),
) -> None:
    """Let a repo-local assistant.toml set endpoints, keys and paths: recorded for this file as it is now."""
    from assistant.config import trust as record_trust

    if not path.is_file():
        raise AssistantError(f"no config file at {path}")
    record = record_trust(path)
    out.print(f"trusted {escape(str(path.resolve()))} as it is now (recorded in {escape(str(record))}); an edit to it"
              " needs trust again", soft_wrap=True)  # fmt: skip


@app.command()
def doctor() -> None:
    """What is configured and what works: model, index, embeddings, LLM."""
    from assistant.doctor import run_doctor

    ok = run_doctor(_settings(), out)
    raise typer.Exit(0 if ok else 1)


def main() -> None:
    try:
        code = app(standalone_mode=False)  # click returns an Exit's code instead of raising it here
        sys.exit(code if isinstance(code, int) else 0)
    except AssistantError as exc:
        hint = f"\n[dim]hint: {escape(redact_text(exc.hint))}[/]" if exc.hint else ""
        err.print(f"[bold red]error:[/] {escape(redact_text(exc.message))}{hint}", soft_wrap=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except Exception as exc:  # click usage errors and anything unexpected: one line, no traceback
        import click

        # typer 0.29 raises usage errors from its own vendored click: both kinds are a usage line, exit 2
        if isinstance(exc, click.ClickException | typer.TyperException) and hasattr(exc, "show"):
            exc.show()
            sys.exit(int(getattr(exc, "exit_code", 2)))
        err.print(
            f"[bold red]error:[/] unexpected {exc.__class__.__name__}: {escape(redact_text(str(exc)))}", soft_wrap=True
        )
        err.print("[dim]set ASSISTANT_DEBUG=1 to see the traceback[/]")
        if _debug():
            raise
        sys.exit(3)


def _debug() -> bool:
    import os

    return os.environ.get("ASSISTANT_DEBUG") == "1"
