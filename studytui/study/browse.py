"""The card browser's core: every card with its marks, filtered (what `studytui cards` prints and
the TUI's browser lists), so suspended, buried and flagged cards can always be found again.

    rows = browse(session, BrowseFilter(suspended=True), now=now)
    for row in rows: row.card_id, row.topic, row.question, row.marks, row.due
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
    """The deck's cards (deck order) that pass `wanted`. Marks are checked first, then the cards
    left are read (each topic's cache entry once) and searched."""
    needle = wanted.search.casefold().strip()
    ids = session.deck.ids_in(wanted.topic)
    checks = {"suspended": session.is_suspended, "buried": lambda cid: session.is_buried(cid, now=now),
              "flagged": session.is_flagged}  # leeches are known from the summaries, below
    marks = [check for name, check in checks.items() if getattr(wanted, name)]
    if marks:
        ids = [cid for cid in ids if all(check(cid) for check in marks)]
    summaries = session.summaries(ids)
    if wanted.leech:
        ids, summaries = _only(ids, summaries, [s[2] for s in summaries])
    cards = session.deck.cards.many(ids)
    rows = []
    for cid, card, (phase, due, leech) in zip(ids, cards, summaries):
        question, answer = card.front(), card.back()
        if needle and not any(needle in text.casefold() for text in (cid, question, answer)):
            continue
        rows.append(CardRow(cid, session.deck.topic_of[cid], question, answer, phase, due,
                            suspended=session.is_suspended(cid), buried=session.is_buried(cid, now=now),
                            flagged=session.is_flagged(cid), leech=leech))
    return rows


def _only(ids: list[str], summaries: list, keep: list[bool]) -> tuple[list[str], list]:
    return [c for c, k in zip(ids, keep) if k], [s for s, k in zip(summaries, keep) if k]


def card_row(session: "StudySession", card_id: str, *, now: datetime) -> CardRow:
    card = session.deck.cards[card_id]
    ((phase, due, leech),) = session.summaries([card_id])
    return CardRow(
        card_id=card_id, topic=session.deck.topic_of[card_id], question=card.front(), answer=card.back(),
        phase=phase, due=due, suspended=session.is_suspended(card_id), buried=session.is_buried(card_id, now=now),
        flagged=session.is_flagged(card_id), leech=leech,
    )


def unknown_ids(session: "StudySession", card_ids: list[str]) -> list[str]:
    return [cid for cid in card_ids if cid not in session.deck.cards]
