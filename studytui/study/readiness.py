"""Exam readiness: the exam date, and the recall FSRS predicts for it.

The forecast is the mean FSRS retrievability at a moment over the syllabus: every deck card that
is not suspended (drill cards are practised on their own screen and are left out; a card never
answered counts 0, "not known"). Each card's retrievability is exactly
`fsrs.Scheduler.get_card_retrievability(card, at)` with the session's parameters (whole days since
the last review, as py-fsrs counts them). API::

    from studytui.study import readiness as rd

    day = rd.load_exam_date(session.store)          # datetime.date or None (meta key "exam_date")
    rd.save_exam_date(session.store, day)           # None clears it
    rd.parse_exam_date("2026-12-20", today=...)     # date, None for "none"; StudytuiError if past/invalid
    rd.exam_moment(session, day)                    # when the exam's study day begins (UTC datetime)
    f = rd.forecast(session, day)                   # a date: at the start of that study day
    f = rd.forecast(session, some_utc_datetime)     # a datetime: at that moment (e.g. an exam starting now)
    f.overall, f.by_topic["conv-basics"], f.cards, f.unseen, f.at
    rd.forecast_history(session, day, days=30, now=...)   # [(date, overall)], oldest first, today last:
                                                    # the forecast as the log stood at each day's end
    rd.RecallModel.of(session.scheduler).recall(stability, last_review, at)   # one card's R

Nothing here writes anything but the exam date and a cache of the forecast's past days (meta key
"forecast_history": a replay of the last 30 days' cards, seconds at 400,000 reviews, is done once
a day, not at every stats screen); nothing imports textual.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Iterable

from studytui.errors import StudytuiError

if TYPE_CHECKING:
    from fsrs import Scheduler

    from studytui.study.scheduler import StudySession
    from studytui.study.store import Store

EXAM_DATE_KEY = "exam_date"  # meta key: ISO date of the exam, absent when none is set
HISTORY_KEY = "forecast_history"  # meta key: {"key": what it was computed from, "points": [[ISO day, recall]]}
HISTORY_FORMAT = 1
MAX_DAYS_AHEAD = 5 * 366  # a plan is made day by day: a date in the year 9999 is a typo
US_PER_DAY = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# --- the exam date -----------------------------------------------------------------------------

def load_exam_date(store: "Store") -> date | None:
    """The saved exam date, or None (also for a stored value that is not a date: never a crash)."""
    value = store.get_meta(EXAM_DATE_KEY)
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def save_exam_date(store: "Store", day: date | None) -> None:
    if day is None:
        with store._write() as cur:
            cur.execute("DELETE FROM meta WHERE key = ?", (EXAM_DATE_KEY,))
    else:
        store.set_meta(EXAM_DATE_KEY, day.isoformat())


def parse_exam_date(text: str, *, today: date) -> date | None:
    """"2026-12-20" -> that date; "none" (or "") -> None. A past or malformed date is an error."""
    text = text.strip()
    if text.lower() in ("", "none", "off", "clear"):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise StudytuiError(f"exam date {text[:40]!r} must be a date like 2026-12-20 (or 'none' to clear it)") from None
    if day < today:
        raise StudytuiError(f"exam date {day.isoformat()} is in the past (today is {today.isoformat()})")
    if (day - today).days > MAX_DAYS_AHEAD:
        raise StudytuiError(f"exam date {day.isoformat()} is more than 5 years away")
    return day


def study_day(session: "StudySession", now: datetime) -> date:
    """The local date of the study day `now` falls in (a day starts at settings.day_starts_at_hour)."""
    return session.day_start(now).astimezone().date()


def exam_moment(session: "StudySession", day: date) -> datetime:
    """When the exam's study day begins (local day_starts_at_hour), in UTC: the forecast's moment."""
    local = datetime.combine(day, time(session.settings.day_starts_at_hour)).astimezone()
    return local.astimezone(timezone.utc)


# --- one card's recall -------------------------------------------------------------------------

@dataclass(frozen=True)
class RecallModel:
    """py-fsrs's forgetting curve: R = (1 + factor * days / S) ** decay, with whole days elapsed."""

    decay: float
    factor: float

    @classmethod
    def of(cls, scheduler: "Scheduler") -> "RecallModel":
        decay = -scheduler.parameters[20]
        return cls(decay, 0.9 ** (1 / decay) - 1)  # the expressions py-fsrs uses

    def recall(self, stability: float | None, last_review: datetime | None, at: datetime) -> float:
        if last_review is None or stability is None:
            return 0.0
        elapsed = max(0, (at - last_review).days)
        return (1 + self.factor * elapsed / stability) ** self.decay

    def recall_us(self, stability: float | None, last_us: int | None, at_us: int) -> float:
        """The same on integer microseconds since the epoch (the fast replay's times)."""
        if last_us is None or stability is None:
            return 0.0
        elapsed = max(0, (at_us - last_us) // US_PER_DAY)
        return (1 + self.factor * elapsed / stability) ** self.decay


# --- the forecast ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Forecast:
    at: datetime  # the moment predicted (UTC)
    overall: float  # mean recall over the syllabus, 0..1 (0 for an empty syllabus)
    by_topic: dict[str, float]  # topic id -> mean recall of its syllabus cards (deck order)
    cards: int  # cards in the syllabus
    unseen: int  # ... never answered (each counts 0)
    by_card: dict[str, float] = field(default_factory=dict, repr=False)


def syllabus(session: "StudySession") -> list[tuple[str, str]]:
    """(card id, topic) of every deck card that is not suspended, in deck order."""
    return [(cid, t.topic) for t in session.deck.topics for cid in session.deck.ids_in(t.topic)
            if not session.is_suspended(cid)]


def _as_moment(session: "StudySession", at: date | datetime) -> datetime:
    if isinstance(at, datetime):
        if at.tzinfo is None:
            raise ValueError("a forecast moment must be timezone-aware")
        return at.astimezone(timezone.utc)
    return exam_moment(session, at)


def summarize(items: Iterable[tuple[str, str, float, bool]], at: datetime) -> Forecast:
    """A Forecast from (card id, topic, recall, seen) per syllabus card."""
    sums: dict[str, list[float]] = {}
    by_card: dict[str, float] = {}
    unseen = 0
    for cid, topic, r, seen in items:
        s = sums.setdefault(topic, [0.0, 0])
        s[0] += r
        s[1] += 1
        by_card[cid] = r
        unseen += not seen
    total = sum(s[0] for s in sums.values())
    n = sum(s[1] for s in sums.values())
    return Forecast(at, total / n if n else 0.0, {t: s[0] / s[1] for t, s in sums.items()}, n, unseen, by_card)


def forecast(session: "StudySession", at: date | datetime) -> Forecast:
    """Predicted recall over the syllabus at `at` (a date: the start of that study day)."""
    moment = _as_moment(session, at)
    model = RecallModel.of(session.scheduler)
    session._sync()
    states = session._states

    moment_us = (moment - _EPOCH) // timedelta(microseconds=1)

    def items():
        for cid, topic in syllabus(session):
            card = states.fast_card(cid)  # builds no CardState
            if card is None:
                yield cid, topic, 0.0, False
            else:
                yield cid, topic, model.recall_us(card[2], card[5], moment_us), True

    return summarize(items(), moment)


# --- the forecast over past days ---------------------------------------------------------------

def _answer(fast, card: list, rating: int, at_us: int) -> None:
    """One answer as the scheduler replays it (Easy comes back at least a day after Good)."""
    from studytui.study.replay import REVIEW

    if rating == 4:
        good = card.copy()
        fast.review(good, 3, at_us)
        fast.review(card, 4, at_us)
        if card[0] == REVIEW and good[0] == REVIEW and card[4] <= good[4]:
            card[4] = good[4] + US_PER_DAY
    else:
        fast.review(card, rating, at_us)


def forecast_history(session: "StudySession", at: date | datetime, *, days: int = 30,
                     now: datetime | None = None) -> list[tuple[date, float]]:
    """The overall forecast for `at` as it stood at the end of each of the last `days` study days
    (today: as it stands now), oldest first. Today's syllabus (suspensions as they are now) is
    used for every day, so the points are comparable.

    Only the cards answered since the first day ended can differ between the days: their logs are
    replayed (fast replay, the scheduler's arithmetic), one pass in log order, each answer moving
    only its own card's term of the sum; every other card adds its current recall to each day."""
    from studytui.study.replay import FastScheduler

    now = datetime.now(timezone.utc) if now is None else now.astimezone(timezone.utc)
    moment = _as_moment(session, at)
    moment_us = (moment - _EPOCH) // timedelta(microseconds=1)
    model = RecallModel.of(session.scheduler)
    fast = FastScheduler(session.scheduler)
    session._sync()
    topic_of = dict(syllabus(session))
    n = len(topic_of)
    start = session.day_start(now)
    today = study_day(session, now)
    # a past day ends where the next one starts; today ends now
    ends = [start - timedelta(days=i) for i in range(days - 2, -1, -1)] + [now]
    labels = [today - timedelta(days=i) for i in range(days - 1, -1, -1)]
    end_ms = [round(e.timestamp() * 1000) for e in ends]
    # The past days only change when the log before today does (or the syllabus, the parameters):
    # kept on the session, so a stats screen opened again costs one forecast, not a replay.
    before_today = session.store._query(
        "SELECT count(*), coalesce(max(id), 0) FROM review WHERE reviewed_at < ?", (end_ms[-2] if days > 1 else 0,))[0]
    key = _history_key(session, moment, days, today, topic_of, before_today)
    cached = getattr(session, "_forecast_history", None)
    if cached is None or cached[0] != key:
        cached = _stored_history(session, key, days - 1)
    if cached is not None:
        session._forecast_history = cached
        return cached[1] + [(today, forecast(session, moment).overall)]
    rows = session.store._query(
        "SELECT card_id, rating, reviewed_at FROM review WHERE card_id IN "
        "(SELECT DISTINCT card_id FROM review WHERE reviewed_at >= ?) ORDER BY id", (end_ms[0],))
    active = {r[0] for r in rows}
    total = 0.0
    for cid in topic_of:
        card = None if cid in active else session._states.fast_card(cid)
        if card is not None:
            total += model.recall_us(card[2], card[5], moment_us)
    cards: dict[str, list] = {}
    out: list[tuple[date, float]] = []
    k = 0
    for card_id, rating, at_ms in rows:
        while k < len(ends) and at_ms >= end_ms[k]:
            out.append((labels[k], total / n if n else 0.0))
            k += 1
        if k == len(ends):
            break
        if card_id not in topic_of:
            continue  # outside the syllabus: it changes no term of the sum
        card = cards.get(card_id)
        if card is None:
            card = cards[card_id] = fast.new_card()
        total -= model.recall_us(card[2], card[5], moment_us)
        _answer(fast, card, rating, at_ms * 1000)
        total += model.recall_us(card[2], card[5], moment_us)
    while k < len(ends):
        out.append((labels[k], total / n if n else 0.0))
        k += 1
    session._forecast_history = (key, out[:-1])
    try:  # kept in the database too: another start today reads it instead of replaying again
        session.store.set_meta(HISTORY_KEY, {"key": key, "points": [[d.isoformat(), v] for d, v in out[:-1]]})
    except (StudytuiError, sqlite3.Error):
        pass  # only a cache: a read-only or busy database just means a replay next time
    return out


def _history_key(session: "StudySession", moment: datetime, days: int, today: date, topic_of: dict,
                 before_today: tuple) -> str:
    """What the past days' forecasts depend on: the exam moment, the days, the log before today,
    the syllabus (today's cards and suspensions), the scheduler's parameters and settings."""
    syllabus_digest = hashlib.sha1("\0".join(f"{c}\1{t}" for c, t in topic_of.items()).encode()).hexdigest()
    parts = [HISTORY_FORMAT, moment.isoformat(), days, today.isoformat(), list(session.parameters),
             session.settings.to_json(), syllabus_digest, list(before_today)]
    return hashlib.sha1(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _stored_history(session: "StudySession", key: str, points: int) -> tuple[str, list[tuple[date, float]]] | None:
    """The past days' forecasts kept in the database, if they were computed from `key`."""
    stored = session.store.get_meta(HISTORY_KEY)
    try:
        if stored.get("key") != key or len(stored["points"]) != points:
            return None
        return key, [(date.fromisoformat(d), float(v)) for d, v in stored["points"]]
    except (AttributeError, KeyError, TypeError, ValueError):  # hand-edited or from another version
        return None
