"""Which card is due first, without looking at every card: lists sorted by (due, card id).

Picking the next card used to walk all cards (20,000 in a large collection) at every answer.
`DueIndex` keeps the learning/relearning cards and the review cards each in a `DueList` sorted by
due time (integer µs since the epoch) and card id, updated card by card as answers are replayed;
the next due card is then the first entry that passes the caller's filter (topic, hidden,
drills). A snapshot stores its rows already in this order, so a later open takes the lists as
they are (`from_columns`) instead of sorting 20,000 entries. `recent` holds the cards answered
since the index was built, for counting today's answers without reading every card's history.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from datetime import datetime
from typing import Callable, Iterable

from studytui.study.cardstates import CardColumns, due_key, us_of


class DueList:
    """(due µs, card id) pairs in ascending order, as two parallel sequences."""

    def __init__(self, dues: array | None = None, ids: list[str] | None = None):
        self.dues = dues if dues is not None else array("q")
        self.ids = ids if ids is not None else []

    def __len__(self) -> int:
        return len(self.ids)

    def entries(self) -> list[tuple[int, str]]:
        return list(zip(self.dues, self.ids))

    def _position(self, due: int, cid: str) -> int:
        """Where (due, cid) is, or would go, in (due, id) order."""
        i, end = bisect_left(self.dues, due), bisect_right(self.dues, due)
        ids = self.ids
        while i < end and ids[i] < cid:  # equal due times are few: a short walk by id
            i += 1
        return i

    def add(self, due: int, cid: str) -> None:
        i = self._position(due, cid)
        self.dues.insert(i, due)
        self.ids.insert(i, cid)

    def remove(self, due: int, cid: str) -> None:
        i = self._position(due, cid)
        if i < len(self.ids) and self.ids[i] == cid and self.dues[i] == due:
            del self.dues[i]
            del self.ids[i]

    def first(self, until_us: int, keep: Callable[[str], bool], after_us: int | None = None) -> str | None:
        """The earliest card due by `until_us` (and after `after_us`) that `keep` accepts."""
        dues, ids = self.dues, self.ids
        start = 0 if after_us is None else bisect_right(dues, after_us)
        for i in range(start, len(ids)):
            if dues[i] > until_us:
                return None
            if keep(ids[i]):
                return ids[i]
        return None


class DueIndex:
    def __init__(self) -> None:
        self.learning = DueList()
        self.review = DueList()
        self.recent: set[str] = set()

    @classmethod
    def from_columns(cls, columns: CardColumns) -> "DueIndex":
        """The index of a snapshot's rows (stored in index order: learning, then review)."""
        index, n = cls(), columns.n_learning
        index.learning = DueList(columns.due_us[:n], columns.ids[:n])
        index.review = DueList(columns.due_us[n:], columns.ids[n:])
        return index

    def rebuild(self, states: dict) -> None:
        """Index every card state (after a full replay)."""
        learning, review = [], []
        for cid, st in states.items():
            is_learning, due = due_key(st)
            (learning if is_learning else review).append((due, cid))
        learning.sort()
        review.sort()
        self.learning = DueList(array("q", (d for d, _ in learning)), [c for _, c in learning])
        self.review = DueList(array("q", (d for d, _ in review)), [c for _, c in review])
        self.recent = set()

    def update(self, cid: str, old: tuple[bool, int] | None, new: tuple[bool, int]) -> None:
        """Move one card from where its old state filed it (`old`: (learning, due µs), None for a
        card not indexed yet) to where its new state puts it."""
        if old is not None:
            (self.learning if old[0] else self.review).remove(old[1], cid)
        (self.learning if new[0] else self.review).add(new[1], cid)
        self.recent.add(cid)

    @staticmethod
    def first(entries: DueList, until: datetime, keep: Callable[[str], bool],
              after: datetime | None = None) -> str | None:
        """The earliest card due by `until` (and after `after`) that `keep` accepts."""
        return entries.first(us_of(until), keep, None if after is None else us_of(after))


def first_fresh(ids: Iterable[str], answered, keep: Callable[[str], bool]) -> str | None:
    """The first never-answered card (deck order) that `keep` accepts."""
    for cid in ids:
        if cid not in answered and keep(cid):
            return cid
    return None
