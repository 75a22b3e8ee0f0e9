"""A yes / no question in a small box, for actions that would throw work away."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class Confirm(ModalScreen[bool]):
    """Dismissed with True on y, False on n / esc."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, detail: str = "", *, yes: str = "leave", no: str = "stay"):
        super().__init__(id="confirm")
        self.question, self.detail, self.yes, self.no = question, detail, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text(self.question, style="bold"), id="confirm-question")
            if self.detail:
                yield Static(Text(self.detail), id="confirm-detail")
            yield Static(Text.assemble(("y", "bold"), f" {self.yes}    ", ("n", "bold"), f" / esc {self.no}"),
                         id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
