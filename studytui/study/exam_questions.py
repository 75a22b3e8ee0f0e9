"""An exam's card questions, chosen where the student is weakest, and the score it forecasts.

    cards = weakest_first_cards(session, 6, seed=3, now=now)    # ExamCard + its predicted recall
    p = drill_forecast(session.store.drill_attempts(), "rf", 2)   # chance of a right drill answer
    overall, by_topic = exam_forecast([(topic, p), ...])          # before the exam starts

Cards: a topic is drawn with chances proportional to (1 - its forecast recall now) + WEAK_FLOOR,
divided by 1 + the questions it already has (so weak topics come first, yet one topic does not
take the whole exam), and within the topic a card likewise by (1 - its recall) + WEAK_FLOOR.
Recall is studytui.study.readiness's forecast at `now` (FSRS retrievability; never-answered and
suspended cards count 0). One item per cloze note, as before: no sibling deletion gives another away.

Forecast: a card question is predicted right with its recall; a drill question with the
student's recent accuracy at that family and level (the last DRILL_WINDOW attempts, with one
right and one wrong answer added so a handful of attempts does not predict 0 or 1). An exam's
forecast is the mean over its questions (overall and per topic): the share of the credit it
expects, to be set beside the score.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Iterable, NamedTuple, Sequence

from studytui.study import readiness as rd
from studytui.study.stats import ExamCard

if TYPE_CHECKING:
    from datetime import datetime

    from studytui.study.scheduler import StudySession
    from studytui.study.store import DrillAttempt

WEAK_FLOOR = 0.15  # a topic (card) known perfectly is still drawn now and then
DRILL_WINDOW = 20


class ForecastCard(NamedTuple):
    card: ExamCard
    recall: float  # predicted recall now, 0..1


def weakest_first_cards(session: "StudySession", count: int, seed: int, *, now: "datetime") -> list[ForecastCard]:
    """`count` card questions drawn toward the topics (and cards) with the lowest recall now."""
    rng = random.Random(seed)
    forecast = rd.forecast(session, now)
    pools = {t.topic: session.deck.cards_in(t.topic) for t in session.deck.topics}
    asked = {topic: 0 for topic in pools}
    picked: list[ForecastCard] = []
    notes: set[str] = set()
    while len(picked) < count:
        topics = [t for t, cards in pools.items() if cards]
        if not topics:
            break
        weights = [(1 - forecast.by_topic.get(t, 0.0) + WEAK_FLOOR) / (1 + asked[t]) for t in topics]
        topic = rng.choices(topics, weights=weights)[0]
        cards = pools[topic]
        recalls = [forecast.by_card.get(c.id, 0.0) for c in cards]
        i = rng.choices(range(len(cards)), weights=[1 - r + WEAK_FLOOR for r in recalls])[0]
        card, recall = cards.pop(i), recalls[i]
        if card.note_id in notes:
            continue
        notes.add(card.note_id)
        asked[topic] += 1
        picked.append(ForecastCard(ExamCard(card.id, topic, card.front(), card.back(), card), recall))
    return picked


def drill_forecast(attempts: Sequence["DrillAttempt"], family: str, level: int) -> float:
    """The chance of a right answer to a `family` drill at `level`, from the recent attempts."""
    recent = [a.correct for a in attempts if a.family == family and a.level == level][-DRILL_WINDOW:]
    return (sum(recent) + 1) / (len(recent) + 2)


def exam_forecast(questions: Iterable[tuple[str, float]]) -> tuple[float, dict[str, float]]:
    """(overall, topic -> forecast) from (topic, predicted credit) per question; (0, {}) for none."""
    sums: dict[str, list[float]] = {}
    for topic, p in questions:
        s = sums.setdefault(topic, [0.0, 0])
        s[0] += p
        s[1] += 1
    total, n = sum(s[0] for s in sums.values()), sum(s[1] for s in sums.values())
    return (round(total / n, 4) if n else 0.0), {t: round(s[0] / s[1], 4) for t, s in sums.items()}
