"""Grading an essay card from the rubric points the student ticked.

The student writes (or thinks) a full answer, then ticks the points of the card's `rubric` that
their answer made. The grade follows from the share ticked, so self-grading a long answer stays
honest and the same everywhere (review, exam):

    all points ticked        -> Good (3)
    at least half of them    -> Hard (2)
    fewer than half          -> Again (1)

Easy (4) is never inferred: a complete answer is Good, and the student may still press the
Easy key when it came effortlessly. In the exam the score of an essay is `ticked / total`
(partial credit).
"""

from __future__ import annotations

from collections.abc import Collection

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4


def rubric_score(ticked: Collection[int], total: int) -> float:
    """Share of the rubric's points made, 0..1 (ticks outside 0..total-1 are ignored)."""
    if total <= 0:
        raise ValueError("a rubric has at least one point")
    return len({i for i in ticked if 0 <= i < total}) / total


def rubric_grade(ticked: Collection[int], total: int) -> int:
    """The FSRS grade (1-3) for an essay answer that made the `ticked` points of `total`."""
    score = rubric_score(ticked, total)
    if score == 1:
        return GOOD
    if score >= 0.5:
        return HARD
    return AGAIN
