"""The review screen under a held lock, a full disk and a read-only database: no grade typed by
the student is ever lost, the screen says what is happening, nothing crashes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from textual.widgets import Static

from studytui.study import store as store_mod
from studytui.study.store import DiskFull, Store
from tests.tui.conftest import settle

from .conftest import ROOT, cli_env

HERE = Path(__file__).parent


def _status(screen) -> str:
    status = screen.query_one("#save-status", Static)
    return str(status.render()) if status.display else ""


def _rows(db: Path) -> list[tuple[str, int]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT card_id, rating FROM review ORDER BY id").fetchall()
    finally:
        conn.close()


async def _reveal(app, pilot):
    await settle(pilot, lambda: app.screen.id == "review" and app.screen.item is not None)
    review = app.screen
    card = review.item.card_id
    await pilot.press("space")
    await settle(pilot, lambda: review.revealed)
    return review, card


async def test_a_grade_waits_for_another_programs_lock_then_is_saved(make, workdir):
    db = workdir / "study.db"
    Store.open(db).close()
    app = make("review")
    async with app.run_test(size=(100, 32)) as pilot:
        review, card = await _reveal(app, pilot)
        review.RETRY_EVERY_S = 0.2
        holder = subprocess.Popen([sys.executable, str(HERE / "lock_holder.py"), str(db)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, env=cli_env(), cwd=ROOT)
        try:
            assert holder.stdout.readline().strip() == "locked"
            await pilot.press("3")
            await settle(pilot, lambda: "Waiting for another studytui" in _status(review))
            assert _rows(db) == [] and len(review.unsaved) == 1
            holder.stdin.write("\n")
            holder.stdin.flush()
            assert holder.stdout.readline().strip() == "released"
        finally:
            holder.kill()
            holder.wait()
        await settle(pilot, lambda: len(review.grades) == 1 and review.item is not None)  # the next card
        assert _rows(db) == [(card, 3)]
        assert not review.unsaved and _status(review) == ""


async def test_a_grade_on_a_full_disk_stays_queued_says_why_and_is_written_later(make, workdir, monkeypatch):
    db = workdir / "study.db"
    real = Store.add_review
    failures = {"left": 3}

    def add_review(self, *args, **kwargs):  # an injected `disk full`, three times
        if failures["left"]:
            failures["left"] -= 1
            raise DiskFull(f"{self.path}: the disk is full; free some space and try again")
        return real(self, *args, **kwargs)

    app = make("review")
    async with app.run_test(size=(100, 32)) as pilot:
        review, card = await _reveal(app, pilot)
        review.RETRY_EVERY_S = 0.3
        monkeypatch.setattr(Store, "add_review", add_review)
        review.WAIT_ROUNDS = 0
        await pilot.press("1")
        await settle(pilot, lambda: "not saved yet" in _status(review))
        assert "the disk is full" in _status(review)
        await settle(pilot, lambda: len(review.grades) == 1 and review.item is not None)  # written, next card
        assert _rows(db) == [(card, 1)] and failures["left"] == 0


async def test_quitting_with_an_unsaved_grade_asks_first(make, workdir, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise DiskFull("the disk is full")

    app = make("review")
    async with app.run_test(size=(100, 32)) as pilot:
        review, _ = await _reveal(app, pilot)
        monkeypatch.setattr(Store, "add_review", refuse)
        review.WAIT_ROUNDS = 0
        await pilot.press("2")
        await settle(pilot, lambda: "not saved yet" in _status(review))
        await pilot.press("ctrl+q")
        await settle(pilot, lambda: app.screen.id == "confirm")
        assert "1 grade not saved yet" in str(app.screen.query_one("#confirm-question", Static).render())
        assert "the disk is full" in str(app.screen.query_one("#confirm-detail", Static).render())
        await pilot.press("n")  # stay: nothing is dropped
        await settle(pilot, lambda: app.screen is review)
        assert len(review.unsaved) == 1 and app.is_running
        await pilot.press("q")
        await settle(pilot, lambda: app.screen.id == "confirm")
        await pilot.press("y")
        await settle(pilot, lambda: app.screen.id == "home")
        assert review.left and not review.unsaved


async def test_a_read_only_database_says_so_up_front_and_never_crashes(make, workdir, monkeypatch):
    db = workdir / "study.db"
    Store.open(db).close()
    monkeypatch.setattr(store_mod, "_writable", lambda path: False)  # as a chmod 444 file would be
    app = make()
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "home" and app.screen.data is not None)
        assert "Read-only database" in str(app.screen.query_one("#today", Static).render())
        await pilot.press("r")
        review, _ = await _reveal(app, pilot)
        review.WAIT_ROUNDS = 0
        await pilot.press("3")
        await settle(pilot, lambda: "read-only" in _status(review))
        assert app.is_running and _rows(db) == []


def _damage_the_free_list(db: Path) -> None:
    """A database whose tables read fine but whose free-page list is broken: only the
    integrity check (run in the background by the TUI) can notice it."""
    import struct

    with Store.open(db) as store:
        store.set_meta("scratch", "x" * 200_000)  # pages that become free when it is dropped
        store.set_meta("scratch", None)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db.read_bytes())
    trunk = struct.unpack(">I", data[32:36])[0]  # the first free-list trunk page
    page_size = struct.unpack(">H", data[16:18])[0]
    assert trunk > 0, "no free pages to damage"
    offset = (trunk - 1) * page_size
    data[offset + 4:offset + 8] = struct.pack(">I", 9999)  # more leaves than a page can hold
    db.write_bytes(bytes(data))


async def test_damage_found_by_the_background_check_is_said_on_home_and_nothing_is_written(make, workdir):
    import hashlib

    db = workdir / "study.db"
    _damage_the_free_list(db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    app = make()
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot, lambda: app.screen.id == "home" and bool(app.screen.query("#today"))
                     and "damaged" in str(app.screen.query_one("#today", Static).render()))
        shown = str(app.screen.query_one("#today", Static).render())
        assert "Cannot open the database" in shown and str(db) in shown
        assert not app.screen.query_one("#topics").display
        app.screen.refresh_data()  # coming back to home (after a review, say) keeps saying it
        await pilot.pause()
        await settle(pilot, lambda: not any(w.is_running for w in app.workers))
        assert "damaged" in str(app.screen.query_one("#today", Static).render())
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before, "a write reached the damaged file"
