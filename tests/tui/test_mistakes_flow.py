"""Drill -> stats, as a student goes: wrong answers that forget the bias are logged with their
key, the drill screen starts aiming at the slip, and the stats screen's drills tab lists it."""

from __future__ import annotations

import sqlite3

from textual.widgets import DataTable, Static

from tests.tui.conftest import settle


def _answer(problem) -> tuple[str, bool]:
    """What a student who forgets the bias types, and whether it is wrong."""
    from studytui.drills.diagnose import mistaken_answer

    value = mistaken_answer(problem, "params.bias_forgotten")
    return (problem.answer_text, False) if value is None else (str(value), True)


async def test_drill_slips_are_aimed_at_and_listed_on_the_stats_screen(make, workdir):
    app = make(screen="drill", kind="params", level=1, seed=3)
    wrong = 0
    async with app.run_test(size=(100, 32)) as pilot:
        for i in range(40):
            await settle(pilot, lambda: app.screen.id == "drill" and app.screen.problem is not None
                         and not app.screen.checked and app.screen.index == i)
            if wrong >= 2:  # two recent slips: the next problem is aimed, and the status says so
                status = str(app.screen.query_one("#drill-status", Static).render())
                assert "aimed at your recurring mistakes" in status
            typed, is_wrong = _answer(app.screen.problem)
            await pilot.press(*typed, "enter")
            await settle(pilot, lambda: app.screen.checked)
            wrong += is_wrong
            if wrong == 3:
                break
            await pilot.press("enter")
        assert wrong == 3
        app.pop_screen()
        app.open_screen("stats")
        await settle(pilot, lambda: app.screen.id == "stats" and app.screen.data is not None
                     and bool(app.screen.query("#mistakes-table")))
        await pilot.press("4")  # the drills tab
        table = app.screen.query_one("#mistakes-table", DataTable)
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[:4] == ["bias forgotten", "3", "3", "0"]
        assert row[4:] == ["rising ↑", "◆"]
    with sqlite3.connect(workdir / "study.db") as conn:
        logged = conn.execute("SELECT mistakes FROM drill_attempt WHERE NOT correct").fetchall()
    assert logged == [("params.bias_forgotten",)] * 3


async def test_stats_without_mistakes_says_none_yet(make, workdir):
    from datetime import timedelta

    from studytui.study.store import Store
    from tests.tui.conftest import FIXED_NOW

    with Store.open(workdir / "study.db") as store:
        store.add_drill_attempt("rf", 1, True, at=FIXED_NOW - timedelta(hours=1))
    app = make(screen="stats")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "stats" and bool(app.screen.query("#top-mistakes Static")))
        texts = [str(s.render()) for s in app.screen.query("#top-mistakes Static")]
        assert any("No diagnosed mistakes yet" in t for t in texts)
        assert not app.screen.query("#mistakes-table")
