"""The layer stack of a drill problem as a table, with the asked cell highlighted.

Before the answer only the layers and the `?` cell are shown; afterwards every cell is filled in
from the calculator's report (the same numbers the worked solution uses).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

COLUMN = {"shape": "Output", "params": "Params", "macs": "MACs", "rf": "RF"}


def _cell(row: Any, quantity: str) -> str:
    if quantity == "shape":
        return "x".join(map(str, row.output))
    if quantity == "params":
        return f"{row.params:,}"
    if quantity == "macs":
        return f"{row.macs:,}"
    rf = row.rf
    return "—" if rf is None else f"{rf[0]}x{rf[1]}"


class LayerTable(DataTable):
    def __init__(self, **kwargs: Any):
        super().__init__(cursor_type="none", zebra_stripes=True, show_cursor=False, **kwargs)
        self.can_focus = False

    def show(self, problem: Any, revealed: bool = False, correct: bool | None = None) -> None:
        self.clear(columns=True)
        quantity = problem.quantity
        columns = ["Output"] if quantity == "shape" else ["Output", COLUMN[quantity]]
        self.add_column("#", key="n")
        self.add_column("Layer", key="layer")
        for c in columns:
            self.add_column(c, key=c)
        whole_count = problem.layer is None and quantity in ("params", "macs")
        asked = None if whole_count else problem.row.index
        mark = "bold reverse" if correct is None else ("bold black on green" if correct else "bold white on red")
        self.add_row("", "input", "x".join(map(str, problem.input)), *([""] if len(columns) > 1 else []))
        for row in problem.report.rows:
            cells = []
            for c in columns:
                q = "shape" if c == "Output" else quantity
                is_asked = row.index == asked and c == COLUMN[quantity]
                if is_asked:
                    cells.append(Text(f" {_cell(row, q)} " if revealed else " ? ", style=mark))
                else:
                    cells.append(_cell(row, q) if revealed else "")
            self.add_row(str(row.index + 1), row.name, *cells)
        if whole_count:
            total = problem.report.params if quantity == "params" else problem.report.macs
            shown = Text(f" {total:,} " if revealed else " ? ", style=mark)
            self.add_row("", Text("whole stack", style="bold"), "", shown)
