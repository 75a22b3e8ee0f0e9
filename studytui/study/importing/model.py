"""What an import produces: cards, the question-like things that were not imported, and notices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from studytui.errors import StudytuiError

CardKind = Literal["basic", "cloze"]


class ImportError_(StudytuiError):
    """A file that cannot be imported (too big, not text, unreadable, broken package): one line."""


@dataclass(frozen=True)
class ImportedCard:
    id: str
    question: str
    answer: str
    line: int
    source: str = ""
    type: CardKind = "basic"

    def to_json(self) -> dict[str, str]:
        doc = {"id": self.id, "question": self.question, "answer": self.answer}
        if self.type != "basic":
            doc["type"] = self.type
        return doc


@dataclass(frozen=True)
class Skipped:
    """A question-like thing that did not become a card, and why (never dropped silently)."""

    line: int
    why: str
    source: str = ""


@dataclass
class ImportResult:
    cards: list[ImportedCard] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    truncated: list[Skipped] = field(default_factory=list)  # imported, but cut to the size cap

    def summary(self) -> str:
        text = f"{len(self.cards)} cards, {len(self.skipped)} skipped"
        return text + (f", {len(self.truncated)} truncated" if self.truncated else "")

    def to_json(self, *, with_source: bool = False) -> dict[str, Any]:
        """The `import --dry-run --json` document: {"cards": [...], "skipped": [...]} (+ "truncated")."""

        def where(s: Skipped) -> dict[str, Any]:
            return {"line": s.line, "why": f"{s.source}: {s.why}" if with_source and s.source else s.why}

        doc: dict[str, Any] = {"cards": [c.to_json() for c in self.cards], "skipped": [where(s) for s in self.skipped]}
        if self.truncated:
            doc["truncated"] = [where(s) for s in self.truncated]
        return doc

    def extend(self, other: "ImportResult") -> None:
        self.cards += other.cards
        self.skipped += other.skipped
        self.truncated += other.truncated


@dataclass(frozen=True)
class Candidate:
    """A question found by a format parser, before ids, checks and de-duplication."""

    line: int  # 1-based
    question: str
    answer: str
    type: CardKind = "basic"
    key: str = ""  # a stable identity from the source (Anki guid, Mochi card_id), if it has one
