"""Simulated students preparing for an exam: the plan (studytui/study/exam_plan.py) against plain
FSRS scheduling, with the same daily time budget. Used by benchmarks/exam_plan.py and the tests.

A student studies on the days they do not skip, at most `budget` answers a day. Each card they
are shown is recalled with its FSRS retrievability at that moment (a new card with probability
`first_recall`); recalled -> Good, else Again. Plain FSRS shows learning cards, then the reviews
due today (most overdue first), then new cards up to the daily limit. The plan (as the scheduler
does with an exam date) shows learning cards, today's share of new cards (`new_pace`), the due
reviews, more new cards up to the limit, then the reviews it brings forward (`at_risk`). On exam day the
student's expected score is the mean retrievability over the deck (an unseen card counts 0),
which is what readiness.forecast predicts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from fsrs import Scheduler

from studytui.study.exam_plan import at_risk, brought_forward_quota, new_pace
from studytui.study.readiness import RecallModel
from studytui.study.replay import REVIEW, US_PER_DAY, FastScheduler

ANSWER_US = 30_000_000  # each answer takes half a minute of the student's time
STUDY_HOUR_US = 18 * 3_600_000_000  # they study in the evening
LEARN_AHEAD_US = 20 * 60_000_000


@dataclass(frozen=True)
class Student:
    seed: int
    cards: int = 200
    days: int = 21  # study days before the exam day
    budget: int = 80  # answers a day
    skip: float = 0.2  # chance of not studying on a given day
    first_recall: float = 0.5
    new_per_day: int = 20
    reviews_per_day: int = 200
    retention: float = 0.9
    bring_forward: bool = True  # False: the plan without its brought-forward reviews (to measure them)


@dataclass(frozen=True)
class Outcome:
    recall: float  # expected exam score: mean retrievability at the exam over the deck
    answers: int
    unseen: int


def simulate(student: Student, *, plan: bool) -> Outcome:
    scheduler = Scheduler(desired_retention=student.retention, enable_fuzzing=False,
                          learning_steps=(timedelta(minutes=1), timedelta(minutes=10)),
                          relearning_steps=(timedelta(minutes=10),))
    fast = FastScheduler(scheduler)
    model = RecallModel.of(scheduler)
    rng = random.Random(student.seed)  # the same days off and the same coin flips in both policies
    skips = [rng.random() < student.skip for _ in range(student.days)]
    coins = random.Random(student.seed * 7919 + 1)
    cards: list[list | None] = [None] * student.cards
    exam_us = student.days * US_PER_DAY
    answers = 0
    for day in range(student.days):
        if skips[day]:
            continue
        day_start, day_end = day * US_PER_DAY, (day + 1) * US_PER_DAY
        unseen = sum(c is None for c in cards)
        if plan:
            first = new_pace(unseen, student.days - day, student.new_per_day).today
            seen = [(i, c) for i, c in enumerate(cards) if c is not None]
            risky = at_risk(seen, day_end_us=day_end, exam_us=exam_us, target=student.retention, model=model)
            forward = risky[: brought_forward_quota(len(risky), student.days - day)] if student.bring_forward else []
        else:
            first, forward = 0, []
        now = day_start + STUDY_HOUR_US
        new_done = reviews_done = 0
        answered_today: set[int] = set()
        for _ in range(student.budget):
            i = _next(cards, now, day_end, new_done < first, new_done < student.new_per_day,
                      reviews_done < student.reviews_per_day, forward, answered_today)
            if i is None:
                break
            card = cards[i]
            if card is None:
                card = cards[i] = fast.new_card()
                new_done += 1
                p = student.first_recall
            else:
                reviews_done += card[0] == REVIEW
                p = model.recall_us(card[2], card[5], now)
            fast.review(card, 3 if coins.random() < p else 1, now)
            answered_today.add(i)
            answers += 1
            now += ANSWER_US
    recall = sum(model.recall_us(c[2], c[5], exam_us) for c in cards if c is not None) / student.cards
    return Outcome(recall, answers, sum(c is None for c in cards))


def _next(cards, now, day_end, new_first, new_ok, reviews_ok, forward, answered_today) -> int | None:
    """The order of StudySession.next_card (learning cards also within the learn-ahead time)."""
    learning = [(c[4], i) for i, c in enumerate(cards) if c is not None and c[0] != REVIEW and c[4] <= now + LEARN_AHEAD_US]
    if learning:
        return min(learning)[1]
    if new_first and None in cards:
        return cards.index(None)
    if reviews_ok:
        due = [(c[4], i) for i, c in enumerate(cards) if c is not None and c[0] == REVIEW and c[4] <= day_end]
        if due:
            return min(due)[1]
    if new_ok and None in cards:
        return cards.index(None)
    if reviews_ok:
        for i in forward:
            if i not in answered_today:
                return i
    return None


@dataclass(frozen=True)
class CohortResult:
    students: int
    target: float
    reached_plan: int
    reached_plain: int
    mean_plan: float
    mean_plain: float
    reached_plan_only_new: int = 0  # the plan without brought-forward reviews
    mean_plan_only_new: float = 0.0


def cohort(n: int, *, seed: int = 0, target: float = 0.9, without_forward: bool = False, **overrides) -> CohortResult:
    """`n` students with seeded budgets and habits, each run under both policies (and, with
    `without_forward`, under the plan without its brought-forward reviews)."""
    from dataclasses import replace

    rng = random.Random(seed)
    plan_r, plain_r, only_new = [], [], []
    for k in range(n):
        student = Student(seed=seed * 100_003 + k, budget=rng.randint(40, 120), skip=rng.uniform(0.0, 0.35),
                          first_recall=rng.uniform(0.3, 0.7), **overrides)
        plan_r.append(simulate(student, plan=True).recall)
        plain_r.append(simulate(student, plan=False).recall)
        if without_forward:
            only_new.append(simulate(replace(student, bring_forward=False), plan=True).recall)
    return CohortResult(n, target, sum(r >= target for r in plan_r), sum(r >= target for r in plain_r),
                        sum(plan_r) / n, sum(plain_r) / n, sum(r >= target for r in only_new),
                        sum(only_new) / n if only_new else 0.0)
