"""Cloze deletions, Anki's syntax: `{{c1::answer}}` or `{{c1::answer::hint}}`.

Each distinct number is one scheduled item. On the front of item N, deletions numbered N become a
blank (`[…]`, or `[hint]`) and the others show their answer; on the back, deletions N show their
answer in bold. Item ids: c1 keeps the note's id, cN is `ID#cN`.
"""

from __future__ import annotations

import re

# Non-greedy, no nesting, bounded by `}}`: linear time on any input.
CLOZE = re.compile(r"\{\{c(\d{1,3})::(.*?)(?:::([^{}]*?))?\}\}", re.DOTALL)


def cloze_numbers(text: str) -> list[int]:
    """The distinct deletion numbers in `text`, ascending."""
    if "{{c" not in text:  # the common case, checked at every deck load
        return []
    return sorted({int(m.group(1)) for m in CLOZE.finditer(text)})


def item_id(note_id: str, number: int) -> str:
    return note_id if number == 1 else f"{note_id}#c{number}"


def note_of(item: str) -> str:
    """The note a scheduled item belongs to (its cloze siblings share it)."""
    return item.split("#", 1)[0]


def render_front(text: str, number: int) -> str:
    def one(m: re.Match[str]) -> str:
        if int(m.group(1)) != number:
            return m.group(2)
        return f"**[{m.group(3) or '…'}]**"

    return CLOZE.sub(one, text)


def render_back(text: str, number: int) -> str:
    def one(m: re.Match[str]) -> str:
        return f"**{m.group(2)}**" if int(m.group(1)) == number else m.group(2)

    return CLOZE.sub(one, text)


def strip(text: str) -> str:
    """The text with every deletion filled in (for search, ids and matching)."""
    return CLOZE.sub(lambda m: m.group(2), text)
