"""The help screen: the keys (from the main screen's bindings, so it cannot drift) and the typed commands."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

INTRO = """\
# Review Assistant

Describe a change in plain words and press **Enter**. The assistant reviews it against your framework,
replies with the verdict, then challenges each anti-pattern it found and asks the open questions **one at a
time**. Every answer is added to the proposal and re-reviewed, so the verdict on the right moves as you go.

Ask a question instead ("how do I restore a CNPG cluster?") and it is answered from your repo's docs and the
framework, with its sources on the right; no review starts.
"""

COMMANDS = """\
## In the prompt

- `enter` send · `ctrl+j` new line
- `tab` / `shift+tab` move between the prompt, the verdict panel and the sources list
- `/skip` leave the current question open and move on
- `/edit` put the proposal back in the prompt to revise it (it replaces the old one on Enter)
- `/review` review the question just answered as a plan (offered when it reads like one)

## In the sources list

- `↑` `↓` show a source: its path, section, lines and full text
- `e` open the file in `$EDITOR` at that line

`ctrl+p` opens the command palette (every action is there); `ctrl+q` quits. Conversations are saved after
each turn (`ASSISTANT_HISTORY_DIR` moves them).
"""


def key_list(bindings: list[Binding]) -> str:
    rows = ["## Keys", ""]
    for b in bindings:
        keys = " · ".join(f"`{k.strip()}`" for k in b.key.split(","))
        rows.append(f"- {keys} {b.tooltip or b.description or b.action}")
    return "\n".join(rows)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f1,q", "dismiss", "Close")]

    def __init__(self, bindings: list[BindingType]) -> None:
        """`bindings`: the keys of the screen the help is for (passed in, so help never imports that screen)."""
        super().__init__()
        self.keys = [b for b in bindings if isinstance(b, Binding)]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Help"
            body.border_subtitle = "esc to close"
            yield Markdown("\n\n".join([INTRO, key_list(self.keys), COMMANDS]), open_links=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
