"""Small wording helpers shared by the CLI and the TUI."""

from __future__ import annotations


def plural(n: int, noun: str, many: str | None = None) -> str:
    """"1 topic", "2 topics", "0 topics", "100,651 cards" ("1 query", "2 queries" with many="queries")."""
    return f"{n:,} {noun if n == 1 else (many or noun + 's')}"


def fit(text: str, width: int) -> str:
    """`text` cut to `width` characters with an ellipsis, so a reader sees that it goes on."""
    return text if len(text) <= width else text[: max(0, width - 1)].rstrip() + "…"
