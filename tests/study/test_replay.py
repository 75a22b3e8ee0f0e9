"""The fast replay gives what py-fsrs's own `review_card` gives, answer by answer."""

from datetime import datetime, timedelta, timezone

import pytest
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS
from hypothesis import given, settings, strategies as st

from studytui.study.replay import FastScheduler, replay
from studytui.study.store import from_ms

START_MS = 1_700_000_000_000

# A history: gaps between answers from a second to a year (same-day and long-term paths both).
histories = st.lists(
    st.tuples(st.sampled_from([1, 2, 3, 4]),
              st.one_of(st.integers(1_000, 3_600_000), st.integers(3_600_000, 400 * 86_400_000))),
    min_size=1, max_size=40)

step_sets = st.sampled_from([
    ((timedelta(minutes=1), timedelta(minutes=10)), (timedelta(minutes=10),)),
    ((), ()),
    ((timedelta(seconds=7),), (timedelta(seconds=7), timedelta(minutes=3), timedelta(hours=1))),
    ((timedelta(minutes=1), timedelta(minutes=10), timedelta(days=1)), ()),
])


def reference(scheduler: Scheduler, history: list[tuple[int, int]]) -> list[FsrsCard]:
    card = FsrsCard(card_id=1, due=datetime(2000, 1, 1, tzinfo=timezone.utc))
    out, at = [], START_MS
    for rating, gap in history:
        at += gap
        card, _ = scheduler.review_card(card, Rating(rating), review_datetime=from_ms(at))
        out.append(card)
    return out


@settings(max_examples=300, deadline=None)
@given(history=histories, steps=step_sets, retention=st.sampled_from([0.7, 0.85, 0.9, 0.97]),
       max_interval=st.sampled_from([36500, 30]), tweak=st.floats(0.9, 1.1))
def test_every_answer_matches_py_fsrs(history, steps, retention, max_interval, tweak):
    params = list(DEFAULT_PARAMETERS)
    params[8] *= tweak  # fitted parameters differ from the defaults
    scheduler = Scheduler(parameters=params, desired_retention=retention, learning_steps=steps[0],
                          relearning_steps=steps[1], maximum_interval=max_interval, enable_fuzzing=False)
    fast = FastScheduler(scheduler)
    raw, at = fast.new_card(), START_MS
    for (rating, gap), want in zip(history, reference(scheduler, history)):
        at += gap
        fast.review(raw, rating, at * 1000)
        got = FastScheduler.to_fsrs(raw, 1, datetime(2000, 1, 1, tzinfo=timezone.utc))
        assert (got.state, got.step, got.due, got.last_review) == (want.state, want.step, want.due, want.last_review)
        assert got.stability == want.stability  # bit for bit: same expressions, same order
        assert got.difficulty == want.difficulty


def test_replay_groups_answers_by_card_and_round_trips_fsrs_cards():
    scheduler = Scheduler(enable_fuzzing=False)
    day = 86_400_000
    cards = replay(scheduler, [("a", 3, START_MS), ("b", 1, START_MS + 5), ("a", 3, START_MS + 2 * day)])
    assert set(cards) == {"a", "b"}
    a = FastScheduler.to_fsrs(cards["a"], 7, datetime(2000, 1, 1, tzinfo=timezone.utc))
    assert FastScheduler.from_fsrs(a) == cards["a"]
    with pytest.raises(ValueError, match="fuzzing"):
        FastScheduler(Scheduler(enable_fuzzing=True))


def test_session_full_replay_equals_answer_by_answer(tmp_path):
    """The session's full replay (fast path) and its incremental path (py-fsrs per answer) agree on
    every field of every card state."""
    import random

    from studytui.study.deck import Deck
    from studytui.study.scheduler import StudySession
    from studytui.study.store import Store

    rng = random.Random(3)
    ids = [f"c{i}" for i in range(40)]
    with Store.open(tmp_path / "s.db") as store, store._write() as cur:
        at, rows = START_MS, []
        for _ in range(3000):
            at += rng.choice([2_000, 600_000, 86_400_000, 9 * 86_400_000])
            rows.append((rng.choice(ids), rng.choice([1, 2, 3, 3, 4]), at, rng.choice([None, "h1", "h2"])))
        cur.executemany("INSERT INTO review (card_id, rating, reviewed_at, content_hash) VALUES (?, ?, ?, ?)", rows)
    session = StudySession(Store.open(tmp_path / "s.db"), Deck())
    fast = session._replay_all()
    slow: dict = {}
    session._states = slow
    for row in session.store.reviews():
        session._apply(row)
    assert set(fast) == set(slow)
    for cid in fast:
        a, b = fast[cid], slow[cid]
        assert a.fsrs.to_dict() == b.fsrs.to_dict()
        assert (a.reps, a.lapses, a.first_review, a.last_rating, a.content_hash, a.review_answers,
                a.review_passes, a.history) == (b.reps, b.lapses, b.first_review, b.last_rating,
                                                b.content_hash, b.review_answers, b.review_passes, b.history)
    session.close()
