"""Store.open(verify="background"): the integrity check runs in a thread once the session has
loaded, and no write reaches the file before it has passed; a damaged file is refused at the
first write (one line, saying it is damaged) and left byte for byte as it was."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from studytui.errors import StudytuiError
from studytui.study import store as store_mod
from studytui.study.scheduler import Rating, StudySession
from studytui.study.store import DatabaseDamaged, Store, to_ms

from tests.study.conftest import T0, deck_dirs  # noqa: F401 (a fixture)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_db(path: Path, reviews: int = 3000) -> None:
    with Store.open(path) as s, s._write() as cur:
        cur.executemany("INSERT INTO review (card_id, rating, reviewed_at, duration_ms) VALUES (?, 3, ?, ?)",
                        [(f"card-{i % 7}", to_ms(T0), 1000 + i) for i in range(reviews)])


def scribble_last_pages(path: Path, pages: int = 3, page: int = 4096) -> None:
    """Damage the review table's last leaf pages (the meta table and schema stay readable)."""
    data = bytearray(path.read_bytes())
    for offset in range(len(data) - pages * page + 100, len(data), 5):
        data[offset] = (data[offset] * 31 + 17) % 256
    path.write_bytes(bytes(data))


def test_a_damaged_file_opened_in_the_background_refuses_every_write_and_is_untouched(tmp_path):
    path = tmp_path / "s.db"
    make_db(path)
    scribble_last_pages(path)
    before = sha(path)
    with pytest.raises(StudytuiError, match="damaged"):
        Store.open(path).close()  # the plain open still refuses at once
    store = Store.open(path, verify="background")
    try:
        assert store.get_meta("created_at") is not None  # reads of intact pages go on meanwhile
        for write in (lambda: store.add_review("card-1", 3, at=T0), lambda: store.set_meta("k", 1),
                      lambda: store.add_mark("card-1", "flag", at=T0)):
            with pytest.raises(DatabaseDamaged) as info:
                write()
            message = str(info.value)
            assert "\n" not in message and str(path) in message and "damaged" in message and "refusing" in message
        assert not info.value.retryable
        with pytest.raises(DatabaseDamaged):
            store.verified()
    finally:
        store.close()
    assert sha(path) == before, "a write reached the damaged file"


def test_a_write_before_the_check_has_finished_waits_for_it(tmp_path, monkeypatch):
    path = tmp_path / "s.db"
    make_db(path, reviews=10)
    started, release = threading.Event(), threading.Event()
    plain_check = store_mod._quick_check

    def held_check(conn, where):
        started.set()
        assert release.wait(60)
        plain_check(conn, where)
        raise store_mod._refuse(where, "the database is damaged (what the test says)")

    monkeypatch.setattr(store_mod, "_quick_check", held_check)
    store = Store.open(path, verify="background")
    try:
        assert not started.is_set()  # the check waits for the session to load (or a write)
        store.start_check()
        assert started.wait(60)
        outcome: list = []
        writer = threading.Thread(target=lambda: outcome.append(_try(lambda: store.add_review("card-1", 3, at=T0))))
        writer.start()
        writer.join(0.5)
        assert writer.is_alive() and not outcome, "the write did not wait for the integrity check"
        assert store.review_count() == 10  # and nothing was written meanwhile
        release.set()
        writer.join(60)
        assert isinstance(outcome[0], DatabaseDamaged) and "what the test says" in str(outcome[0])
        assert store.review_count() == 10
    finally:
        release.set()
        store.close()


def _try(fn):
    try:
        return fn()
    except StudytuiError as exc:
        return exc


def test_an_intact_file_opened_in_the_background_studies_normally(tmp_path, deck_dirs):
    from studytui.study.deck import load_deck

    cards, demos = deck_dirs
    deck, _ = load_deck(cards, demos_dir=demos)
    path = tmp_path / "s.db"
    make_db(path, reviews=10)
    session = StudySession(Store.open(path, verify="background"), deck)
    try:
        assert session.store._check._started  # the session started it once its states were loaded
        item = session.next_card(now=T0)
        session.answer(item.card_id, Rating.Good, now=T0)
        session.store.verified()
        assert session.store.review_count() == 11
    finally:
        session.close()


def test_closing_while_the_check_runs_stops_it(tmp_path):
    path = tmp_path / "s.db"
    make_db(path, reviews=20000)
    for started in (False, True, True):
        store = Store.open(path, verify="background")
        if started:
            store.start_check()
        store.close()  # interrupts the check; no thread is left behind
        assert not any(t.name == "studytui-quick-check" for t in threading.enumerate())
    with pytest.raises(StudytuiError, match="closed"):
        store.verified()


def test_opens_that_may_write_check_first(tmp_path, monkeypatch):
    """A read-only file (no write would ever report the damage) and a file whose -wal still
    holds frames (closing copies them into the file) are checked before Store.open returns."""
    path = tmp_path / "s.db"
    make_db(path)
    scribble_last_pages(path)
    path.chmod(0o444)
    try:
        if not store_mod._writable(path):  # root can write anyway: then the case does not arise
            with pytest.raises(StudytuiError, match="damaged"):
                Store.open(path, verify="background")
    finally:
        path.chmod(0o644)
    monkeypatch.setattr(store_mod, "_has_wal", lambda p: True)
    before = sha(path)
    with pytest.raises(StudytuiError, match="damaged"):
        Store.open(path, verify="background")
    assert sha(path) == before


def test_the_tui_opens_its_session_with_the_check_in_the_background(tmp_path, monkeypatch):
    from studytui.tui.backend import Backend

    seen = []
    plain_open = Store.open

    def spy(*args, **kwargs):
        seen.append(kwargs.get("verify", "now"))
        return plain_open(*args, **kwargs)

    monkeypatch.setattr(Store, "open", spy)
    for demos in (None, tmp_path):
        backend = Backend(tmp_path / "s.db", cards_dir=tmp_path, demos_dir=demos)
        backend.session().close()
    StudySession.open(tmp_path / "s.db", cards_dir=tmp_path).close()  # the CLI: checked before it returns
    assert seen == ["background", "background", "now"]
