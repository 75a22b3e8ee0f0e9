"""Fast replay of a review log: the same arithmetic as `fsrs.Scheduler.review_card`, without objects.

A full replay (first open, a retention change, new fitted parameters, an undo) runs every logged
answer through the scheduler. py-fsrs spends ~50 µs per answer copying Card objects and doing
datetime arithmetic, so 400,000 answers took over a minute. This module keeps each card as a small
list of numbers (times in integer microseconds) and evaluates the very same expressions in the same
order — floating-point results are bit-for-bit those of py-fsrs, which `tests/study/test_replay.py`
checks on random histories — and builds one `fsrs.Card` per card at the end.

It supports what the scheduler uses: fuzzing off, any parameters, learning and relearning steps
(including none), a maximum interval.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Iterable

from fsrs import Card as FsrsCard
from fsrs import Scheduler, State

STABILITY_MIN = 0.001
MIN_DIFFICULTY, MAX_DIFFICULTY = 1.0, 10.0
US_PER_DAY = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

LEARNING, REVIEW, RELEARNING = int(State.Learning), int(State.Review), int(State.Relearning)
_STATES = {int(s): s for s in State}  # a dict lookup instead of an Enum call per card


def _us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class FastScheduler:
    """Replays answers on plain lists `[state, step, stability, difficulty, due_us, last_us]`."""

    def __init__(self, scheduler: Scheduler):
        if scheduler.enable_fuzzing:
            raise ValueError("replay needs fuzzing off: fuzzed intervals are random")
        self.w = w = scheduler.parameters
        self.retention = scheduler.desired_retention
        self.maximum_interval = scheduler.maximum_interval
        self.decay = -w[20]
        self.factor = 0.9 ** (1 / self.decay) - 1
        self.learning = self._steps(scheduler.learning_steps)
        self.relearning = self._steps(scheduler.relearning_steps)
        # Constant parts of py-fsrs's formulas, computed the way it computes them.
        self.init_d_easy = w[4] - (math.e ** (w[5] * (4 - 1))) + 1  # _initial_difficulty(Easy, clamp=False)
        self.forget_short = math.e ** (w[17] * w[18])
        self.interval_factor = (self.retention ** (1 / self.decay)) - 1

    @staticmethod
    def _steps(steps: tuple[timedelta, ...]) -> tuple[tuple[int, ...], int | None]:
        """Each step in µs, and the Hard interval at step 0 (py-fsrs's timedelta rounding kept)."""
        if not steps:
            return (), None
        hard0 = steps[0] * 1.5 if len(steps) == 1 else (steps[0] + steps[1]) / 2.0
        return tuple(_us(s) for s in steps), _us(hard0)

    # --- py-fsrs's formulas, same expressions in the same order -------------------------------

    def _clamp_d(self, d: float) -> float:
        return min(max(d, MIN_DIFFICULTY), MAX_DIFFICULTY)

    def _init_s(self, rating: int) -> float:
        return max(self.w[rating - 1], STABILITY_MIN)

    def _init_d(self, rating: int) -> float:
        w = self.w
        return self._clamp_d(w[4] - (math.e ** (w[5] * (rating - 1))) + 1)

    def _short_s(self, s: float, rating: int) -> float:
        w = self.w
        inc = (math.e ** (w[17] * (rating - 3 + w[18]))) * (s ** -w[19])
        if rating >= 2:
            inc = max(inc, 1.0)
        return max(s * inc, STABILITY_MIN)

    def _next_d(self, d: float, rating: int) -> float:
        w = self.w
        delta = -(w[6] * (rating - 3))
        arg_2 = d + (10.0 - d) * delta / 9.0
        return min(max(w[7] * self.init_d_easy + (1 - w[7]) * arg_2, MIN_DIFFICULTY), MAX_DIFFICULTY)

    def _next_s(self, d: float, s: float, r: float, rating: int) -> float:
        w = self.w
        if rating == 1:
            long_term = w[11] * (d ** -w[12]) * (((s + 1) ** (w[13])) - 1) * (math.e ** ((1 - r) * w[14]))
            out = min(long_term, s / self.forget_short)
        else:
            hard = w[15] if rating == 2 else 1
            easy = w[16] if rating == 4 else 1
            out = s * (1 + (math.e ** (w[8])) * (11 - d) * (s ** -w[9]) * ((math.e ** ((1 - r) * w[10])) - 1) * hard * easy)
        return max(out, STABILITY_MIN)

    def _interval_us(self, s: float) -> int:
        days = round((s / self.factor) * self.interval_factor)
        return min(max(days, 1), self.maximum_interval) * US_PER_DAY

    def _retrievability(self, s: float, elapsed_days: int) -> float:
        return (1 + self.factor * max(0, elapsed_days) / s) ** self.decay

    # --- one answer -------------------------------------------------------------------------

    def review(self, card: list, rating: int, at_us: int) -> None:
        """Apply one answer to `card` in place (what `Scheduler.review_card` returns)."""
        state, step, s, d, _, last = card
        days = (at_us - last) // US_PER_DAY if last is not None else None
        if state == REVIEW:
            if days is not None and days < 1:
                s = self._short_s(s, rating)
            else:
                s = self._next_s(d, s, self._retrievability(s, days), rating)
            d = self._next_d(d, rating)
            if rating == 1 and self.relearning[0]:
                state, step, interval = RELEARNING, 0, self.relearning[0][0]
            else:
                interval = self._interval_us(s)
        else:
            if s is None or d is None:  # only a Learning card can be new
                s, d = self._init_s(rating), self._init_d(rating)
            elif days is not None and days < 1:
                s, d = self._short_s(s, rating), self._next_d(d, rating)
            else:
                r = self._retrievability(s, days) if last is not None else 0
                s, d = self._next_s(d, s, r, rating), self._next_d(d, rating)
            steps, hard0 = self.learning if state == LEARNING else self.relearning
            if not steps or (step >= len(steps) and rating >= 2):
                state, step, interval = REVIEW, None, self._interval_us(s)
            elif rating == 1:
                step, interval = 0, steps[0]
            elif rating == 2:
                interval = hard0 if step == 0 else steps[step]
            elif rating == 3 and step + 1 < len(steps):
                step += 1
                interval = steps[step]
            else:  # Good on the last step, or Easy
                state, step, interval = REVIEW, None, self._interval_us(s)
        card[:] = [state, step, s, d, at_us + interval, at_us]

    @staticmethod
    def new_card() -> list:
        return [LEARNING, 0, None, None, None, None]

    @staticmethod
    def to_fsrs(card: list, card_id: int, due_if_new: datetime) -> FsrsCard:
        state, step, s, d, due, last = card
        return FsrsCard(
            card_id, _STATES[state], step, s, d,
            due_if_new if due is None else _EPOCH + timedelta(microseconds=due),
            None if last is None else _EPOCH + timedelta(microseconds=last),
        )

    @staticmethod
    def from_fsrs(card: FsrsCard) -> list:
        us = lambda t: None if t is None else _us(t - _EPOCH)  # noqa: E731
        return [int(card.state), card.step, card.stability, card.difficulty, us(card.due), us(card.last_review)]


def replay(scheduler: Scheduler, answers: Iterable[tuple[str, int, int]]) -> dict[str, list]:
    """Replay `(card id, rating, time in ms)` answers, oldest first; card id -> raw card list."""
    fast = FastScheduler(scheduler)
    cards: dict[str, list] = {}
    for card_id, rating, at_ms in answers:
        card = cards.get(card_id)
        if card is None:
            card = cards[card_id] = fast.new_card()
        fast.review(card, rating, at_ms * 1000)
    return cards
