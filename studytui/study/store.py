"""The study database: one SQLite file holding the append-only review log and little else.

    store = Store.open(path)              # refuses (StudytuiError) anything that is not ours
    rid = store.add_review("rf-two-3x3", 3, at=now, duration_ms=4200, content_hash="ab12...")
    store.reviews()                       # every ReviewRow, oldest first
    store.delete_review(rid)              # undo
    store.close()

What it keeps, and why:
- `review`: one row per answer (card id, grade 1-4, time, duration, typed answer and correctness
  for drills, content hash of the card when it was answered). Card state is never stored; the
  scheduler rebuilds it by replaying this log through fsrs, so undo is "delete the row".
- `mark`: suspend / unsuspend / bury / flag / unflag events (undo of one deletes its row); a mark
  written by an answer (leech) points at its review and disappears with it on undo (ON DELETE CASCADE).
- `drill_attempt`: family, level, correct for drill statistics.
- `exam`, `exam_topic`: score reports of mock exams, per topic.
- `meta`: settings and fitted FSRS parameters (JSON values).

Safety: every write is one transaction, committed before the method returns (WAL, synchronous
FULL, a busy timeout so two instances can share the file). An existing file is checked before
anything can write to it: SQLite header, our application_id, a size that matches the header, and
`PRAGMA quick_check`. Anything else (empty, truncated, random bytes, another program's SQLite) is
refused with a one-line StudytuiError and left byte-for-byte untouched. A new database is built in
a temporary file and linked into place, so a half-created file is never seen.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from studytui.errors import StudytuiError

APPLICATION_ID = 0x53545455  # "STTU": marks the file as a studytui database
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 10.0
MARK_KINDS = ("suspend", "unsuspend", "bury", "flag", "unflag")
# Called with the path whenever Store.open creates a new file: the CLI says "creating a new
# database at ..." so a mistyped --db is noticed at once.
on_create: Callable[[Path], None] | None = None

# Schema history. Each entry upgrades version i -> i+1 and is never edited once released;
# SCHEMA_V1 is kept so tests (and a user's old file) can start from the first version.
SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE review (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    card_id TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    reviewed_at INTEGER NOT NULL,          -- ms since the epoch, UTC
    duration_ms INTEGER
);
CREATE INDEX review_by_card ON review (card_id, id);
CREATE TABLE card_mark (
    card_id TEXT PRIMARY KEY,
    suspended INTEGER NOT NULL DEFAULT 0,
    flagged INTEGER NOT NULL DEFAULT 0,
    buried_until INTEGER
);
"""

MIGRATION_1_TO_2 = """
ALTER TABLE review ADD COLUMN content_hash TEXT;
ALTER TABLE review ADD COLUMN typed TEXT;
ALTER TABLE review ADD COLUMN correct INTEGER;
CREATE TABLE mark (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    card_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('suspend', 'unsuspend', 'bury', 'flag', 'unflag')),
    at INTEGER NOT NULL,
    until INTEGER,
    reason TEXT,
    review_id INTEGER REFERENCES review (id) ON DELETE CASCADE
);
CREATE INDEX mark_by_review ON mark (review_id);
INSERT INTO mark (card_id, kind, at) SELECT card_id, 'suspend', 0 FROM card_mark WHERE suspended;
INSERT INTO mark (card_id, kind, at) SELECT card_id, 'flag', 0 FROM card_mark WHERE flagged;
INSERT INTO mark (card_id, kind, at, until)
    SELECT card_id, 'bury', 0, buried_until FROM card_mark WHERE buried_until IS NOT NULL;
DROP TABLE card_mark;
CREATE TABLE drill_attempt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    family TEXT NOT NULL,
    level INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    seed INTEGER,
    typed TEXT,
    duration_ms INTEGER,
    review_id INTEGER REFERENCES review (id) ON DELETE CASCADE
);
CREATE INDEX drill_by_review ON drill_attempt (review_id);
CREATE TABLE exam (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    minutes REAL,
    questions INTEGER NOT NULL
);
CREATE TABLE exam_topic (
    exam_id INTEGER NOT NULL REFERENCES exam (id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    correct INTEGER NOT NULL,
    total INTEGER NOT NULL,
    PRIMARY KEY (exam_id, topic)
);
"""

MIGRATIONS: list[str] = [MIGRATION_1_TO_2]  # MIGRATIONS[i] upgrades version i+1 -> i+2
SCHEMA_VERSION = 1 + len(MIGRATIONS)


def to_ms(at: datetime) -> int:
    """A timezone-aware datetime as integer ms since the epoch (what the log stores)."""
    if at.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return round(at.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


@dataclass(frozen=True)
class ReviewRow:
    id: int
    card_id: str
    rating: int
    at: datetime
    duration_ms: int | None
    content_hash: str | None
    typed: str | None
    correct: bool | None


@dataclass(frozen=True)
class MarkRow:
    id: int
    card_id: str
    kind: str
    at: datetime
    until: datetime | None
    reason: str | None
    review_id: int | None


@dataclass(frozen=True)
class DrillAttempt:
    id: int
    at: datetime
    family: str
    level: int
    correct: bool
    seed: int | None
    typed: str | None
    duration_ms: int | None
    review_id: int | None


@dataclass(frozen=True)
class ExamResult:
    id: int
    started_at: datetime
    finished_at: datetime
    minutes: float | None
    questions: int
    topics: dict[str, tuple[float, int]]  # topic -> (correct, total); essays give partial credit

    @property
    def correct(self) -> float:
        return sum(c for c, _ in self.topics.values())

    @property
    def total(self) -> int:
        return sum(t for _, t in self.topics.values())


def _refuse(path: Path, why: str) -> StudytuiError:
    return StudytuiError(f"{path}: {why}; refusing to use it (the file was not changed)")


def inspect_file(path: Path) -> None:
    """Raise StudytuiError unless `path` looks like an intact studytui database. Reads only."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            header = f.read(100)
    except OSError as exc:
        raise StudytuiError(f"{path}: cannot read the database ({exc.strerror or exc})") from None
    if size == 0:
        raise _refuse(path, "the file is empty, not a studytui database")
    if not header.startswith(SQLITE_MAGIC):
        raise _refuse(path, "not a studytui database (not an SQLite file)")
    if len(header) < 100:
        raise _refuse(path, "the database is truncated (shorter than its header)")
    app_id = int.from_bytes(header[68:72], "big")
    if app_id != APPLICATION_ID:
        raise _refuse(path, f"an SQLite database of another program (application_id {app_id:#x}), not studytui's")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    size_valid = header[24:28] == header[92:96]  # the in-header size is trusted only then
    if page_size < 512 or size % page_size or (size_valid and size < pages * page_size):
        raise _refuse(path, f"the database is truncated ({size} bytes, header says {pages * page_size})")


class Store:
    """The SQLite study database. Open with `Store.open(path)`; every write method commits."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn = conn
        self.path = path
        self._lock = threading.RLock()  # one connection, possibly used from a TUI worker thread
        self.created = False  # Store.open made this file just now

    # --- opening -----------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path | None = None) -> "Store":
        """Open (or create) the database at `path` (default: paths.default_db_path())."""
        from studytui.paths import default_db_path

        path = Path(path).expanduser() if path is not None else default_db_path()
        if path.is_dir():
            raise StudytuiError(f"{path}: is a directory, not a database file")
        created = not path.exists()
        if created:
            if on_create is not None:
                on_create(path)
            _create(path)
        inspect_file(path)
        conn = _connect(path)
        try:
            _check_and_migrate(conn, path)
            conn.execute("PRAGMA journal_mode=WAL")
        except BaseException:
            conn.close()
            raise
        store = cls(conn, path)
        store.created = created
        return store

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self._conn.execute("PRAGMA user_version").fetchone()[0]

    # --- transactions ------------------------------------------------------------------------

    def _write(self) -> "_Tx":
        return _Tx(self)

    # --- review log --------------------------------------------------------------------------

    def add_review(
        self,
        card_id: str,
        rating: int,
        *,
        at: datetime,
        duration_ms: int | None = None,
        content_hash: str | None = None,
        typed: str | None = None,
        correct: bool | None = None,
        marks: Iterable[tuple[str, str | None]] = (),
        drill: dict[str, Any] | None = None,
    ) -> int:
        """Append one answer (plus the marks and drill attempt it causes); committed on return."""
        if rating not in (1, 2, 3, 4):
            raise ValueError(f"rating must be 1..4, not {rating!r}")
        with self._write() as cur:
            cur.execute(
                "INSERT INTO review (card_id, rating, reviewed_at, duration_ms, content_hash, typed, correct)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (card_id, int(rating), to_ms(at), duration_ms, content_hash, typed, _bool(correct)),
            )
            rid = cur.lastrowid
            for kind, reason in marks:
                self._insert_mark(cur, card_id, kind, at, None, reason, rid)
            if drill is not None:
                self._insert_drill(cur, at=at, review_id=rid, **drill)
        return rid

    def reviews(self, card_id: str | None = None, after_id: int = 0) -> list[ReviewRow]:
        """Review rows, oldest first (all, one card's, or those after `after_id`)."""
        sql = "SELECT id, card_id, rating, reviewed_at, duration_ms, content_hash, typed, correct FROM review WHERE id > ?"
        args: list[Any] = [after_id]
        if card_id is not None:
            sql += " AND card_id = ?"
            args.append(card_id)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY id", args).fetchall()
        return [ReviewRow(r[0], r[1], r[2], from_ms(r[3]), r[4], r[5], r[6], None if r[7] is None else bool(r[7])) for r in rows]

    def log_signature(self) -> tuple[int, int, int, int]:
        """(last review id, review count, last mark id, mark count): changes on any write."""
        with self._lock:
            r = self._conn.execute("SELECT coalesce(max(id), 0), count(*) FROM review").fetchone()
            m = self._conn.execute("SELECT coalesce(max(id), 0), count(*) FROM mark").fetchone()
        return (r[0], r[1], m[0], m[1])

    def delete_review(self, review_id: int) -> ReviewRow | None:
        """Remove one review (and the marks / drill attempt it wrote); returns it, or None."""
        with self._write() as cur:
            row = cur.execute(
                "SELECT id, card_id, rating, reviewed_at, duration_ms, content_hash, typed, correct FROM review WHERE id = ?",
                (review_id,),
            ).fetchone()
            if row is None:
                return None
            cur.execute("DELETE FROM review WHERE id = ?", (review_id,))
        return ReviewRow(row[0], row[1], row[2], from_ms(row[3]), row[4], row[5], row[6], None if row[7] is None else bool(row[7]))

    def review_count(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM review").fetchone()[0]

    # --- marks -------------------------------------------------------------------------------

    def add_mark(self, card_id: str, kind: str, *, at: datetime, until: datetime | None = None, reason: str | None = None) -> int:
        with self._write() as cur:
            return self._insert_mark(cur, card_id, kind, at, until, reason, None)

    def delete_mark(self, mark_id: int) -> MarkRow | None:
        """Remove one mark (undo of a suspend / bury / flag); returns it, or None if already gone."""
        with self._write() as cur:
            r = cur.execute("SELECT id, card_id, kind, at, until, reason, review_id FROM mark WHERE id = ?",
                            (mark_id,)).fetchone()
            if r is None:
                return None
            cur.execute("DELETE FROM mark WHERE id = ?", (mark_id,))
        return MarkRow(r[0], r[1], r[2], from_ms(r[3]), None if r[4] is None else from_ms(r[4]), r[5], r[6])

    def marks(self) -> list[MarkRow]:
        with self._lock:
            rows = self._conn.execute("SELECT id, card_id, kind, at, until, reason, review_id FROM mark ORDER BY id").fetchall()
        return [MarkRow(r[0], r[1], r[2], from_ms(r[3]), None if r[4] is None else from_ms(r[4]), r[5], r[6]) for r in rows]

    @staticmethod
    def _insert_mark(cur, card_id, kind, at, until, reason, review_id) -> int:
        if kind not in MARK_KINDS:
            raise ValueError(f"unknown mark {kind!r}")
        cur.execute(
            "INSERT INTO mark (card_id, kind, at, until, reason, review_id) VALUES (?, ?, ?, ?, ?, ?)",
            (card_id, kind, to_ms(at), None if until is None else to_ms(until), reason, review_id),
        )
        return cur.lastrowid

    # --- drills ------------------------------------------------------------------------------

    def add_drill_attempt(self, family: str, level: int, correct: bool, *, at: datetime, seed: int | None = None,
                          typed: str | None = None, duration_ms: int | None = None) -> int:
        with self._write() as cur:
            return self._insert_drill(cur, at=at, family=family, level=level, correct=correct, seed=seed,
                                      typed=typed, duration_ms=duration_ms, review_id=None)

    @staticmethod
    def _insert_drill(cur, *, at, family, level, correct, seed=None, typed=None, duration_ms=None, review_id=None) -> int:
        cur.execute(
            "INSERT INTO drill_attempt (at, family, level, correct, seed, typed, duration_ms, review_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (to_ms(at), family, int(level), int(bool(correct)), seed, typed, duration_ms, review_id),
        )
        return cur.lastrowid

    def drill_attempts(self) -> list[DrillAttempt]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, at, family, level, correct, seed, typed, duration_ms, review_id FROM drill_attempt ORDER BY id"
            ).fetchall()
        return [DrillAttempt(r[0], from_ms(r[1]), r[2], r[3], bool(r[4]), r[5], r[6], r[7], r[8]) for r in rows]

    # --- exams -------------------------------------------------------------------------------

    def add_exam(self, *, started_at: datetime, finished_at: datetime, topics: dict[str, tuple[int, int]],
                 minutes: float | None = None) -> int:
        """Save one exam's score report: topic -> (correct, total)."""
        for topic, (correct, total) in topics.items():
            if not 0 <= correct <= total:
                raise ValueError(f"topic {topic!r}: correct must be between 0 and total")
        with self._write() as cur:
            cur.execute(
                "INSERT INTO exam (started_at, finished_at, minutes, questions) VALUES (?, ?, ?, ?)",
                (to_ms(started_at), to_ms(finished_at), minutes, sum(t for _, t in topics.values())),
            )
            exam_id = cur.lastrowid
            cur.executemany(
                "INSERT INTO exam_topic (exam_id, topic, correct, total) VALUES (?, ?, ?, ?)",
                # partial credit (essays: ticked/total) is a REAL in the INTEGER column; SQLite keeps it
                [(exam_id, t, c if isinstance(c, int) else float(c), int(n)) for t, (c, n) in topics.items()],
            )
        return exam_id

    def exams(self) -> list[ExamResult]:
        with self._lock:
            rows = self._conn.execute("SELECT id, started_at, finished_at, minutes, questions FROM exam ORDER BY id").fetchall()
            parts = self._conn.execute("SELECT exam_id, topic, correct, total FROM exam_topic ORDER BY rowid").fetchall()
        by_exam: dict[int, dict[str, tuple[int, int]]] = {}
        for exam_id, topic, correct, total in parts:
            by_exam.setdefault(exam_id, {})[topic] = (correct, total)
        return [ExamResult(r[0], from_ms(r[1]), from_ms(r[2]), r[3], r[4], by_exam.get(r[0], {})) for r in rows]

    # --- meta --------------------------------------------------------------------------------

    def get_meta(self, key: str, default: Any = None) -> Any:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        with self._write() as cur:
            cur.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))


class _Tx:
    """`with store._write() as cur:` one IMMEDIATE transaction, committed on a clean exit."""

    def __init__(self, store: Store):
        self.store = store

    def __enter__(self) -> sqlite3.Cursor:
        self.store._lock.acquire()
        try:
            self.store._conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.store._lock.release()
            raise
        return self.store._conn.cursor()

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.store._conn.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.store._lock.release()


def _bool(value: bool | None) -> int | None:
    return None if value is None else int(bool(value))


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def _create(path: Path) -> None:
    """Build a fresh database beside `path` and link it into place unless one appeared meanwhile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.new-{os.getpid()}-{threading.get_ident()}")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
        leftover.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("BEGIN")
        for statement in _statements(SCHEMA_V1):
            conn.execute(statement)
        conn.execute("INSERT INTO meta (key, value) VALUES ('created_at', ?)", (json.dumps(datetime.now(timezone.utc).isoformat()),))
        conn.execute("PRAGMA user_version = 1")
        conn.execute("COMMIT")
        _migrate(conn)
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    try:
        os.link(tmp, path)  # atomic and never replaces: a concurrent creator's file wins
    except FileExistsError:
        pass
    except OSError:  # a filesystem without hard links
        if not path.exists():
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _statements(script: str) -> Iterator[str]:
    """Split a schema script into statements (our scripts have no ';' inside literals)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    for statement in "\n".join(lines).split(";"):
        if statement.strip():
            yield statement


def _check_and_migrate(conn: sqlite3.Connection, path: Path) -> None:
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise _refuse(path, f"the database is damaged ({result})")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise _refuse(path, f"the database is damaged ({exc})") from None
    if version < 1 or "meta" not in tables or "review" not in tables:
        raise _refuse(path, "not a complete studytui database (missing tables)")
    if version > SCHEMA_VERSION:
        raise StudytuiError(
            f"{path}: written by a newer studytui (schema {version}, this one knows {SCHEMA_VERSION}); upgrade studytui"
        )
    _migrate(conn)


def _migrate(conn: sqlite3.Connection) -> None:
    """Run the missing migrations in one transaction (SQLite DDL is transactional)."""
    if conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # re-read under the lock
        while version < SCHEMA_VERSION:
            for statement in _statements(MIGRATIONS[version - 1]):
                conn.execute(statement)
            version += 1
            conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
