"""A yes/no question before something that loses work (leaving with grades not yet saved)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmLeave(ModalScreen[bool]):
    """y leaves (and loses what is listed), n / escape stays."""

    BINDINGS = [Binding("y", "answer(True)", "Leave"), Binding("n,escape", "answer(False)", "Stay")]

    def __init__(self, message: str):
        super().__init__(id="confirm-leave")
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text(self.message), id="confirm-text")  # it quotes an error: text, not markup
            with Horizontal(id="confirm-buttons"):
                yield Button("y  Leave, lose them", id="confirm-yes", variant="error")
                yield Button("n  Stay", id="confirm-no", variant="primary")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")
