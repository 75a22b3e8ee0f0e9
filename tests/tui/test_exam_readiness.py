"""Exam readiness in the TUI, used with keys: setting the date on home (x), the forecast and plan
on home, the trend on stats; snapshots of both with a fixed clock."""

from __future__ import annotations

from datetime import date, timedelta

from fsrs import Rating
from textual.widgets import DataTable, Input, Static

from tests.tui.conftest import FIXED_NOW, settle

EXAM = "2025-03-20"  # 17 days after the fixed clock's 2025-03-03


def study_a_little(workdir, exam: str | None = EXAM) -> None:
    """Some history before the fixed clock: four cards learned over the last two weeks."""
    from studytui.study import readiness
    from studytui.study.scheduler import StudySession

    with StudySession.open(workdir / "study.db", cards_dir=workdir / "cards") as s:
        for i, cid in enumerate(["fx-conv-output-size", "fx-two-3x3", "fx-residual-formula", "fx-projection"]):
            t = FIXED_NOW - timedelta(days=14 - 3 * i)
            s.answer(cid, Rating.Good, now=t)
            s.answer(cid, Rating.Good, now=t + timedelta(minutes=10))
            s.answer(cid, Rating.Good if i % 2 else Rating.Hard, now=t + timedelta(days=2))
        if exam:
            readiness.save_exam_date(s.store, date.fromisoformat(exam))


def home_loaded(app) -> bool:
    return app.screen.id == "home" and app.screen.data is not None


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_setting_the_exam_date_with_x_shows_the_forecast_and_plan(make, workdir):
    study_a_little(workdir, exam=None)
    app = make()
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(pilot, lambda: home_loaded(app))
        assert not app.screen.query_one("#exam-readiness").display
        assert "exam" not in app.screen.query_one("#topics", DataTable).columns
        await pilot.press("x")
        await settle(pilot, lambda: app.screen.id == "exam-date")
        await pilot.press(*"2025-03-20", "enter")
        await settle(pilot, lambda: app.screen.id == "home" and app.screen.data.exam is not None
                     and app.screen.query_one("#exam-readiness").display)
        shown = text_of(app, "#exam-readiness")
        exam = app.screen.data.exam
        assert f"Exam 2025-03-20 (in 17 days): predicted recall on exam day {exam['forecast']['overall']:.0%}" in shown
        plan = exam["plan"]
        assert f"Today's plan: {plan['new']} new, {plan['reviews_due']} reviews" in shown
        assert f"Following it: {plan['following']:.0%} on exam day; skipping today: {plan['skipping']:.0%}" in shown
        table = app.screen.query_one("#topics", DataTable)
        assert "exam" in table.columns
        cells = {row.value: table.get_cell(row, "exam") for row in table.rows}
        assert cells == {t: f"{round(100 * v)}%" for t, v in exam["forecast"]["by_topic"].items()}
        assert app.backend.session().store.get_meta("exam_date") == EXAM
        # and cleared again: home is as it was
        await pilot.press("x")
        await settle(pilot, lambda: app.screen.id == "exam-date")
        assert app.screen.query_one(Input).value == EXAM
        app.screen.query_one(Input).value = ""
        await pilot.press("enter")
        await settle(pilot, lambda: app.screen.id == "home" and app.screen.data.exam is None
                     and not app.screen.query_one("#exam-readiness").display)
        assert "exam" not in app.screen.query_one("#topics", DataTable).columns


async def test_a_past_date_is_refused_in_one_line_and_esc_keeps_the_old_one(make, workdir):
    study_a_little(workdir)
    app = make()
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: home_loaded(app))
        await pilot.press("x")
        await settle(pilot, lambda: app.screen.id == "exam-date")
        app.screen.query_one(Input).value = "2025-01-01"
        await pilot.press("enter")
        await settle(pilot, lambda: "in the past" in text_of(app, "#exam-date-error"))
        assert text_of(app, "#exam-date-error").strip() == "exam date 2025-01-01 is in the past (today is 2025-03-03)"
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen.id == "home")
        assert app.backend.session().store.get_meta("exam_date") == EXAM


async def test_help_lists_the_exam_date_key(make, workdir):
    app = make()
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: home_loaded(app))
        await pilot.press("f1")
        await settle(pilot, lambda: app.screen.id == "help")
        table = app.screen.query_one(DataTable)
        rows = [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        assert ("x", "Exam date (plan and forecast)") in rows


async def test_stats_show_the_exam_forecast_and_its_trend(make, workdir):
    study_a_little(workdir)
    app = make()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, lambda: home_loaded(app))
        await pilot.press("s")
        await settle(pilot, lambda: app.screen.id == "stats" and app.screen.data is not None)
        await pilot.press("2")  # the forecast tab
        await settle(pilot, lambda: bool(app.screen.query("#exam-trend")))
        exam = app.screen.data["exam"]
        assert exam["date"] == EXAM and len(exam["trend"]) == 30
        trend = [p["forecast"] for p in exam["trend"]]
        assert trend[0] == 0 and trend[-1] == exam["forecast"]["overall"] > 0
        assert "predicted recall on exam day" in text_of(app, "#stats-exam")


async def test_stats_do_not_wait_for_the_trend(make, workdir):
    """The trend replays the last month's cards (seconds in a big collection): every other number
    is on screen while it is worked out, and the plot replaces the note when it is ready."""
    import threading

    study_a_little(workdir)
    app = make()
    release = threading.Event()
    real = app.backend.exam_trend

    def slow_trend(days: int = 30):
        release.wait()
        return real(days)

    app.backend.exam_trend = slow_trend
    async with app.run_test(size=(100, 40)) as pilot:
        try:
            await settle(pilot, lambda: home_loaded(app))
            await pilot.press("s")
            await settle(pilot, lambda: app.screen.id == "stats" and bool(app.screen.query("#exam-trend-wait")))
            await pilot.press("2")
            assert "predicted recall on exam day" in text_of(app, "#stats-exam") and not app.screen.query("#exam-trend")
            assert app.screen.query("#stats-numbers") and app.screen.data["exam"]["trend"] == []
        finally:
            release.set()  # the database thread must not stay blocked, whatever happened
        await settle(pilot, lambda: bool(app.screen.query("#exam-trend")))
        assert not app.screen.query("#exam-trend-wait") and len(app.screen.data["exam"]["trend"]) == 30


async def test_the_command_palette_sets_the_exam_date_from_stats(make, workdir):
    study_a_little(workdir)
    app = make()
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: home_loaded(app))
        await pilot.press("s")
        await settle(pilot, lambda: app.screen.id == "stats" and app.screen.data is not None)
        await pilot.press("ctrl+p")
        await settle(pilot, lambda: app.screen.__class__.__name__ == "CommandPalette")
        await pilot.press(*"Exam date")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot, lambda: app.screen.id == "exam-date")
        assert app.screen.query_one(Input).value == EXAM  # the saved date, ready to edit
        app.screen.query_one(Input).value = "2025-04-01"
        await pilot.press("enter")
        await settle(pilot, lambda: app.screen.id == "stats")
        assert app.backend.session().store.get_meta("exam_date") == "2025-04-01"


def _exam_home(app) -> bool:
    return home_loaded(app) and app.screen.data.exam is not None


def test_home_with_exam_date_snapshot(make, workdir, snap_compare):
    study_a_little(workdir)

    async def run_before(pilot):
        await settle(pilot, lambda: _exam_home(pilot.app))
        await pilot.pause()

    assert snap_compare(make(), terminal_size=(110, 32), run_before=run_before)


def test_stats_with_exam_date_snapshot(make, workdir, snap_compare):
    study_a_little(workdir)

    async def run_before(pilot):
        await settle(pilot, lambda: home_loaded(pilot.app))
        await pilot.press("s")
        await settle(pilot, lambda: pilot.app.screen.id == "stats" and pilot.app.screen.data is not None)
        await pilot.press("2")
        await settle(pilot, lambda: bool(pilot.app.screen.query("#exam-trend")))
        await pilot.pause()

    assert snap_compare(make(), terminal_size=(100, 40), run_before=run_before)


async def test_after_the_exam_home_says_it_is_over_and_drops_the_forecast(make, workdir):
    study_a_little(workdir, exam="2025-02-28")  # three days before the fixed clock
    app = make()
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(pilot, lambda: home_loaded(app) and app.screen.query_one("#exam-readiness").display)
        shown = text_of(app, "#exam-readiness")
        assert "Exam 2025-02-28 was 3 days ago: cards are scheduled as usual again." in shown
        assert "predicted recall" not in shown
        assert "exam" not in app.screen.query_one("#topics", DataTable).columns
        await pilot.press("x")  # and the next date can be set from here
        await settle(pilot, lambda: app.screen.id == "exam-date")
