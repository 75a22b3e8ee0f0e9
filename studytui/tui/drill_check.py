"""Checking a typed drill answer, for the drill and exam screens.

Uses the core's `check_answer(problem, text)` (studytui.drills, sympy-backed) when it exists.
Until it lands, a small stand-in reads the integers out of the answer and compares them with
the calculator's answer, in the order the problem asked for (it gives no diagnosis).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Feedback:
    correct: bool
    expected: str
    solution: list[str] = field(default_factory=list)
    diagnosis: str | None = None
    unreadable: bool = False  # the text could not be read as an answer at all


def _core_checker():
    for module in ("studytui.drills", "studytui.drills.answers", "studytui.drills.check"):
        try:
            mod = __import__(module, fromlist=["check_answer"])
        except ImportError:
            continue
        fn = getattr(mod, "check_answer", None)
        if fn is not None:
            return fn
    return None


def check(problem: Any, text: str) -> Feedback:
    """Is `text` the answer to `problem`? (runs off the event loop: the core imports sympy)."""
    checker = _core_checker()
    if checker is not None:
        result = checker(problem, text)
        return Feedback(
            correct=bool(getattr(result, "correct", False)),
            expected=str(getattr(result, "expected", problem.answer_text)),
            solution=list(getattr(result, "solution", None) or problem.solution),
            diagnosis=getattr(result, "diagnosis", None) or None,
            unreadable=bool(getattr(result, "unreadable", False)),
        )
    return _fallback(problem, text)


def _fallback(problem: Any, text: str) -> Feedback:
    numbers = [int(n.replace(",", "").replace("_", "")) for n in re.findall(r"\d[\d,_]*", text)]
    answer = problem.answer
    if problem.quantity == "shape":
        want = list(answer)
        if problem.order == "HxWxC" and len(want) == 3:
            want = [want[1], want[2], want[0]]
    elif problem.quantity == "rf":
        want = list(answer)
        if len(numbers) == 1:
            numbers = numbers * 2  # "7" means 7x7
    else:
        want = [int(answer)]
    return Feedback(correct=numbers == want, expected=problem.answer_text, solution=list(problem.solution),
                    unreadable=not numbers)
