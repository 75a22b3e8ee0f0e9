"""A newcomer's dead ends, closed: the card browser, undo of any action, the daily new-card limit,
flags on the card, space on the answer side. Real key presses through Textual's Pilot."""

from __future__ import annotations

import sqlite3

from textual.widgets import DataTable, Static

from tests.tui.conftest import settle


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def _marks(db) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT card_id, kind FROM mark ORDER BY id").fetchall()


def _reviews(db) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT card_id, rating FROM review ORDER BY id").fetchall()


def _limit_new_cards(db, per_day: int) -> None:
    from studytui.study.scheduler import SETTINGS_KEY, Settings
    from studytui.study.store import Store

    with Store.open(db) as store:
        store.set_meta(SETTINGS_KEY, Settings(new_per_day=per_day).to_json())


async def _review_card(app, pilot):
    await settle(pilot, lambda: app.screen.id == "review" and app.screen.item is not None)
    return app.screen


async def test_suspend_in_review_then_unsuspend_from_the_browser(make, workdir):
    app = make()
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "home" and app.screen.data is not None)
        await pilot.press("r")
        review = await _review_card(app, pilot)
        suspended = review.item.card_id
        await pilot.press("s")
        await settle(pilot, lambda: review.item is not None and review.item.card_id != suspended)
        await pilot.press("q")
        await settle(pilot, lambda: app.screen.id == "home")

        await pilot.press("c")  # the card browser
        await settle(pilot, lambda: app.screen.id == "browser" and app.screen.loaded)
        browser = app.screen
        await pilot.press("2")  # suspended only
        await settle(pilot, lambda: [r.card_id for r in browser.rows] == [suspended])
        table = browser.query_one("#browser-table", DataTable)
        assert str(table.get_row(suspended)[0]) == "S"
        assert "1 card" in _text(app, "#browser-filter") and "suspended" in _text(app, "#browser-filter")
        await pilot.press("u")
        await settle(pilot, lambda: browser.rows == [])
        assert _marks(workdir / "study.db") == [(suspended, "suspend"), (suspended, "unsuspend")]
        await pilot.press("1")  # every card again, the unsuspended one without marks
        await settle(pilot, lambda: len(browser.rows) == 12)
        assert str(table.get_row(suspended)[0]) == ""


async def test_browser_filters_flags_search_topic_and_preview(make, workdir):
    app = make(screen="browser")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "browser" and app.screen.loaded and app.screen.rows)
        browser = app.screen
        first = browser.rows[0].card_id
        await pilot.press("f")  # flag the highlighted card
        await settle(pilot, lambda: browser.rows[0].flagged)
        await pilot.press("4")
        await settle(pilot, lambda: [r.card_id for r in browser.rows] == [first])
        await pilot.press("f")  # unflag it: the flagged list is empty
        await settle(pilot, lambda: browser.rows == [])
        assert "No cards here" in _text(app, "#browser-empty")
        await pilot.press("1", "t")  # the first topic only
        await settle(pilot, lambda: browser.filter.topic == "conv-basics" and len(browser.rows) == 7)
        await pilot.press("t")
        await settle(pilot, lambda: browser.filter.topic == "resnet-ideas" and len(browser.rows) == 5)
        await pilot.press("t", "slash")
        await settle(pilot, lambda: browser.filter.topic is None and len(browser.rows) == 12)
        await pilot.press(*"maxpool")  # typed into the search box, not taken as keys
        await settle(pilot, lambda: [r.card_id for r in browser.rows] == ["fx-pool-halves"])
        await pilot.press("enter", "enter")  # leave the search box, then preview the card
        await settle(pilot, lambda: app.screen.id == "card-preview")
        assert app.screen.card[0] == "fx-pool-halves"
        assert _marks(workdir / "study.db") == [(first, "flag"), (first, "unflag")]


async def test_grade_suspend_bury_then_undo_three_times_restores_all_three(make, workdir):
    app = make(screen="review", topic="conv-basics")
    db = workdir / "study.db"
    async with app.run_test(size=(100, 32)) as pilot:
        review = await _review_card(app, pilot)
        graded = review.item.card_id
        await pilot.press("space", "3")
        await settle(pilot, lambda: review.item is not None and review.item.card_id != graded)
        suspended = review.item.card_id
        await pilot.press("s")
        await settle(pilot, lambda: review.item is not None and review.item.card_id != suspended)
        buried = review.item.card_id
        await pilot.press("b")
        await settle(pilot, lambda: review.item is not None and review.item.card_id != buried)
        assert _reviews(db) == [(graded, 3)] and _marks(db) == [(suspended, "suspend"), (buried, "bury")]

        await pilot.press("u")
        await settle(pilot, lambda: review.item is not None and review.item.card_id == buried)
        assert _marks(db) == [(suspended, "suspend")]
        await pilot.press("u")
        await settle(pilot, lambda: review.item is not None and review.item.card_id == suspended)
        assert _marks(db) == [] and _reviews(db) == [(graded, 3)]
        await pilot.press("u")
        await settle(pilot, lambda: review.item is not None and review.item.card_id == graded)
        assert _reviews(db) == [] and review.grades == []
        await settle(pilot, lambda: review.check_action("undo", ()) is None)  # nothing left to take back


async def test_daily_new_limit_is_said_and_plus_studies_more(make, workdir):
    _limit_new_cards(workdir / "study.db", 2)
    app = make()
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "home" and app.screen.data is not None)
        assert "2 new today" in _text(app, "#today")  # today's budget, not all 12 new cards
        await pilot.press("r")
        for _ in range(2):
            review = await _review_card(app, pilot)
            await pilot.press("space", "4")
            await settle(pilot, lambda: review.item is not None or review.finished)
        await settle(pilot, lambda: app.screen.finished)
        summary = _text(app, "#summary")
        assert "2 new cards done today" in summary and "10 more wait for tomorrow" in summary
        assert "+" in summary
        await pilot.press("plus")
        review = await _review_card(app, pilot)
        assert review.item.phase == "new"
        await pilot.press("space", "4")
        await settle(pilot, lambda: len(review.grades) == 3)
        assert len(_reviews(workdir / "study.db")) == 3
        await pilot.press("q")
        await settle(pilot, lambda: app.screen.id == "home" and "3 reviewed" in _text(app, "#today"))
        assert "9 new today" in _text(app, "#today")


async def test_flag_is_visible_on_the_card_and_undo_removes_it(make):
    app = make(screen="review", topic="conv-basics")
    async with app.run_test(size=(100, 32)) as pilot:
        review = await _review_card(app, pilot)
        assert "flagged" not in _text(app, "#card-meta")
        await pilot.press("f")
        await settle(pilot, lambda: "⚑ flagged" in _text(app, "#card-meta"))
        await pilot.press("u")
        await settle(pilot, lambda: "flagged" not in _text(app, "#card-meta"))
        assert review.item is not None


async def test_space_on_the_answer_side_grades_good(make, workdir):
    app = make(screen="review", topic="conv-basics")
    async with app.run_test(size=(100, 32)) as pilot:
        review = await _review_card(app, pilot)
        first = review.item.card_id
        await pilot.press("space")
        await settle(pilot, lambda: review.revealed)
        await pilot.press("space")
        await settle(pilot, lambda: len(review.grades) == 1)
        assert _reviews(workdir / "study.db") == [(first, 3)]


async def test_q_during_an_exam_asks_before_throwing_it_away(make, workdir):
    app = make(screen="exam", questions=4, minutes=5, seed=4)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "exam" and app.screen.current == 0)
        exam = app.screen
        exam.set_focus(None)  # a drill question focuses its input box; q is a key, not a letter typed
        await pilot.press("q")
        await settle(pilot, lambda: app.screen.id == "confirm")
        assert "Leave the exam?" in _text(app, "#confirm-question")
        await pilot.press("n")  # keep going: same exam, same question
        await settle(pilot, lambda: app.screen is exam)
        assert exam.current == 0 and not exam.done
        await pilot.press("q")
        await settle(pilot, lambda: app.screen.id == "confirm")
        await pilot.press("y")
        await settle(pilot, lambda: app.screen.id == "_default" or app.screen.id == "home")
    with sqlite3.connect(workdir / "study.db") as conn:
        assert conn.execute("SELECT count(*) FROM exam").fetchone() == (0,)


async def test_exam_report_uses_titles_and_separates_wrong_from_unanswered(make):
    app = make(screen="exam", questions=4, minutes=5, seed=4)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "exam" and app.screen.current == 0)
        exam = app.screen
        first = exam.questions[0]
        if first.card:
            await pilot.press("space", "n")  # had it wrong
        else:
            await pilot.press(*"123456789", "enter")
            await settle(pilot, lambda: first.correct is not None)
            exam.set_focus(None)
        await settle(pilot, lambda: first.correct is False)
        exam.set_focus(None)
        await pilot.press("f")  # finish early: three questions unanswered
        await settle(pilot, lambda: exam.done)
        table = exam.query_one("#report-table", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        titles = {r[0] for r in rows}
        assert titles <= {"Convolution basics", "Residual networks"} | {t for t in titles if t.startswith("Drill: ")}
        assert not any(t in ("conv-basics", "resnet-ideas") for t in titles)  # titles, not topic ids
        assert sum(int(r[4]) for r in rows) == 1 and sum(int(r[5]) for r in rows) == 3  # wrong, unanswered
        missed = _text(app, "#report-missed")
        assert "To study again (4)" in missed and "Q1 wrong" in missed and missed.count("unanswered") == 3


async def test_the_theme_choice_is_remembered(make):
    app = make()
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "home" and app.screen.data is not None)
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        await settle(pilot, lambda: app.theme == "textual-light")
        await pilot.pause()
    again = make()
    async with again.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: again.theme == "textual-light")


async def test_a_new_database_is_announced_once_in_the_tui(make, workdir):
    app = make(announce_new_db=True)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "home" and app.screen.data is not None)
        await settle(pilot, lambda: any("Created a new database" in n.message for n in app._notifications))
        note = next(n.message for n in app._notifications if "Created a new database" in n.message)
        assert str((workdir / "study.db").resolve()) in note
    again = make(announce_new_db=True)  # the file exists now: nothing to announce
    async with again.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: again.screen.id == "home" and again.screen.data is not None)
        await pilot.pause()
        assert not any("Created a new database" in n.message for n in again._notifications)


async def test_the_review_header_counts_new_cards_within_todays_limit(make, workdir):
    _limit_new_cards(workdir / "study.db", 3)  # 12 unseen cards, 3 a day
    app = make()
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "home" and app.screen.data is not None)
        await pilot.press("r")
        review = await _review_card(app, pilot)
        await settle(pilot, lambda: "new 3" in _text(app, "#queue"))
        assert "due 0" in _text(app, "#queue")
        await pilot.press("space", "3")  # Good on a new card: one of today's three is used
        await settle(pilot, lambda: "new 2" in _text(app, "#queue"))
        assert review.item is not None


async def test_a_long_list_is_put_in_the_table_a_page_at_a_time(make, workdir, monkeypatch):
    """The table holds a page of rows and takes the next as the cursor reaches its last row; the
    count says so. (A table of 20,000 rows took seconds to build, at every search key.)"""
    from studytui.tui.screens import browser as browser_module

    monkeypatch.setattr(browser_module, "PAGE", 5)
    app = make(screen="browser")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "browser" and app.screen.loaded and app.screen.rows)
        browser, table = app.screen, app.screen.query_one(DataTable)
        assert len(browser.ids) == 12 and len(browser.rows) == table.row_count == 5  # rows read for the page only
        assert "12 cards" in _text(app, "#browser-filter") and "the first 5 listed" in _text(app, "#browser-filter")
        await pilot.press(*["down"] * 4)  # onto the last row listed: the next page comes
        await settle(pilot, lambda: table.row_count == 10)
        await pilot.press(*["down"] * 5)
        await settle(pilot, lambda: table.row_count == 12)
        assert "listed" not in _text(app, "#browser-filter")
        await pilot.press(*["down"] * 3)
        assert browser.current.card_id == browser.rows[-1].card_id == browser.ids[-1] == str(table.get_row_at(11)[1])
