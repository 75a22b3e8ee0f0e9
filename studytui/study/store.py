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
- `drill_attempt`: family, level, correct and the diagnosed mistake keys, for drill statistics.
- `exam`, `exam_topic`: score reports of mock exams, per topic, with the forecast shown beforehand.
- `log_deletions`: how many review/mark rows undo has deleted (part of the log's signature).
- `meta`: settings and fitted FSRS parameters (JSON values).

Safety: every write is one transaction, committed before the method returns (WAL, synchronous
FULL, a busy timeout so two instances can share the file), and then checkpointed into the main
file (`wal_checkpoint(TRUNCATE)`), so an acknowledged write survives even a lost `-wal` file. An
existing file is checked before anything can write to it: SQLite header, our application_id, a
size that matches the header (unless a `-wal` holds the rest: a kill during a checkpoint leaves
the main file short and SQLite completes it from the log), a `-wal` whose committed frames SQLite
would silently drop (studytui.study.wal), and `PRAGMA quick_check` (with `verify="background"`,
what the TUI uses, the quick_check runs in a thread once the session has loaded, and every
write waits for it: a file that fails it is never written, and the write says why). Anything
else is refused with a one-line StudytuiError and left byte-for-byte untouched. A new database
is built in a temporary file and linked into place, so a half-created file is never seen.

Failures are one-line StudytuiErrors: `DatabaseBusy` (another program holds the write lock; the
caller may retry), `DatabaseReadOnly`, `DiskFull`, `StoreWriteError` for the rest. A database the
process cannot write (read-only file, folder or file system) opens in read-only mode: reads work,
`read_only` is True, and every write raises DatabaseReadOnly before touching anything.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from studytui.errors import StudytuiError
from studytui.study.wal import wal_damage

APPLICATION_ID = 0x53545455  # "STTU": marks the file as a studytui database
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 10.0
CHECKPOINT_BUSY_MS = 200  # a reader elsewhere only delays the checkpoint to a later write
BACKGROUND_NICE = 10  # the background integrity check's priority below the app's
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

# Exam readiness and scale: the rule keys of a drill's diagnosed mistake (comma-separated, so
# generation can aim at a student's recurring slips), the recall forecast an exam showed before
# it began (to set beside its score), and a count of deleted log rows (undo) so the log's
# signature needs no count(*) over the whole table.
MIGRATION_2_TO_3 = """
ALTER TABLE drill_attempt ADD COLUMN mistakes TEXT;
ALTER TABLE exam ADD COLUMN forecast REAL;
ALTER TABLE exam_topic ADD COLUMN forecast REAL;
CREATE TABLE log_deletions (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
INSERT INTO log_deletions (id, n) VALUES (1, 0);
"""

MIGRATIONS: list[str] = [MIGRATION_1_TO_2, MIGRATION_2_TO_3]  # MIGRATIONS[i] upgrades version i+1 -> i+2
SCHEMA_VERSION = 1 + len(MIGRATIONS)


def to_ms(at: datetime) -> int:
    """A timezone-aware datetime as integer ms since the epoch (what the log stores)."""
    if at.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return round(at.timestamp() * 1000)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def from_ms(ms: int) -> datetime:
    # Exact integer arithmetic (and ~10x faster than fromtimestamp on a float): replays convert
    # every logged time.
    return _EPOCH + timedelta(milliseconds=ms)


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
    mistakes: tuple[str, ...] = ()  # rule keys of the diagnosed mistake(s) of a wrong answer


@dataclass(frozen=True)
class ExamResult:
    id: int
    started_at: datetime
    finished_at: datetime
    minutes: float | None
    questions: int
    topics: dict[str, tuple[float, int]]  # topic -> (correct, total); essays give partial credit
    forecast: float | None = None  # the score share predicted before the exam began
    topic_forecasts: dict[str, float] = field(default_factory=dict)  # topic -> predicted share

    @property
    def correct(self) -> float:
        return sum(c for c, _ in self.topics.values())

    @property
    def total(self) -> int:
        return sum(t for _, t in self.topics.values())


class StoreWriteError(StudytuiError):
    """A write the database did not take; nothing was changed. `retryable`: worth trying again."""

    retryable = False


class DatabaseBusy(StoreWriteError):
    retryable = True


class DatabaseReadOnly(StoreWriteError):
    pass


class DiskFull(StoreWriteError):
    retryable = True  # space may be freed while the app waits


class DatabaseDamaged(StoreWriteError):
    """The integrity check (run while the session opened) found the file damaged: nothing is
    written to it."""


def write_error(path: Path, exc: sqlite3.Error) -> StoreWriteError:
    """The one-line error for a failed write (by SQLite's error code, not its wording)."""
    code = getattr(exc, "sqlite_errorname", "") or ""
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return DatabaseBusy(f"{path}: another program is writing to the database (it stayed locked); try again")
    if code.startswith("SQLITE_READONLY"):
        return DatabaseReadOnly(f"{path}: the database is read-only; nothing can be saved")
    if code == "SQLITE_FULL":
        return DiskFull(f"{path}: the disk is full; free some space and try again")
    return StoreWriteError(f"{path}: could not write to the database ({exc})")


def read_error(path: Path, exc: sqlite3.Error) -> StudytuiError:
    code = getattr(exc, "sqlite_errorname", "") or ""
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return DatabaseBusy(f"{path}: another program holds the database locked; try again when it is done")
    return StudytuiError(f"{path}: cannot read the database ({exc})")


def _refuse(path: Path, why: str) -> StudytuiError:
    return StudytuiError(f"{path}: {why}; refusing to use it (the file was not changed)")


def inspect_wal(path: Path) -> None:
    """Refuse a database whose `-wal` holds committed work SQLite would silently drop. Reads only."""
    why = wal_damage(Path(f"{path}-wal"))
    if why:
        raise StudytuiError(
            f"{path}-wal: the database's log is damaged ({why}); refusing to open it so nothing is "
            "lost (both files were not changed; keep a copy, then move the -wal away to open the database without it)"
        )


def _has_wal(path: Path) -> bool:
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


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
    if page_size < 512 or size % page_size:
        raise _refuse(path, f"the database is truncated ({size} bytes, not whole {page_size}-byte pages)")
    # A kill during a checkpoint leaves the main file shorter than its header while the -wal still
    # holds every page: SQLite reads that fine (quick_check decides), so only a file with no log
    # behind it is short for good.
    if size_valid and size < pages * page_size and not _has_wal(path):
        raise _refuse(path, f"the database is truncated ({size} bytes, header says {pages * page_size})")


class Store:
    """The SQLite study database. Open with `Store.open(path)`; every write method commits."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, read_only: bool = False,
                 busy_timeout: float = BUSY_TIMEOUT_S):
        self._conn = conn
        self._busy_ms = int(busy_timeout * 1000)
        self.path = path
        self.read_only = read_only  # a file, folder or file system this process cannot write
        self._lock = threading.RLock()  # one connection, possibly used from a TUI worker thread
        self._own_writes = 0  # see change_token()
        self.created = False  # Store.open made this file just now
        self._check: _BackgroundCheck | None = None  # Store.open(verify="background")

    # --- opening -----------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path | None = None, *, busy_timeout: float = BUSY_TIMEOUT_S,
             verify: str = "now") -> "Store":
        """Open (or create) the database at `path` (default: paths.default_db_path()).

        `busy_timeout`: seconds a write waits for another program's lock before DatabaseBusy.
        `verify`: "now" runs `PRAGMA quick_check` of the whole file before returning (~60-80 ms
        for a 26 MB file); "background" runs it in a thread from `start_check()` on (StudySession
        calls it once its card states are loaded: started earlier, the check slows the loading on
        a 2-core machine), and every write first waits for it (starting it if nobody did) and is
        refused (DatabaseDamaged) if it failed, so a damaged file is still never written. It runs
        at once anyway
        whenever the open itself may write: a migration, a `-wal` left with frames in it (closing
        would copy them into the file), or a file not yet in WAL mode."""
        if verify not in ("now", "background"):
            raise ValueError(f"verify must be 'now' or 'background', not {verify!r}")
        from studytui.paths import default_db_path

        try:
            path = Path(path).expanduser() if path is not None else default_db_path()
        except ValueError as exc:  # STUDYTUI_DB set but empty
            raise StudytuiError(str(exc)) from None
        if not str(path).strip():
            raise StudytuiError("the database path is empty; give a file name")
        if path.is_dir():
            raise StudytuiError(f"{path}: is a directory, not a database file")
        created = not path.exists()
        if created:
            if on_create is not None:
                on_create(path)
            _create(path)
        _remove_abandoned_creations(path)
        inspect_wal(path)
        inspect_file(path)
        read_only = not _writable(path)
        # A read-only store never writes, so only an up-front check can report damage there.
        later = verify == "background" and not read_only and not created and not _has_wal(path)
        try:
            conn = _connect(path, busy_timeout, read_only=read_only)
        except sqlite3.Error as exc:
            raise read_error(path, exc) from None
        try:
            later = _check_and_migrate(conn, path, read_only=read_only, check_later=later)
            if not read_only and not later:
                conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.Error as exc:
            conn.close()
            raise read_error(path, exc) from None
        except BaseException:
            conn.close()
            raise
        store = cls(conn, path, read_only=read_only, busy_timeout=busy_timeout)
        store.created = created
        if later:
            store._check = _BackgroundCheck(path, busy_timeout)
        return store

    def close(self) -> None:
        if self._check is not None:
            self._check.stop()
        with self._lock:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass  # closing checkpoints; what it could not copy is still in the -wal

    def start_check(self) -> None:
        """Start the background integrity check of a `verify="background"` open (once)."""
        if self._check is not None:
            self._check.start()

    def verified(self) -> None:
        """Wait for the integrity check of a `verify="background"` open (starting it if need be);
        raise DatabaseDamaged (or the read error that stopped it) if it did not pass. Every
        write calls this first."""
        if self._check is not None:
            self._check.result()

    def checkpoint(self) -> bool:
        """Copy the log into the main file and empty it; False if a reader elsewhere kept it.

        Run after every commit so that an acknowledged write lives in the main file, not only in
        the `-wal` (which a crash, a copy or a cleanup can lose). A failure loses nothing: the
        commit is already durable in the log and the next write tries again."""
        if self.read_only:
            return True
        self.verified()
        with self._lock:
            try:
                self._conn.execute(f"PRAGMA busy_timeout = {CHECKPOINT_BUSY_MS}")
                busy, _, _ = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                return not busy
            except sqlite3.Error:
                return False
            finally:
                self._conn.execute(f"PRAGMA busy_timeout = {self._busy_ms}")

    def set_busy_timeout(self, seconds: float) -> None:
        """How long a write waits for another program's lock (the TUI waits in short rounds)."""
        with self._lock:
            self._busy_ms = int(seconds * 1000)
            self._conn.execute(f"PRAGMA busy_timeout = {self._busy_ms}")

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self._conn.execute("PRAGMA user_version").fetchone()[0]

    def _query(self, sql: str, args: Iterable[Any] = ()) -> list[tuple]:
        """Run one read; SQLite errors become one-line StudytuiErrors."""
        with self._lock:
            try:
                return self._conn.execute(sql, tuple(args)).fetchall()
            except sqlite3.Error as exc:
                error = read_error(self.path, exc)
        self.verified()  # a read of a damaged file fails: say so (the check's words) rather than "cannot read"
        raise error

    # --- transactions ------------------------------------------------------------------------

    def _write(self) -> "_Tx":
        self._own_writes += 1
        return _Tx(self)

    def change_token(self) -> tuple[int, int]:
        """Equal tokens mean nothing was written in between (a cheap test before reading the log):
        SQLite's data_version moves when another connection commits, our own writes are counted."""
        with self._lock:
            return (self._conn.execute("PRAGMA data_version").fetchone()[0], self._own_writes)

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

    def reviews(self, card_id: str | None = None, after_id: int = 0, since: datetime | None = None) -> list[ReviewRow]:
        """Review rows, oldest first (all, one card's, those after `after_id`, or given `since`)."""
        sql = "SELECT id, card_id, rating, reviewed_at, duration_ms, content_hash, typed, correct FROM review WHERE id > ?"
        args: list[Any] = [after_id]
        if since is not None:
            sql += " AND reviewed_at >= ?"
            args.append(to_ms(since))
        if card_id is not None:
            sql += " AND card_id = ?"
            args.append(card_id)
        rows = self._query(sql + " ORDER BY id", args)
        return [ReviewRow(r[0], r[1], r[2], from_ms(r[3]), r[4], r[5], r[6], None if r[7] is None else bool(r[7])) for r in rows]

    def answer_tuples(self) -> list[tuple[str, int, int, str | None]]:
        """(card id, rating, time in ms, content hash) of every review, oldest first: the raw form
        a full replay reads (no row objects, no datetimes)."""
        with self._lock:
            return self._conn.execute(
                "SELECT card_id, rating, reviewed_at, content_hash FROM review ORDER BY id").fetchall()

    def log_signature(self) -> tuple[int, int, int]:
        """(last review id, log rows deleted by undo, last mark id): changes on any write to the
        review log or the marks. Cheap at any size: ids only grow (AUTOINCREMENT), and every
        deletion counts itself in `log_deletions` in its own transaction."""
        r = self._query("SELECT (SELECT coalesce(max(id), 0) FROM review), "
                        "(SELECT coalesce(max(n), 0) FROM log_deletions), (SELECT coalesce(max(id), 0) FROM mark)")[0]
        return (r[0], r[1], r[2])

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
            _count_deletion(cur)
        return ReviewRow(row[0], row[1], row[2], from_ms(row[3]), row[4], row[5], row[6], None if row[7] is None else bool(row[7]))

    def review_count(self) -> int:
        return self._query("SELECT count(*) FROM review")[0][0]

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
            _count_deletion(cur)
        return MarkRow(r[0], r[1], r[2], from_ms(r[3]), None if r[4] is None else from_ms(r[4]), r[5], r[6])

    def marks(self, after_id: int = 0) -> list[MarkRow]:
        """Mark rows, oldest first (all, or those after `after_id`)."""
        rows = self._query("SELECT id, card_id, kind, at, until, reason, review_id FROM mark WHERE id > ? ORDER BY id",
                           (after_id,))
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
                          typed: str | None = None, duration_ms: int | None = None,
                          mistakes: Iterable[str] = ()) -> int:
        with self._write() as cur:
            return self._insert_drill(cur, at=at, family=family, level=level, correct=correct, seed=seed,
                                      typed=typed, duration_ms=duration_ms, review_id=None, mistakes=mistakes)

    @staticmethod
    def _insert_drill(cur, *, at, family, level, correct, seed=None, typed=None, duration_ms=None, review_id=None,
                      mistakes: Iterable[str] = ()) -> int:
        mistakes = tuple(mistakes)
        keys = ",".join(mistakes) or None
        if any(not k or "," in k for k in mistakes):
            raise ValueError(f"mistake keys must be non-empty and free of commas: {list(mistakes)!r}")
        cur.execute(
            "INSERT INTO drill_attempt (at, family, level, correct, seed, typed, duration_ms, review_id, mistakes)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (to_ms(at), family, int(level), int(bool(correct)), seed, typed, duration_ms, review_id, keys),
        )
        return cur.lastrowid

    def drill_attempts(self) -> list[DrillAttempt]:
        rows = self._query("SELECT id, at, family, level, correct, seed, typed, duration_ms, review_id, mistakes"
                           " FROM drill_attempt ORDER BY id")
        return [DrillAttempt(r[0], from_ms(r[1]), r[2], r[3], bool(r[4]), r[5], r[6], r[7], r[8],
                             tuple(r[9].split(",")) if r[9] else ()) for r in rows]

    # --- exams -------------------------------------------------------------------------------

    def add_exam(self, *, started_at: datetime, finished_at: datetime, topics: dict[str, tuple[int, int]],
                 minutes: float | None = None, forecast: float | None = None,
                 topic_forecasts: dict[str, float] | None = None) -> int:
        """Save one exam's score report: topic -> (correct, total), with the forecast made before
        it began (overall and per topic: the predicted share of the credit)."""
        topic_forecasts = topic_forecasts or {}
        for topic, (correct, total) in topics.items():
            if not 0 <= correct <= total:
                raise ValueError(f"topic {topic!r}: correct must be between 0 and total")
        for value in [forecast, *topic_forecasts.values()]:
            if value is not None and not 0 <= value <= 1:
                raise ValueError(f"a forecast is a share between 0 and 1, not {value!r}")
        with self._write() as cur:
            cur.execute(
                "INSERT INTO exam (started_at, finished_at, minutes, questions, forecast) VALUES (?, ?, ?, ?, ?)",
                (to_ms(started_at), to_ms(finished_at), minutes, sum(t for _, t in topics.values()), forecast),
            )
            exam_id = cur.lastrowid
            cur.executemany(
                "INSERT INTO exam_topic (exam_id, topic, correct, total, forecast) VALUES (?, ?, ?, ?, ?)",
                # partial credit (essays: ticked/total) is a REAL in the INTEGER column; SQLite keeps it
                [(exam_id, t, c if isinstance(c, int) else float(c), int(n), topic_forecasts.get(t))
                 for t, (c, n) in topics.items()],
            )
        return exam_id

    def exams(self) -> list[ExamResult]:
        rows = self._query("SELECT id, started_at, finished_at, minutes, questions, forecast FROM exam ORDER BY id")
        parts = self._query("SELECT exam_id, topic, correct, total, forecast FROM exam_topic ORDER BY rowid")
        by_exam: dict[int, dict[str, tuple[int, int]]] = {}
        forecasts: dict[int, dict[str, float]] = {}
        for exam_id, topic, correct, total, forecast in parts:
            by_exam.setdefault(exam_id, {})[topic] = (correct, total)
            if forecast is not None:
                forecasts.setdefault(exam_id, {})[topic] = forecast
        return [ExamResult(r[0], from_ms(r[1]), from_ms(r[2]), r[3], r[4], by_exam.get(r[0], {}), r[5],
                           forecasts.get(r[0], {})) for r in rows]

    # --- meta --------------------------------------------------------------------------------

    def get_meta(self, key: str, default: Any = None) -> Any:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        if not rows:
            return default
        try:
            return json.loads(rows[0][0])
        except ValueError:
            return default  # a hand-edited value that is not JSON: as if it were not there

    def set_meta(self, key: str, value: Any) -> None:
        with self._write() as cur:
            cur.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def get_blob(self, key: str) -> bytes | None:
        """A binary meta value (set_blob), or None; a JSON value under `key` comes back as str."""
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_blob(self, key: str, value: bytes, *, drop: Iterable[str] = ()) -> None:
        """Store raw bytes under `key` (get_meta sees no JSON there), removing the `drop` keys in
        the same transaction."""
        with self._write() as cur:
            cur.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, bytes(value)))
            cur.executemany("DELETE FROM meta WHERE key = ?", [(k,) for k in drop])


class _Tx:
    """`with store._write() as cur:` one IMMEDIATE transaction, committed (and checkpointed) on a
    clean exit. SQLite errors leave as StoreWriteError, with the transaction rolled back."""

    def __init__(self, store: Store):
        self.store = store

    def __enter__(self) -> sqlite3.Cursor:
        store = self.store
        if store.read_only:
            raise DatabaseReadOnly(f"{store.path}: the database is read-only (opened read-only); nothing can be saved")
        store.verified()  # nothing is written to a file before its integrity check has passed
        store._lock.acquire()
        try:
            store._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            store._lock.release()
            raise write_error(store.path, exc) from None
        except BaseException:
            store._lock.release()
            raise
        return store._conn.cursor()

    def __exit__(self, exc_type, exc, tb) -> None:
        store = self.store
        try:
            if exc_type is None:
                try:
                    store._conn.execute("COMMIT")
                except sqlite3.Error as commit_exc:
                    _rollback(store._conn)
                    raise write_error(store.path, commit_exc) from None
                store.checkpoint()
                return
            _rollback(store._conn)
            if isinstance(exc, sqlite3.Error):
                raise write_error(store.path, exc) from None
        finally:
            store._lock.release()


def _count_deletion(cur: sqlite3.Cursor) -> None:
    """Every deletion from the log bumps `log_deletions` (see Store.log_signature): without it a
    reader could not see that a row other than the newest went away."""
    cur.execute("UPDATE log_deletions SET n = n + 1 WHERE id = 1")


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass  # SQLite rolled back on its own (e.g. after SQLITE_FULL)


def _bool(value: bool | None) -> int | None:
    return None if value is None else int(bool(value))


def _writable(path: Path) -> bool:
    """Whether this process can write the database and create its -wal/-shm beside it."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    os.close(fd)
    return os.access(path.parent, os.W_OK | os.X_OK)


def _connect(path: Path, busy_timeout: float = BUSY_TIMEOUT_S, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        conn = _connect_read_only(path, busy_timeout)
    else:
        conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    if not read_only:
        conn.execute("PRAGMA synchronous = FULL")
    return conn


def _connect_read_only(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """mode=ro; in a folder where SQLite cannot create the -shm, immutable (no locks, no log):
    nobody can write there, so nothing changes under us."""
    uri = "file:" + urllib.parse.quote(str(path.resolve()))
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.Error:
        conn.close()
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None, check_same_thread=False)


def _create(path: Path) -> None:
    """Build a fresh database beside `path`; file system errors become one line."""
    try:
        _create_file(path)
    except (OSError, sqlite3.Error) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise StudytuiError(f"{path}: cannot create the database ({why})") from None


def _remove_abandoned_creations(path: Path) -> None:
    """Delete the temporary files of a creation whose process died (a kill while creating)."""
    for tmp in path.parent.glob(f".{path.name}.new-*"):
        try:
            pid = int(tmp.name.split(".new-", 1)[1].split("-", 1)[0])
        except (ValueError, IndexError):
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        try:
            tmp.unlink()
        except OSError:
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    return True


def _create_file(path: Path) -> None:
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
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
            leftover.unlink(missing_ok=True)


def _statements(script: str) -> Iterator[str]:
    """Split a schema script into statements (our scripts have no ';' inside literals)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    for statement in "\n".join(lines).split(";"):
        if statement.strip():
            yield statement


def _quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """Raise the refusal unless SQLite's `quick_check` of the whole file says ok."""
    result = conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        why = " ".join(result.split())  # SQLite's report spans lines: the error stays one line
        raise _refuse(path, f"the database is damaged ({why if len(why) <= 160 else why[:157] + '...'})")


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether a failed read means a damaged file (not a lock, or no room/rights for the -shm)."""
    code = getattr(exc, "sqlite_errorname", "") or ""
    return not code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_INTERRUPT"))


def _check_and_migrate(conn: sqlite3.Connection, path: Path, *, read_only: bool = False,
                       check_later: bool = False) -> bool:
    """Check the file and bring its schema up to date. With `check_later` the full integrity
    check is left to the caller (returns True) unless opening needs to write (a migration, or
    WAL mode to switch on): then it runs here first (returns False)."""
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if check_later and (version != SCHEMA_VERSION or conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal"):
            check_later = False
        if not check_later:
            _quick_check(conn, path)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        if not _is_damage(exc):
            raise read_error(path, exc) from None
        raise _refuse(path, f"the database is damaged ({exc})") from None
    if version < 1 or "meta" not in tables or "review" not in tables:
        raise _refuse(path, "not a complete studytui database (missing tables)")
    if version > SCHEMA_VERSION:
        raise StudytuiError(
            f"{path}: written by a newer studytui (schema {version}, this one knows {SCHEMA_VERSION}); upgrade studytui"
        )
    if version < SCHEMA_VERSION and read_only:
        raise StudytuiError(f"{path}: needs an upgrade to schema {SCHEMA_VERSION} but is read-only; "
                            "open it once where it can be written")
    try:
        _migrate(conn)
    except sqlite3.Error as exc:
        raise StudytuiError(
            f"{path}: cannot upgrade the database from schema {version} ({exc}); the file was not changed"
        ) from None
    return check_later


class _BackgroundCheck:
    """`PRAGMA quick_check` on a read-only connection of its own, in a thread (SQLite lets go
    of the GIL while it reads, so the open goes on meanwhile on the other core)."""

    def __init__(self, path: Path, busy_timeout: float):
        self.path = path
        self._error: StudytuiError | None = None
        self._conn: sqlite3.Connection | None = None
        self._stopped = False
        self.seconds: float | None = None  # how long the check took, once it passed (benchmarks)
        self._guard = threading.Lock()  # interrupt() must not meet close() of the same connection
        self._thread = threading.Thread(target=self._run, args=(busy_timeout,), name="studytui-quick-check",
                                        daemon=True)
        self._started = False

    def start(self) -> None:
        with self._guard:
            if not self._started and not self._stopped:
                self._started = True
                self._thread.start()

    def _run(self, busy_timeout: float) -> None:
        try:  # on a busy machine the open itself comes first (Linux: a thread is a task)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)
        except (AttributeError, OSError):
            pass
        try:
            conn = _connect_read_only(self.path, busy_timeout)
            with self._guard:
                self._conn = conn
            if not self._stopped:
                started = time.perf_counter()
                _quick_check(conn, self.path)
                self.seconds = time.perf_counter() - started
        except StudytuiError as exc:
            self._error = DatabaseDamaged(str(exc))
        except sqlite3.DatabaseError as exc:
            self._error = (DatabaseDamaged(str(_refuse(self.path, f"the database is damaged ({exc})")))
                           if _is_damage(exc) else read_error(self.path, exc))
        except sqlite3.Error as exc:
            self._error = read_error(self.path, exc)
        finally:
            with self._guard:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None

    def result(self) -> None:
        self.start()
        if self._started:
            self._thread.join()
        if self._stopped:
            raise StoreWriteError(f"{self.path}: the database is closed")
        if self._error is not None:
            raise type(self._error)(str(self._error))

    def stop(self) -> None:
        """Cut a running check short (the store is closing) and wait for the thread."""
        with self._guard:
            self._stopped = True
            if self._conn is not None:
                self._conn.interrupt()
        if self._started:
            self._thread.join()


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
