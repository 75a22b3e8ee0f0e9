"""Benchmark: load the whole deck and pick the next due card (goal: under 200 ms).

    python benchmarks/deck.py

Measures, in this one run: (1) the project's cards/ with a fresh database, (2) the same deck with
5,000 logged reviews (a semester of study), and (3) a stress case of 2,000 cards in 20 topic
files with 20,000 reviews. Each line gives the first open (which replays the whole log through
fsrs and saves the state snapshot), the best of 5 later opens (snapshot reused), and the ratio
of the later opens to the goal: that is what a user waits for at each start.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from studytui.study.deck import load_deck  # noqa: E402
from studytui.study.scheduler import StudySession  # noqa: E402
from studytui.study.store import Store, to_ms  # noqa: E402

GOAL_S = 0.200
NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)


def load_and_pick(cards_dir: Path, demos_dir: Path | None, db: Path) -> float:
    t0 = time.perf_counter()
    deck, _ = load_deck(cards_dir, demos_dir=demos_dir)
    session = StudySession(Store.open(db), deck)
    session.next_card(now=NOW)
    elapsed = time.perf_counter() - t0
    session.close()
    return elapsed


def synthetic(root: Path, topics: int = 20, per_topic: int = 100, reviews: int = 20_000) -> tuple[Path, Path, Path]:
    cards, demos = root / "cards", root / "demos"
    cards.mkdir(parents=True)
    demos.mkdir()
    (demos / "demo.py").write_text("")
    ids = []
    for t in range(topics):
        items = [{"id": f"t{t}-c{i}", "q": f"Question {i} about topic {t}: what is $x_{i}$?",
                  "a": f"Answer {i}, with some *Markdown* and $\\frac{{a}}{{b}}$.\n\nA second paragraph.",
                  "tags": ["bench"]} for i in range(per_topic)]
        ids += [c["id"] for c in items]
        (cards / f"t{t}.yaml").write_text(yaml.safe_dump({"topic": f"t{t}", "title": f"Topic {t}", "demo": "demo.py", "cards": items}))
    db = root / "bench.db"
    rng = random.Random(0)
    with Store.open(db) as store, store._write() as cur:
        start = NOW - timedelta(days=365)
        rows = sorted(
            ((rng.choice(ids), rng.choice((1, 3, 3, 3, 4)), to_ms(start + timedelta(minutes=rng.randint(0, 365 * 1440))))
             for _ in range(reviews)), key=lambda r: r[2])
        cur.executemany("INSERT INTO review (card_id, rating, reviewed_at) VALUES (?, ?, ?)", rows)
    return cards, demos, db


def report(name: str, runs: list[float]) -> None:
    first, best = runs[0], min(runs[1:])
    print(f"{name:<46} first {first * 1000:7.1f} ms  later {best * 1000:7.1f} ms  "
          f"goal {GOAL_S * 1000:.0f} ms  ratio {best / GOAL_S:.2f}")


def add_log(db: Path, ids: list[str], reviews: int) -> None:
    rng = random.Random(1)
    start = NOW - timedelta(days=120)
    with Store.open(db) as store, store._write() as cur:
        rows = sorted(
            ((rng.choice(ids), rng.choice((1, 3, 3, 3, 4)), to_ms(start + timedelta(minutes=rng.randint(0, 120 * 1440))))
             for _ in range(reviews)), key=lambda r: r[2])
        cur.executemany("INSERT INTO review (card_id, rating, reviewed_at) VALUES (?, ?, ?)", rows)


def main() -> None:
    from studytui.paths import CARDS_DIR

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        deck, _ = load_deck(CARDS_DIR)
        runs = [load_and_pick(CARDS_DIR, None, tmp / "project.db") for _ in range(6)]
        report(f"project deck ({len(deck.cards)} cards, empty log)", runs)
        add_log(tmp / "semester.db", list(deck.cards) or ["x"], 5_000)
        runs = [load_and_pick(CARDS_DIR, None, tmp / "semester.db") for _ in range(6)]
        report(f"project deck ({len(deck.cards)} cards, 5,000 reviews)", runs)
        cards, demos, db = synthetic(tmp / "syn")
        runs = [load_and_pick(cards, demos, db) for _ in range(6)]
        report("stress: 2,000 cards, 20,000 reviews", runs)


if __name__ == "__main__":
    main()
