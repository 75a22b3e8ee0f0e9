"""The exam-day forecast: the mean of py-fsrs retrievabilities over the syllabus, per topic too,
and its history replayed from the log."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler

from studytui.errors import StudytuiError
from studytui.study import readiness as rd
from tests.study.conftest import T0, write_topic


@pytest.fixture
def big_session(tmp_path):
    from studytui.study.deck import load_deck
    from studytui.study.scheduler import StudySession
    from studytui.study.store import Store

    cards, demos = tmp_path / "cards", tmp_path / "demos"
    cards.mkdir()
    demos.mkdir()
    (demos / "demo.py").write_text("print('demo')\n")
    write_topic(cards, "alpha", 12)
    write_topic(cards, "beta", 8)
    deck, problems = load_deck(cards, demos_dir=demos)
    assert problems == []
    s = StudySession(Store.open(tmp_path / "study.db"), deck)
    yield s
    s.close()


def synthetic_log(session, seed: int, days: int = 20) -> list[tuple[str, int, datetime]]:
    """Random answers spread over `days` days (Again/Hard/Good/Easy), written through the session;
    returns (card id, rating, time) in the order written."""
    rng = random.Random(seed)
    ids = list(session.deck.cards)
    rng.shuffle(ids)
    studied = ids[: int(len(ids) * 0.75)]  # a quarter stays unseen
    log = []
    for day in range(days):
        for cid in rng.sample(studied, k=min(len(studied), rng.randint(3, 8))):
            at = T0 + timedelta(days=day, minutes=rng.randint(0, 600))
            rating = rng.choice([1, 2, 3, 3, 3, 4])
            log.append((cid, rating, at))
    log.sort(key=lambda x: x[2])
    for cid, rating, at in log:
        session.answer(cid, rating, now=at)
    return log


def fsrs_reference(session, log, at: datetime, *, until: datetime | None = None) -> dict[str, float]:
    """Replay the log through py-fsrs itself and ask it for each card's retrievability at `at`."""
    sched = Scheduler(parameters=session.parameters, desired_retention=session.settings.desired_retention,
                      learning_steps=session.settings.learning_steps,
                      relearning_steps=session.settings.relearning_steps,
                      maximum_interval=session.settings.maximum_interval_days, enable_fuzzing=False)
    cards: dict[str, FsrsCard] = {}
    for cid, rating, t in log:
        if until is not None and t >= until:
            break
        card = cards.get(cid) or FsrsCard()
        cards[cid], _ = sched.review_card(card, Rating(rating), review_datetime=t)
    return {cid: (sched.get_card_retrievability(cards[cid], at) if cid in cards else 0.0) for cid in session.deck.cards}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_forecast_is_the_mean_fsrs_retrievability(big_session, seed):
    log = synthetic_log(big_session, seed)
    exam = date(2026, 4, 10)
    f = rd.forecast(big_session, exam)
    ref = fsrs_reference(big_session, log, rd.exam_moment(big_session, exam))
    assert f.cards == 20 and f.unseen == 20 - len({cid for cid, _, _ in log})
    assert f.overall == pytest.approx(sum(ref.values()) / len(ref), abs=1e-9)
    for topic in ("alpha", "beta"):
        ids = [c.id for c in big_session.deck.cards_in(topic)]
        assert f.by_topic[topic] == pytest.approx(sum(ref[i] for i in ids) / len(ids), abs=1e-9)
    for cid, r in f.by_card.items():
        assert r == pytest.approx(ref[cid], abs=1e-9)
    assert 0 < f.overall < 1


def test_suspended_cards_leave_the_syllabus_and_unseen_count_zero(big_session):
    assert rd.forecast(big_session, date(2026, 4, 1)).overall == 0.0
    big_session.answer("alpha-0", Rating.Good, now=T0)
    big_session.answer("alpha-0", Rating.Good, now=T0 + timedelta(minutes=10))
    one = rd.forecast(big_session, date(2026, 3, 10)).by_card["alpha-0"]
    assert 0 < one < 1
    assert rd.forecast(big_session, date(2026, 3, 10)).overall == pytest.approx(one / 20)
    big_session.suspend("alpha-1", now=T0)
    f = rd.forecast(big_session, date(2026, 3, 10))
    assert f.cards == 19 and "alpha-1" not in f.by_card
    assert f.overall == pytest.approx(one / 19)
    assert f.by_topic["alpha"] == pytest.approx(one / 11) and f.by_topic["beta"] == 0.0


def test_a_moment_and_a_date_agree(big_session):
    synthetic_log(big_session, 7)
    exam = date(2026, 4, 2)
    assert rd.forecast(big_session, exam) == rd.forecast(big_session, rd.exam_moment(big_session, exam))
    # further away, less is remembered
    assert rd.forecast(big_session, date(2026, 6, 1)).overall < rd.forecast(big_session, exam).overall


def test_history_replays_the_log_day_by_day(big_session):
    log = synthetic_log(big_session, 4, days=10)
    exam = date(2026, 3, 30)
    moment = rd.exam_moment(big_session, exam)
    now = T0 + timedelta(days=12)
    history = rd.forecast_history(big_session, exam, days=15, now=now)
    assert len(history) == 15
    assert [d for d, _ in history] == [rd.study_day(big_session, now) - timedelta(days=i) for i in range(14, -1, -1)]
    assert history[-1][1] == pytest.approx(rd.forecast(big_session, exam).overall, abs=1e-9)
    for day, value in history:
        end = rd.exam_moment(big_session, day + timedelta(days=1))  # the next study day's start
        ref = fsrs_reference(big_session, log, moment, until=min(end, now))
        assert value == pytest.approx(sum(ref.values()) / len(ref), abs=1e-9), day
    assert history[0][1] == 0.0 and history[-1][1] > 0
    # a change before today (an answer logged for yesterday) is noticed
    big_session.answer("beta-6", Rating.Good, now=now - timedelta(days=1))
    again = rd.forecast_history(big_session, exam, days=15, now=now)
    assert again[-2][1] > history[-2][1] and again[:-2] == history[:-2]
    # asked again after an answer today: the past days come from the cache, today moves
    big_session.answer("beta-7", Rating.Good, now=now - timedelta(minutes=1))
    third = rd.forecast_history(big_session, exam, days=15, now=now)
    assert third[:-1] == again[:-1] and third[-1][1] > again[-1][1]
    assert third[-1][1] == pytest.approx(rd.forecast(big_session, exam).overall, abs=1e-12)


def test_history_is_fast_on_a_long_log(big_session):
    """A year of answers, sixty days of history: one replay, not sixty."""
    import time

    rows = []
    rng = random.Random(0)
    ids = list(big_session.deck.cards)
    for i in range(20000):
        rows.append((rng.choice(ids), rng.choice([1, 3, 3, 4]), T0 + timedelta(minutes=26 * i)))
    with big_session.store._write() as cur:
        cur.executemany("INSERT INTO review (card_id, rating, reviewed_at) VALUES (?, ?, ?)",
                        [(c, r, round(t.timestamp() * 1000)) for c, r, t in rows])
    start = time.process_time()
    history = rd.forecast_history(big_session, date(2027, 1, 1), days=60, now=rows[-1][2])
    assert time.process_time() - start < 5  # ~0.2 s here; generous for a busy machine
    assert history[-1][1] == pytest.approx(rd.forecast(big_session, date(2027, 1, 1)).overall, abs=1e-9)


def test_exam_date_is_parsed_saved_and_cleared(big_session):
    today = date(2026, 3, 2)
    assert rd.parse_exam_date("2026-12-20", today=today) == date(2026, 12, 20)
    assert rd.parse_exam_date("2026-03-02", today=today) == today
    assert rd.parse_exam_date("none", today=today) is None
    with pytest.raises(StudytuiError, match="in the past"):
        rd.parse_exam_date("2026-03-01", today=today)
    with pytest.raises(StudytuiError, match="more than 5 years away"):
        rd.parse_exam_date("2099-01-01", today=today)
    with pytest.raises(StudytuiError, match="must be a date like"):
        rd.parse_exam_date("20/12/2026", today=today)
    store = big_session.store
    assert rd.load_exam_date(store) is None
    rd.save_exam_date(store, date(2026, 12, 20))
    assert rd.load_exam_date(store) == date(2026, 12, 20)
    rd.save_exam_date(store, None)
    assert rd.load_exam_date(store) is None
    store.set_meta(rd.EXAM_DATE_KEY, "not a date")
    assert rd.load_exam_date(store) is None


def test_exam_moment_is_the_start_of_the_study_day(big_session, monkeypatch):
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    assert rd.exam_moment(big_session, date(2026, 12, 20)) == datetime(2026, 12, 20, 4, tzinfo=timezone.utc)
    assert rd.study_day(big_session, datetime(2026, 12, 20, 3, tzinfo=timezone.utc)) == date(2026, 12, 19)


def test_history_is_kept_in_the_database_for_the_day(big_session, monkeypatch):
    """Another start the same day reads the past days instead of replaying the log again; a
    change of what they depend on (settings, suspensions, the log before today) replays."""
    from studytui.study.scheduler import Settings, StudySession
    from studytui.study.store import Store

    synthetic_log(big_session, 5, days=10)
    exam, now = date(2026, 3, 30), T0 + timedelta(days=12)
    first = rd.forecast_history(big_session, exam, days=15, now=now)
    replays = []
    real = rd._answer
    monkeypatch.setattr(rd, "_answer", lambda *a: replays.append(a) or real(*a))

    def fresh(**kwargs) -> StudySession:
        return StudySession(Store.open(big_session.store.path), big_session.deck, **kwargs)

    with fresh() as s:
        assert rd.forecast_history(s, exam, days=15, now=now) == first and replays == []
    with fresh(settings=Settings(desired_retention=0.8)) as s:
        rd.forecast_history(s, exam, days=15, now=now)
        assert replays  # other settings: other numbers
    replays.clear()
    with fresh() as s:
        s.suspend("alpha-3", now=now)
        rd.forecast_history(s, exam, days=15, now=now)
        assert replays
    replays.clear()
    big_session.store.set_meta(rd.HISTORY_KEY, {"key": "x", "points": "not a list"})  # hand-edited
    with fresh() as s:
        rd.forecast_history(s, exam, days=15, now=now)
        assert replays


def test_history_on_a_read_only_database_is_computed_not_kept(big_session, tmp_path):
    from studytui.study.scheduler import StudySession
    from studytui.study.store import Store

    synthetic_log(big_session, 6, days=10)
    exam, now = date(2026, 3, 30), T0 + timedelta(days=12)
    expected = rd.forecast_history(big_session, exam, days=15, now=now)
    big_session.store.set_meta(rd.HISTORY_KEY, None)
    store = Store.open(big_session.store.path)
    store.read_only = True  # as on a read-only file system: every write raises DatabaseReadOnly
    with StudySession(store, big_session.deck) as s:
        assert rd.forecast_history(s, exam, days=15, now=now) == expected
    assert big_session.store.get_meta(rd.HISTORY_KEY) is None
