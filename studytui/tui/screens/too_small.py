"""Shown instead of a squashed screen when the terminal is below the minimum size."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Static


class TooSmallScreen(ModalScreen[None]):
    def __init__(self, minimum: tuple[int, int]):
        super().__init__(id="too-small")
        self.minimum = minimum

    def compose(self) -> ComposeResult:
        yield Static("", id="too-small-text")

    def on_mount(self) -> None:
        self.on_resize()

    def on_resize(self) -> None:
        w, h = self.app.size
        if w >= self.minimum[0] and h >= self.minimum[1]:
            if self.is_current:  # resize events can arrive twice: dismiss once
                self.dismiss()
            return
        self.query_one(Static).update(
            f"Terminal too small: {w}x{h}.\nstudytui needs at least {self.minimum[0]}x{self.minimum[1]}.\n"
            "Enlarge the window (ctrl+q quits)."
        )
