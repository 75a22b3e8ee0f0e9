"""Drills aim at the student's own recurring mistakes (issue 13, "Where do I keep slipping?").

A simulated student with one fixed misconception answers every problem that misconception
changes with the mistaken value, and every other problem right. Their answers go the real way:
check_answer -> the store's drill log -> mistake_profile -> aim_weights -> aimed_problem. After
20 wrong answers, problems sensitive to their mistake come at least twice as often as in the
normal mix (measured over many seeded slots). A student without it gets exactly the normal mix.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from studytui.drills import check_answer
from studytui.drills.diagnose import mistaken_answer, sensitive_keys
from studytui.drills.generate import AIM_FLOOR, aimed_problem, problem
from studytui.drills.problem import format_answer
from studytui.study.mistakes import aim_weights, mistake_profile
from studytui.study.store import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
SLOTS = 150  # seeded slots the share is measured over
KIND, LEVEL = "mixed", 2  # what the exam draws


def typed_by(p, misconception: str | None) -> str:
    """The answer of a student who makes `misconception` whenever it changes the answer."""
    value = mistaken_answer(p, misconception) if misconception else None
    if value is None:
        return p.answer_text
    return format_answer(p.quantity, value if isinstance(value, int) else list(value), p.order)


def practise(store: Store, misconception: str | None, *, wrong_answers: int = 20, most: int = 400,
             seed: int = 4242) -> int:
    """Drill (aimed as the app does) until `wrong_answers` were wrong; returns problems asked."""
    wrong = asked = 0
    while wrong < wrong_answers and asked < most:
        aim = aim_weights(mistake_profile(store.drill_attempts()))
        p = aimed_problem(KIND, LEVEL, seed, asked, aim)
        feedback = check_answer(p, typed_by(p, misconception))
        store.add_drill_attempt(p.family, p.level, feedback.correct, at=T0 + timedelta(minutes=asked),
                                seed=p.seed, typed=typed_by(p, misconception), mistakes=feedback.mistakes)
        wrong += not feedback.correct
        asked += 1
    return asked


def share_sensitive(key: str, aim: dict[str, float], seed: int = 77) -> float:
    return sum(key in sensitive_keys(aimed_problem(KIND, LEVEL, seed, i, aim)) for i in range(SLOTS)) / SLOTS


@pytest.mark.parametrize("misconception", ["params.bias_forgotten", "rf.own_stride", "shape.pad_once"])
def test_a_fixed_misconception_is_drilled_at_least_twice_as_often(tmp_path, misconception):
    with Store.open(tmp_path / "student.db") as store:
        practise(store, misconception)
        attempts = store.drill_attempts()
    assert sum(not a.correct for a in attempts) == 20
    # logged by its key (a few numbers are also another slip's, and a diagnosis names two at most)
    assert sum(misconception in a.mistakes for a in attempts if not a.correct) >= 18
    aim = aim_weights(mistake_profile(attempts))
    assert max(aim, key=aim.get) == misconception
    before = share_sensitive(misconception, {})
    after = share_sensitive(misconception, aim)
    assert before > 0.05  # the normal mix has some, so the ratio is measured, not divided by ~0
    assert after >= 2 * before, (misconception, before, after)


def test_a_student_without_mistakes_gets_exactly_the_normal_mix(tmp_path):
    with Store.open(tmp_path / "student.db") as store:
        asked = practise(store, None, most=30)
        assert mistake_profile(store.drill_attempts()) == {}
    assert asked == 30
    for i in range(40):
        assert aimed_problem(KIND, LEVEL, 9, i, {}).to_json() == problem(KIND, LEVEL, 9, i).to_json()


def test_undiagnosed_wrong_answers_leave_the_mix_alone(tmp_path):
    with Store.open(tmp_path / "student.db") as store:
        for i in range(25):  # numbers no rule explains
            p = problem(KIND, LEVEL, 3, i)
            feedback = check_answer(p, "99999999" if p.quantity in ("params", "macs") else "999x999")
            store.add_drill_attempt(p.family, p.level, feedback.correct, at=T0, mistakes=feedback.mistakes)
        assert aim_weights(mistake_profile(store.drill_attempts())) == {}


def test_aimed_generation_is_seeded_and_keeps_a_floor_of_the_normal_mix():
    aim = {"params.bias_forgotten": 1.0}
    first = [aimed_problem(KIND, LEVEL, 5, i, aim).to_json() for i in range(60)]
    again = [aimed_problem(KIND, LEVEL, 5, i, aim).to_json() for i in range(60)]
    assert first == again
    plain = [problem(KIND, LEVEL, 5, i).to_json() for i in range(60)]
    kept = sum(a == b for a, b in zip(first, plain))
    assert kept >= AIM_FLOOR * 60 * 0.5  # about a quarter of the slots keep their plain draw
    assert kept < 60  # and the rest were aimed
    families = {p["family"] for p in first}
    assert len(families) >= 3  # the other families still come up


def test_an_aimed_problem_can_be_rebuilt_from_its_id():
    from studytui.drills.problems import problem_from_json

    aim = {"rf.own_stride": 1.0}
    p = next(q for q in (aimed_problem(KIND, LEVEL, 6, i, aim) for i in range(40)) if q.variant)
    assert p.id.endswith(f"~{p.variant}") and p.aimed
    again = problem(p.kind, p.level, p.seed, p.index, variant=p.variant)
    assert again.to_json() == p.to_json()
    assert problem_from_json(p.to_json()).id == p.id
