"""Keeping two sessions on one database in step without counting the whole log.

The log's signature is (last review id, rows deleted by undo, last mark id): these tests make the
changes a cheaper signature could miss — an undo of an answer that is not the newest row, undos of
marks, marks appended after others — and check that the other session sees each one, and that the
counts it keeps up to date answer by answer equal a fresh count.
"""

from __future__ import annotations

from datetime import timedelta

from studytui.study.scheduler import Rating, StudySession
from studytui.study.store import Store

from .conftest import T0

MIN = timedelta(minutes=1)


def other_session(session: StudySession) -> StudySession:
    return StudySession(Store.open(session.store.path), session.deck)


def test_the_signature_changes_when_an_older_row_is_deleted(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        ids = [store.add_review(f"c{i}", 3, at=T0 + i * MIN) for i in range(3)]
        mark = store.add_mark("c0", "flag", at=T0)
        store.add_mark("c1", "flag", at=T0)
        before = store.log_signature()
        assert before[0] == ids[-1]
        store.delete_review(ids[1])  # not the newest: the last id stays the same
        after_review = store.log_signature()
        assert after_review != before and after_review[0] == ids[-1]
        store.delete_mark(mark)  # not the newest mark either
        after_mark = store.log_signature()
        assert after_mark != after_review and after_mark[2] == before[2]
        assert store.delete_review(ids[1]) is None  # already gone: nothing deleted, nothing counted
        assert store.log_signature() == after_mark


def test_another_session_sees_the_undo_of_an_answer_that_is_not_the_newest(session):
    other = other_session(session)
    try:
        session.answer("alpha-0", Rating.Good, now=T0)
        other.answer("alpha-1", Rating.Easy, now=T0 + MIN)  # the newest row belongs to `other`
        assert other.state("alpha-0").reps == 1
        assert session.undo() == "alpha-0"
        assert other.state("alpha-0").reps == 0 and other.state("alpha-1").reps == 1
        assert other.next_card(now=T0 + 2 * MIN).card_id == "alpha-0"  # new again, first in deck order
    finally:
        other.close()


def test_another_session_sees_marks_added_and_undone(session):
    other = other_session(session)

    def seen() -> tuple[int, int, str | None]:
        """(suspended, flagged) over the deck and the first card it would show, as `other` sees them."""
        counts = other.counts_by_topic(now=T0)  # reads the log again when it changed
        item = other.next_card(now=T0)
        return (sum(c["suspended"] for c in counts.values()), sum(c["flagged"] for c in counts.values()),
                item.card_id if item else None)

    try:
        assert seen() == (0, 0, "alpha-0")
        session.suspend("alpha-0", now=T0)
        assert seen() == (1, 0, "alpha-1")
        session.flag("beta-1", now=T0)
        session.bury("alpha-1", now=T0)
        assert seen() == (1, 1, "alpha-2")
        session.undo()  # the bury
        assert seen() == (1, 1, "alpha-1")
        session.undo()  # the flag
        assert seen() == (1, 0, "alpha-1")
        session.unsuspend("alpha-0", now=T0)
        assert seen() == (0, 0, "alpha-0")
    finally:
        other.close()


def test_todays_counts_kept_answer_by_answer_equal_a_fresh_count(session):
    now = T0
    session._today_counts(now)  # counted once, then only updated
    for i, rating in enumerate([Rating.Good, Rating.Again, Rating.Easy, Rating.Good, Rating.Good, Rating.Hard]):
        item = session.next_card(now=now, include_drills=False)
        session.answer(item.card_id, rating, now=now)
        session.record_drill("shapes", 1, correct=i % 2 == 0, now=now)  # drills use no card budget
        now += 3 * MIN
    session.answer("alpha-0", Rating.Good, now=now + timedelta(days=3))  # tomorrow's first answer
    fresh = other_session(session)
    try:
        for at in (now, now + timedelta(days=3)):
            assert session._today_counts(at) == fresh._today_counts(at)
        started = {r.card_id for r in session.store.reviews() if not r.card_id.startswith("drill:")}
        assert session._today_counts(now)[0] == len(started) > 0  # all first answered today
    finally:
        fresh.close()


def test_a_damaged_state_snapshot_means_a_replay_not_a_crash(session):
    import studytui.study.scheduler as sch

    session.answer("alpha-0", Rating.Good, now=T0)
    session.answer("alpha-1", Rating.Again, now=T0)
    from studytui.study.cardstates import CardColumns

    key = session._snapshot_key()
    session._save_snapshot()
    good = session.store.get_blob(sch.SNAPSHOT_KEY)
    assert CardColumns.decode(good)[0]["key"] == key
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x10
    columns = CardColumns.decode(good)[1]
    for damaged in (bytes(flipped), good[:-9], good[:40], b"", b"not a snapshot",
                    columns.encode({"key": key, "last_id": "x", "deletions": 0}),
                    columns.encode({"key": key})):
        session.store.set_blob(sch.SNAPSHOT_KEY, damaged)
        other = other_session(session)
        try:
            assert (other.state("alpha-0").reps, other.state("alpha-1").lapses, other.state("alpha-1").phase) == (
                1, 0, "learning")
        finally:
            other.close()
