"""Exam questions from the weakest topics, and the forecast an exam makes before it starts."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from fsrs import Rating

from studytui.study import readiness as rd
from studytui.study.exam_questions import drill_forecast, exam_forecast, weakest_first_cards
from studytui.study.store import DrillAttempt

from .conftest import T0

NOW = T0 + timedelta(days=3)


def learn(session, card_ids):
    """Answer the cards Good over a few days so they are well known three days later."""
    for cid in card_ids:
        at = T0 - timedelta(days=20)
        for gap in (0, 0.01, 1, 3, 8):
            at += timedelta(days=gap)
            session.answer(cid, Rating.Good, now=at)


def test_weak_topics_are_asked_more(session):
    learn(session, ["alpha-0", "alpha-1", "alpha-2"])
    recall = rd.forecast(session, NOW).by_topic
    assert recall["alpha"] > 0.8 and recall["beta"] == 0.0
    firsts = Counter(weakest_first_cards(session, 1, seed, now=NOW)[0].card.topic for seed in range(60))
    assert firsts["beta"] >= 45  # beta is unknown: chosen ~85% of the time (alpha keeps a floor)
    assert firsts["alpha"] >= 1


def test_a_question_carries_its_card_recall_now(session):
    learn(session, ["alpha-0"])
    by_card = rd.forecast(session, NOW).by_card
    picked = weakest_first_cards(session, 5, seed=1, now=NOW)
    assert sorted(p.card.id for p in picked) == sorted(by_card)  # the whole deck of 5
    for p in picked:
        assert p.recall == pytest.approx(by_card[p.card.id])
    assert next(p.recall for p in picked if p.card.id == "alpha-0") > 0.8


def test_picks_are_seeded_spread_and_bounded(session):
    picked = weakest_first_cards(session, 4, seed=3, now=NOW)
    assert weakest_first_cards(session, 4, seed=3, now=NOW) == picked
    assert len({p.card.id for p in picked}) == 4
    assert {p.card.topic for p in picked} == {"alpha", "beta"}
    assert len(weakest_first_cards(session, 50, seed=1, now=NOW)) == 5  # no more than the deck holds


def test_one_item_per_cloze_note(tmp_path, deck_dirs):
    from studytui.study.deck import load_deck
    from studytui.study.scheduler import StudySession
    from studytui.study.store import Store

    cards, demos = deck_dirs
    (cards / "gamma.yaml").write_text(
        "topic: gamma\ntitle: Gamma\ndemo: demo.py\ncards:\n"
        "  - {id: g, type: cloze, q: '{{c1::a}} {{c2::b}} {{c3::c}}'}\n")
    deck, _ = load_deck(cards, demos_dir=demos)
    s = StudySession(Store.open(tmp_path / "x.db"), deck)
    try:
        for seed in range(5):
            picked = [p.card for p in weakest_first_cards(s, 50, seed=seed, now=NOW)]
            gamma = [p for p in picked if p.topic == "gamma"]
            assert len(picked) == 6 and len(gamma) == 1  # 5 basic cards + one of the 3 deletions
            assert "[" in gamma[0].q and gamma[0].card.type == "cloze"
    finally:
        s.close()


def attempt(family: str, level: int, correct: bool) -> DrillAttempt:
    return DrillAttempt(0, T0, family, level, correct, None, None, None, None)


def test_drill_forecast_is_recent_accuracy_pulled_toward_a_half():
    assert drill_forecast([], "rf", 2) == 0.5
    log = [attempt("rf", 2, True)] * 3 + [attempt("rf", 1, False)] * 5 + [attempt("params", 2, False)]
    assert drill_forecast(log, "rf", 2) == pytest.approx(4 / 5)
    assert drill_forecast(log, "rf", 1) == pytest.approx(1 / 7)
    old_wrong = [attempt("macs", 2, False)] * 30 + [attempt("macs", 2, True)] * 20
    assert drill_forecast(old_wrong, "macs", 2) == pytest.approx(21 / 22)  # only the last 20 count


def test_exam_forecast_is_the_mean_per_topic_and_overall():
    overall, by_topic = exam_forecast([("a", 1.0), ("a", 0.5), ("b", 0.0), ("drills/rf", 0.75)])
    assert overall == pytest.approx(2.25 / 4)
    assert by_topic == {"a": 0.75, "b": 0.0, "drills/rf": 0.75}
    assert exam_forecast([]) == (0.0, {})


def test_the_store_keeps_the_forecast_beside_the_score(session):
    eid = session.record_exam(started_at=T0, finished_at=T0, topics={"alpha": (1, 2), "beta": (0.5, 1)},
                              forecast=0.4, topic_forecasts={"alpha": 0.5, "beta": 0.2})
    (exam,) = session.store.exams()
    assert (exam.id, exam.forecast, exam.topic_forecasts) == (eid, 0.4, {"alpha": 0.5, "beta": 0.2})
    shown = session.stats(now=T0)["exams"][0]
    assert shown["forecast"] == 0.4 and shown["topics"]["beta"] == {"correct": 0.5, "total": 1, "forecast": 0.2}
    with pytest.raises(ValueError):
        session.record_exam(started_at=T0, finished_at=T0, topics={"alpha": (1, 2)}, forecast=1.5)
