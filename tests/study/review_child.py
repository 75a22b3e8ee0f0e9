"""A child process for the crash and concurrency tests: answers cards and acknowledges each one.

    python review_child.py DB CARDS_DIR DEMOS_DIR PREFIX COUNT [wait]

After each answer returns (it is committed by then) it prints `ack <review id> <card id>` and
flushes, so the parent knows exactly which answers were promised to be durable.
"""

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path


def main() -> None:
    db, cards_dir, demos_dir, prefix, count = sys.argv[1:6]
    from studytui.study.deck import load_deck
    from studytui.study.scheduler import Rating, Settings, StudySession
    from studytui.study.store import Store

    deck, _ = load_deck(Path(cards_dir), demos_dir=Path(demos_dir))
    ids = [cid for cid in deck.cards if cid.startswith(prefix)]
    settings = Settings(new_per_day=10**6, reviews_per_day=10**6)
    session = StudySession(Store.open(db), deck, settings=settings)
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    print("ready", flush=True)
    if len(sys.argv) > 6 and sys.argv[6] == "wait":  # start together with a sibling process
        sys.stdin.readline()
    for i in range(int(count)):
        card_id = ids[i % len(ids)]
        now += timedelta(minutes=3)
        result = session.answer(card_id, Rating.Good if i % 5 else Rating.Again, duration_ms=100 + i, now=now)
        print(f"ack {result.review_id} {card_id}", flush=True)
    session.close()
    print("done", flush=True)


if __name__ == "__main__":
    main()
