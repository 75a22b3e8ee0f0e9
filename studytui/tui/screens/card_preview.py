"""One card, question and answer, opened from the search palette."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from studytui.textsafe import clean_line
from studytui.tui.widgets.card_view import CardView


class CardPreview(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "dismiss", "Close")]

    def __init__(self, card_id: str, title: str, q: str, a: str):
        super().__init__(id="card-preview")
        self.card = (card_id, title, q, a)

    def compose(self) -> ComposeResult:
        with Vertical(id="preview-box"):
            yield Static(Text.assemble((clean_line(self.card[1]), "b"), f"  ·  {clean_line(self.card[0])}   (esc closes)"),
                         id="preview-title")
            yield CardView(id="preview-card")

    async def on_mount(self) -> None:
        view = self.query_one(CardView)
        await view.show(self.card[2], self.card[3])
        view.reveal(True)
        view.scroll_home(animate=False)
