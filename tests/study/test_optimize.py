"""Fitting FSRS parameters to the review log."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from fsrs import Card, Rating, Scheduler

from studytui.study.optimize import MIN_REVIEWS, NotEnoughReviews, fit_parameters, training_reviews
from studytui.study.scheduler import StudySession
from studytui.study.store import Store, to_ms

from .conftest import T0


def simulated_log(cards: int, reviews_each: int, seed: int = 0) -> list[tuple[str, int, int]]:
    """(card id, rating, ms) rows of a learner who forgets more the longer the wait."""
    rng = random.Random(seed)
    sched = Scheduler(enable_fuzzing=False)
    rows = []
    for c in range(cards):
        card, t = Card(card_id=c + 1, due=T0), T0 + timedelta(hours=c % 24)
        for _ in range(reviews_each):
            waited = (t - card.last_review).days if card.last_review else 0
            rating = Rating.Again if rng.random() < min(0.6, 0.05 + waited / 60) else rng.choice([Rating.Good, Rating.Good, Rating.Hard, Rating.Easy])
            card, _ = sched.review_card(card, rating, review_datetime=t)
            rows.append((f"card-{c}", int(rating), to_ms(t)))
            t = max(card.due, t + timedelta(days=1)) + timedelta(hours=rng.randint(0, 30))
    return rows


def fill(store: Store, rows) -> None:
    with store._write() as cur:
        cur.executemany("INSERT INTO review (card_id, rating, reviewed_at, duration_ms) VALUES (?, ?, ?, 4000)", rows)


def test_training_reviews_counts_only_day_apart_reviews(tmp_path):
    with Store.open(tmp_path / "s.db") as s:
        day = 86_400_000
        fill(s, [("a", 3, to_ms(T0)), ("a", 3, to_ms(T0) + 60_000), ("a", 3, to_ms(T0) + day + 60_000),
                 ("b", 3, to_ms(T0)), ("b", 1, to_ms(T0) + day - 1)])
        assert training_reviews(s.reviews()) == 1
        with pytest.raises(NotEnoughReviews, match=f"1 of the {MIN_REVIEWS} needed"):
            fit_parameters(s)
        assert s.get_meta("fsrs_parameters") is None


@pytest.mark.slow
def test_fit_stores_parameters_that_the_session_then_uses(tmp_path):
    pytest.importorskip("pandas")
    pytest.importorskip("tqdm")
    from fsrs.scheduler import DEFAULT_PARAMETERS

    from studytui.study.deck import Deck

    with Store.open(tmp_path / "s.db") as s:
        fill(s, simulated_log(cards=75, reviews_each=8))
        n = training_reviews(s.reviews())
        assert n >= MIN_REVIEWS
        fit = fit_parameters(s, now=T0)
        assert fit.reviews == n and len(fit.parameters) == len(DEFAULT_PARAMETERS)
        assert fit.parameters != list(DEFAULT_PARAMETERS)
        assert s.get_meta("fsrs_parameters")["parameters"] == fit.parameters
    with StudySession(Store.open(tmp_path / "s.db"), Deck()) as session:
        assert list(session.parameters) == fit.parameters
        assert list(session.scheduler.parameters) == fit.parameters
        assert session.stats(now=T0)["fsrs"]["parameters"] == "fitted"
