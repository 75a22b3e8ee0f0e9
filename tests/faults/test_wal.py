"""Kills around the write-ahead log: no lockout of a readable database, no silent loss."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studytui.errors import StudytuiError
from studytui.study.store import Store

from .conftest import ROOT, cli_env, one_line_error, reviews, studytui

HERE = Path(__file__).parent
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _short(db: Path) -> bool:
    header = db.read_bytes()[:100]
    page_size, pages = int.from_bytes(header[16:18], "big"), int.from_bytes(header[28:32], "big")
    return db.stat().st_size < pages * page_size


def _spawn(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(HERE / script), *args], stdout=subprocess.PIPE, text=True,
                            env=cli_env(), cwd=ROOT)


def test_a_kill_during_the_checkpoint_does_not_lock_out_the_database(tmp_path):
    """S17: the main file is left shorter than its header says; SQLite completes it from the -wal."""
    rng = random.Random(7)
    for attempt in range(40):
        db = tmp_path / f"try{attempt}.db"
        child = _spawn("checkpoint_child.py", str(db), "3000")
        ready, committed = child.stdout.readline().split()
        assert ready == "ready"
        time.sleep(rng.random() * 0.03)  # somewhere inside the checkpoint
        child.kill()
        child.wait()
        if _short(db):
            break
    else:
        pytest.fail("no kill landed inside a checkpoint in 40 tries")
    assert os.path.getsize(f"{db}-wal") > 0
    with Store.open(db) as store:  # not "truncated": every committed review is there
        assert store.review_count() == int(committed)
        assert store._conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert not _short(db)  # closing completed the checkpoint


def test_every_acknowledged_review_survives_a_deleted_wal(tmp_path):
    """S13: reviews are checkpointed into the main file before they are acknowledged."""
    db = tmp_path / "s.db"
    child = _spawn("wal_child.py", str(db), "25", "studytui")
    acked = []
    for _ in range(25):
        word, rid = child.stdout.readline().split()
        acked.append(int(rid))
    child.send_signal(signal.SIGKILL)
    child.wait()
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    assert [r[0] for r in reviews(db)] == acked


def _killed_raw_session(db: Path, count: int = 25) -> None:
    child = _spawn("wal_child.py", str(db), str(count), "raw")
    for _ in range(count):
        assert child.stdout.readline().startswith("ack")
    child.kill()
    child.wait()


def _digest(*paths: Path) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


@pytest.mark.parametrize("damage", ["flip", "random"])
def test_a_damaged_wal_is_refused_and_kept(tmp_path, damage):
    """S14: SQLite would silently drop the committed frames after the damage, then delete the log."""
    db = tmp_path / "s.db"
    _killed_raw_session(db)
    wal = Path(f"{db}-wal")
    data = bytearray(wal.read_bytes())
    if damage == "flip":
        page_size = int.from_bytes(data[8:12], "big")
        frame3 = 32 + 3 * (24 + page_size)
        data[frame3 + 100:frame3 + 104] = bytes(b ^ 0xFF for b in data[frame3 + 100:frame3 + 104])
    else:
        data[:] = random.Random(3).randbytes(len(data))
    wal.write_bytes(bytes(data))
    before = _digest(db, wal)
    line = one_line_error(studytui("stats", "--db", str(db)))
    assert "-wal" in line and "damaged" in line and "refusing" in line
    assert _digest(db, wal) == before  # the evidence is still there, byte for byte
    with pytest.raises(StudytuiError, match="damaged"):
        Store.open(db)


def test_an_intact_wal_left_by_a_kill_is_used(tmp_path):
    db = tmp_path / "s.db"
    _killed_raw_session(db)
    with Store.open(db) as store:
        assert store.review_count() == 25


def test_a_wal_that_is_a_directory_is_one_line(tmp_path):
    """S16."""
    db = tmp_path / "s.db"
    Store.open(db).close()
    Path(f"{db}-wal").mkdir()
    line = one_line_error(studytui("stats", "--db", str(db)))
    assert "-wal" in line and "directory" in line
