"""A card's question and answer: Markdown with `$...$` math turned into Unicode, code highlighted."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Rule, Static

from studytui.textsafe import clean
from studytui.tui.mathtext import render_math


class CardView(VerticalScroll):
    """Question always shown; the answer appears below a rule once revealed."""

    def compose(self) -> ComposeResult:
        yield Static("", id="card-meta")
        yield Markdown("", id="question")
        yield Rule(id="card-rule")
        yield Markdown("", id="answer")

    async def show(self, question: str, answer: str, meta: str = "") -> None:
        question, answer = clean(question), clean(answer)  # no escape sequence reaches the terminal
        self.query_one("#card-meta", Static).update(meta)
        await self.query_one("#question", Markdown).update(render_math(question))
        await self.query_one("#answer", Markdown).update(render_math(answer))
        self.reveal(False)
        self.scroll_home(animate=False)

    def reveal(self, shown: bool = True) -> None:
        self.query_one("#card-rule").display = shown
        self.query_one("#answer").display = shown
        if shown:
            self.scroll_end(animate=False)
