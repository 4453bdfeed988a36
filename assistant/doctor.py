"""`assistant doctor`: what is configured and what works."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from assistant.config import Settings


def run_doctor(settings: Settings, console: Console) -> bool:
    from assistant.errors import AssistantError
    from assistant.knowledge_base.embeddings import (
        LOCAL_MODEL_ID,
        MiniLMEmbedder,
        onnx_model_path,
        verify_model,
    )
    from assistant.knowledge_base.knowledge import Knowledge

    rows: list[tuple[str, bool, str]] = []
    knowledge = Knowledge(settings)
    try:
        rubric = knowledge.rubric
        rows.append(
            (
                "framework",
                True,
                f"{settings.framework_path} · {len(rubric.criteria)} criteria, "
                f"{len(rubric.patterns)} patterns, {len(rubric.anti_patterns)} anti-patterns",
            )
        )
    except AssistantError as exc:
        rows.append(("framework", False, str(exc)))
    try:
        catalog = knowledge.catalog
        rows.append(
            (
                "role catalog",
                True,
                f"{settings.catalog_path} · {len(catalog.roles)} roles, {len(catalog.tools)} tools, "
                f"{len(catalog.cloud_only)} cloud-only services",
            )
        )
        inv = knowledge.inventory
        rows.append(
            (
                "stack",
                True,
                f"{len(inv.entries)} tools in {len(inv.roles())} roles"
                + (f" from {inv.files_scanned} files of {inv.repo}" if inv.repo else "")
                + (f" · {'; '.join(inv.notes)}" if inv.notes else "")
                + (f" · {len(inv.decisions)} operator decisions" if inv.decisions else ""),
            )
        )
    except AssistantError as exc:
        rows.append(("stack", False, str(exc)))
    if settings.embeddings == "local":
        try:
            path = onnx_model_path()
            verify_model(path)
            vec = MiniLMEmbedder().embed(["doctor check"])
            rows.append(("embeddings", True, f"{LOCAL_MODEL_ID} at {path} · sha256 verified · {vec.shape[1]} dims"))
        except AssistantError as exc:
            rows.append(("embeddings", False, str(exc)))
    else:
        rows.append(("embeddings", True, f"openai-compatible: {settings.embedding_model}"))
    rows.append(_index_row(settings))
    if settings.llm_configured:
        from assistant.reasoning.chain import probe_llm

        ok, detail = probe_llm(settings)
        rows.append(("llm", ok, detail))
    else:
        rows.append(
            (
                "llm",
                True,
                "offline (no OPENAI_API_KEY / OPENAI_BASE_URL, or ASSISTANT_LLM=off): deterministic checks + retrieval",
            )
        )
    table = Table(title="assistant doctor", title_justify="left")
    table.add_column("")
    table.add_column("what")
    table.add_column("detail")
    for name, ok, detail in rows:
        table.add_row("[green]ok[/]" if ok else "[red]!![/]", name, detail)
    console.print(table)
    return all(ok for _, ok, _ in rows)


def _index_row(settings: Settings) -> tuple[str, bool, str]:
    """The index is whole and sound (manifest, sqlite check, count, one query), or what is wrong with it and the
    command that fixes it. Never raises: a doctor that crashes on a broken index is no use."""
    from assistant.errors import AssistantError
    from assistant.knowledge_base.build_lock import lock_holder
    from assistant.knowledge_base.index import IndexStore

    location = settings.chroma_url or str(settings.index_dir / "chroma")
    try:
        store = IndexStore(settings)
        store.check()
        stats = store.stats()
        manifest = store.manifest()
        holder = lock_holder(settings.index_dir)
    except AssistantError as exc:
        return ("index", False, str(exc))
    except Exception as exc:  # anything else a broken store can raise: still one line and the fix
        return (
            "index",
            False,
            f"the index at {location} cannot be checked: {exc.__class__.__name__}: {exc}"
            " (run `assistant index --rebuild`)",
        )
    detail = f"{stats['location']} · {stats['chunks']} chunks from {stats['files']} files {stats['by_source']}"
    if manifest is not None and manifest.finished is not None:
        detail += f" · build {manifest.build_id[:8]}, {manifest.finished:%Y-%m-%d %H:%M} UTC"
    if holder is not None:
        detail += f" · being updated by {holder.describe()}"
    return ("index", True, detail)
