"""F1: every key of the screen underneath, with what it does, and a word on how to use it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

KEY_NAMES = {"space": "space", "enter": "enter", "escape": "esc", "slash": "/", "question_mark": "?"}
GLOBAL_KEYS = [("f1", "this help"), ("ctrl+p", "command palette: every screen and command"),
               ("ctrl+t", "light / dark theme"), ("ctrl+q", "quit from anywhere")]


def key_label(key: str) -> str:
    return ", ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in key.split(","))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def __init__(self, under: Screen):
        super().__init__(id="help")
        self.under = under

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(f"[b]Keys — {self.under.id or 'screen'}[/b]   (esc closes)", id="help-title")
            with VerticalScroll():
                yield Static(getattr(self.under, "HELP", ""), id="help-text")
                yield DataTable(id="help-keys", show_cursor=False, zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "Does")
        seen: set[str] = set()
        for binding in getattr(self.under, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.key not in seen:
                seen.add(binding.key)
                table.add_row(key_label(binding.key), binding.description or binding.action)
        for key, what in getattr(self.under, "EXTRA_KEYS", []):  # keys of a widget on the screen
            table.add_row(key, what)
        for key, what in GLOBAL_KEYS:
            table.add_row(key, what)
