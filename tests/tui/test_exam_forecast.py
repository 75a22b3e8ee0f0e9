"""The exam forecasts its score before it starts and sets the forecast beside the score.

A student who has learned the ResNet cards and drilled a little sits a mock exam: the report
shows the forecast overall and per topic (each card's FSRS recall at the start, each drill
family's recent accuracy), it is saved with the exam, and the exam's drill answers land in the
drill log with their mistake keys, the schedule untouched. A snapshot shows that report."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

from fsrs import Rating
from textual.widgets import DataTable, Input, Static

from tests.tui.conftest import FIXED_NOW, settle

RESNET_CARDS = ["fx-residual-formula", "fx-identity-easy", "fx-projection", "fx-bn-after-conv", "fx-degradation"]


def study_history(workdir) -> None:
    """ResNet cards learned over three weeks; a few drills of each family, some wrong."""
    from studytui.study.deck import load_deck
    from studytui.study.scheduler import StudySession
    from studytui.study.store import Store

    deck, _ = load_deck(workdir / "cards", demos_dir=workdir / "demos")
    with StudySession(Store.open(workdir / "study.db"), deck) as s:
        for cid in RESNET_CARDS:
            at = FIXED_NOW - timedelta(days=21)
            for gap in (0, 0.01, 1, 3, 7):
                at += timedelta(days=gap)
                s.answer(cid, Rating.Good, now=at)
        for i, family in enumerate(["params", "rf", "shapes", "macs"] * 2):
            s.record_drill(family, 2, correct=i % 3 != 0, typed="1", now=FIXED_NOW - timedelta(days=2, minutes=i),
                           schedule=False)


def expected_forecasts(workdir, questions):
    """The forecast recomputed from the core, independently of the screen."""
    from studytui.study import readiness as rd
    from studytui.study.deck import load_deck
    from studytui.study.exam_questions import drill_forecast, exam_forecast
    from studytui.study.scheduler import StudySession
    from studytui.study.store import Store

    deck, _ = load_deck(workdir / "cards", demos_dir=workdir / "demos")
    with StudySession(Store.open(workdir / "study.db"), deck) as s:
        by_card = rd.forecast(s, FIXED_NOW).by_card
        attempts = [a for a in s.store.drill_attempts() if a.at < FIXED_NOW - timedelta(days=1)]  # before the exam
        per_question = [(q.topic, by_card[q.card.id] if q.card else drill_forecast(attempts, q.problem.family, 2))
                        for q in questions]
    return exam_forecast(per_question)


async def sit_exam(app, pilot, wrong_drill: bool = True):
    """Answer every question: cards honestly 'had it' for ResNet ones, drills right except one."""
    from studytui.drills.diagnose import mistaken_answer, sensitive_keys
    from studytui.drills.problem import format_answer

    await settle(pilot, lambda: app.screen.id == "exam" and app.screen.current == 0)
    exam = app.screen
    slipped = None
    for i, q in enumerate(exam.questions):
        await settle(pilot, lambda: exam.current == i)
        if q.card:
            await pilot.press("space", "y" if q.topic == "resnet-ideas" else "n")
            continue
        typed = q.problem.answer_text
        if wrong_drill and slipped is None:
            for key in sorted(sensitive_keys(q.problem)):
                value = mistaken_answer(q.problem, key)
                if value is not None:
                    typed = format_answer(q.problem.quantity, value if isinstance(value, int) else list(value),
                                          q.problem.order)
                    slipped = q
                    break
        exam.query_one("#exam-input", Input).focus()
        await pilot.press(*typed, "enter")
        await settle(pilot, lambda: q.correct is not None)
        await pilot.press("enter")
    await settle(pilot, lambda: exam.done and exam.query_one("#report-table", DataTable).row_count)
    return slipped


async def test_the_report_sets_the_forecast_beside_the_score(make, workdir):
    from studytui.tui.widgets.format import percent

    study_history(workdir)
    app = make(screen="exam", questions=6, minutes=30, seed=5)
    async with app.run_test(size=(100, 32)) as pilot:
        slipped = await sit_exam(app, pilot)
        exam = app.screen
        overall, by_topic = expected_forecasts(workdir, exam.questions)
        assert 0 < overall < 1
        report = str(exam.query_one("#report-text", Static).render())
        assert f"forecast before the exam {percent(overall)}" in report
        table = exam.query_one("#report-table", DataTable)
        titles = {"conv-basics": "Convolution basics", "resnet-ideas": "Residual networks"}
        shown = {str(table.get_row_at(r)[0]): str(table.get_row_at(r)[-1]) for r in range(table.row_count)}
        for topic, value in by_topic.items():
            title = titles.get(topic, f"Drill: {topic.split('/', 1)[-1]}")
            assert shown[title] == percent(value), (title, shown)
        assert {q.topic for q in exam.questions if q.card} <= set(titles)
    assert slipped is not None and slipped.mistakes
    with sqlite3.connect(workdir / "study.db") as conn:
        saved = conn.execute("SELECT forecast FROM exam").fetchone()[0]
        topics = dict(conn.execute("SELECT topic, forecast FROM exam_topic").fetchall())
        logged = conn.execute("SELECT family, correct, mistakes, review_id FROM drill_attempt "
                              "WHERE at >= ? ORDER BY id", (int((FIXED_NOW - timedelta(days=1)).timestamp() * 1000),)
                              ).fetchall()
    assert saved == overall and topics == by_topic
    drills = [q for q in exam.questions if q.problem is not None]
    assert [(f, c) for f, c, _, _ in logged] == [(q.problem.family, int(q.correct)) for q in drills]
    assert [m for _, c, m, _ in logged if not c] == [",".join(slipped.mistakes)]
    assert all(rid is None for *_, rid in logged)  # the exam leaves the schedule alone


def test_exam_report_with_forecast(make, workdir, snap_compare):
    study_history(workdir)
    app = make(screen="exam", questions=6, minutes=30, seed=5)

    async def run_before(pilot):
        await sit_exam(app, pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 32), run_before=run_before)


async def test_exam_drills_are_aimed_at_recurring_mistakes(make, workdir):
    from studytui.study.store import Store

    with Store.open(workdir / "study.db") as store:
        for minutes in range(3):
            store.add_drill_attempt("params", 2, False, at=FIXED_NOW - timedelta(minutes=minutes),
                                    mistakes=("params.bias_forgotten",))
    app = make(screen="exam", questions=6, minutes=30, seed=5)
    plain = make(screen="exam", questions=6, minutes=30, seed=5)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "exam" and app.screen.current == 0)
        drills = [q.problem for q in app.screen.questions if q.problem is not None]
    assert drills and all(p.aimed for p in drills)
    for leftover in ("study.db", "study.db-wal", "study.db-shm"):  # a student with no mistakes: the plain draws
        (workdir / leftover).unlink(missing_ok=True)
    async with plain.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: plain.screen.id == "exam" and plain.screen.current == 0)
        unaimed = [q.problem for q in plain.screen.questions if q.problem is not None]
    assert not any(p.aimed for p in unaimed)
    assert [p.id for p in drills] != [p.id for p in unaimed]


async def test_stats_show_each_exam_beside_its_forecast(make, workdir):
    from click.testing import CliRunner

    from studytui.cli import cli
    from studytui.tui.widgets.format import percent

    study_history(workdir)
    app = make(screen="exam", questions=6, minutes=30, seed=5)
    async with app.run_test(size=(100, 32)) as pilot:
        await sit_exam(app, pilot)
        overall, _ = expected_forecasts(workdir, app.screen.questions)
        app.pop_screen()
        app.open_screen("stats")
        await settle(pilot, lambda: app.screen.id == "stats" and app.screen.data is not None)
        await pilot.press("5")
        await settle(pilot, lambda: bool(app.screen.query("#pane-exams DataTable")))
        row = app.screen.query_one("#pane-exams DataTable", DataTable).get_row_at(0)
        assert row[2] == "3/6 50%" and row[3] == percent(overall)
    text = CliRunner().invoke(cli, ["--db", str(workdir / "study.db"), "stats"]).stdout
    assert "Mock exams" in text and re.search(rf"3/6 50% │ +{percent(overall)} │", text)
