"""The command that opens a cited source in the operator's editor ($VISUAL, then $EDITOR, then vi) at its line."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path

from assistant.config import Settings
from assistant.models import Chunk, Citation

PLUS_LINE = {"vi", "vim", "nvim", "view", "nano", "emacs", "emacsclient", "kak", "joe", "mg", "ne", "jed"}
GOTO_FLAG = {"code", "codium", "code-insiders", "cursor"}  # --goto FILE:LINE
COLON_LINE = {"hx", "helix", "subl", "micro", "zed"}  # FILE:LINE


def source_path(item: Citation | Chunk, settings: Settings, cwd: Path | None = None) -> Path:
    """Framework citations are the settings' file; repo and stack citations (a tool's evidence) are relative to
    settings.repo."""
    if item.source == "framework":
        return settings.framework_path
    return (settings.repo or cwd or Path.cwd()) / item.path


def editor_command(
    item: Citation | Chunk, settings: Settings, environ: Mapping[str, str], cwd: Path | None = None
) -> list[str]:
    editor = shlex.split(environ.get("VISUAL") or environ.get("EDITOR") or "vi")
    path = str(source_path(item, settings, cwd))
    line = max(1, item.lines[0])
    name = Path(editor[0]).name
    if name in PLUS_LINE:
        return [*editor, f"+{line}", path]
    if name in GOTO_FLAG:
        return [*editor, "--goto", f"{path}:{line}"]
    if name in COLON_LINE:
        return [*editor, f"{path}:{line}"]
    return [*editor, path]
