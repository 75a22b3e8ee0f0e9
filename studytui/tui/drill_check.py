"""Checking a typed drill answer, for the drill and exam screens: the core's
`studytui.drills.check.check_answer` (sympy-backed), reshaped for display.

Call it through `backend.call` so the import of sympy and the checking stay off the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Feedback:
    correct: bool
    expected: str
    solution: list[str] = field(default_factory=list)
    diagnosis: str | None = None
    mistakes: tuple[str, ...] = ()  # the diagnosis' stable keys (logged with the attempt)
    note: str = ""
    error: str | None = None  # why the text could not be read as an answer

    @property
    def unreadable(self) -> bool:
        return self.error is not None


def check(problem: Any, text: str) -> Feedback:
    from studytui.drills.check import check_answer

    result = check_answer(problem, text)
    return Feedback(correct=result.correct, expected=result.expected, solution=list(result.solution),
                    diagnosis=result.diagnosis, mistakes=result.mistakes, note=result.note, error=result.error)
