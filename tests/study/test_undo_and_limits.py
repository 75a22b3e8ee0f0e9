"""Undo of any action (as Anki's), unbury, and the daily new-card budget with custom study."""

from __future__ import annotations

from datetime import timedelta

import pytest

from studytui.errors import StudytuiError
from studytui.study.scheduler import Rating, Settings, StudySession
from studytui.study.store import Store

from .conftest import T0


def test_undo_takes_back_grade_suspend_and_bury_newest_first(session):
    session.answer("alpha-0", Rating.Good, now=T0)
    session.suspend("alpha-1", now=T0)
    session.bury("alpha-2", now=T0)
    assert session.is_suspended("alpha-1") and session.is_buried("alpha-2", now=T0)

    first = session.undo_last()
    assert (first.card_id, first.action) == ("alpha-2", "bury")
    assert not session.is_buried("alpha-2", now=T0) and session.is_suspended("alpha-1")
    assert session.state("alpha-0").reps == 1

    second = session.undo_last()
    assert (second.card_id, second.action) == ("alpha-1", "suspend")
    assert not session.is_suspended("alpha-1") and session.state("alpha-0").reps == 1

    third = session.undo_last()
    assert (third.card_id, third.action) == ("alpha-0", "grade")
    assert session.state("alpha-0").reps == 0 and session.store.review_count() == 0
    assert session.undo_last() is None and not session.can_undo
    assert session.store.marks() == []  # nothing left behind


def test_undo_of_a_flag_and_of_an_unsuspend(session):
    session.suspend("beta-0", now=T0)
    session.unsuspend("beta-0", now=T0)
    session.flag("beta-1", now=T0)
    assert session.undo_last().action == "flag" and not session.is_flagged("beta-1")
    assert session.undo_last().action == "unsuspend" and session.is_suspended("beta-0")


def test_unbury_brings_a_card_back_today_and_undo_buries_it_again(session):
    session.bury("alpha-0", now=T0)
    assert session.next_card(now=T0).card_id == "alpha-1"
    session.unbury("alpha-0", now=T0)
    assert not session.is_buried("alpha-0", now=T0)
    assert session.next_card(now=T0).card_id == "alpha-0"
    assert session.undo_last().action == "unbury"
    assert session.is_buried("alpha-0", now=T0)


def test_marks_undo_survives_a_fresh_session_reading_the_same_file(session, tmp_path):
    session.suspend("alpha-0", now=T0)
    other = StudySession(Store.open(session.store.path), session.deck)
    assert other.is_suspended("alpha-0")
    session.undo()
    other.state("alpha-0")  # syncs
    assert not other.is_suspended("alpha-0")
    assert other.undo() is None  # it cannot take back someone else's action
    other.close()


def _limited(session, new_per_day: int) -> StudySession:
    return StudySession(Store.open(session.store.path), session.deck, settings=Settings(new_per_day=new_per_day))


def test_new_limit_counts_today_and_custom_study_lets_more_in(session):
    s = _limited(session, 2)
    limit = s.new_limit(now=T0)
    assert (limit.studied, limit.limit, limit.waiting, limit.reached) == (0, 2, 5, False)
    for _ in range(2):
        s.answer(s.next_card(now=T0, include_drills=False).card_id, Rating.Easy, now=T0)
    limit = s.new_limit(now=T0)
    assert (limit.studied, limit.left, limit.waiting, limit.reached) == (2, 0, 3, True)
    assert s.next_card(now=T0, include_drills=False) is None

    after = s.study_more(1, now=T0)
    assert (after.limit, after.left) == (3, 1)
    item = s.next_card(now=T0, include_drills=False)
    assert item is not None and item.phase == "new"
    s.answer(item.card_id, Rating.Easy, now=T0)
    assert s.next_card(now=T0, include_drills=False) is None
    # the extra belongs to that study day only
    tomorrow = T0 + timedelta(days=1)
    assert s.new_limit(now=tomorrow).limit == 2
    with pytest.raises(StudytuiError):
        s.study_more(0, now=T0)
    s.close()


def test_drills_use_no_new_card_budget_and_are_not_counted_as_reviews_today(session):
    s = _limited(session, 1)
    s.record_drill("shapes", 1, correct=True, now=T0)
    assert s.next_card(now=T0, include_drills=False).phase == "new"
    stats = s.stats(now=T0)
    assert stats["reviews_today"] == 0 and stats["drills_today"] == 1
    assert "drills" not in stats["topics"] and stats["drill_cards"]["learned"] == 1
    assert stats["new_today"] == {"studied": 0, "limit": 1, "available": 1}
    s.close()


def test_a_relearning_card_shows_distinct_good_and_easy_and_easy_is_kept(session):
    now = T0
    session.answer("alpha-0", Rating.Good, now=now)
    now += timedelta(minutes=10)
    session.answer("alpha-0", Rating.Good, now=now)  # graduated
    now = session.state("alpha-0").fsrs.due
    session.answer("alpha-0", Rating.Again, now=now)  # a lapse: relearning
    now = session.state("alpha-0").fsrs.due
    assert session.state("alpha-0").phase == "relearning"
    preview = session.preview("alpha-0", now=now)
    assert preview[Rating.Easy] > preview[Rating.Good]
    labels = session.button_labels("alpha-0", now=now)
    assert labels["Good"] != labels["Easy"]
    result = session.answer("alpha-0", Rating.Easy, now=now)
    assert result.due - now == preview[Rating.Easy]  # the button said what the answer does
    fresh = StudySession(Store.open(session.store.path), session.deck)  # and a replay agrees
    assert fresh.state("alpha-0").fsrs.due == result.due
    fresh.close()
