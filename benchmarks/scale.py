"""Benchmark: a heavy user's collection, studytui side by side with Anki's own backend.

    pip install -e ".[bench]"          # the `anki` package (Anki's Rust backend)
    python benchmarks/scale.py         # all three sizes (~4 minutes on 2 cores)
    python benchmarks/scale.py --sizes 2000:20000

For each size (cards : reviews) it builds the same cards and the same review log twice — as
studytui topic files + database, and as an Anki collection (Basic notes, a revlog, cards in the
review queue) — and measures, in this one run:

- first open: load the deck and replay the whole log (cold deck cache, no state snapshot), then
  pick the next card. Anki stores card state, so it has no equivalent; compared to the goal (10 s).
- full replay: a replay forced by a retention change (the snapshot no longer applies).
- later open: a start with everything cached, up to the first card on screen, in the TUI's
  order (StudySession.open(verify="background")), in fresh processes: the modules imported
  first, then 3 opens; 5 such processes per side, the two sides taking turns, and the best open
  of all kept. (A process that has just replayed 400,000 answers opens twice as slowly until its
  heap settles, and no user start is like that; on a shared machine one process can run 50%
  slower than the next, so one process per side gave ratios anywhere from 0.9x to 2.2x.) Its
  parts are printed below it: database open (header and WAL checks), deck from the deck index,
  card states from the snapshot (binary columns; no per-card objects), picking the first card.
  `PRAGMA quick_check` of the whole file runs in a thread from the end of the card states on;
  then how long it ran, and how long a write made right after the first card would still wait
  for it (writes wait for the check).
- next card: picking the next card in an open session (Anki: `get_queued_cards`), median of 20.
- grade+save: answering it, committed to disk (Anki: `answer_card`).

"later open CPU" is the same start in CPU time of its process, both threads counted (steadier
than wall time on a shared, loaded machine; Anki's backend runs in its process too). Each line
prints studytui's time, Anki's, and the ratio studytui/Anki (≤ 2 is the goal for later open and
next card at 20k/400k; grade+save ≤ 20 ms at every size). Ratios come from the same run
on the same machine; absolute times move with the machine's load.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from studytui.study.deck import load_deck  # noqa: E402
from studytui.study.scheduler import Rating, Settings, StudySession  # noqa: E402
from studytui.study.store import Store, to_ms  # noqa: E402

NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)
CARDS_PER_TOPIC = 500


def build_studytui(root: Path, cards: int, reviews: int) -> tuple[Path, Path, Path, list[tuple[str, int, int]]]:
    """Topic files of CARDS_PER_TOPIC cards and a database holding `reviews` answers over a year."""
    cards_dir, demos = root / "cards", root / "demos"
    cards_dir.mkdir(parents=True)
    demos.mkdir()
    (demos / "demo.py").write_text("")
    ids = []
    for t in range(0, cards, CARDS_PER_TOPIC):
        items = [{"id": f"t{t}-c{i}", "q": f"Question {i} of topic {t}: what is $x_{{{i}}}$ and why?",
                  "a": f"Answer {i}, with *Markdown* and $\\frac{{a}}{{b}}$.\n\nA second paragraph of answer {i}.",
                  "tags": ["bench"]} for i in range(min(CARDS_PER_TOPIC, cards - t))]
        ids += [c["id"] for c in items]
        (cards_dir / f"t{t:06d}.yaml").write_text(
            yaml.dump({"topic": f"t{t}", "title": f"Topic {t}", "demo": "demo.py", "cards": items},
                      Dumper=yaml.CSafeDumper))
    rng = random.Random(0)
    start = NOW - timedelta(days=365)
    log = sorted(((rng.choice(ids), rng.choice((1, 3, 3, 3, 4)),
                   to_ms(start + timedelta(seconds=rng.randint(0, 365 * 86400 - 3600))))
                  for _ in range(reviews)), key=lambda r: r[2])
    db = root / "bench.db"
    with Store.open(db) as store, store._write() as cur:
        cur.executemany("INSERT INTO review (card_id, rating, reviewed_at) VALUES (?, ?, ?)", log)
    return cards_dir, demos, db, log


def build_anki(root: Path, cards: int, log: list[tuple[str, int, int]]):
    """The same cards as Basic notes and the same answers in the revlog; reviewed cards sit in the
    review queue with due days spread around today, the others are new."""
    from anki.collection import AddNoteRequest, Collection

    col = Collection(str(root / "bench.anki2"))
    col.set_config("fsrs", True)
    model = col.models.by_name("Basic")
    deck_id = col.decks.id("Default")
    requests = []
    for t in range(0, cards, CARDS_PER_TOPIC):
        for i in range(min(CARDS_PER_TOPIC, cards - t)):
            note = col.new_note(model)
            note["Front"] = f"Question {i} of topic {t}: what is x_{i} and why?"
            note["Back"] = f"Answer {i}, with Markdown and a/b. A second paragraph of answer {i}."
            requests.append(AddNoteRequest(note=note, deck_id=deck_id))
    col.add_notes(requests)
    card_ids = col.db.list("SELECT id FROM cards ORDER BY id")
    by_name = {f"t{t}-c{i}": cid for cid, (t, i) in zip(
        card_ids, ((t, i) for t in range(0, cards, CARDS_PER_TOPIC) for i in range(min(CARDS_PER_TOPIC, cards - t))))}
    rng = random.Random(1)
    seen_ms: set[int] = set()
    rows = []
    for name, rating, at in log:
        while at in seen_ms:  # revlog ids are ms timestamps and must be unique
            at += 1
        seen_ms.add(at)
        rows.append((at, by_name[name], -1, rating, rng.randint(1, 60), rng.randint(1, 30), 2500, 8000, 1))
    col.db.executemany("INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    today = col.sched.today
    reviewed = sorted({by_name[name] for name, _, _ in log})
    col.db.executemany("UPDATE cards SET type = 2, queue = 2, due = ?, ivl = ?, reps = 5 WHERE id = ?",
                       [(today + rng.randint(-20, 60), rng.randint(1, 90), cid) for cid in reviewed])
    col.close()
    return root / "bench.anki2"


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def open_and_pick(cards_dir: Path, demos: Path, db: Path, settings: Settings | None = None) -> StudySession:
    deck, _ = load_deck(cards_dir, demos_dir=demos)
    session = StudySession(Store.open(db), deck, settings=settings)
    session.next_card(now=NOW)
    return session


def studytui_cold(cards_dir: Path, demos: Path, db: Path) -> dict[str, float]:
    """First open (cold caches, whole replay) and a full replay; leaves the caches and the
    snapshot of the default settings in place, as a later start finds them."""
    out: dict[str, float] = {}
    os.environ["STUDYTUI_CACHE_DIR"] = str(db.parent / "cache")
    t0 = time.perf_counter()
    session = open_and_pick(cards_dir, demos, db)
    out["first open"] = time.perf_counter() - t0
    session._save_snapshot()  # what the app does after a large replay
    session.close()
    out["full replay"] = timed(lambda: open_and_pick(cards_dir, demos, db, Settings(desired_retention=0.85)).close())
    session = open_and_pick(cards_dir, demos, db)  # the default settings again: replays, saves their snapshot
    session._save_snapshot()
    session.close()
    return out


def studytui_steady(cards_dir: Path, demos: Path, db: Path) -> dict[str, float]:
    """Next card and grade+save in an open session."""
    gc.collect()  # the replays above left this process's heap in pieces: a session in use has settled
    session = open_and_pick(cards_dir, demos, db)
    picks, grades = [], []
    for i in range(20):
        now = NOW + timedelta(seconds=30 * i)
        t0 = time.perf_counter()
        item = session.next_card(now=now)
        picks.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        session.answer(item.card_id, Rating.Good, now=now)
        grades.append(time.perf_counter() - t0)
    session.close()
    return {"next card": statistics.median(picks), "grade+save": statistics.median(grades)}


def later_open_studytui(cards_dir: str, demos: str, db: str) -> dict[str, float]:
    later, cpu = [], []
    for _ in range(3):
        c0, t0 = time.process_time(), time.perf_counter()
        store = Store.open(db, verify="background")  # header, WAL; quick_check later, in a thread
        t1 = time.perf_counter()
        deck, _ = load_deck(Path(cards_dir), demos_dir=Path(demos))
        t2 = time.perf_counter()
        session = StudySession(store, deck)  # card states from the snapshot, due index; starts the check
        t3 = time.perf_counter()
        session.next_card(now=NOW)
        t4 = time.perf_counter()
        cpu.append(time.process_time() - c0)
        store.verified()  # what a write made now would wait for
        t5 = time.perf_counter()
        later.append((t4 - t0, t1 - t0, t2 - t1, t3 - t2, t4 - t3, store._check.seconds, t5 - t4))
        session.close()
    best = min(later)
    return {"later open": best[0], "later open CPU": min(cpu), "  db open": best[1], "  deck": best[2],
            "  card states": best[3], "  first card": best[4], "  check (thread)": best[5], "  1st write waits": best[6]}


def later_open_anki(path: str) -> dict[str, float]:
    from anki.collection import Collection

    later, cpu = [], []
    for _ in range(3):
        c0, t0 = time.process_time(), time.perf_counter()
        col = Collection(path)
        col.sched.get_queued_cards()
        later.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        col.close()
    return {"later open": min(later), "later open CPU": min(cpu)}


def in_child(side: str, *args: str) -> dict[str, float]:
    """A later open measured in a fresh process (this script with --later-open)."""
    import json
    import subprocess

    run = subprocess.run([sys.executable, __file__, "--later-open", side, *args], capture_output=True, text=True,
                         env=os.environ.copy())
    if run.returncode != 0:
        raise SystemExit(f"the {side} later-open child failed:\n{run.stderr[-2000:]}")
    return json.loads(run.stdout)


LATER_OPEN_ROUNDS = 5


def later_open_rounds(ours: tuple[str, ...], theirs: tuple[str, ...] | None) -> tuple[list[dict], list[dict]]:
    """LATER_OPEN_ROUNDS child processes per side, the sides taking turns (a slow minute of the
    machine hits both)."""
    mine, anki = [], []
    for _ in range(LATER_OPEN_ROUNDS):
        mine.append(in_child("studytui", *ours))
        if theirs is not None:
            anki.append(in_child("anki", *theirs))
    return mine, anki


def best_of(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run with the fastest open (its parts with it), and the least CPU time of any run."""
    best = dict(min(runs, key=lambda r: r["later open"]))
    best["later open CPU"] = min(r["later open CPU"] for r in runs)
    return best


def anki_side(path: Path) -> dict[str, float]:
    from anki.collection import Collection

    gc.collect()  # as for studytui's side
    out: dict[str, float] = {}
    col = Collection(str(path))
    picks, grades = [], []
    for _ in range(20):
        t0 = time.perf_counter()
        queued = col.sched.get_queued_cards()
        picks.append(time.perf_counter() - t0)
        card = queued.cards[0]
        states = col._backend.get_scheduling_states(card.card.id)
        card_obj = col.get_card(card.card.id)
        card_obj.start_timer()
        t0 = time.perf_counter()
        answer = col.sched.build_answer(card=card_obj, states=states, rating=3)
        col.sched.answer_card(answer)
        grades.append(time.perf_counter() - t0)
    out["next card"] = statistics.median(picks)
    out["grade+save"] = statistics.median(grades)
    col.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000:20000,10000:100000,20000:400000",
                        help="comma-separated CARDS:REVIEWS pairs")
    parser.add_argument("--later-open", nargs="+", help=argparse.SUPPRESS)  # the child of in_child
    args = parser.parse_args()
    if args.later_open:
        import json

        side, *paths = args.later_open
        if side == "anki":
            from anki.collection import Collection  # noqa: F401  (imported before the clock starts)
        print(json.dumps(later_open_studytui(*paths) if side == "studytui" else later_open_anki(*paths)))
        return
    try:
        import anki  # noqa: F401
        have_anki = True
    except ImportError:
        have_anki = False
        print("(the `anki` package is not installed: pip install -e '.[bench]' for the comparison)")
    for size in args.sizes.split(","):
        cards, reviews = map(int, size.split(":"))
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            cards_dir, demos, db, log = build_studytui(root / "s", cards, reviews)
            ours = studytui_cold(cards_dir, demos, db)
            anki_path = build_anki(root, cards, log) if have_anki else None
            mine, anki = later_open_rounds((str(cards_dir), str(demos), str(db)),
                                           (str(anki_path),) if anki_path is not None else None)
            ours.update(best_of(mine))
            ours.update(studytui_steady(cards_dir, demos, db))
            theirs = {**best_of(anki), **anki_side(anki_path)} if anki_path is not None else {}
        print(f"\n{cards:,} cards, {reviews:,} reviews")
        for name, value in ours.items():
            line = f"  {name:<18} studytui {value * 1000:9.1f} ms"
            if name in theirs:
                line += f"   anki {theirs[name] * 1000:8.1f} ms   ratio {value / theirs[name]:6.2f}"
            elif name in ("first open", "full replay"):
                line += f"   (goal 10 s: {value / 10:.2f} of it)"
            print(line, flush=True)


if __name__ == "__main__":
    main()
