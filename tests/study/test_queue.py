"""The due lists: add / remove / first behave like a plain sorted list of (due, card id) pairs."""

from __future__ import annotations

from bisect import insort

from hypothesis import given
from hypothesis import strategies as st

from studytui.study.queue import DueList

ops = st.lists(st.tuples(st.sampled_from(("add", "remove")), st.integers(0, 6), st.sampled_from("abcdef")),
               max_size=60)


@given(ops, st.integers(-1, 7), st.one_of(st.none(), st.integers(-1, 7)), st.sets(st.sampled_from("abcdef")))
def test_due_list_matches_a_sorted_list(operations, until, after, rejected):
    due_list, reference = DueList(), []
    where: dict[str, int] = {}  # a card is in the list once, as in the index
    for op, due, cid in operations:
        if op == "add" and cid not in where:
            due_list.add(due, cid)
            insort(reference, (due, cid))
            where[cid] = due
        elif op == "remove" and cid in where:
            due_list.remove(where[cid], cid)
            reference.remove((where.pop(cid), cid))
        due_list.remove(due, "zz")  # not there: nothing happens
        assert due_list.entries() == reference
    # the first accepted entry after `after`, unless an earlier one is already past `until`
    candidates = [(due, cid) for due, cid in reference if after is None or due > after]
    stop = next((i for i, (due, _) in enumerate(candidates) if due > until), len(candidates))
    want = next((cid for _, cid in candidates[:stop] if cid not in rejected), None)
    assert due_list.first(until, lambda cid: cid not in rejected, after) == want


def test_cards_answered_today_kept_up_to_date_match_working_them_out_again(tmp_path, deck_dirs):
    """The scheduler keeps today's answered cards (and their notes) answer by answer; after any
    mix of own answers, answers from another window and a late-logged older answer they equal
    what a fresh count gives."""
    import random
    from datetime import timedelta

    from studytui.study.deck import load_deck
    from studytui.study.scheduler import Rating, StudySession
    from studytui.study.store import Store, to_ms
    from tests.study.conftest import T0

    cards, demos = deck_dirs
    deck, _ = load_deck(cards, demos_dir=demos)
    db = tmp_path / "s.db"
    rng = random.Random(7)
    ids = deck.ids_in()
    with StudySession(Store.open(db), deck) as s, StudySession(Store.open(db), deck) as other:
        now = T0 + timedelta(hours=2)
        s.answer(ids[0], Rating.Good, now=now - timedelta(days=1))  # yesterday
        for step in range(60):
            now += timedelta(minutes=rng.randint(1, 90))
            kind, cid = rng.random(), rng.choice(ids)
            if kind < 0.5:
                s.answer(cid, rng.choice(list(Rating)), now=now)
            elif kind < 0.85:
                other.answer(cid, Rating.Good, now=now)  # seen by s at its next sync
            else:  # another device's answer from days ago, logged only now
                with other.store._write() as cur:
                    cur.execute("INSERT INTO review (card_id, rating, reviewed_at) VALUES (?, ?, ?)",
                                (cid, 3, to_ms(now - timedelta(days=3))))
            s.next_card(now=now)  # syncs and uses the kept sets
            kept = (set(s._answered_today(now)), set(s._notes_answered_today(now)))
            s._answered = None
            fresh = (set(s._answered_today(now)), set(s._notes_answered_today(now)))
            assert kept == fresh, step
        assert fresh[0]  # the day had answers
