"""The `assistant` command: parse, call the pipeline, pick a renderer. Errors are one line, never a traceback."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown

from assistant.config import Settings
from assistant.errors import AssistantError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Architecture reviews for GitOps homelabs.")
out = Console()
err = Console(stderr=True)


class Format(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


class FailOn(StrEnum):
    revise = "revise"
    reject = "reject"


def _settings(repo: Path | None = None) -> Settings:
    s = Settings()
    if repo is not None:
        s.repo = repo
    return s


@app.command()
def index(
    repo: Annotated[Path | None, typer.Option(help="Repo to index (docs, manifests, HCL).")] = None,
    rebuild: Annotated[bool, typer.Option(help="Build a fresh index and swap it in.")] = False,
) -> None:
    """Embed the framework, the stack catalog and a repo into the Chroma index (incremental)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from assistant.knowledge_base.index import IndexStore

    settings = _settings(repo)
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
        f"{report.files_removed} removed · {report.chunks_added} chunk(s) embedded, {report.chunks_total} in the index"
        f" · {report.seconds:.1f}s (embedding {report.embed_seconds:.1f}s)"
    )
    out.print(
        f"skipped: {skipped}"
        + (f" · malformed YAML indexed as text: {report.malformed_yaml}" if report.malformed_yaml else "")
    )
    out.print(f"index: {store.location}")


@app.command()
def search(
    query: str,
    k: Annotated[int, typer.Option("--k", "-k", help="How many hits.")] = 5,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.text,
) -> None:
    """Show the top chunks with their citation ids (debugging retrieval)."""
    from assistant.knowledge_base.knowledge import Knowledge
    from assistant.render.text import print_hits

    knowledge = Knowledge(_settings())
    if not knowledge.indexed:
        raise AssistantError(knowledge.index_error or "no index", "run `assistant index` first")
    hits = knowledge.search(query, k=k)
    if format is Format.json:
        out.print_json(
            json.dumps(
                [
                    {
                        "id": h.chunk.id,
                        "path": h.chunk.path,
                        "section": h.chunk.section,
                        "lines": list(h.chunk.lines),
                        "score": round(h.score, 5),
                        "excerpt": h.excerpt(),
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
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.text,
) -> None:
    """A grounded answer about the framework or repo, with citations. A proposed change gets a review."""
    from assistant.knowledge_base.knowledge import Knowledge
    from assistant.reasoning.ask import answer_question, is_proposal, render_answer_markdown

    settings = _settings()
    knowledge = Knowledge(settings)
    if is_proposal(question):
        from assistant.pipeline import review_text

        _emit_verdict(review_text(question, settings, ref="ask", knowledge=knowledge), format)
        return
    answer = answer_question(question, knowledge, settings)
    if format is Format.json:
        out.print_json(answer.model_dump_json())
    elif format is Format.markdown:
        sys.stdout.write(render_answer_markdown(answer))
    else:
        out.print(Markdown(render_answer_markdown(answer)))


@app.command()
def review(
    proposal: Annotated[str | None, typer.Option("--proposal", "-p", help="Proposal file, or - for stdin.")] = None,
    format: Annotated[Format | None, typer.Option("--format", "-f", help="text on a terminal by default.")] = None,
    repo: Annotated[Path | None, typer.Option(help="The operator's repo (for context).")] = None,
    fail_on: Annotated[FailOn | None, typer.Option(help="Exit 1 when the verdict is this bad or worse.")] = None,
    offline: Annotated[bool, typer.Option(help="Skip the LLM even if one is configured.")] = False,
) -> None:
    """Review a written proposal against the framework and the indexed repo."""
    from assistant.inputs.proposal import read_proposal
    from assistant.pipeline import review_text

    settings = _settings(repo)
    if offline:
        settings.llm = "off"
    if proposal is None:
        raise AssistantError("nothing to review", "give --proposal FILE (or - for stdin)")
    text, ref = read_proposal(proposal, settings.max_input_bytes)
    verdict = review_text(text, settings, ref=ref)
    _emit_verdict(verdict, format or (Format.text if out.is_terminal else Format.markdown))
    if fail_on and (verdict.verdict == "reject" or (fail_on is FailOn.revise and verdict.verdict == "revise")):
        raise typer.Exit(1)


def _emit_verdict(verdict: object, format: Format) -> None:
    from assistant.models import Verdict
    from assistant.render.markdown import render_markdown
    from assistant.render.text import print_verdict

    assert isinstance(verdict, Verdict)
    if format is Format.json:
        sys.stdout.write(verdict.model_dump_json(indent=2) + "\n")
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
        err.print(f"[bold red]error:[/] {exc.message}" + (f"\n[dim]hint: {exc.hint}[/]" if exc.hint else ""))
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except Exception as exc:  # click usage errors and anything unexpected: one line, no traceback
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        err.print(f"[bold red]error:[/] unexpected {exc.__class__.__name__}: {exc}")
        err.print("[dim]set ASSISTANT_DEBUG=1 to see the traceback[/]")
        if _debug():
            raise
        sys.exit(3)


def _debug() -> bool:
    import os

    return os.environ.get("ASSISTANT_DEBUG") == "1"
