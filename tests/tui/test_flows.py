"""Whole flows driven with real key presses through Textual's Pilot."""

from __future__ import annotations

import sqlite3

from textual.widgets import DataTable, Input, Static

from tests.tui.conftest import settle


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def _reviews(db) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT card_id, rating FROM review ORDER BY id").fetchall()


async def test_home_lists_the_fixture_topics(make):
    app = make()
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "home" and app.screen.query_one("#topics", DataTable).row_count == 2)
        assert "12 new" in _text(app, "#today")
        table = app.screen.query_one("#topics", DataTable)
        assert str(table.get_row("conv-basics")[0]) == "Convolution basics"  # a Text cell: titles are not markup
        assert table.get_row("conv-basics")[2] == "7"  # new cards in that topic


async def test_review_ten_cards_saves_ten_grades_and_undo_takes_one_back(make, workdir):
    app = make()
    grades = ["3", "1", "4", "2", "3", "3", "1", "4", "3", "2"]
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "home" and app.screen.data is not None)
        await pilot.press("r")
        await settle(pilot, lambda: app.screen.id == "review" and app.screen.item is not None)
        seen = []
        for i, grade in enumerate(grades):
            review = app.screen
            await settle(pilot, lambda: review.item is not None and not review.revealed)
            seen.append(review.item.card_id)
            assert not review.query_one("#answer").display  # hidden until revealed
            await pilot.press("space")
            assert review.query_one("#answer").display
            label = str(review.query_one("#grade-3").label)
            assert label.startswith("3 Good") and label.split()[-1][-1] in "smhdoy"  # e.g. "10m"
            await pilot.press(grade)
            # the grade is in the database before the next card is on screen
            await settle(pilot, lambda: len(review.grades) == i + 1)
            assert len(_reviews(workdir / "study.db")) == i + 1
        rows = _reviews(workdir / "study.db")
        assert rows == [(cid, int(g)) for cid, g in zip(seen, grades)]
        assert len(set(seen)) == 10  # ten different (new) cards

        await settle(pilot, lambda: app.screen.item is not None)
        await pilot.press("u")
        await settle(pilot, lambda: len(app.screen.grades) == 9)
        assert len(_reviews(workdir / "study.db")) == 9
        assert app.screen.item.card_id == seen[-1]  # the undone card is shown again
        await pilot.press("space", "3")
        await settle(pilot, lambda: len(app.screen.grades) == 10)
        assert _reviews(workdir / "study.db")[-1] == (seen[-1], 3)


async def test_review_session_ends_with_a_summary(make):
    app = make()
    async with app.run_test(size=(100, 32)) as pilot:
        app.open_screen("review", topic="resnet-ideas")  # 5 cards
        await settle(pilot, lambda: app.screen.id == "review" and app.screen.item is not None)
        for _ in range(5):
            review = app.screen
            await settle(pilot, lambda: review.item is not None)
            await pilot.press("space", "4")  # Easy: out of the session for days
            await settle(pilot, lambda: review.item is not None or review.finished)
        await settle(pilot, lambda: app.screen.finished)
        summary = _text(app, "#summary")
        assert "Session complete" in summary and "5 cards" in summary and "Easy 5" in summary


async def test_suspend_and_bury_skip_cards(make, workdir):
    app = make(screen="review", topic="resnet-ideas")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "review" and app.screen.item is not None)
        first = app.screen.item.card_id
        await pilot.press("s")
        await settle(pilot, lambda: app.screen.item is not None and app.screen.item.card_id != first)
        second = app.screen.item.card_id
        await pilot.press("b")
        await settle(pilot, lambda: app.screen.item is not None and app.screen.item.card_id not in (first, second))
    with sqlite3.connect(workdir / "study.db") as conn:
        marks = conn.execute("SELECT card_id, kind FROM mark ORDER BY id").fetchall()
    assert marks == [(first, "suspend"), (second, "bury")]


async def test_empty_deck_shows_a_message_not_a_traceback(make, tmp_path):
    empty = tmp_path / "nocards"
    empty.mkdir()
    app = make(cards_dir=empty)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: app.screen.id == "home" and app.screen.data is not None)
        assert "No cards yet" in _text(app, "#home-message")
        await pilot.press("r")
        await settle(pilot, lambda: app.screen.id == "review" and app.screen.finished)
        assert "deck is empty" in _text(app, "#summary")


async def test_a_file_that_is_not_a_database_is_a_message(make, workdir):
    (workdir / "study.db").write_bytes(b"this is not sqlite")
    app = make()
    async with app.run_test(size=(80, 24)) as pilot:
        # #today exists only once the home screen is composed: wait for it, then for the message
        await settle(pilot, lambda: app.screen.id == "home" and bool(app.screen.query("#today"))
                     and "Cannot open" in _text(app, "#today"))
        assert "not a studytui database" in _text(app, "#today")


async def test_too_small_terminal_says_so(make):
    app = make()
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, lambda: app.screen.id == "too-small")
        assert "Terminal too small: 60x20" in _text(app, "#too-small-text")
        await pilot.resize_terminal(100, 32)
        await settle(pilot, lambda: app.screen.id == "home")


def _diagnosable_wrong_answer(problem) -> tuple[str, str]:
    """A wrong answer the core's diagnosis recognises (found by trying nearby shapes)."""
    from studytui.drills.check import check_answer

    c, h, w = problem.answer
    for dh in (-1, 1, -2, 2):
        dims = [c, h + dh, w + dh]
        if problem.order == "HxWxC":
            dims = [h + dh, w + dh, c]
        text = "x".join(map(str, dims))
        result = check_answer(problem, text)
        if result.diagnosis:
            return text, result.diagnosis
    raise AssertionError(f"no diagnosable wrong answer near {problem.answer_text}")


async def test_drill_right_then_wrong_is_recorded_with_feedback(make, workdir):
    from studytui.drills.generate import problem

    app = make(screen="drill", kind="shapes", level=1, seed=1)
    first, second = problem("shapes", 1, 1, 0), problem("shapes", 1, 1, 1)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "drill" and app.screen.problem is not None)
        assert app.focused is app.screen.query_one("#drill-answer", Input)
        await pilot.press(*first.answer_text, "enter")
        await settle(pilot, lambda: app.screen.checked)
        feedback = _text(app, "#feedback-text")
        assert "✔ correct" in feedback and "Worked solution" in feedback
        await pilot.press("enter")  # next problem
        await settle(pilot, lambda: not app.screen.checked and app.screen.index == 1)
        assert app.screen.problem.answer_text == second.answer_text
        wrong, why = _diagnosable_wrong_answer(second)
        await pilot.press(*wrong, "enter")
        await settle(pilot, lambda: app.screen.checked)
        feedback = _text(app, "#feedback-text")
        assert "✘ incorrect" in feedback and f"expected {second.answer_text}" in feedback
        assert f"Likely mistake: {why}" in feedback  # the core's diagnosis of this wrong answer
    with sqlite3.connect(workdir / "study.db") as conn:
        reviews = conn.execute("SELECT card_id, rating FROM review ORDER BY id").fetchall()
        attempts = conn.execute("SELECT family, level, correct FROM drill_attempt ORDER BY id").fetchall()
    assert reviews == [("drill:shapes:1", 3), ("drill:shapes:1", 1)]  # Good, then Again
    assert attempts == [("shapes", 1, 1), ("shapes", 1, 0)]


async def test_drill_verify_runs_torch_in_a_worker(make):
    app = make(screen="drill", kind="params", level=1, seed=3)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "drill" and app.screen.problem is not None)
        await pilot.press(*"0", "enter")
        await settle(pilot, lambda: app.screen.checked)
        await pilot.press("v")
        await settle(pilot, lambda: any("torch:" in ln for ln in app.screen.feedback_lines), timeout=60)
        assert "verified by torch" in _text(app, "#feedback-text")


async def test_three_question_exam_reports_per_topic_and_is_saved(make, workdir):
    app = make(screen="exam", questions=3, minutes=5, seed=4)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "exam" and app.screen.current == 0)
        exam = app.screen
        assert len(exam.questions) == 3
        for i, q in enumerate(exam.questions):
            await settle(pilot, lambda: exam.current == i or exam.done)
            if q.card:
                await pilot.press("space", "y")
            else:
                await pilot.press(*q.problem.answer_text, "enter")
                await settle(pilot, lambda: q.correct is not None)
                await pilot.press("enter")
        await settle(pilot, lambda: exam.done)
        assert "Score 3/3 (100%)" in _text(app, "#report-text")
        table = app.screen.query_one("#report-table", DataTable)
        assert table.row_count == len({q.topic for q in exam.questions})
    with sqlite3.connect(workdir / "study.db") as conn:
        assert conn.execute("SELECT questions FROM exam").fetchall() == [(3,)]
        assert conn.execute("SELECT sum(correct), sum(total) FROM exam_topic").fetchone() == (3, 3)


async def test_demo_starts_streams_and_stops(make, workdir):
    (workdir / "demos" / "slow_demo.py").write_text(
        '"""Runs until stopped."""\nimport time\nfor i in range(1, 1000):\n'
        '    print(f"train step {i}/1000", flush=True)\n    time.sleep(0.05)\n')
    app = make(screen="demos")
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        await settle(pilot, lambda: screen.demos)
        assert [d.name for d in screen.demos] == ["fake_demo.py", "slow_demo.py"]
        screen.query_one("#demo-list", DataTable).move_cursor(row=1)
        await pilot.press("r")
        await settle(pilot, lambda: screen.process is not None and screen.query_one("#demo-log").lines)
        await settle(pilot, lambda: screen.query_one("#demo-progress").progress >= 3)
        await pilot.press("x")
        await settle(pilot, lambda: screen.process is None)
        assert "Stopped slow_demo.py" in _text(app, "#demo-status")

        screen.query_one("#demo-list", DataTable).move_cursor(row=0)
        await pilot.press("r")
        await settle(pilot, lambda: "finished" in _text(app, "#demo-status"))
        assert str(workdir / "runs" / "fake_demo" / "loss.png") in _text(app, "#demo-status")


async def test_missing_demo_is_a_message(make):
    app = make(screen="demos", demo="not_there.py")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: "not found" in _text(app, "#demo-status"))


async def test_help_and_palette_open(make):
    app = make()
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "home")
        await pilot.press("f1")
        await settle(pilot, lambda: app.screen.id == "help")
        keys = app.screen.query_one("#help-keys", DataTable)
        assert [keys.get_row_at(i)[0] for i in range(3)] == ["r", "d", "e"]
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen.id == "home")
        await pilot.press("ctrl+p")
        await settle(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
        await pilot.press(*"stats", "enter")
        await settle(pilot, lambda: app.screen.id == "stats")


async def test_stats_screen_after_some_work(make):
    app = make(screen="review")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "review" and app.screen.item is not None)
        await pilot.press("space", "3")
        await settle(pilot, lambda: len(app.screen.grades) == 1)
        await pilot.press("q")
        await settle(pilot, lambda: app.screen.id == "home")
        await pilot.press("s")
        await settle(pilot, lambda: app.screen.id == "stats" and app.screen.data is not None)
        assert app.screen.data["reviews"] == 1
        assert "1 review on 1 day" in str(app.screen.query_one("#heatmap").render())
