"""Durability: an answer acknowledged to the user survives a SIGKILL; two processes share a DB."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studytui.study.store import Store

from .conftest import write_topic

CHILD = Path(__file__).with_name("review_child.py")


@pytest.fixture
def dirs(tmp_path):
    cards, demos = tmp_path / "cards", tmp_path / "demos"
    cards.mkdir()
    demos.mkdir()
    (demos / "demo.py").write_text("")
    write_topic(cards, "one", 6)
    write_topic(cards, "two", 6)
    return cards, demos


def spawn(db: Path, cards: Path, demos: Path, prefix: str, count: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(db), str(cards), str(demos), prefix, str(count), *extra],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
    )


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_every_acknowledged_answer_survives_sigkill(tmp_path, dirs):
    cards, demos = dirs
    db = tmp_path / "crash.db"
    rng = random.Random(1234)
    acked: dict[int, str] = {}
    trials = kills_mid_run = 0
    deadline = time.monotonic() + 9.0
    while (time.monotonic() < deadline or len(acked) <= 20 or kills_mid_run < 5) and trials < 60:  # a busy machine starts fewer children
        trials += 1
        child = spawn(db, cards, demos, "one" if trials % 2 else "two", 10_000)
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
        kill_after = rng.choice([0, 1, 2, 5, rng.randint(1, 60)])  # answers to wait for
        for _ in range(kill_after):
            line = child.stdout.readline().split()
            assert line and line[0] == "ack", child.stderr.read()
            acked[int(line[1])] = line[2]
        time.sleep(rng.random() * 0.02)  # land anywhere inside the next answer
        os.kill(child.pid, signal.SIGKILL)
        # lines the child printed before dying are acknowledgements too
        for rest in child.stdout.read().splitlines():
            parts = rest.split()
            if parts and parts[0] == "ack":
                acked[int(parts[1])] = parts[2]
        child.wait()
        kills_mid_run += child.returncode == -signal.SIGKILL
    assert trials >= 5 and kills_mid_run >= 5
    with Store.open(db) as store:  # opens cleanly after all the crashes
        logged = {r.id: r.card_id for r in store.reviews()}
        assert store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    missing = {rid: cid for rid, cid in acked.items() if logged.get(rid) != cid}
    assert not missing, f"{len(missing)} acknowledged answers lost of {len(acked)}"
    assert len(acked) > 20


def test_two_processes_review_at_once(tmp_path, dirs):
    from studytui.study.deck import load_deck
    from studytui.study.scheduler import StudySession

    cards, demos = dirs
    db = tmp_path / "shared.db"
    Store.open(db).close()  # created once, then both children start together
    a = spawn(db, cards, demos, "one", 40, "wait")
    b = spawn(db, cards, demos, "two", 40, "wait")
    for p in (a, b):
        assert p.stdout.readline().strip() == "ready"
    for p in (a, b):  # both are loaded; let them write at the same time
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=60) for p in (a, b)]
    for p, (out, err) in zip((a, b), outs):
        assert p.returncode == 0, err
        assert out.splitlines()[-1] == "done"
    acked = [line.split() for out, _ in outs for line in out.splitlines() if line.startswith("ack")]
    assert len(acked) == 80
    deck, _ = load_deck(cards, demos_dir=demos)
    with StudySession(Store.open(db), deck) as session:
        rows = session.store.reviews()
        assert sorted(r.id for r in rows) == sorted(int(x[1]) for x in acked)
        assert len({r.id for r in rows}) == 80
        # each card of each child was answered 40/6 times, and the replay sees every answer
        reps = sorted(session.state(cid).reps for cid in deck.cards)
        assert sum(reps) == 80 and min(reps) == 6 and max(reps) == 7
