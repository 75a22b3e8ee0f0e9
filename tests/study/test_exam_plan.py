"""The daily plan until the exam: new-card pace and limits, brought-forward reviews, the queue's
order with and without an exam ahead, the plan's projected effect, and simulated students."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from fsrs import Rating

from studytui.study import exam_plan as ep
from studytui.study import readiness as rd
from studytui.study.replay import LEARNING, REVIEW, US_PER_DAY
from tests.study.conftest import T0, write_topic

TODAY = date(2026, 3, 2)  # T0's study day


@pytest.fixture(autouse=True)
def _utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def open_session(tmp_path, name="study.db", **settings):
    from studytui.study.deck import load_deck
    from studytui.study.scheduler import Settings, StudySession
    from studytui.study.store import Store

    cards, demos = tmp_path / "cards", tmp_path / "demos"
    if not cards.exists():
        cards.mkdir()
        demos.mkdir()
        (demos / "demo.py").write_text("print('demo')\n")
        write_topic(cards, "alpha", 12)
        write_topic(cards, "beta", 8)
    deck, problems = load_deck(cards, demos_dir=demos)
    assert problems == []
    return StudySession(Store.open(tmp_path / name), deck, settings=Settings(**settings))


def learn(session, card_id, at):
    """A new card seen and passed through both learning steps (1m, 10m): now in review."""
    session.answer(card_id, Rating.Good, now=at)
    session.answer(card_id, Rating.Good, now=at + timedelta(minutes=10))
    assert session.state(card_id).phase == "review"


# --- pure rules --------------------------------------------------------------------------------

def test_new_cards_are_spread_over_the_days_before_consolidation():
    assert [ep.consolidation_days(d) for d in (0, 1, 2, 3, 6, 9, 10, 100)] == [0, 0, 0, 1, 2, 3, 3, 3]
    p = ep.new_pace(100, 10, 20)  # 3 days to consolidate, 7 to learn: ceil(100 / 7)
    assert (p.new_days, p.needed_per_day, p.today, p.met) == (7, 15, 15, True)
    p = ep.new_pace(5, 1, 20)  # exam tomorrow: all of them today
    assert (p.new_days, p.needed_per_day, p.today) == (1, 5, 5)
    assert ep.new_pace(0, 10, 20).today == 0


def test_a_limit_too_low_is_said_plainly():
    p = ep.new_pace(300, 10, 20)  # 43 a day needed, 20 allowed
    assert (p.needed_per_day, p.today, p.met) == (43, 20, False)
    plan = ep.DayPlan(TODAY + timedelta(days=10), TODAY, 10, p, 0, 0, (), 0.9)
    assert plan.problem == ("43 new cards a day are needed to see all 300 in time, but the limit is 20 "
                            "(studytui settings --new-per-day 43); at 20 a day 100 stay unseen on exam day")
    tight = ep.DayPlan(TODAY + timedelta(days=10), TODAY, 10, ep.new_pace(190, 10, 20), 0, 0, (), 0.9)
    assert tight.problem.endswith("at 20 a day they are all seen only by using the days meant for consolidation")
    ok = ep.DayPlan(TODAY + timedelta(days=10), TODAY, 10, ep.new_pace(100, 10, 20), 4, 0, (), 0.9)
    assert ok.problem is None and ok.new_today == 11  # 15 today, 4 already started
    late = ep.DayPlan(TODAY + timedelta(days=2), TODAY, 2, ep.new_pace(50, 2, 20), 0, 0, (), 0.9)
    assert late.problem is not None and "25 new cards a day" in late.problem


def test_at_risk_are_review_cards_not_due_today_under_target_most_at_risk_first():
    model = rd.RecallModel(decay=-0.1542, factor=0.9 ** (1 / -0.1542) - 1)
    day_end, exam = 10 * US_PER_DAY, 20 * US_PER_DAY
    cards = [
        ("weak", [REVIEW, None, 2.0, 5.0, 12 * US_PER_DAY, 9 * US_PER_DAY]),
        ("weaker", [REVIEW, None, 1.0, 5.0, 11 * US_PER_DAY, 9 * US_PER_DAY]),
        ("due-today", [REVIEW, None, 1.0, 5.0, 10 * US_PER_DAY, 9 * US_PER_DAY]),
        ("strong", [REVIEW, None, 400.0, 5.0, 300 * US_PER_DAY, 9 * US_PER_DAY]),
        ("learning", [LEARNING, 1, 1.0, 5.0, 11 * US_PER_DAY, 9 * US_PER_DAY]),
    ]
    assert model.recall_us(400.0, 9 * US_PER_DAY, exam) > 0.9 > model.recall_us(2.0, 9 * US_PER_DAY, exam)
    assert ep.at_risk(cards, day_end_us=day_end, exam_us=exam, target=0.9, model=model) == ["weaker", "weak"]
    assert [ep.brought_forward_quota(n, d) for n, d in ((10, 3), (10, 1), (0, 5), (7, 0))] == [4, 10, 0, 7]


# --- the queue -----------------------------------------------------------------------------------

def overdue_reviews(session):
    for i in range(5):
        learn(session, f"alpha-{i}", T0 - timedelta(days=10))


def test_with_an_exam_ahead_todays_new_cards_come_before_the_due_reviews(tmp_path):
    s = open_session(tmp_path)
    overdue_reviews(s)
    assert s.next_card(now=T0).card_id == "alpha-0"  # plain FSRS: reviews first
    rd.save_exam_date(s.store, TODAY + timedelta(days=13))
    plan = ep.plan_today(s, now=T0)
    # 15 unseen, 13 days left, 3 kept to consolidate: ceil(15 / 10) = 2 first
    assert (plan.days_left, plan.pace.needed_per_day, plan.new_today, plan.reviews_due) == (13, 2, 2, 5)
    picks = []
    for _ in range(4):
        item = s.next_card(now=T0)
        picks.append((item.card_id, item.phase))
        s.answer(item.card_id, Rating.Good, now=T0)
    assert picks == [("alpha-5", "new"), ("alpha-6", "new"), ("alpha-0", "review"), ("alpha-1", "review")]
    assert ep.plan_today(s, now=T0).new_today == 0


def test_after_the_exam_day_scheduling_is_plain_fsrs(tmp_path):
    plain = open_session(tmp_path, "plain.db")
    after = open_session(tmp_path, "after.db")
    rd.save_exam_date(after.store, TODAY - timedelta(days=1))
    on_the_day = open_session(tmp_path, "today.db")
    rd.save_exam_date(on_the_day.store, TODAY)
    sessions = (plain, after, on_the_day)
    for s in sessions:
        overdue_reviews(s)
    assert ep.plan_today(after, now=T0) is None and ep.plan_today(on_the_day, now=T0) is None
    for step in range(40):
        now = T0 + timedelta(minutes=3 * step)
        items = [s.next_card(now=now) for s in sessions]
        ids = [i.card_id if i else None for i in items]
        assert ids[0] == ids[1] == ids[2], step
        if ids[0] is None:
            break
        for s in sessions:
            s.answer(ids[0], Rating.Again if step % 4 == 0 else Rating.Good, now=now)
    for s in sessions:
        s.close()


def test_at_risk_reviews_are_brought_forward_once(tmp_path):
    s = open_session(tmp_path, new_per_day=0)
    learn(s, "beta-0", T0 - timedelta(days=1))  # stability ~2.3 days: due tomorrow
    learn(s, "beta-1", T0 - timedelta(days=1))
    assert s.next_card(now=T0) is None  # nothing due, no new cards allowed
    rd.save_exam_date(s.store, TODAY + timedelta(days=3))  # 3 days after the last review: R < 0.9
    plan = ep.plan_today(s, now=T0)
    # both are at risk; spread over the 3 days left, one is brought forward today (ties: by id)
    assert plan.brought_forward == ("beta-0",)
    assert plan.reviews_due == 0 and plan.new_today == 0
    first = s.next_card(now=T0)
    assert (first.card_id, first.phase) == ("beta-0", "review")
    s.answer(first.card_id, Rating.Good, now=T0)
    assert s.next_card(now=T0) is None  # once a day, and only the day's share
    tomorrow = T0 + timedelta(days=1)
    assert ep.plan_today(s, now=tomorrow).brought_forward == ()  # beta-1 is due tomorrow anyway
    assert s.next_card(now=tomorrow + timedelta(hours=1)).card_id == "beta-1"
    s.close()


# --- the plan's effect ---------------------------------------------------------------------------

def test_following_the_plan_beats_skipping_today(tmp_path):
    s = open_session(tmp_path)
    overdue_reviews(s)
    rd.save_exam_date(s.store, TODAY + timedelta(days=1))  # exam tomorrow
    plan = ep.plan_today(s, now=T0)
    assert plan.new_today == 15  # every unseen card today
    e = ep.effect(s, plan, now=T0)
    assert e == ep.effect(s, plan, now=T0)  # deterministic
    assert 0 <= e.skipping < e.following <= 1
    # skipping today leaves 15 of 20 cards unseen: at most 5/20 recalled
    assert e.skipping <= 5 / 20
    # following: today's reviews done, so each of them is at least as likely as now
    assert e.following > rd.forecast(s, plan.exam_day).overall
    s.close()


def test_far_from_the_exam_one_day_matters_little(tmp_path):
    s = open_session(tmp_path)
    overdue_reviews(s)
    rd.save_exam_date(s.store, TODAY + timedelta(days=30))
    e = ep.effect(s, ep.plan_today(s, now=T0), now=T0)
    # (a review done a day later, when less is remembered, even gains a little stability in FSRS)
    assert abs(e.following - e.skipping) < 0.05 and e.following > 0.5
    s.close()


# --- simulated students --------------------------------------------------------------------------

def test_the_plan_beats_plain_scheduling_for_a_seeded_cohort():
    from studytui.study.exam_sim import cohort

    result = cohort(8, seed=3, cards=80, days=10)
    assert result.mean_plan > result.mean_plain
    assert result.reached_plan > result.reached_plain



def test_the_projection_is_the_expected_value_of_sampled_futures(tmp_path):
    """Branching on recall (weighted by R) deep enough equals the mean over sampled futures."""
    import random

    from studytui.study.replay import FastScheduler

    s = open_session(tmp_path)
    learn(s, "alpha-0", T0)
    exam_us = ep._us(T0 + timedelta(days=12))
    proj = ep.Projection(s, exam_us, depth=12)
    card = FastScheduler.from_fsrs(s.state("alpha-0").fsrs)
    expected = proj.expect(card.copy(), ep._us(T0))

    rng = random.Random(0)
    total, runs = 0.0, 4000
    for _ in range(runs):
        c, t = card.copy(), ep._us(T0)
        while True:
            when = max(c[4], t)
            if when >= exam_us:
                total += proj.model.recall_us(c[2], c[5], exam_us)
                break
            recalled = rng.random() < proj.model.recall_us(c[2], c[5], when)
            proj.fast.review(c, 3 if recalled else 1, when)
            proj._settle(c, when)
            t = when
    assert expected == pytest.approx(total / runs, abs=0.01)
    assert 0.5 < expected < 1
    # the depth the home screen uses (2, then the Good path) stays close
    assert ep.Projection(s, exam_us).expect(card.copy(), ep._us(T0)) == pytest.approx(expected, abs=0.02)
    s.close()


def test_the_report_on_the_exam_day_and_after_it(tmp_path):
    from studytui.study.exam_report import report

    s = open_session(tmp_path)
    overdue_reviews(s)
    assert report(s, now=T0) is None  # no date
    rd.save_exam_date(s.store, TODAY + timedelta(days=5))
    ahead = report(s, now=T0, trend_days=3)
    assert ahead["days_left"] == 5 and ahead["plan"]["reviews_due"] == 5 and len(ahead["trend"]) == 3
    assert ahead["forecast"]["overall"] == round(rd.forecast(s, TODAY + timedelta(days=5)).overall, 4)
    rd.save_exam_date(s.store, TODAY)
    today = report(s, now=T0, trend_days=0)
    assert today["days_left"] == 0 and today["plan"] is None and today["trend"] == []
    assert today["forecast"]["unseen"] == 15
    assert ahead["passed"] is False and today["passed"] is False
    rd.save_exam_date(s.store, TODAY - timedelta(days=2))
    over = report(s, now=T0)  # the exam is over: said once, no forecast or plan any more
    assert over["passed"] is True and over["days_left"] == -2
    assert over["forecast"] is None and over["plan"] is None and over["trend"] == []
    s.close()
