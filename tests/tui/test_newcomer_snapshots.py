"""Snapshot of the card browser with suspended, buried and flagged cards."""

from __future__ import annotations

from tests.tui.conftest import FIXED_NOW, settle


def test_browser_with_marks(make, workdir, snap_compare):
    from studytui.study.deck import load_deck
    from studytui.study.scheduler import StudySession
    from studytui.study.store import Store

    deck, _ = load_deck(workdir / "cards", demos_dir=workdir / "demos")
    with StudySession(Store.open(workdir / "study.db"), deck) as s:
        s.suspend("fx-two-3x3", now=FIXED_NOW)
        s.bury("fx-padding-same", now=FIXED_NOW)
        s.flag("fx-padding-same", now=FIXED_NOW)
        s.flag("fx-residual-formula", now=FIXED_NOW)
    app = make(screen="browser")

    async def run_before(pilot):
        await settle(pilot, lambda: app.screen.id == "browser" and app.screen.loaded and app.screen.rows)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 32), run_before=run_before)
