"""Diagnoses carry stable keys: every candidate names a known key, the keys of a wrong answer
are the rules that reproduce it, and a problem is sensitive to exactly the rules that change it."""

from __future__ import annotations

import pytest

from studytui.drills import check_answer
from studytui.drills.diagnose import MISTAKES, candidates, diagnose, diagnosis, label, mistaken_answer, sensitive_keys
from studytui.drills.generate import problem
from studytui.drills.problem import format_answer
from tests.drills.test_diagnose import make

KEYED = [
    # (input, layers, quantity, wrong answer, the key it must carry)
    ("3x32x32", ["Conv2d(3, 16, kernel_size=3)"], "params", "432", "params.bias_forgotten"),
    ("3x32x32", ["Conv2d(3, 16, kernel_size=3, bias=False)"], "params", "448", "params.bias_added"),
    ("3x32x32", ["Conv2d(3, 8, kernel_size=5, padding=2)"], "shape", "8x30x30", "shape.pad_once"),
    ("3x32x32", ["MaxPool2d(2)"], "shape", "3x31x31", "shape.pool_stride_1"),
    ("1x32x32", ["Conv2d(1, 1, 3, stride=2, padding=1)", "Conv2d(1, 1, 3, stride=2, padding=1)"], "rf", "13",
     "rf.own_stride"),
    ("3x32x32", ["Conv2d(3, 16, kernel_size=3, padding=1)"], "macs", str(2 * 442368), "macs.flops"),
]


@pytest.mark.parametrize("case", KEYED, ids=[c[-1] for c in KEYED])
def test_wrong_answer_carries_its_rule_key(case):
    input_shape, layers, quantity, wrong, key = case
    p = make(input_shape, layers, quantity)
    feedback = check_answer(p, wrong)
    assert key in feedback.mistakes, (feedback.mistakes, feedback.diagnosis)
    assert feedback.to_json()["mistakes"] == list(feedback.mistakes)
    assert check_answer(p, p.answer_text).mistakes == ()  # a right answer has none


def test_groups_and_bias_together_name_both_keys():
    p = make("32x8x8", ["Conv2d(32, 64, kernel_size=3, groups=4)"], "params")
    wrong = 64 * 32 * 9  # groups ignored and the 64 biases left out
    found = diagnosis(p, wrong)
    assert found is not None and {"params.groups", "params.bias_forgotten"} <= set(found.keys)


def test_diagnose_still_returns_the_message_alone():
    p = make("3x32x32", ["Conv2d(3, 16, kernel_size=3)"], "params")
    assert diagnose(p, 432) == diagnosis(p, 432).message
    assert diagnose(p, 12345) is None and diagnosis(p, 12345) is None


def test_every_generated_candidate_has_a_known_key_with_a_label():
    seen = set()
    for kind in ("shapes", "params", "rf", "macs"):
        for level in (1, 2, 3):
            for i in range(12):
                for c in candidates(problem(kind, level, 21, i)):
                    assert c.keys and all(k in MISTAKES for k in c.keys), c
                    seen.update(c.keys)
    assert len(seen) > 30  # the sample reaches most rules, so the check above means something
    assert label("params.bias_forgotten") == "bias forgotten"
    assert label("from.a.newer.version") == "from.a.newer.version"


def test_sensitivity_is_whether_the_rule_changes_the_answer():
    with_bias = make("3x32x32", ["Conv2d(3, 16, kernel_size=3)"], "params")
    without = make("3x32x32", ["Conv2d(3, 16, kernel_size=3, bias=False)"], "params")
    assert "params.bias_forgotten" in sensitive_keys(with_bias)
    assert "params.bias_forgotten" not in sensitive_keys(without)
    assert mistaken_answer(without, "params.bias_forgotten") is None
    unpadded = make("3x32x32", ["Conv2d(3, 8, kernel_size=3)"], "shape")
    assert "shape.pad_once" not in sensitive_keys(unpadded)


@pytest.mark.parametrize("kind", ["shapes", "params", "rf", "macs"])
def test_a_mistaken_answer_is_diagnosed_as_wrong(kind):
    """For each rule a problem is sensitive to, the answer under that rule is graded wrong and
    diagnosed (the rule itself, or another that gives the same number)."""
    for i in range(6):
        p = problem(kind, 2, 8, i)
        for key in sorted(sensitive_keys(p)):
            value = mistaken_answer(p, key)
            if value is None:  # sensitive only through a combined rule
                continue
            typed = format_answer(p.quantity, value if isinstance(value, int) else list(value), p.order)
            feedback = check_answer(p, typed)
            assert not feedback.correct and feedback.mistakes, (p.id, key, typed)
