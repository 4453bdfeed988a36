"""`assistant stack`: the repo's discovered inventory by role, with evidence."""

from __future__ import annotations

from rich.console import Console

from assistant.stack.view import Stack


def print_stack(stack: Stack, console: Console, all_roles: bool = False) -> None:
    inv = stack.inventory
    by_role = inv.roles()
    where = f" in {inv.repo}" if inv.repo else ""
    console.print(
        f"[bold]stack[/]{where} · {len(inv.entries)} tools in {len(by_role)} roles, from {inv.files_scanned} files"
    )
    for note in inv.notes:
        console.print(f"[yellow]{note}[/]")
    if inv.empty:
        return
    for role in stack.catalog.roles:
        entries = by_role.get(role.id, [])
        if not entries and not all_roles:
            continue
        console.print(f"[bold]{role.name}[/]" + ("" if entries else "  [dim]none found[/]"), highlight=False)
        for e in entries:
            ev = e.evidence[0] if e.evidence else None
            more = f" (+{e.evidence_count - 1} more)" if e.evidence_count > 1 else ""
            where = f"{ev.path}:{ev.line}  [dim]{ev.how}{more}[/]" if ev else "[dim]declared in the stack overrides[/]"
            origin = " [dim](override)[/]" if e.origin == "override" else ""
            console.print(f"  {e.name}{origin}  {where}", highlight=False)
    if inv.decisions:
        console.print("[bold]decisions[/]")
        for d in inv.decisions:
            console.print(f"- {d.use} instead of {', '.join(d.instead_of)}" + (f": {d.why}" if d.why else ""))


def stack_json(stack: Stack) -> dict[str, object]:
    inv = stack.inventory
    return {
        "repo": inv.repo,
        "files_scanned": inv.files_scanned,
        "notes": inv.notes,
        "roles": {
            role: [e.model_dump(exclude={"note"}) for e in entries] for role, entries in sorted(inv.roles().items())
        },
        "decisions": [d.model_dump() for d in inv.decisions],
        "accepted_cloud": inv.accepted_cloud,
        "kinds": inv.kinds,
    }


def stack_markdown(stack: Stack) -> str:
    """The inventory as Markdown (the TUI's stack screen)."""
    inv = stack.inventory
    by_role = inv.roles()
    lines = [f"**{len(inv.entries)} tools in {len(by_role)} roles**" + (f" · `{inv.repo}`" if inv.repo else "")]
    lines += [f"> {note}" for note in inv.notes]
    for role in stack.catalog.roles:
        for e in by_role.get(role.id, []):
            ev = f"`{e.evidence[0].path}:{e.evidence[0].line}` ({e.evidence[0].how})" if e.evidence else "override"
            lines.append(f"- **{role.name}**: {e.name}, {ev}")
    empty = [r.name for r in stack.catalog.roles if r.id not in by_role]
    if empty and not inv.empty:
        lines.append(f"\nNothing found for: {', '.join(empty)}.")
    lines += [f"- decision: {d.use} instead of {', '.join(d.instead_of)}" for d in inv.decisions]
    return "\n".join(lines)
