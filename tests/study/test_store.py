"""The database: refuses files that are not ours without touching them; migrates old schemas."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from studytui.errors import StudytuiError
from studytui.study import store as store_mod
from studytui.study.store import APPLICATION_ID, SCHEMA_V1, SCHEMA_VERSION, Store, to_ms

from .conftest import T0


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def make_real_db(path: Path, reviews: int = 50) -> None:
    with Store.open(path) as s:
        s.add_review("card-0", 3, at=T0, duration_ms=1000, content_hash="h" * 16)
        with s._write() as cur:  # the rest in one transaction: fsync per answer is slow in bulk
            cur.executemany(
                "INSERT INTO review (card_id, rating, reviewed_at, duration_ms) VALUES (?, 3, ?, ?)",
                [(f"card-{i % 7}", to_ms(T0), 1000 + i) for i in range(1, reviews)],
            )


def refused(path: Path) -> str:
    before, names = sha(path), siblings(path)
    with pytest.raises(StudytuiError) as info:
        Store.open(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    assert sha(path) == before, "the refused file was modified"
    assert siblings(path) == names, "opening a refused file created files beside it"
    return message


def test_new_database_has_our_id_version_and_wal(tmp_path):
    path = tmp_path / "sub" / "dir" / "s.db"
    with Store.open(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s._conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert s._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s._conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_truncated_database_is_refused_untouched(tmp_path):
    path = tmp_path / "s.db"
    make_real_db(path, reviews=400)
    size = path.stat().st_size
    os.truncate(path, size // 2 // 4096 * 4096 or 4096)
    assert "truncated" in refused(path)


def test_database_cut_inside_its_header_is_refused(tmp_path):
    path = tmp_path / "s.db"
    make_real_db(path)
    os.truncate(path, 60)
    assert "truncated" in refused(path)


def test_random_bytes_are_refused_untouched(tmp_path):
    path = tmp_path / "s.db"
    path.write_bytes(os.urandom(64 * 1024))
    assert "not an SQLite file" in refused(path)


def test_text_file_and_empty_file_are_refused(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("my precious notes\n")
    assert "not an SQLite file" in refused(text)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert "empty" in refused(empty)


def test_foreign_sqlite_is_refused_untouched(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE review (id INTEGER PRIMARY KEY, card_id TEXT)")
    conn.execute("INSERT INTO review (card_id) VALUES ('x')")
    conn.commit()
    conn.close()
    assert "another program" in refused(path)


def test_sqlite_with_another_application_id_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1234")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    assert "0x4d2" in refused(path)


def test_corrupted_page_is_refused_untouched(tmp_path):
    path = tmp_path / "s.db"
    make_real_db(path, reviews=2000)
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(2 * page + 100, min(len(data), 6 * page), 7):  # scribble over b-tree pages
        data[offset] = (data[offset] * 31 + 17) % 256
    path.write_bytes(bytes(data))
    message = refused(path)
    assert "damaged" in message or "not a complete" in message


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "s.db"
    make_real_db(path, reviews=1)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    with pytest.raises(StudytuiError, match="newer studytui"):
        Store.open(path)


def test_directory_path_is_refused(tmp_path):
    with pytest.raises(StudytuiError, match="directory"):
        Store.open(tmp_path)


def make_v1(path: Path) -> None:
    """A database exactly as the first schema version wrote it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.executescript(SCHEMA_V1)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO meta (key, value) VALUES ('created_at', '\"2025-01-01\"')")
    for i, rating in enumerate([3, 1, 3, 4]):
        conn.execute(
            "INSERT INTO review (card_id, rating, reviewed_at, duration_ms) VALUES (?, ?, ?, ?)",
            ("alpha-0", rating, to_ms(T0) + i * 60_000, 1500),
        )
    conn.execute("INSERT INTO card_mark (card_id, suspended, flagged, buried_until) VALUES ('alpha-1', 1, 1, NULL)")
    conn.execute("INSERT INTO card_mark (card_id, suspended, flagged, buried_until) VALUES ('beta-0', 0, 0, ?)", (to_ms(T0),))
    conn.close()


def test_migration_from_version_1_keeps_the_log_and_marks(tmp_path):
    path = tmp_path / "v1.db"
    make_v1(path)
    with Store.open(path) as s:
        assert s.schema_version == SCHEMA_VERSION == 3
        rows = s.reviews()
        assert [(r.card_id, r.rating, r.duration_ms) for r in rows] == [("alpha-0", x, 1500) for x in (3, 1, 3, 4)]
        assert rows[0].at == T0 and rows[0].content_hash is None and rows[0].typed is None
        marks = {(m.card_id, m.kind) for m in s.marks()}
        assert marks == {("alpha-1", "suspend"), ("alpha-1", "flag"), ("beta-0", "bury")}
        tables = {r[0] for r in s._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"drill_attempt", "exam", "exam_topic", "mark"} <= tables and "card_mark" not in tables
        s.add_review("alpha-0", 3, at=T0, typed="16x8x8", correct=True)  # new columns work
    with Store.open(path) as s:  # opening again migrates nothing and keeps everything
        assert len(s.reviews()) == 5 and s.reviews()[-1].correct is True


def test_failed_migration_leaves_version_1(tmp_path, monkeypatch):
    path = tmp_path / "v1.db"
    make_v1(path)
    monkeypatch.setattr(store_mod, "MIGRATIONS", [store_mod.MIGRATION_1_TO_2 + "\nCREATE TABLE review (x);"])
    with pytest.raises(StudytuiError, match="cannot upgrade the database from schema 1.*not changed"):
        Store.open(path)  # one line, not an OperationalError traceback (red-team S12)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "card_mark" in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()


def test_each_write_is_visible_to_another_connection_at_once(tmp_path):
    path = tmp_path / "s.db"
    a, b = Store.open(path), Store.open(path)
    rid = a.add_review("x", 2, at=T0, duration_ms=10, typed=None, correct=None)
    assert [r.id for r in b.reviews()] == [rid]
    a.delete_review(rid)
    assert b.reviews() == []
    a.close()
    b.close()


def test_answer_with_marks_and_drill_is_one_transaction(tmp_path):
    with Store.open(tmp_path / "s.db") as s:
        with pytest.raises(ValueError):
            s.add_review("x", 3, at=T0, marks=[("suspend", "leech"), ("explode", None)])
        assert s.reviews() == [] and s.marks() == []  # rolled back whole
        rid = s.add_review("drill:rf:1", 1, at=T0, drill=dict(family="rf", level=1, correct=False, typed="3x3"))
        assert s.drill_attempts()[0].review_id == rid
        s.delete_review(rid)
        assert s.drill_attempts() == []


def test_exam_results_round_trip(tmp_path):
    with Store.open(tmp_path / "s.db") as s:
        eid = s.add_exam(started_at=T0, finished_at=T0, minutes=20, topics={"alpha": (3, 4), "beta": (1, 2)})
        (exam,) = s.exams()
        assert (exam.id, exam.correct, exam.total, exam.questions, exam.topics["alpha"]) == (eid, 4, 6, 6, (3, 4))
        with pytest.raises(ValueError):
            s.add_exam(started_at=T0, finished_at=T0, topics={"alpha": (5, 4)})


def test_two_processes_creating_the_same_new_database(tmp_path):
    path = tmp_path / "new.db"
    errors: list[BaseException] = []

    def open_and_write(i: int) -> None:
        try:
            with Store.open(path) as s:
                s.add_review(f"c{i}", 3, at=T0)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=open_and_write, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store.open(path) as s:
        assert sorted(r.card_id for r in s.reviews()) == [f"c{i}" for i in range(6)]
