"""Cloze, essay and note cards driven with real key presses (fixture deck: fixtures/typed_cards)."""

from __future__ import annotations

import sqlite3

import pytest
from textual.widgets import Markdown

from tests.tui.conftest import FIXTURES, settle

TYPED = FIXTURES / "typed_cards"


@pytest.fixture
def typed(make):
    def build(screen: str = "review", **options):
        return make(screen=screen, cards_dir=TYPED, **options)

    return build


def _md(screen, selector: str) -> str:
    return screen.query_one(selector, Markdown).source


def _reviews(db) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT card_id, rating FROM review ORDER BY id").fetchall()


async def _review_until(pilot, app, card_type: str):
    """Grade Good until a card of `card_type` is on screen; return the review screen."""
    for _ in range(10):
        await settle(pilot, lambda: app.screen.id == "review" and app.screen.item is not None
                     and not app.screen.revealed)
        if app.screen.item.card.type == card_type:
            return app.screen
        n = len(app.screen.grades)
        await pilot.press("space", "3")
        await settle(pilot, lambda: len(app.screen.grades) == n + 1)
    raise AssertionError(f"no {card_type} card came up")


async def test_cloze_shows_the_blank_then_the_filled_deletion_and_the_note(typed, workdir):
    app = typed(topic="card-types")
    async with app.run_test(size=(100, 32)) as pilot:
        review = await _review_until(pilot, app, "cloze")
        item = review.item
        front = _md(review, "#question")
        hidden, shown = ("N, H and W", "C, H and W") if item.card_id == "tx-norm-axes" else ("C, H and W", "N, H and W")
        assert "[" in front and hidden not in front and shown in front  # only this item's deletion is blank
        assert not review.query_one("#answer").display and not review.query_one("#note-panel").display
        await pilot.press("space")
        assert review.query_one("#answer").display
        assert f"**{hidden}**" in _md(review, "#answer")  # filled in and highlighted
        note = review.query_one("#note-panel")
        assert note.display and note.border_title == "Note" and "GroupNorm" in _md(review, "#note")
        await pilot.press("2")
        await settle(pilot, lambda: len(review.grades) == 1)
        assert _reviews(workdir / "study.db")[-1] == (item.card_id, 2)


async def test_essay_ticks_decide_the_grade_in_the_log(typed, workdir):
    app = typed(topic="card-types")
    async with app.run_test(size=(100, 32)) as pilot:
        review = await _review_until(pilot, app, "essay")
        before = len(_reviews(workdir / "study.db"))
        assert not review.query_one("#rubric-panel").display  # the rubric is the answer: hidden first
        await pilot.press("space")
        await settle(pilot, lambda: review.query_one("#rubric-panel").display)
        assert not any(b.display for b in review.query(".grade"))  # no free grading of essays
        await pilot.press("3")  # ticks point 3, does not grade Good
        await pilot.press("down", "down", "down", "space")  # ... and point 4 from the highlight
        verdict = str(review.query_one("#rubric-verdict").render())
        assert "2 of 4 points → Hard" in verdict
        assert len(_reviews(workdir / "study.db")) == before
        await pilot.press("e")  # Easy needs every point: refused
        await pilot.pause()
        assert len(_reviews(workdir / "study.db")) == before
        await pilot.press("enter")
        await settle(pilot, lambda: len(_reviews(workdir / "study.db")) == before + 1)
        assert _reviews(workdir / "study.db")[-1] == ("tx-residual-essay", 2)  # half the points: Hard


async def test_exam_essay_earns_partial_credit_in_the_report(typed, workdir):
    from textual.widgets import DataTable, Input, Static

    app = typed(screen="exam", questions=8, minutes=30, seed=4)  # all 4 notes of the deck + 4 drills
    async with app.run_test(size=(100, 32)) as pilot:
        exam = app.screen
        await settle(pilot, lambda: exam.current == 0)
        assert sum(q.essay for q in exam.questions) == 1
        for i, q in enumerate(exam.questions):
            await settle(pilot, lambda: exam.current == i)
            if q.essay:
                await pilot.press("space")
                await settle(pilot, lambda: exam.query_one("#rubric-panel").display)
                await pilot.press("y")  # self-grading is not how an essay is scored
                assert q.correct is None
                await pilot.press("1", "4", "enter")  # two of the four points
            elif q.card is not None:
                if q.card.card.type == "cloze":
                    assert "[" in exam.query_one("#question", Markdown).source  # the blank
                await pilot.press("space", "y")
            else:
                exam.query_one("#exam-input", Input).focus()
                await pilot.press(*q.problem.answer_text, "enter")
                await settle(pilot, lambda: q.correct is not None)
                await pilot.press("enter")
        await settle(pilot, lambda: exam.done and exam.query_one("#report-table", DataTable).row_count)
        essay = next(q for q in exam.questions if q.essay)
        assert essay.points == (2, 4) and essay.score == 0.5
        report = str(exam.query_one("#report-text", Static).render())
        assert "Score 7.5/8" in report
        assert "tx-residual-essay: 2 of 4 rubric points = 50% credit" in report
        table = exam.query_one("#report-table", DataTable)
        # lowest score first: title, credit, right, partial (the essay: half its points, not wrong), wrong, unanswered
        assert table.get_row_at(0)[:6] == ["Card types", "3.5/4", "3", "1", "0", "0"]
    with sqlite3.connect(workdir / "study.db") as conn:
        saved = dict(conn.execute("SELECT topic, correct FROM exam_topic").fetchall())
    assert saved["card-types"] == 3.5


async def test_search_finds_a_cloze_note_by_its_hidden_words(typed):
    app = typed(screen="home")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "home" and app.screen.data is not None)
        await pilot.press("slash")
        await settle(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
        await pilot.press(*"averages over n")  # "N, H and W" is hidden on the front of item c1
        from textual.command import CommandList

        hits = app.screen.query_one(CommandList)
        await settle(pilot, lambda: hits.option_count == 1)  # the note once, not one hit per deletion
        await pilot.press("down", "enter")
        await settle(pilot, lambda: app.screen.id == "card-preview")
        preview = app.screen
        assert preview.card[0] == "tx-norm-axes"
        assert "averages over N, H and W; LayerNorm over C, H and W" in preview.card[2]


async def test_review_help_lists_the_essay_keys(typed):
    from textual.widgets import DataTable

    app = typed(topic="card-types")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "review" and app.screen.item is not None)
        await pilot.press("f1")
        await settle(pilot, lambda: app.screen.id == "help")
        keys = app.screen.query_one("#help-keys", DataTable)
        rows = {keys.get_row_at(i)[0]: keys.get_row_at(i)[1] for i in range(keys.row_count)}
        assert rows["enter (essay)"] == "grade from the ticks" and rows["1-8 (essay)"] == "tick rubric point N"
        assert "at least half Hard" in str(app.screen.query_one("#help-text").render())
