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
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple

from studytui.study.drill_cards import DRILL_TOPIC, parse_drill_id
from studytui.study.mistakes import mistakes_json

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

    answered = sum(st.review_answers for st in session._states.values())
    passed = sum(st.review_passes for st in session._states.values())
    retention = round(passed / answered, 4) if answered else None

    # Reviews per study day (local dates; a day starts at settings.day_starts_at_hour).
    start = session.day_start(now)
    shift = timedelta(hours=session.settings.day_starts_at_hour)
    first_day = (start - timedelta(days=days - 1)).astimezone()
    # Only the last days' rows: the whole log (400,000 answers for a heavy user) is not read.
    reviews = session.store.reviews(since=min(first_day, start))
    card_reviews = [r for r in reviews if not parse_drill_id(r.card_id)]
    per_day: Counter[str] = Counter(
        (r.at.astimezone() - shift).date().isoformat() for r in reviews if r.at >= first_day
    )

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
    deck_ids = set(session.deck.cards)
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
        "reviews_today": sum(1 for r in card_reviews if r.at >= start),
        "drills_today": sum(1 for a in session.store.drill_attempts() if a.at >= start),
        "new_today": {"studied": new_limit.studied, "limit": new_limit.limit,
                      "available": min(new_limit.left, new_limit.waiting)},
        "topics": deck_topics,
        "drill_cards": drill_cards,
        "drills": drills,
        "reviews_per_day": dict(sorted(per_day.items())),
        "leeches": sorted(cid for cid in deck_ids | set(session.drill_ids) if session._states.get(cid)
                          and session._states[cid].lapses >= session.settings.leech_lapses),
        "flagged": sorted(cid for cid in deck_ids | set(session.drill_ids) if session.is_flagged(cid)),
        "edited_since_review": sorted(
            cid for cid in deck_ids if session._states.get(cid) and session._states[cid].content_hash
            and session._states[cid].content_hash != session.deck.content_hash(cid)),
        "exams": exams,
        "mistakes": mistakes_json(session.store.drill_attempts(), now=now),  # top mistakes, keys only
        "fsrs": {
            "desired_retention": session.settings.desired_retention,
            "parameters": "fitted" if session.store.get_meta("fsrs_parameters") else "default",
        },
    }


def retention_by_topic(session: "StudySession") -> dict[str, float | None]:
    """Share of review-phase answers that were not Again, per topic (None before any review)."""
    out: dict[str, float | None] = {}
    session._sync()  # the states up to date with the log
    states = session._states
    for topic in session.deck.topics:
        passed = answered = 0
        for card_id in session.deck.ids_in(topic.topic):
            st = states.get(card_id)  # a card never answered has no history
            for _, before, rating in st.history if st else ():
                if before == "review":
                    answered += 1
                    passed += rating != 1
        out[topic.topic] = passed / answered if answered else None
    return out


def due_forecast(session: "StudySession", *, now: datetime, days: int = 14) -> list[int]:
    """Cards falling due on each of the next `days` study days (index 0 = today, overdue included)."""
    start = session.day_start(now)
    out = [0] * days
    for card_id in session.all_card_ids(include_drills=True):
        state = session.state(card_id)
        if state.reps == 0 or session.is_suspended(card_id):
            continue
        day = max(0, (state.fsrs.due - start) // timedelta(days=1))
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
