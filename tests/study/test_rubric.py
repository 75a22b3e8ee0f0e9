"""Essay grades follow from the rubric points ticked."""

import pytest

from studytui.study.rubric import rubric_grade, rubric_score


@pytest.mark.parametrize("ticked, total, grade", [
    ({0, 1, 2, 3}, 4, 3),  # every point: Good
    ({0, 1, 2}, 4, 2),     # most: Hard
    ({1, 3}, 4, 2),        # exactly half: Hard
    ({2}, 4, 1),           # under half: Again
    (set(), 3, 1),
    ({0, 1}, 3, 2),
    ({0}, 3, 1),
    ({0, 1, 2}, 3, 3),
])
def test_grade_from_ticks(ticked, total, grade):
    assert rubric_grade(ticked, total) == grade


def test_score_is_the_share_of_points_and_ignores_stray_ticks():
    assert rubric_score([0, 2], 5) == pytest.approx(0.4)
    assert rubric_score([0, 0, 7, -1], 4) == 0.25  # duplicates and out-of-range ticks do not count
    with pytest.raises(ValueError):
        rubric_score([], 0)
