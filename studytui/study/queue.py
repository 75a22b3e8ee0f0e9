"""Which card is due first, without looking at every card: sorted (due, card id) lists.

Picking the next card used to walk all cards (20,000 in a large collection) at every answer.
`DueIndex` keeps the learning/relearning cards and the review cards each in a list sorted by due
time, updated card by card as answers are replayed; the next due card is then the first entry that
passes the caller's filter (topic, hidden, drills). `recent` holds the cards answered since the
index was built, for counting today's answers without reading every card's history.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from datetime import datetime
from typing import Callable, Iterable, Iterator

from fsrs import State

_LEARNING_STATES = (State.Learning, State.Relearning)


class DueIndex:
    def __init__(self) -> None:
        self.learning: list[tuple[datetime, str]] = []
        self.review: list[tuple[datetime, str]] = []
        self._entry: dict[str, tuple[list[tuple[datetime, str]], tuple[datetime, str]]] = {}
        self.recent: set[str] = set()

    def rebuild(self, states: dict) -> None:
        """Index every card state (after a full replay or a snapshot load)."""
        self.learning, self.review, self._entry = [], [], {}
        for cid, st in states.items():
            key = (st.fsrs.due, cid)
            target = self.learning if st.fsrs.state in _LEARNING_STATES else self.review
            target.append(key)
            self._entry[cid] = (target, key)
        self.learning.sort()
        self.review.sort()
        self.recent = set()

    def update(self, cid: str, st) -> None:
        """Move one card to where its new state puts it."""
        old = self._entry.pop(cid, None)
        if old is not None:
            target, key = old
            i = bisect_left(target, key)
            if i < len(target) and target[i] == key:
                del target[i]
        key = (st.fsrs.due, cid)
        target = self.learning if st.fsrs.state in _LEARNING_STATES else self.review
        insort(target, key)
        self._entry[cid] = (target, key)
        self.recent.add(cid)

    @staticmethod
    def first(entries: list[tuple[datetime, str]], until: datetime, keep: Callable[[str], bool],
              after: datetime | None = None) -> str | None:
        """The earliest card due by `until` (and after `after`) that `keep` accepts."""
        start = 0 if after is None else bisect_left(entries, (after, "\U0010ffff"))
        for due, cid in _from(entries, start):
            if due > until:
                return None
            if keep(cid):
                return cid
        return None


def _from(entries: list, start: int) -> Iterator:
    for i in range(start, len(entries)):
        yield entries[i]


def first_fresh(ids: Iterable[str], answered: dict, keep: Callable[[str], bool]) -> str | None:
    """The first never-answered card (deck order) that `keep` accepts."""
    for cid in ids:
        if cid not in answered and keep(cid):
            return cid
    return None
