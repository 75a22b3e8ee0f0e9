"""Screens stay alive when the database says no.

An exception that leaves a Textual message handler stops that screen's message loop and then the
app (with a traceback, exit status 0). A write the store refuses (locked, full disk, read-only)
is a StudytuiError with a one-line message: `@reports_errors` on an action turns it into an error
toast, shown as text (the message can quote a path or card content).
"""

from __future__ import annotations

import functools
from typing import Any, Awaitable, Callable

from textual.css.query import NoMatches

from studytui.errors import StudytuiError
from studytui.textsafe import clean


def reports_errors(action: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(action)
    async def run(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await action(self, *args, **kwargs)
        except StudytuiError as exc:
            self.notify(clean(str(exc)), title="Not saved", severity="error", markup=False, timeout=10)
            return None

    return run


def in_background(action: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Run an action as a worker, one at a time: the screen keeps taking keys (q, ctrl+q) while
    it waits on the database, and a second press while the first still runs is ignored."""

    @functools.wraps(action)
    async def run(self, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "_action_running", False):
            return
        self._action_running = True

        async def body() -> None:
            try:
                await action(self, *args, **kwargs)
            except NoMatches:
                if self.is_attached and self.app.is_running:
                    raise  # a real bug; otherwise the screen was closed while the action waited
            finally:
                self._action_running = False

        self.run_worker(body(), group=f"{action.__name__}-running")

    return run
