"""A card's question and answer: Markdown with `$...$` math turned into Unicode, code highlighted.

`show_card(card)` knows the card types:
- basic: question, then (revealed) the answer;
- cloze: the sentence with this item's deletion blanked (`[…]`), then the same sentence with the
  deletion filled in and highlighted;
- essay: the question, then (revealed) the rubric as a checklist to tick (and the model answer);
and, after the answer of any type, the card's `note` in its own dim "Note" panel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Markdown, Rule, SelectionList, Static

from studytui.textsafe import clean
from studytui.tui.mathtext import needs_plain_subscripts, render_math
from studytui.tui.widgets.rubric import RubricChecklist

if TYPE_CHECKING:
    from studytui.study.deck import Card


class CardView(VerticalScroll):
    """Question always shown; the answer (rubric, note) appears below a rule once revealed."""

    # How the rubric's ticks read (e.g. "2 of 4 points → Hard"); set by the screen.
    verdict: Callable[[list[int], int], str] | None = None
    rubric: list[str] = []  # replaced (never mutated) by show()
    has_note = False

    def compose(self) -> ComposeResult:
        yield Static("", id="card-meta")
        yield Markdown("", id="question")
        yield Rule(id="card-rule")
        yield Markdown("", id="answer")
        with Vertical(id="rubric-panel"):
            yield Static("", id="rubric-verdict", markup=False)
            yield RubricChecklist(id="rubric")
        with Vertical(id="note-panel"):
            yield Markdown("", id="note")

    def on_mount(self) -> None:
        self.query_one("#note-panel").border_title = "Note"
        self.query_one("#rubric-panel").border_title = "Which points did your answer make?"

    async def show(self, question: str, answer: str, meta: str = "", *, note: str | None = None,
                   rubric: list[str] | None = None, cloze: bool = False) -> None:
        """Show one card, answer hidden. Math subscripts are decided for the whole card."""
        plain = needs_plain_subscripts(question, answer, note or "", *(rubric or []))
        self.query_one("#card-meta", Static).update(meta)
        self.set_class(cloze, "-cloze")
        self.rubric = list(rubric or [])
        self.has_note = bool(note)
        await self.query_one("#question", Markdown).update(render_math(clean(question), plain_subscripts=plain))
        await self.query_one("#answer", Markdown).update(render_math(clean(answer), plain_subscripts=plain))
        await self.query_one("#note", Markdown).update(render_math(clean(note or ""), plain_subscripts=plain))
        self.query_one(RubricChecklist).set_points(
            [render_math(p, escape=False, plain_subscripts=plain) for p in self.rubric])
        self._update_verdict()
        self.reveal(False)
        self.scroll_home(animate=False)

    async def show_card(self, card: "Card", meta: str = "") -> None:
        """Show a deck card the way its type asks."""
        if card.type == "essay":
            await self.show(card.front(), card.a or "", meta, note=card.note, rubric=card.rubric)
        else:
            await self.show(card.front(), card.back(), meta, note=card.note, cloze=card.type == "cloze")

    @property
    def checklist(self) -> RubricChecklist:
        return self.query_one(RubricChecklist)

    @property
    def is_essay(self) -> bool:
        return bool(self.rubric)

    def reveal(self, shown: bool = True) -> None:
        self.query_one("#card-rule").display = shown
        self.query_one("#answer").display = shown and bool(self.query_one("#answer", Markdown).source.strip())
        self.query_one("#rubric-panel").display = shown and self.is_essay
        self.query_one("#note-panel").display = shown and self.has_note
        if shown and self.is_essay:
            self.checklist.focus()
            self.scroll_home(animate=False)
        elif shown:
            self.scroll_end(animate=False)

    @on(SelectionList.SelectedChanged, "#rubric")
    def _ticks_changed(self) -> None:
        self._update_verdict()

    def _update_verdict(self) -> None:
        text = self.verdict(self.checklist.ticked, len(self.rubric)) if self.verdict and self.is_essay else ""
        self.query_one("#rubric-verdict", Static).update(text)
