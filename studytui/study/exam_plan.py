"""The daily plan until the exam: how many new cards today, which reviews to bring forward, and
what following the plan (or skipping today) does to the exam-day forecast.

    from studytui.study import exam_plan as ep
    plan = ep.plan_today(session, now=...)   # DayPlan, or None: no exam date, or the exam day has come
    plan.days_left, plan.new_today, plan.pace.needed_per_day, plan.pace.met, plan.problem
    plan.reviews_due, plan.brought_forward          # M cards due today, K card ids brought forward
    ep.effect(session, plan, now=...)               # Effect(following=0.92, skipping=0.89)

The rules (pure functions below, shared with benchmarks/exam_plan.py):
- The last `consolidation_days(days_left)` days before the exam (up to 3, a third of the time
  left) are kept for consolidation; the unseen cards are spread evenly over the days before them
  (`new_pace`), never above the daily new-card limit: when the limit is too low the plan says so.
  Today's share of new cards comes before the due reviews: on exam day an unseen card counts 0,
  so when time is short a new card seen is worth more than a review done on its day
  (benchmarks/exam_plan.py measures it). More new cards, up to the limit, still follow the reviews.
- A review card whose retrievability on exam day would be below the desired retention is "at
  risk" (`at_risk`); a share of them (`brought_forward_quota`: the at-risk cards spread over the
  days left, the most at risk first) is due today, after the due reviews and today's new cards.
- From the exam day on, `plan_today` is None and the scheduler is back to plain FSRS.

The scheduler asks `queue_plan(session, now)` (cached for the study day) while it picks the next
card; nothing here imports textual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Callable, Iterable

from studytui.study import readiness as rd
from studytui.study.replay import REVIEW, FastScheduler

if TYPE_CHECKING:
    from studytui.study.scheduler import StudySession

MAX_CONSOLIDATION_DAYS = 3
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
STUDY_HOUR_US = 8 * 3_600_000_000  # the projection studies a future day 8 h after it begins


def _us(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(microseconds=1)


# --- pure rules ----------------------------------------------------------------------------

def consolidation_days(days_left: int) -> int:
    """Days before the exam kept free of new cards: a third of the time left, at most 3."""
    return min(MAX_CONSOLIDATION_DAYS, max(0, days_left) // 3)


@dataclass(frozen=True)
class NewPace:
    unseen: int  # unseen syllabus cards when the day began
    new_days: int  # days left to introduce them (today included), 0 in the consolidation days
    needed_per_day: int  # what seeing them all in time needs (all of them once no new-card day is left)
    today: int  # new cards the plan lets in today: needed_per_day, capped by the limit
    limit: int

    @property
    def met(self) -> bool:
        return self.needed_per_day <= self.limit


def new_pace(unseen: int, days_left: int, limit: int) -> NewPace:
    """Unseen cards spread over the days before the consolidation days (ceil, so none is left)."""
    new_days = max(0, days_left - consolidation_days(days_left))
    needed = math.ceil(unseen / new_days) if new_days else unseen  # late: learn what is left now
    return NewPace(unseen, new_days, needed, min(needed, limit), limit)


def at_risk(cards: Iterable[tuple[str, list]], *, day_end_us: int, exam_us: int, target: float,
            model: rd.RecallModel) -> list[str]:
    """Review cards not due today whose recall on exam day would be under `target`, the most at
    risk first. `cards`: (card id, fast-replay card list) of the syllabus cards that may be shown."""
    scored = []
    for cid, card in cards:
        if card[0] != REVIEW or card[4] is None or card[4] <= day_end_us:
            continue
        r = model.recall_us(card[2], card[5], exam_us)
        if r < target:
            scored.append((r, card[4], cid))
    scored.sort()
    return [cid for _, _, cid in scored]


def brought_forward_quota(n_at_risk: int, days_left: int) -> int:
    """The at-risk cards spread over the days left (all of them on the last day)."""
    return math.ceil(n_at_risk / max(1, days_left))


# --- the plan of one day -------------------------------------------------------------------

@dataclass(frozen=True)
class DayPlan:
    exam_day: date
    today: date
    days_left: int  # study days before the exam day (1 = the exam is tomorrow)
    pace: NewPace
    new_studied: int  # new cards already started today
    reviews_due: int  # cards due by the end of today (learning and review)
    brought_forward: tuple[str, ...]  # review cards the plan makes due today
    target: float  # desired retention: the recall each card should have on exam day

    @property
    def new_today(self) -> int:
        """New cards the plan still asks for today (shown before the due reviews)."""
        return max(0, self.pace.today - self.new_studied)

    @property
    def problem(self) -> str | None:
        """One plain sentence when the daily limit cannot carry the plan, else None."""
        p = self.pace
        if p.met:
            return None
        if p.new_days == 0:
            return (f"{p.unseen} cards are still unseen and the exam is in {self.days_left} days: "
                    f"the limit lets in {p.limit} today")
        # the consolidation days still take new cards while some are unseen
        short = max(0, p.unseen - p.limit * self.days_left)
        rest = (f"at {p.limit} a day {short} stay unseen on exam day" if short else
                f"at {p.limit} a day they are all seen only by using the days meant for consolidation")
        return (f"{p.needed_per_day} new cards a day are needed to see all {p.unseen} in time, but the limit "
                f"is {p.limit} (studytui settings --new-per-day {p.needed_per_day}); {rest}")


def day_plan(session: "StudySession", exam_day: date, now: datetime) -> DayPlan:
    """Today's plan for `exam_day` from the session's card states (one pass over the syllabus)."""
    now = now.astimezone(timezone.utc)
    today = rd.study_day(session, now)
    days_left = (exam_day - today).days
    start = session.day_start(now)
    day_end_us = _us(start + timedelta(days=1))
    exam_us = _us(rd.exam_moment(session, exam_day))
    model = rd.RecallModel.of(session.scheduler)
    studied = session.new_limit(now=now).studied
    states = session._states
    unseen, due, shown = 0, 0, []
    for cid, _ in rd.syllabus(session):
        card = states.fast_card(cid)  # builds no CardState
        if card is None:
            unseen += 1
            continue
        if session._hidden(cid, now):
            continue
        due += card[4] <= day_end_us
        shown.append((cid, card))
    limit = session.settings.new_per_day + session._extra_new_today(now)
    pace = new_pace(unseen + studied, days_left, limit)
    target = session.settings.desired_retention
    risky = at_risk(shown, day_end_us=day_end_us, exam_us=exam_us, target=target, model=model)
    forward = tuple(risky[: brought_forward_quota(len(risky), days_left)])
    return DayPlan(exam_day, today, days_left, pace, studied, due, forward, target)


def plan_today(session: "StudySession", *, now: datetime | None = None) -> DayPlan | None:
    """Today's plan, or None when no exam date is set or its day has come (plain scheduling)."""
    now = datetime.now(timezone.utc) if now is None else now
    exam_day = rd.load_exam_date(session.store)
    if exam_day is None or (exam_day - rd.study_day(session, now)).days < 1:
        return None
    session._sync()
    return day_plan(session, exam_day, now)


# --- what the scheduler asks while it picks cards ------------------------------------------

@dataclass
class QueuePlan:
    """The parts of today's plan the queue needs, computed once per study day and exam date."""

    key: tuple
    needed_new: int  # new cards the plan wants started today (before the limit)
    brought_forward: tuple[str, ...]

    def new_cap(self, limit: int) -> int:
        """New cards started today, up to which new cards come before the due reviews."""
        return min(self.needed_new, limit)

    def next_brought_forward(self, session: "StudySession", day_start: datetime,
                             wanted: Callable[[str], bool]) -> str | None:
        """The first brought-forward card not answered since the day began."""
        for cid in self.brought_forward:
            st = session._states.get(cid)
            if st is not None and st.history and st.history[-1][0] >= day_start:
                continue
            if wanted(cid):
                return cid
        return None


def queue_plan(session: "StudySession", now: datetime) -> QueuePlan | None:
    """None (plain scheduling) without an exam ahead; else today's plan, cached on the session."""
    seen = getattr(session, "_exam_date_seen", None)  # (change token, date): re-read after any write
    if seen is not None and seen[0] == session._token:
        exam_day = seen[1]
    else:
        exam_day = rd.load_exam_date(session.store)
        session._exam_date_seen = (session._token, exam_day)
    if exam_day is None:
        return None
    start = session.day_start(now)
    if (exam_day - start.astimezone().date()).days < 1:
        return None
    key = (start, exam_day, session.settings)
    cached = getattr(session, "_exam_queue_plan", None)
    if cached is not None and cached.key == key:
        return cached
    plan = day_plan(session, exam_day, now)
    cached = QueuePlan(key, plan.pace.needed_per_day, plan.brought_forward)
    session._exam_queue_plan = cached
    return cached


# --- the plan's effect: a deterministic projection to the exam day ---------------------------

@dataclass(frozen=True)
class Effect:
    following: float  # expected recall on exam day if today's plan is done (and the next days')
    skipping: float  # ... if nothing is studied today (the plan is followed from tomorrow)


class Projection:
    """Expected recall on exam day of one card from its state, if each review is done when due.

    A review at time t is recalled with probability R(t) (Good) or forgotten (Again, then Good at
    the relearning step); the two branches are weighted by R for `depth` reviews, after which the
    card follows its Good path. A new card is learned with Good at each learning step."""

    def __init__(self, session: "StudySession", exam_us: int, depth: int = 2):
        self.fast = FastScheduler(session.scheduler)
        self.model = rd.RecallModel.of(session.scheduler)
        self.exam_us = exam_us
        self.depth = depth

    def _settle(self, card: list, at_us: int) -> None:
        """Good through the (re)learning steps until the card is in review."""
        for _ in range(12):
            if card[0] == REVIEW:
                return
            self.fast.review(card, 3, max(at_us, card[4] if card[4] is not None else at_us))

    def learned_at(self, at_us: int) -> float:
        card = FastScheduler.new_card()
        self._settle(card, at_us)
        return self.expect(card, at_us)

    def expect(self, card: list, from_us: int, *, at_us: int | None = None, depth: int | None = None) -> float:
        depth = self.depth if depth is None else depth
        when = at_us if at_us is not None else max(card[4], from_us)
        if when >= self.exam_us:
            return self.model.recall_us(card[2], card[5], self.exam_us)
        r = self.model.recall_us(card[2], card[5], when)
        good = card.copy()
        self.fast.review(good, 3, when)
        self._settle(good, when)
        if depth <= 0:
            return self.expect(good, when, depth=0)
        again = card.copy()
        self.fast.review(again, 1, when)
        self._settle(again, when)
        return r * self.expect(good, when, depth=depth - 1) + (1 - r) * self.expect(again, when, depth=depth - 1)


def effect(session: "StudySession", plan: DayPlan, *, now: datetime | None = None) -> Effect:
    """Expected exam-day recall over the syllabus, following today's plan or skipping today."""
    now = (datetime.now(timezone.utc) if now is None else now).astimezone(timezone.utc)
    exam_us = _us(rd.exam_moment(session, plan.exam_day))
    start = session.day_start(now)
    now_us = _us(now)
    tomorrow_us = _us(start + timedelta(days=1)) + STUDY_HOUR_US
    day_end_us = _us(start + timedelta(days=1))
    syllabus = rd.syllabus(session)
    learned = sum(1 for cid, _ in syllabus if cid in session._states)
    proj = Projection(session, exam_us, depth=2 if learned <= 2000 else 0)  # big decks: Good path only
    forward = set(plan.brought_forward)
    common = follow = skip = 0.0
    for cid, _ in syllabus:
        card = session._states.fast_card(cid)  # builds no CardState
        if card is None:
            continue
        if cid in forward:
            follow += proj.expect(card, now_us, at_us=now_us)
            skip += proj.expect(card, tomorrow_us)
        elif card[4] <= day_end_us:  # due today
            follow += proj.expect(card, now_us)
            skip += proj.expect(card, tomorrow_us)
        else:
            common += proj.expect(card, now_us)

    def new_cards(first_day: int, unseen: int, today_count: int) -> float:
        """New cards learned day by day at the plan's pace, from study day `first_day` on."""
        total, left = 0.0, unseen
        for day in range(first_day, plan.days_left):
            pace = new_pace(left, plan.days_left - day, plan.pace.limit)
            n = min(left, today_count if day == first_day and today_count >= 0 else pace.today)
            if n <= 0:
                continue
            at = now_us if day == 0 else _us(start + timedelta(days=day)) + STUDY_HOUR_US
            total += n * proj.learned_at(at)
            left -= n
        return total

    unseen = plan.pace.unseen - plan.new_studied
    follow += new_cards(0, unseen, plan.new_today)
    skip += new_cards(1, unseen, -1)
    n = len(syllabus) or 1
    return Effect((common + follow) / n, (common + skip) / n)
