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


def reference_next(session, topic, now, include_drills=True):
    """The pick by looking at every card (what next_card did before the due index)."""
    from fsrs import State

    from studytui.study.scheduler import _utc

    now = _utc(now)
    start = session.day_start(now)
    new_today = reviews_today = 0
    for st in session._states.values():
        if st.card_id.startswith("drill:"):
            continue
        for at, before, _ in st.history:
            if at >= start:
                new_today += before == "new"
                reviews_today += before == "review"
    learning, due, fresh, ahead = [], [], [], []
    for cid in session.all_card_ids(topic, include_drills):
        if session._hidden(cid, now):
            continue
        st = session._states.get(cid)
        if st is None:
            fresh.append(cid)
        elif st.fsrs.state in (State.Learning, State.Relearning):
            if st.fsrs.due <= now:
                learning.append((st.fsrs.due, cid))
            elif st.fsrs.due <= now + session.settings.learn_ahead:
                ahead.append((st.fsrs.due, cid))
        elif st.fsrs.due <= now:
            due.append((st.fsrs.due, cid))
    if learning:
        return min(learning)[1]
    if due and reviews_today < session.settings.reviews_per_day:
        return min(due)[1]
    if fresh and new_today < session.settings.new_per_day + session._extra_new_today(now):
        return fresh[0]
    return min(ahead)[1] if ahead else None


def test_next_card_from_the_due_index_equals_looking_at_every_card(tmp_path):
    """Random study days with suspensions, buries, undo and topic filters: the indexed pick is
    the card a full scan picks, every time."""
    import random

    from studytui.study.deck import load_deck
    from studytui.study.scheduler import Settings, StudySession
    from studytui.study.store import Store

    (tmp_path / "demos").mkdir()
    (tmp_path / "demos" / "d.py").write_text("")
    (tmp_path / "cards").mkdir()
    for t in range(3):
        cards = "\n".join(f"  - {{id: t{t}-c{i}, q: q{i}?, a: a{i}}}" for i in range(25))
        (tmp_path / "cards" / f"t{t}.yaml").write_text(f"topic: t{t}\ntitle: T{t}\ndemo: d.py\ncards:\n{cards}\n")
    deck, problems = load_deck(tmp_path / "cards")
    assert not problems
    rng = random.Random(7)
    session = StudySession(Store.open(tmp_path / "s.db"), deck,
                           settings=Settings(new_per_day=12, reviews_per_day=30))
    now = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
    picks = 0
    for step in range(600):
        now += timedelta(minutes=rng.choice([1, 3, 10, 60, 600, 1440]))
        topic = rng.choice([None, None, "t0", "t2", "drills"])
        got = session.next_card(topic, now=now)
        assert (got.card_id if got else None) == reference_next(session, topic, now), step
        if got is None:
            continue
        picks += 1
        roll = rng.random()
        if roll < 0.04:
            session.suspend(got.card_id, now=now)
        elif roll < 0.08:
            session.bury(got.card_id, now=now)
        elif roll < 0.11:
            session.undo()
        elif got.is_drill:
            session.record_drill(*got.drill, correct=rng.random() < 0.7, now=now)
        else:
            session.answer(got.card_id, rng.choice([1, 2, 3, 3, 4]), now=now)
    assert picks > 300
    session.close()
