"""Drill cards: each drill family × level is one scheduled card in the `drills` topic.

The names live here, below both the scheduler (which schedules these cards) and the statistics
(which count them apart from the deck), so neither has to import the other for them.
"""

from __future__ import annotations

DRILL_FAMILIES = ("shapes", "params", "rf", "macs")
DRILL_LEVELS = (1, 2, 3)
DRILL_TOPIC = "drills"


def drill_card_id(family: str, level: int) -> str:
    return f"drill:{family}:{level}"


def parse_drill_id(card_id: str) -> tuple[str, int] | None:
    """("shapes", 2) for "drill:shapes:2"; None for an ordinary card id."""
    parts = card_id.split(":")
    if len(parts) == 3 and parts[0] == "drill" and parts[2].isdigit():
        return parts[1], int(parts[2])
    return None
