"""Scheduling through StudySession: previews, steps, limits, leeches, undo, drills, stats."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import yaml

from studytui.errors import StudytuiError
from studytui.study.deck import load_deck
from studytui.study.scheduler import (
    Rating,
    Settings,
    StudySession,
    format_interval,
    parse_drill_id,
)
from studytui.study.store import Store

from .conftest import T0, write_topic

MIN = timedelta(minutes=1)


def test_new_card_buttons_show_learning_steps(session):
    item = session.next_card(now=T0)
    assert (item.card_id, item.phase, item.topic, item.card.q) == ("alpha-0", "new", "alpha", "Question 0 of alpha?")
    labels = session.button_labels(item.card_id, now=T0)
    assert list(labels) == ["Again", "Hard", "Good", "Easy"]
    assert labels["Again"] == "1m" and labels["Hard"] == "6m" and labels["Good"] == "10m"
    assert labels["Easy"].endswith("d")
    preview = session.preview(item.card_id, now=T0)
    assert preview[Rating.Again] < preview[Rating.Hard] < preview[Rating.Good] < preview[Rating.Easy]


def test_learning_steps_then_graduation(session):
    r = session.answer("alpha-0", Rating.Good, now=T0)
    assert (r.phase, r.due - T0) == ("learning", 10 * MIN)
    r = session.answer("alpha-0", Rating.Good, now=T0 + 10 * MIN)
    assert r.phase == "review" and r.due - (T0 + 10 * MIN) >= timedelta(days=1)
    r = session.answer("alpha-0", Rating.Again, now=r.due)
    assert (r.phase, session.state("alpha-0").lapses) == ("relearning", 1)


def test_next_card_order_learning_then_due_then_new(session):
    session.answer("alpha-0", Rating.Again, now=T0)  # learning, due in 1m
    assert session.next_card(now=T0 + 2 * MIN).card_id == "alpha-0"
    session.answer("alpha-0", Rating.Easy, now=T0 + 2 * MIN)  # now a review card, days away
    nxt = session.next_card(now=T0 + 3 * MIN)
    assert (nxt.card_id, nxt.phase) == ("alpha-1", "new")
    due = session.state("alpha-0").fsrs.due
    assert session.next_card(now=due).card_id == "alpha-0"  # due review before new cards


def test_topic_filter_and_drills(session):
    assert session.next_card(topic="beta", now=T0).card_id == "beta-0"
    item = session.next_card(topic="drills", now=T0)
    assert item.is_drill and item.drill == ("shapes", 1) and item.card is None
    assert session.next_card(now=T0, include_drills=False).card_id == "alpha-0"


def test_daily_new_limit(tmp_path, deck_dirs):
    cards, demos = deck_dirs
    deck, _ = load_deck(cards, demos_dir=demos)
    s = StudySession(Store.open(tmp_path / "s.db"), deck, settings=Settings(new_per_day=2))
    for i in range(2):
        item = s.next_card(now=T0, include_drills=False)
        s.answer(item.card_id, Rating.Easy, now=T0)
    assert s.next_card(now=T0, include_drills=False) is None
    assert s.next_card(now=T0 + timedelta(days=1), include_drills=False).phase == "new"  # next day: more


def test_daily_review_limit(tmp_path, deck_dirs):
    cards, demos = deck_dirs
    deck, _ = load_deck(cards, demos_dir=demos)
    s = StudySession(Store.open(tmp_path / "s.db"), deck, settings=Settings(reviews_per_day=1, new_per_day=0))
    for cid in ("alpha-0", "alpha-1"):
        s.answer(cid, Rating.Easy, now=T0 - timedelta(days=30))
    later = T0 + timedelta(days=60)
    first = s.next_card(now=later, include_drills=False)
    assert first.phase == "review"
    s.answer(first.card_id, Rating.Good, now=later)
    assert s.next_card(now=later + MIN, include_drills=False) is None


def test_leech_after_eight_lapses_is_flagged_and_suspended_and_undo_clears_it(session):
    now = T0
    session.answer("alpha-0", Rating.Easy, now=now)
    for lapse in range(1, 9):
        now = session.state("alpha-0").fsrs.due
        r = session.answer("alpha-0", Rating.Again, now=now)  # review -> relearning: a lapse
        assert session.state("alpha-0").lapses == lapse
        assert r.leech == (lapse == 8)
        if lapse < 8:
            now = session.state("alpha-0").fsrs.due
            session.answer("alpha-0", Rating.Good, now=now)  # back to review
    assert session.is_suspended("alpha-0") and session.is_flagged("alpha-0") and session.is_leech("alpha-0")
    assert "alpha-0" not in [session.next_card(now=now + timedelta(days=400)).card_id]
    assert session.stats(now=now)["leeches"] == ["alpha-0"]
    assert session.undo() == "alpha-0"
    assert not session.is_suspended("alpha-0") and not session.is_flagged("alpha-0")
    assert session.state("alpha-0").lapses == 7


def test_undo_restores_the_previous_state_exactly(session):
    session.answer("alpha-0", Rating.Good, now=T0)
    before = session.state("alpha-0")
    session.answer("alpha-0", Rating.Easy, now=T0 + 10 * MIN)
    assert session.undo() == "alpha-0"
    after = session.state("alpha-0")
    assert (after.fsrs.due, after.fsrs.stability, after.reps) == (before.fsrs.due, before.fsrs.stability, before.reps)
    assert session.undo() == "alpha-0" and session.state("alpha-0").reps == 0
    assert session.undo() is None
    assert session.store.review_count() == 0


def test_replay_in_a_fresh_session_matches(session, tmp_path):
    now = T0
    for i in range(25):
        item = session.next_card(now=now)
        session.answer(item.card_id, [Rating.Again, Rating.Good, Rating.Hard, Rating.Easy][i % 4], now=now)
        now += timedelta(minutes=7)
    fresh = StudySession(Store.open(session.store.path), session.deck)
    for cid in session.deck.cards:
        a, b = session.state(cid), fresh.state(cid)
        assert (a.fsrs.due, a.fsrs.stability, a.fsrs.difficulty, a.reps, a.lapses) == (
            b.fsrs.due, b.fsrs.stability, b.fsrs.difficulty, b.reps, b.lapses)
    fresh.close()


def test_another_instance_sees_answers_and_undo(session):
    other = StudySession(Store.open(session.store.path), session.deck)
    session.answer("alpha-0", Rating.Good, now=T0)
    assert other.state("alpha-0").reps == 1
    assert other.next_card(now=T0).card_id == "alpha-1"
    session.undo()
    assert other.state("alpha-0").reps == 0
    assert other.undo() is None  # it cannot take back someone else's answer
    other.close()


def test_suspend_bury_flag(session):
    session.suspend("alpha-0", now=T0)
    assert session.next_card(now=T0).card_id == "alpha-1"
    session.bury("alpha-1", now=T0)
    assert session.next_card(now=T0).card_id == "alpha-2"
    assert session.next_card(now=T0 + timedelta(days=1)).card_id == "alpha-1"  # back the next day
    session.unsuspend("alpha-0", now=T0)
    assert session.next_card(now=T0).card_id == "alpha-0"
    session.flag("beta-0", now=T0)
    assert session.is_flagged("beta-0") and session.stats(now=T0)["flagged"] == ["beta-0"]
    session.unflag("beta-0", now=T0)
    assert not session.is_flagged("beta-0")
    assert session.counts_by_topic(now=T0)["alpha"]["suspended"] == 0


def test_drills_are_scheduled_cards(session):
    r = session.record_drill("shapes", 2, correct=True, typed="16x32x32", seed=7, duration_ms=9000, now=T0)
    assert r.card_id == "drill:shapes:2" and r.rating == Rating.Good
    r = session.record_drill("rf", 1, correct=False, typed="5", now=T0)
    assert r.rating == Rating.Again
    session.record_drill("rf", 1, correct=True, now=T0, schedule=False)  # free practice: stats only
    rows = session.store.reviews()
    assert [(x.card_id, x.rating, x.typed, x.correct) for x in rows] == [
        ("drill:shapes:2", 3, "16x32x32", True), ("drill:rf:1", 1, "5", False)]
    stats = session.stats(now=T0)
    assert stats["drills"]["rf"]["1"] == {"attempts": 2, "correct": 1, "accuracy": 0.5}
    assert stats["drills"]["shapes"]["2"]["accuracy"] == 1.0
    assert parse_drill_id("drill:macs:3") == ("macs", 3) and parse_drill_id("alpha-0") is None


def test_unknown_card_is_an_error(session):
    with pytest.raises(StudytuiError, match="unknown card"):
        session.answer("nope", Rating.Good, now=T0)


def test_editing_a_card_keeps_its_history_and_is_noticed(tmp_path, deck_dirs):
    cards, demos = deck_dirs
    deck, _ = load_deck(cards, demos_dir=demos)
    db = tmp_path / "s.db"
    with StudySession(Store.open(db), deck) as s:
        s.answer("beta-1", Rating.Easy, now=T0)
    data = yaml.safe_load((cards / "beta.yaml").read_text())
    data["cards"][1]["a"] = "A better answer."
    (cards / "beta.yaml").write_text(yaml.safe_dump(data))
    deck2, _ = load_deck(cards, demos_dir=demos)
    with StudySession(Store.open(db), deck2) as s:
        assert s.state("beta-1").reps == 1  # same id, same history
        due = s.state("beta-1").fsrs.due
        item = s.next_card(topic="beta", now=due)
        assert item.card_id == "beta-1" and item.edited
        assert s.stats(now=T0)["edited_since_review"] == ["beta-1"]


def test_counts_and_stats_contract(session):
    session.answer("alpha-0", Rating.Good, now=T0)
    session.answer("beta-0", Rating.Easy, now=T0)
    counts = session.counts_by_topic(now=T0)
    assert counts["alpha"] == dict(total=3, new=2, learning=1, due=0, learned=1, suspended=0, flagged=0)
    assert counts["beta"]["learned"] == 1 and counts["drills"]["total"] == 12
    later = T0 + timedelta(days=365)
    stats = session.stats(now=later)
    assert (stats["cards"], stats["reviews"], stats["due"]) == (5, 2, 2)
    assert stats["retention"] is None
    session.answer("beta-0", Rating.Good, now=later)
    session.answer("alpha-0", Rating.Easy, now=later)  # learning, not a review-phase answer
    stats = session.stats(now=later)
    assert stats["retention"] == 1.0 and stats["reviews"] == 4
    assert sum(stats["reviews_per_day"].values()) == 2  # T0 is outside the last 30 days


def test_exam_record(session):
    eid = session.record_exam(started_at=T0, finished_at=T0 + 20 * MIN, minutes=20, topics={"alpha": (2, 3)})
    assert session.stats(now=T0)["exams"] == [{
        "id": eid, "finished_at": (T0 + 20 * MIN).isoformat(), "correct": 2, "total": 3,
        "score": 0.6667, "forecast": None, "topics": {"alpha": {"correct": 2, "total": 3, "forecast": None}}}]


def test_settings_are_stored_and_validated(session):
    session.save_settings(Settings(desired_retention=0.85, new_per_day=5))
    again = StudySession(Store.open(session.store.path), session.deck)
    assert again.settings.desired_retention == 0.85 and again.settings.new_per_day == 5
    assert again.scheduler.desired_retention == 0.85
    again.close()
    with pytest.raises(StudytuiError):
        Settings(desired_retention=1.5)


def test_higher_retention_gives_shorter_intervals(tmp_path, deck_dirs):
    cards, demos = deck_dirs
    deck, _ = load_deck(cards, demos_dir=demos)
    easy = {}
    for retention in (0.8, 0.95):
        with StudySession(Store.open(tmp_path / f"{retention}.db"), deck, settings=Settings(desired_retention=retention)) as s:
            s.answer("alpha-0", Rating.Easy, now=T0)
            easy[retention] = s.preview("alpha-0", now=s.state("alpha-0").fsrs.due)[Rating.Good]
    assert easy[0.95] < easy[0.8]


def test_empty_deck_has_only_drills(tmp_path):
    from studytui.study.deck import Deck

    with StudySession(Store.open(tmp_path / "s.db"), Deck()) as s:
        assert s.next_card(now=T0, include_drills=False) is None
        assert s.stats(now=T0)["cards"] == 0


def test_open_reads_imports_beside_the_db(tmp_path, deck_dirs, monkeypatch):
    cards, demos = deck_dirs
    imported = tmp_path / "imported"
    imported.mkdir()
    (imported / "mine.yaml").write_text("topic: mine\ntitle: Mine\ncards:\n  - id: mine-1\n    q: Q?\n    a: A.\n")
    monkeypatch.setattr("studytui.paths.DEMOS_DIR", demos)
    with StudySession.open(tmp_path / "s.db", cards_dir=cards) as s:
        assert "mine-1" in s.deck.cards and s.topic_of("mine-1") == "mine"


@pytest.mark.parametrize("delta,text", [
    (timedelta(seconds=30), "30s"), (timedelta(minutes=6), "6m"), (timedelta(hours=3), "3h"),
    (timedelta(days=3), "3d"), (timedelta(days=75), "2.5mo"), (timedelta(days=730), "2y"),
])
def test_format_interval(delta, text):
    assert format_interval(delta) == text


def test_many_topics_write_topic_helper(tmp_path):
    path = write_topic(tmp_path, "gamma", 4)
    assert len(yaml.safe_load(path.read_text())["cards"]) == 4


def test_state_snapshot_matches_a_full_replay(session, monkeypatch):
    import studytui.study.scheduler as sch

    monkeypatch.setattr(sch, "SNAPSHOT_EVERY", 10)
    now = T0
    for i in range(30):
        item = session.next_card(now=now)
        session.answer(item.card_id, [Rating.Good, Rating.Again, Rating.Easy][i % 3], now=now)
        now += timedelta(minutes=5)
    header = snapshot_header(session.store)
    assert header["count"] >= 20
    fresh = StudySession(Store.open(session.store.path), session.deck)  # starts from the snapshot
    assert fresh._replayed_since_snapshot < 30
    monkeypatch.setattr(sch, "SNAPSHOT_EVERY", 10**9)
    copy = copy_db(session.store.path)  # its own file: the two sessions answer apart below
    with Store.open(copy) as store:
        store.set_blob(sch.SNAPSHOT_KEY, b"")
    replayed = StudySession(Store.open(copy), session.deck)  # no snapshot: full replay
    assert replayed._replayed_since_snapshot == 30
    assert_same_states(fresh, replayed, now)
    assert fresh.stats(now=now)["retention"] == replayed.stats(now=now)["retention"]
    fresh.close()
    replayed.close()


def copy_db(path):
    import sqlite3

    target = path.with_name("copy-" + path.name)
    src, dst = sqlite3.connect(path), sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    return target


def snapshot_header(store):
    import studytui.study.scheduler as sch
    from studytui.study.cardstates import CardColumns

    return CardColumns.decode(store.get_blob(sch.SNAPSHOT_KEY))[0]


def assert_same_states(a_session, b_session, now):
    """Two sessions on one log agree on every card's state, the due order and the next picks."""
    ids = list(a_session.deck.cards) + a_session.drill_ids
    assert {c for c in ids if c in a_session._states} == {c for c in ids if c in b_session._states}
    for cid in ids:
        a, b = a_session.state(cid), b_session.state(cid)
        assert (a.fsrs.to_dict(), a.reps, a.lapses, a.first_review, a.last_rating, a.content_hash,
                a.review_answers, a.review_passes) == (
            b.fsrs.to_dict(), b.reps, b.lapses, b.first_review, b.last_rating, b.content_hash,
            b.review_answers, b.review_passes)
        assert a.history == b.history[len(b.history) - len(a.history):]  # a snapshot keeps the recent end
    for which in ("learning", "review"):
        assert getattr(a_session._index, which).entries() == getattr(b_session._index, which).entries()
    assert a_session.counts_by_topic(now=now) == b_session.counts_by_topic(now=now)
    for at in (now, now + timedelta(days=1)):
        assert a_session._today_counts(at) == b_session._today_counts(at)
    for step in range(12):  # the same picks, answer after answer
        at = now + step * 7 * MIN
        x, y = a_session.next_card(now=at), b_session.next_card(now=at)
        assert (x and x.card_id, x and x.due) == (y and y.card_id, y and y.due)
        if x is None:
            break
        rating = (Rating.Good, Rating.Again, Rating.Hard, Rating.Easy)[step % 4]
        assert a_session.answer(x.card_id, rating, now=at).due == b_session.answer(y.card_id, rating, now=at).due


def test_a_snapshot_of_many_cards_with_old_and_recent_answers_matches_a_replay(tmp_path, deck_dirs, monkeypatch):
    """A log over months (most history older than the snapshot keeps), loaded from the binary
    snapshot, gives exactly what a full replay of the same log gives."""
    import random

    import studytui.study.scheduler as sch
    from studytui.study.store import to_ms

    cards, demos = deck_dirs
    write_topic(cards, "gamma", 60)
    deck, _ = load_deck(cards, demos_dir=demos)
    ids = list(deck.cards)
    rng = random.Random(5)
    start = T0 - timedelta(days=120)
    log = sorted(((rng.choice(ids), rng.choice((1, 2, 3, 3, 4)), to_ms(start + timedelta(minutes=rng.randint(0, 120 * 1440))),
                   rng.choice((None, "h1", "h2"))) for _ in range(2500)), key=lambda r: r[2])
    path = tmp_path / "many.db"
    with Store.open(path) as store, store._write() as cur:
        cur.executemany("INSERT INTO review (card_id, rating, reviewed_at, content_hash) VALUES (?, ?, ?, ?)", log)
    first = StudySession(Store.open(path), deck)  # full replay, saves the snapshot
    first.close()
    with Store.open(path) as store:
        assert snapshot_header(store)["count"] == 2500
    copy = copy_db(path)
    fresh = StudySession(Store.open(path), deck)
    assert fresh._replayed_since_snapshot == 0 and fresh._states.columns is not None
    monkeypatch.setattr(sch, "SNAPSHOT_EVERY", 10**9)
    with Store.open(copy) as store:
        store.set_blob(sch.SNAPSHOT_KEY, b"")
    replayed = StudySession(Store.open(copy), deck)
    assert replayed._states.columns is None
    from studytui.study.stats import due_forecast, retention_by_topic

    a_stats, b_stats = fresh.stats(now=T0), replayed.stats(now=T0)
    assert {k: v for k, v in a_stats.items() if k != "db"} == {k: v for k, v in b_stats.items() if k != "db"}
    assert a_stats["edited_since_review"] and a_stats["retention"] and a_stats["reviews_per_day"]
    for session_ in (fresh, replayed):
        session_.settings = replace(session_.settings, leech_lapses=2)
    assert fresh.stats(now=T0)["leeches"] == replayed.stats(now=T0)["leeches"] != []
    assert retention_by_topic(fresh) == retention_by_topic(replayed)  # all-time, not the kept days
    assert due_forecast(fresh, now=T0) == due_forecast(replayed, now=T0)
    from studytui.study import exam_plan, readiness

    exam_day = T0.date() + timedelta(days=9)
    for session_ in (fresh, replayed):
        readiness.save_exam_date(session_.store, exam_day)
    assert readiness.forecast(fresh, exam_day) == readiness.forecast(replayed, exam_day)
    assert exam_plan.plan_today(fresh, now=T0) == exam_plan.plan_today(replayed, now=T0)
    assert readiness.forecast_history(fresh, exam_day, now=T0) == readiness.forecast_history(replayed, exam_day, now=T0)
    assert len(fresh._states._live) < 60  # the stats and the exam plan built no per-card states
    assert_same_states(fresh, replayed, T0)
    fresh.close()
    replayed.close()


def test_a_snapshot_saved_over_a_loaded_one_matches_a_replay(tmp_path, deck_dirs, monkeypatch):
    """A session that started from a snapshot, answered cards (some states built, most still
    columns) and saved again: the next open from that snapshot equals a full replay."""
    import random

    import studytui.study.scheduler as sch
    from studytui.study.store import to_ms

    cards, demos = deck_dirs
    write_topic(cards, "gamma", 40)
    deck, _ = load_deck(cards, demos_dir=demos)
    ids = [cid for cid in deck.cards if cid != "beta-1"]  # beta-1: first answered after the load
    rng = random.Random(9)
    start = T0 - timedelta(days=30)
    log = sorted(((rng.choice(ids), rng.choice((1, 2, 3, 4)), to_ms(start + timedelta(minutes=rng.randint(0, 30 * 1440))))
                  for _ in range(800)), key=lambda r: r[2])
    path = tmp_path / "resave.db"
    with Store.open(path) as store, store._write() as cur:
        cur.executemany("INSERT INTO review (card_id, rating, reviewed_at) VALUES (?, ?, ?)", log)
    StudySession(Store.open(path), deck).close()  # full replay, first snapshot
    middle = StudySession(Store.open(path), deck)
    assert middle._states.columns is not None
    now = T0
    for i in range(15):  # new cards and old ones, so the saved rows mix built states and columns
        item = middle.next_card(now=now) or middle.next_card(now=now + timedelta(days=3))
        middle.answer(item.card_id, (Rating.Good, Rating.Again, Rating.Easy)[i % 3], now=now)
        now += timedelta(minutes=4)
    middle.answer("beta-1", Rating.Good, now=now)  # a card the loaded snapshot has no row for
    assert middle._states._extra >= 1 and 0 < len(middle._states._live) < len(middle._states)
    from studytui.study.cardstates import CardColumns

    keep_from = to_ms(now - timedelta(days=3))
    merged = CardColumns.from_states(middle._states, keep_from)  # unbuilt rows gathered by column
    built = CardColumns.from_states({cid: middle._states[cid] for cid in list(middle._states)}, keep_from)
    assert merged.encode({}) == built.encode({}) and merged.ids == built.ids
    middle._save_snapshot()
    middle.close()
    with Store.open(path) as store:
        assert snapshot_header(store)["count"] == 816
    copy = copy_db(path)
    monkeypatch.setattr(sch, "SNAPSHOT_EVERY", 10**9)
    loaded = StudySession(Store.open(path), deck)
    assert loaded._replayed_since_snapshot == 0 and loaded._states.columns is not None
    with Store.open(copy) as store:
        store.set_blob(sch.SNAPSHOT_KEY, b"")
    replayed = StudySession(Store.open(copy), deck)
    assert replayed._states.columns is None
    assert_same_states(loaded, replayed, now)
    loaded.close()
    replayed.close()


def test_an_old_json_snapshot_is_dropped_for_a_replay(session, monkeypatch):
    """A snapshot in an earlier format (JSON under the old key) is not read: the log is replayed,
    and the next save replaces it with the binary one."""
    import studytui.study.scheduler as sch

    monkeypatch.setattr(sch, "SNAPSHOT_EVERY", 1)
    session.answer("alpha-0", Rating.Good, now=T0)
    session.store.set_blob(sch.SNAPSHOT_KEY, b"")
    session.store.set_meta("state_snapshot", {"key": session._snapshot_key(), "last_id": 1, "deletions": 0,
                                              "count": 1, "cards": [["alpha-0", 1, 2, None, 1.0, 5.0, 0, 0]]})
    other = StudySession(Store.open(session.store.path), session.deck)
    assert other.state("alpha-0").reps == 1 and other.state("alpha-0").phase == "learning"
    assert other.store.get_meta("state_snapshot") is None and snapshot_header(other.store)["count"] == 1
    other.close()


def test_snapshot_is_ignored_when_parameters_change(session, monkeypatch):
    import studytui.study.scheduler as sch

    monkeypatch.setattr(sch, "SNAPSHOT_EVERY", 1)
    session.answer("alpha-0", Rating.Again, now=T0)  # due in 1 min with the default steps
    assert snapshot_header(session.store)["count"] == 1
    session.save_settings(Settings(learning_steps=(timedelta(minutes=2),)))
    other = StudySession(Store.open(session.store.path), session.deck)
    assert other._replayed_since_snapshot == 0  # it replayed (1 row) and saved a new snapshot
    assert other.state("alpha-0").fsrs.due == T0 + 2 * MIN  # the new step, not the cached 1 min
    other.close()


def test_cloze_siblings_wait_for_the_next_day(tmp_path, deck_dirs):
    """Answering one deletion of a cloze note holds its siblings back until the next study day
    (each would give the others' answers away); the answered one's learning steps still come."""
    cards, demos = deck_dirs
    for path in cards.iterdir():
        path.unlink()
    (cards / "gamma.yaml").write_text(
        "topic: gamma\ntitle: Gamma\ndemo: demo.py\ncards:\n"
        "  - {id: g, type: cloze, q: '{{c1::a}} {{c2::b}} {{c3::c}}'}\n"
        "  - {id: h, q: 'Plain?', a: 'Yes.'}\n")
    deck, problems = load_deck(cards, demos_dir=demos)
    assert problems == []
    s = StudySession(Store.open(tmp_path / "s.db"), deck)

    def next_id(at):
        item = s.next_card(now=at, include_drills=False)
        return item and item.card_id

    try:
        assert next_id(T0) == "g"
        s.answer("g", Rating.Good, now=T0)  # learning, back in 10 minutes
        assert next_id(T0 + MIN) == "h"  # not g#c2
        s.answer("h", Rating.Easy, now=T0 + MIN)
        assert next_id(T0 + 2 * MIN) in (None, "g")  # g's step may be learnt ahead; never a sibling
        assert next_id(T0 + 11 * MIN) == "g"
        s.answer("g", Rating.Good, now=T0 + 11 * MIN)  # graduates: days away
        assert next_id(T0 + 12 * MIN) is None
        assert next_id(s.day_start(T0) + timedelta(days=1, minutes=1)) == "g#c2"
    finally:
        s.close()
