"""Pixel graphics in the terminal (kitty / sixel) for the demo screen's saved plots.

textual-image asks the terminal what it can draw when it is first imported, and that is
possible only before Textual takes the terminal over. The import costs most of a second, so
it happens at start-up only where the terminal announces graphics; elsewhere the demo screen
draws plots with half-block cells (screens/demos.py).
"""

from __future__ import annotations

import os
import sys

GRAPHICS_TERMINALS = ("kitty", "wezterm", "ghostty", "konsole", "foot", "mlterm", "contour")


def preload_graphics() -> None:
    """Import textual-image now if $TERM / $TERM_PROGRAM name a graphics terminal (or
    STUDYTUI_GRAPHICS=1), so it can detect kitty or sixel support before the app starts."""
    term = f"{os.environ.get('TERM', '')} {os.environ.get('TERM_PROGRAM', '')}".lower()
    wanted = os.environ.get("STUDYTUI_GRAPHICS") == "1" or any(name in term for name in GRAPHICS_TERMINALS)
    if wanted and sys.__stdout__ is not None and sys.__stdout__.isatty():
        try:
            import textual_image.widget  # noqa: F401  (detects kitty / sixel support on import)
        except Exception:  # noqa: BLE001  (no pixels then: half-block cells still work)
            pass
