"""The card browser's core: every card with its marks, filtered (what `studytui cards` prints and
the TUI's browser lists), so suspended, buried and flagged cards can always be found again.

    rows = browse(session, BrowseFilter(suspended=True), now=now)
    for row in rows: row.card_id, row.topic, row.question, row.marks, row.due
    ids = matching(session, BrowseFilter(search="pool"), now=now)   # ids only: a list of 100,000 ...
    rows = rows_of(session, ids[:500], now=now)                       # ... read a page at a time
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studytui.study.scheduler import StudySession

MARK_FILTERS = ("suspended", "buried", "flagged", "leech")


@dataclass(frozen=True)
class BrowseFilter:
    """Cards must have every mark asked for (none asked: all cards), be in `topic` and contain
    `search` (case-insensitive) in their id, question or answer."""

    suspended: bool = False
    buried: bool = False
    flagged: bool = False
    leech: bool = False
    topic: str | None = None
    search: str = ""

    def describe(self) -> str:
        parts = [name for name in MARK_FILTERS if getattr(self, name)]
        if self.topic:
            parts.append(f"topic {self.topic}")
        if self.search:
            parts.append(f"matching {self.search!r}")
        return ", ".join(parts) or "all cards"


@dataclass(frozen=True)
class CardRow:
    card_id: str
    topic: str
    question: str
    answer: str
    phase: str  # new | learning | review | relearning
    due: datetime | None
    suspended: bool
    buried: bool
    flagged: bool
    leech: bool

    @property
    def marks(self) -> list[str]:
        return [name for name in MARK_FILTERS if getattr(self, name)]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.card_id, "topic": self.topic, "question": self.question, "phase": self.phase,
                "due": self.due.isoformat() if self.due else None, "suspended": self.suspended,
                "buried": self.buried, "flagged": self.flagged, "leech": self.leech}


def browse(session: "StudySession", wanted: BrowseFilter = BrowseFilter(), *, now: datetime) -> list[CardRow]:
    """The deck's cards (deck order) that pass `wanted`, as rows."""
    return rows_of(session, matching(session, wanted, now=now), now=now)


def matching(session: "StudySession", wanted: BrowseFilter = BrowseFilter(), *, now: datetime) -> list[str]:
    """The ids of the deck's cards (deck order) that pass `wanted`. Marks are checked first, from
    the card states' columns; card text is read (each topic's cache entry once) only to search it,
    so listing 100,000 cards builds none of them."""
    needle = wanted.search.casefold().strip()
    ids = session.deck.ids_in(wanted.topic)
    checks = {"suspended": session.is_suspended, "buried": lambda cid: session.is_buried(cid, now=now),
              "flagged": session.is_flagged}
    marks = [check for name, check in checks.items() if getattr(wanted, name)]
    if marks:
        ids = [cid for cid in ids if all(check(cid) for check in marks)]
    if wanted.leech:
        ids = [cid for cid, (_, _, leech) in zip(ids, session.summaries(ids)) if leech]
    if needle:
        ids = [cid for cid, card in zip(ids, session.deck.cards.many(ids))
               if needle in cid.casefold() or needle in card.front().casefold() or needle in card.back().casefold()]
    return ids


def rows_of(session: "StudySession", card_ids: list[str], *, now: datetime) -> list[CardRow]:
    """The rows of `card_ids`: text, state and marks (no card state built)."""
    cards = session.deck.cards.many(card_ids)
    return [CardRow(cid, session.deck.topic_of[cid], card.front(), card.back(), phase, due,
                    suspended=session.is_suspended(cid), buried=session.is_buried(cid, now=now),
                    flagged=session.is_flagged(cid), leech=leech)
            for cid, card, (phase, due, leech) in zip(card_ids, cards, session.summaries(card_ids))]


def card_row(session: "StudySession", card_id: str, *, now: datetime) -> CardRow:
    return rows_of(session, [card_id], now=now)[0]


def unknown_ids(session: "StudySession", card_ids: list[str]) -> list[str]:
    return [cid for cid in card_ids if cid not in session.deck.cards]
