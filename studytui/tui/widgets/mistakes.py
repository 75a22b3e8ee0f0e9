"""The stats screen's "Top mistakes" section: the drill mistakes the student makes most, how
often, this week against the week before, and whether drills are aimed at them now.

Rows come from studytui.study.mistakes.mistakes_json (with a `label` added by the backend).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from studytui.textsafe import clean_line
from studytui.words import fit

TREND = {"rising": ("rising ↑", "red"), "falling": ("falling ↓", "green"), "steady": ("steady", ""),
         "quiet": ("quiet", "dim")}


class TopMistakes(Vertical):
    DEFAULT_CSS = """
    TopMistakes { height: auto; }
    TopMistakes DataTable { height: auto; max-height: 12; }
    """

    def __init__(self, rows: list[dict], **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield Static("[b]Top mistakes[/b]  (diagnosed wrong answers; ◆ = new drills aim at it)", classes="stats-title")
        if not self.rows:
            yield Static("No diagnosed mistakes yet: a wrong drill answer that matches a known slip is counted here.",
                         classes="stats-title")
            return
        yield DataTable(zebra_stripes=True, cursor_type="row", id="mistakes-table")

    def on_mount(self) -> None:
        if not self.rows:
            return
        table = self.query_one("#mistakes-table", DataTable)
        table.add_columns("Mistake", "Times", "This week", "Week before", "Trend", "Aim")
        for m in self.rows:
            words, style = TREND.get(m["trend"], (m["trend"], ""))
            table.add_row(Text(fit(clean_line(m["label"]), 48)), str(m["count"]), str(m["this_week"]),
                          str(m["week_before"]), Text(words, style=style), "◆" if m["aimed"] else "")
