"""A snapshot of every screen (fixed clock, seed, time zone and terminal size).

Regenerate after an intended change: pytest tests/tui --snapshot-update
"""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input

from tests.tui.conftest import settle


@pytest.fixture(autouse=True)
def _steady_cursor(monkeypatch):
    # An input's cursor blinks on a 0.5 s timer, so a screenshot taken on a slow machine could
    # catch it either way: keep it shown.
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


def _until(condition):
    async def run_before(pilot) -> None:
        await settle(pilot, lambda: condition(pilot.app))
        await pilot.pause()

    return run_before


def _home_loaded(app) -> bool:
    return app.screen.id == "home" and app.screen.data is not None


def test_home_100x32(make, snap_compare):
    assert snap_compare(make(), terminal_size=(100, 32), run_before=_until(_home_loaded))


def test_home_80x24(make, snap_compare):
    assert snap_compare(make(), terminal_size=(80, 24), run_before=_until(_home_loaded))


def test_home_light_theme(make, snap_compare):
    assert snap_compare(make(theme="textual-light"), terminal_size=(80, 24), run_before=_until(_home_loaded))


def test_home_empty_deck(make, tmp_path, snap_compare):
    (tmp_path / "none").mkdir()
    assert snap_compare(make(cards_dir=tmp_path / "none"), terminal_size=(80, 24), run_before=_until(_home_loaded))


def test_review_question(make, snap_compare):
    app = make(screen="review", topic="conv-basics")
    assert snap_compare(app, terminal_size=(100, 32),
                        run_before=_until(lambda a: a.screen.id == "review" and a.screen.item is not None))


def test_review_answer_with_math(make, snap_compare):
    app = make(screen="review", topic="conv-basics")

    async def run_before(pilot):
        await settle(pilot, lambda: app.screen.id == "review" and app.screen.item is not None)
        await pilot.press("space")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 32), run_before=run_before)


def test_review_summary(make, snap_compare):
    app = make(screen="review", topic="resnet-ideas")

    async def run_before(pilot):
        for i in range(5):
            await settle(pilot, lambda: app.screen.id == "review" and app.screen.item is not None)
            await pilot.press("space", "4")
            await settle(pilot, lambda: len(app.screen.grades) == i + 1)
        await settle(pilot, lambda: app.screen.finished)

    assert snap_compare(app, terminal_size=(100, 32), run_before=run_before)


def test_help(make, snap_compare):
    async def run_before(pilot):
        await settle(pilot, lambda: _home_loaded(pilot.app))
        await pilot.press("f1")
        await settle(pilot, lambda: pilot.app.screen.id == "help")

    assert snap_compare(make(), terminal_size=(100, 32), run_before=run_before)


def test_drill_feedback(make, snap_compare):
    app = make(screen="drill", kind="shapes", level=2, seed=11)

    async def run_before(pilot):
        await settle(pilot, lambda: app.screen.id == "drill" and app.screen.problem is not None)
        await pilot.press(*"1x2x3", "enter")
        await settle(pilot, lambda: app.screen.checked)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 32), run_before=run_before)


def test_drill_question(make, snap_compare):
    app = make(screen="drill", kind="rf", level=1, seed=5)
    assert snap_compare(app, terminal_size=(100, 32),
                        run_before=_until(lambda a: a.screen.id == "drill" and a.screen.problem is not None))


def test_exam_question(make, snap_compare):
    app = make(screen="exam", questions=4, minutes=10, seed=2)
    assert snap_compare(app, terminal_size=(100, 32),
                        run_before=_until(lambda a: a.screen.id == "exam" and a.screen.current == 0))


def test_exam_report(make, snap_compare):
    app = make(screen="exam", questions=3, minutes=10, seed=2)

    async def run_before(pilot):
        await settle(pilot, lambda: app.screen.id == "exam" and app.screen.current == 0)
        await pilot.press("space", "y")
        await settle(pilot, lambda: app.screen.current == 1)
        await pilot.press("escape", "f")  # leave the drill's answer box, then finish early
        await settle(pilot, lambda: app.screen.done and app.screen.query_one("#report-table", DataTable).row_count)

    assert snap_compare(app, terminal_size=(100, 32), run_before=run_before)


def test_stats(make, snap_compare):
    app = make(screen="review", topic="conv-basics")

    async def run_before(pilot):
        for i, grade in enumerate("3143"):
            await settle(pilot, lambda: app.screen.id == "review" and app.screen.item is not None)
            await pilot.press("space", grade)
            await settle(pilot, lambda: len(app.screen.grades) == i + 1)
        app.open_screen("stats")
        await settle(pilot, lambda: app.screen.id == "stats" and app.screen.data is not None)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 32), run_before=run_before)


def test_stats_forecast_tab(make, snap_compare):
    app = make(screen="review", topic="resnet-ideas")

    async def run_before(pilot):
        for i in range(3):
            await settle(pilot, lambda: app.screen.id == "review" and app.screen.item is not None)
            await pilot.press("space", "3" if i else "4")
            await settle(pilot, lambda: len(app.screen.grades) == i + 1)
        app.open_screen("stats")
        await settle(pilot, lambda: app.screen.id == "stats" and app.screen.data is not None)
        await pilot.press("2")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 32), run_before=run_before)


def test_demos(make, snap_compare):
    app = make(screen="demos")
    assert snap_compare(app, terminal_size=(100, 32),
                        run_before=_until(lambda a: a.screen.id == "demos" and a.screen.demos))


def test_too_small(make, snap_compare):
    assert snap_compare(make(), terminal_size=(60, 20),
                        run_before=_until(lambda a: a.screen.id == "too-small"))
