"""Check a typed answer against a problem: correct or not, the expected answer, the worked
solution, and the likely mistake when the wrong answer matches one exactly."""

from __future__ import annotations

from dataclasses import dataclass, field

from studytui.drills.answers import AnswerError, Parsed, parse_answer
from studytui.drills.diagnose import diagnosis
from studytui.drills.problem import Problem


@dataclass
class Feedback:
    correct: bool
    expected: str  # the expected answer, written in the order the problem asks for
    problem: Problem = field(repr=False)
    diagnosis: str | None = None
    mistakes: tuple[str, ...] = ()  # stable keys of the diagnosed mistake(s), for the log
    parsed: Parsed | None = None  # what was read from the answer (None if it could not be read)
    error: str | None = None  # why the answer could not be read
    note: str = ""  # what the study material gets wrong here, for worked problems

    @property
    def solution(self) -> list[str]:
        """The worked solution: each step's formula with the numbers plugged in."""
        return self.problem.solution

    def lines(self) -> list[str]:
        """The feedback as text lines; the first starts with "correct" or "incorrect"."""
        head = "correct" if self.correct else "incorrect"
        if self.correct:
            out = [f"{head}: {self.expected}"]
        elif self.error:
            out = [f"{head}: could not read the answer ({self.error}); expected {self.expected}"]
        else:
            out = [f"{head}: you said {self.parsed}, expected {self.expected}"]
        if self.diagnosis:
            out.append(f"likely mistake: {self.diagnosis}")
        if self.note:
            out.append(f"note: {self.note}")
        out += [f"  {step}" for step in self.solution]
        return out

    def to_json(self) -> dict:
        return {"correct": self.correct, "expected": self.expected, "solution": list(self.solution),
                "diagnosis": self.diagnosis, "mistakes": list(self.mistakes), "parsed": None if self.parsed is None else str(self.parsed),
                "error": self.error, "note": self.note}


def check_answer(problem: Problem, text: str) -> Feedback:
    """Grade `text` as the answer to `problem` (never raises for a bad answer: see .error)."""
    feedback = Feedback(correct=False, expected=problem.answer_text, problem=problem, note=problem.note)
    try:
        parsed = parse_answer(text, problem.quantity)
    except AnswerError as exc:
        feedback.error = str(exc)
        return feedback
    feedback.parsed = parsed
    given = _comparable(problem, parsed)
    truth = tuple(problem.answer) if isinstance(problem.answer, list) else problem.answer
    feedback.correct = given is not None and given == truth
    if not feedback.correct and given is not None:
        found = diagnosis(problem, given)
        if found:
            feedback.diagnosis, feedback.mistakes = found.message, found.keys
    return feedback


def _comparable(problem: Problem, parsed: Parsed):
    """The answer in the problem's own terms: C×H×W tuple, (h, w) pair, or an int."""
    values = parsed.as_ints()
    if values is None:
        return None
    if problem.quantity == "shape":
        if problem.order == "HxWxC" and len(values) == 3:
            h, w, c = values
            return (c, h, w)
        return values
    if problem.quantity == "rf":
        if len(values) == 1:
            return (values[0], values[0])
        return values
    return values[0] if len(values) == 1 else None
