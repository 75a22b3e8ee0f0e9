"""How numbers read on screen (formatting only: the numbers themselves come from the core)."""

from __future__ import annotations


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}:{secs:02d}"
