"""What the main screen does with its panels, apart from the conversation: show and hide them, open a cited source in
$EDITOR, copy the last reply, export the verdict, switch the model. `MainScreen` adds the conversation and its
workers."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from textual.app import SuspendNotSupported
from textual.screen import Screen

from assistant.errors import AssistantError
from tui.conversation import Conversation
from tui.editor import editor_command, source_path
from tui.export import export
from tui.screens.export import ExportRequest, ExportScreen
from tui.screens.help import HelpScreen
from tui.service import Session
from tui.widgets.conversation import ConversationPane
from tui.widgets.sources import SourcesPanel
from tui.widgets.verdict import VerdictPanel


class PanelScreen(Screen[None]):
    session: Session
    conversation: Conversation
    last_export: Path | None

    @property
    def pane(self) -> ConversationPane:
        return self.query_one(ConversationPane)

    @property
    def verdict_panel(self) -> VerdictPanel:
        return self.query_one(VerdictPanel)

    @property
    def sources(self) -> SourcesPanel:
        return self.query_one(SourcesPanel)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.BINDINGS))

    def action_copy_reply(self) -> None:
        reply = self.conversation.last_reply()
        if reply is None:
            self.notify("No reply to copy yet", severity="warning")
            return
        self.app.copy_to_clipboard(reply)
        self.notify("Copied the last reply as Markdown")

    def action_export(self) -> None:
        verdict = self.conversation.verdict
        if verdict is None:
            self.notify("Nothing to export yet: review a proposal first", severity="warning")
            return
        repo = self.session.settings.repo or Path.cwd()
        self.app.push_screen(ExportScreen(verdict, repo, Path.cwd()), self._export)

    def _export(self, request: ExportRequest | None) -> None:
        verdict = self.conversation.verdict
        if request is None or verdict is None:
            return
        repo = self.session.settings.repo or Path.cwd()
        try:
            path = export(request.format, verdict, repo=repo, conversation=self.conversation, path=request.path)
        except (OSError, AssistantError) as exc:
            self.notify(f"Export failed: {exc}", severity="error", markup=False)
            return
        self.last_export = path
        self.notify(f"Exported to {path}", title=f"Export ({request.format})")

    def action_switch_model(self) -> None:
        if not self.session.llm_available:
            self.notify(
                "No LLM is configured (set OPENAI_API_KEY or OPENAI_BASE_URL); reviews stay offline.",
                severity="warning",
            )
            return
        s = self.session.settings
        self.session.settings = s.model_copy(update={"llm": "off" if s.llm == "auto" else "auto"})
        self.sub_title = self.session.engine_label
        self.notify(f"Reviews now run {self.session.engine_label}, from the next turn")

    def action_toggle_verdict(self) -> None:
        self._toggle(self.verdict_panel)

    def action_toggle_sources(self) -> None:
        self._toggle(self.sources)

    def action_toggle_side(self) -> None:
        side = self.query_one("#side")
        side.display = not side.display

    def _toggle(self, panel: VerdictPanel | SourcesPanel) -> None:
        side = self.query_one("#side")
        if not side.display:
            side.display = True
            panel.display = True
        else:
            panel.display = not panel.display
        side.display = self.verdict_panel.display or self.sources.display

    def action_open_source(self) -> None:
        selected = self.sources.selected
        if selected is None:
            self.notify("Select a source first (tab to the sources list)", severity="warning")
            return
        self.open_in_editor(selected.id)

    def open_in_editor(self, citation_id: str) -> None:
        cit = next((c for c in self.sources.citations if c.id == citation_id), None)
        if cit is None:
            self.notify(f"{citation_id} is not cited here", severity="warning")
            return
        path = source_path(cit, self.session.settings)
        if not path.is_file():
            self.notify(f"Not found on disk: {path} (is ASSISTANT_REPO set?)", severity="warning")
            return
        self.run_external(editor_command(cit, self.session.settings, os.environ))

    def run_external(self, argv: list[str]) -> None:
        """Suspend the app, run the editor in the terminal, come back."""
        try:
            with self.app.suspend():
                subprocess.run(argv, check=False)
        except SuspendNotSupported:
            self.notify(f"This terminal cannot suspend the app; run: {shlex.join(argv)}", severity="warning")
        except OSError as exc:
            self.notify(f"Cannot start the editor ({exc}); set $EDITOR", severity="error")
