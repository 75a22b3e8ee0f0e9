"""The rubric of an essay card as a checklist: tick the points your answer made.

Keys while it has focus: ↑/↓ move, space toggles the highlighted point, the number keys 1-8
toggle point N, enter submits (the grade or the credit follows from the ticks), e submits as Easy
where the screen allows it (review, with every point ticked).
"""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import SelectionList

from studytui.textsafe import clean_line


class RubricChecklist(SelectionList[int]):
    BINDINGS = [
        Binding("enter", "submit", "Grade from ticks"),
        Binding("e", "submit(True)", "Easy", show=False),
        *[Binding(str(n), f"toggle_point({n - 1})", f"Tick point {n}", show=False) for n in range(1, 9)],
    ]

    class Submitted(Message):
        """The student is done ticking: `ticked` point indexes of `total`; `easy` for e."""

        def __init__(self, checklist: "RubricChecklist", ticked: list[int], total: int, easy: bool):
            super().__init__()
            self.checklist = checklist
            self.ticked = ticked
            self.total = total
            self.easy = easy

    def set_points(self, points: list[str]) -> None:
        """Show `points` (card text: plain Content, never markup), none ticked."""
        self.clear_options()
        self.add_options([(Content(f"{i}. {clean_line(p)}"), i - 1) for i, p in enumerate(points, 1)])
        self.highlighted = 0 if points else None

    @property
    def ticked(self) -> list[int]:
        return sorted(self.selected)

    def action_toggle_point(self, index: int) -> None:
        if index < self.option_count:
            self.toggle(index)
            self.highlighted = index

    def action_submit(self, easy: bool = False) -> None:
        self.post_message(self.Submitted(self, self.ticked, self.option_count, easy))
