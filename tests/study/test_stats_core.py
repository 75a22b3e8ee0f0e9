"""The aggregations the stats and exam screens show, computed in the core."""

from __future__ import annotations

from datetime import timedelta

from fsrs import Rating

from studytui.study.stats import due_forecast, exam_tally, retention_by_topic

from .conftest import T0


def test_forecast_counts_reviewed_cards_on_their_due_day(session):
    assert due_forecast(session, now=T0) == [0] * 14  # nothing reviewed yet: nothing scheduled
    session.answer("alpha-0", Rating.Good, now=T0)
    session.answer("alpha-1", Rating.Again, now=T0)
    forecast = due_forecast(session, now=T0, days=14)
    assert sum(forecast) == 2 and forecast[0] == 2  # learning steps are minutes away: due today
    session.suspend("alpha-1", now=T0)
    assert sum(due_forecast(session, now=T0)) == 1


def test_retention_per_topic_counts_review_phase_answers_only(session):
    assert retention_by_topic(session) == {"alpha": None, "beta": None}
    now = T0
    for rating in (Rating.Good, Rating.Good):  # learning steps, then graduate to review
        session.answer("beta-0", rating, now=now)
        now += timedelta(minutes=15)
    due = session.state("beta-0").fsrs.due
    session.answer("beta-0", Rating.Again, now=due + timedelta(minutes=1))  # a lapse in review
    assert retention_by_topic(session) == {"alpha": None, "beta": 0.0}


def test_exam_tally_gives_essays_partial_credit():
    answers = [("a", 1.0), ("a", 0.5), ("a", None), ("b", 0.0), ("b", 2 / 3)]
    assert exam_tally(answers) == {"a": (1.5, 3), "b": (0.67, 2)}
    assert exam_tally([("a", 1.0), ("a", 1.0)]) == {"a": (2, 2)} and isinstance(exam_tally([("a", 1.0)])["a"][0], int)
