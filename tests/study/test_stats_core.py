"""The aggregations the stats and exam screens show, computed in the core."""

from __future__ import annotations

from datetime import timedelta

from fsrs import Rating

from studytui.study.stats import due_forecast, exam_tally, pick_exam_cards, retention_by_topic

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


def test_exam_picks_round_robin_across_topics_and_is_seeded(session):
    picked = pick_exam_cards(session, 4, seed=3)
    assert [p.topic for p in picked] == ["alpha", "beta", "alpha", "beta"]
    assert len({p.id for p in picked}) == 4
    assert pick_exam_cards(session, 4, seed=3) == picked
    assert len(pick_exam_cards(session, 50, seed=1)) == 5  # no more than the deck holds


def test_exam_picks_one_item_per_cloze_note(tmp_path, deck_dirs):
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
            picked = pick_exam_cards(s, 50, seed=seed)
            gamma = [p for p in picked if p.topic == "gamma"]
            assert len(picked) == 6 and len(gamma) == 1  # 5 basic cards + one of the 3 deletions
            assert "[" in gamma[0].q and gamma[0].card.type == "cloze"
    finally:
        s.close()


def test_exam_tally_gives_essays_partial_credit():
    answers = [("a", 1.0), ("a", 0.5), ("a", None), ("b", 0.0), ("b", 2 / 3)]
    assert exam_tally(answers) == {"a": (1.5, 3), "b": (0.67, 2)}
    assert exam_tally([("a", 1.0), ("a", 1.0)]) == {"a": (2, 2)} and isinstance(exam_tally([("a", 1.0)])["a"][0], int)
