"""A small box to set (or clear) the exam date from the home screen: the TUI's `settings --exam-date`."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from studytui.errors import StudytuiError
from studytui.textsafe import clean_line


class ExamDateDialog(ModalScreen[bool]):
    """Dismissed with True once a date is saved (or cleared), False on esc."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: date | None):
        super().__init__(id="exam-date")
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="exam-date-box"):
            yield Static(Text("Exam date", style="bold"))
            yield Static(Text("YYYY-MM-DD; empty or 'none' clears it. The home screen then shows the days "
                              "left, the recall forecast for that day and a daily plan."), id="exam-date-help")
            yield Input(self.current.isoformat() if self.current else "", placeholder="2026-12-20", id="exam-date-input")
            yield Static("", id="exam-date-error")
            yield Static(Text.assemble(("enter", "bold"), " save    ", ("esc", "bold"), " cancel"), id="exam-date-keys")

    @on(Input.Submitted, "#exam-date-input")
    async def save(self, event: Input.Submitted) -> None:
        backend = self.app.backend
        try:
            await backend.call(backend.set_exam_date, event.value)
        except StudytuiError as exc:  # one line, shown as text (it quotes what was typed)
            self.query_one("#exam-date-error", Static).update(Text(clean_line(str(exc)), style="bold red"))
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
