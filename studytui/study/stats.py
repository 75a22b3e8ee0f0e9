"""Numbers about the user's study: what `studytui stats` prints and the TUI's stats screen shows.

`compute_stats(session)` returns a JSON-ready dict. The contract keys are `cards` (cards in the
deck, drills not counted), `due` (deck cards due now), `reviews` (answers logged, drills
included) and `retention` (share of answers to cards in the review phase that were not Again:
the "true retention" Anki shows; None before any such answer). The rest is extra detail:
`reviews_today` counts card answers only (drill attempts are `drills_today`), `new_today` is the
daily new-card budget (studied / limit / available now, as Anki's deck list shows it).
`mistakes` lists the drill mistakes the student makes most, with their trend
(studytui.study.mistakes.mistakes_json; the shells add each key's `label`).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple

from studytui.study.drill_cards import DRILL_TOPIC, parse_drill_id
from studytui.study.mistakes import mistakes_json
from studytui.study.store import to_ms

if TYPE_CHECKING:  # the session is only read here; the scheduler imports this module
    from studytui.study.deck import Card
    from studytui.study.scheduler import StudySession


def compute_stats(session: "StudySession", *, now: datetime, days: int = 30, exam_trend_days: int = 30) -> dict[str, Any]:
    from studytui.study.exam_report import report as exam_report

    # Drill cards are practised from the drill screen, never offered by review: they are counted
    # apart ("drill_cards") so no phantom "drills" topic shows cards "due" that review never shows.
    deck_topics = session.counts_by_topic(now=now, include_drills=False)
    drill_cards = session.counts_by_topic(now=now, only=DRILL_TOPIC).get(DRILL_TOPIC)
    new_limit = session.new_limit(now=now)

    states = session._states  # read as columns: no per-card objects are built
    answered, passed = states.review_totals()
    retention = round(passed / answered, 4) if answered else None

    # Reviews per study day (local dates; a day starts at settings.day_starts_at_hour).
    start = session.day_start(now)
    shift = timedelta(hours=session.settings.day_starts_at_hour)
    first_day = (start - timedelta(days=days - 1)).astimezone()
    # Only the last days' rows, as (card id, ms) pairs: the whole log (400,000 answers for a
    # heavy user) is not read, and no row objects are built.
    since_ms = to_ms(min(first_day, start))
    reviews = session.store._query("SELECT card_id, reviewed_at FROM review WHERE reviewed_at >= ?", (since_ms,))
    drill_ids = {cid for cid in {cid for cid, _ in reviews} if parse_drill_id(cid)}
    start_ms, first_ms = to_ms(start), to_ms(first_day)
    reviews_today = sum(1 for cid, ms in reviews if ms >= start_ms and cid not in drill_ids)
    per_day: Counter[str] = Counter()
    for day, n in Counter(_local_day(ms, shift) for _, ms in reviews if ms >= first_ms).items():
        per_day[day.isoformat()] += n

    drills: dict[str, dict[str, dict[str, Any]]] = {}
    for a in session.store.drill_attempts():
        d = drills.setdefault(a.family, {}).setdefault(str(a.level), {"attempts": 0, "correct": 0})
        d["attempts"] += 1
        d["correct"] += a.correct
    for fam in drills.values():
        for d in fam.values():
            d["accuracy"] = round(d["correct"] / d["attempts"], 4)

    exams = [
        {"id": e.id, "finished_at": e.finished_at.isoformat(), "correct": credit(e.correct), "total": e.total,
         "score": round(e.correct / e.total, 4) if e.total else None, "forecast": e.forecast,
         "topics": {t: {"correct": credit(c), "total": n, "forecast": e.topic_forecasts.get(t)}
                    for t, (c, n) in e.topics.items()}}
        for e in session.store.exams()
    ]
    deck_ids, drill_cards_ids = set(session.deck.cards), set(session.drill_ids)
    return {
        "cards": len(session.deck.cards),
        "db": str(session.store.path.resolve()),
        "due": sum(c["due"] for c in deck_topics.values()),
        "reviews": session.store.review_count(),
        "retention": retention,
        "exam": exam_report(session, now=now, trend_days=exam_trend_days),  # None without an exam date
        "new": sum(c["new"] for c in deck_topics.values()),
        "learned": sum(c["learned"] for c in deck_topics.values()),
        "suspended": sum(c["suspended"] for c in deck_topics.values()),
        "reviews_today": reviews_today,
        "drills_today": sum(1 for a in session.store.drill_attempts() if a.at >= start),
        "new_today": {"studied": new_limit.studied, "limit": new_limit.limit,
                      "available": min(new_limit.left, new_limit.waiting)},
        "topics": deck_topics,
        "drill_cards": drill_cards,
        "drills": drills,
        "reviews_per_day": dict(sorted(per_day.items())),
        "leeches": sorted(cid for cid in states.with_lapses(session.settings.leech_lapses)
                          if cid in deck_ids or cid in drill_cards_ids),
        "flagged": sorted(cid for cid, ms in session._marks.items()
                          if ms.flagged and (cid in deck_ids or cid in drill_cards_ids)),
        "edited_since_review": sorted(
            cid for cid, h in states.hashes() if cid in deck_ids and h != session.deck.content_hash(cid)),
        "exams": exams,
        "mistakes": mistakes_json(session.store.drill_attempts(), now=now),  # top mistakes, keys only
        "fsrs": {
            "desired_retention": session.settings.desired_retention,
            "parameters": "fitted" if session.store.get_meta("fsrs_parameters") else "default",
        },
    }


def _local_day(ms: int, shift: timedelta):
    """The local study date of a logged time (the day begins `shift` after midnight): the same
    as `(at.astimezone() - shift).date()`, from the number without building an aware datetime."""
    return (datetime.fromtimestamp(ms // 1000) - shift).date()


def retention_by_topic(session: "StudySession") -> dict[str, float | None]:
    """Share of review-phase answers that were not Again, per topic (None before any review)."""
    out: dict[str, float | None] = {}
    session._sync()  # the states up to date with the log
    states = session._states
    for topic in session.deck.topics:
        passed = answered = 0
        for card_id in session.deck.ids_in(topic.topic):
            # the all-time counters: a state from the snapshot keeps only the last days' history
            c = states.counters(card_id)
            if c is not None:
                answered += c[2]
                passed += c[3]
        out[topic.topic] = passed / answered if answered else None
    return out


def due_forecast(session: "StudySession", *, now: datetime, days: int = 14) -> list[int]:
    """Cards falling due on each of the next `days` study days (index 0 = today, overdue included)."""
    start = session.day_start(now)
    out = [0] * days
    session._sync()
    start_us = (start - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)
    for card_id in session.all_card_ids(include_drills=True):
        key = session._states.due_key(card_id)  # builds no CardState
        if key is None or session.is_suspended(card_id):
            continue
        day = max(0, (key[1] - start_us) // 86_400_000_000)
        if day < days:
            out[day] += 1
    return out


class ExamCard(NamedTuple):
    """One card question of an exam (the first four fields are the older tuple)."""

    id: str
    topic: str
    q: str  # the front: a cloze item shows its blank
    a: str
    card: "Card"


def exam_tally(answers: Iterable[tuple[str, float | None]]) -> dict[str, tuple[float, int]]:
    """topic -> (credit, questions) from (topic, score) per question.

    A score is 1 or 0 for a self-graded card or a drill, ticked/total for an essay (partial
    credit, see studytui.study.rubric), None for a question left unanswered (counts 0).
    """
    topics: dict[str, tuple[float, int]] = {}
    for topic, score in answers:
        got, total = topics.get(topic, (0, 0))
        topics[topic] = (got + (score or 0), total + 1)
    return {t: (credit(c), n) for t, (c, n) in topics.items()}


def credit(value: float) -> float | int:
    """A credit for display and storage: whole numbers stay ints, partial credit keeps 2 decimals."""
    value = round(value, 2)
    return int(value) if float(value).is_integer() else value
