"""The slips a newcomer made that went undiagnosed: H and W swapped, a rounded count, one number
for a non-square receptive field; and no stray "groups ignored" when there are no groups."""

from __future__ import annotations

import pytest

from studytui.calc import analyze
from studytui.drills import check_answer
from studytui.drills.problems import make_problem


def make(input_shape, layers, quantity, order="CxHxW"):
    family = {"shape": "shapes", "params": "params", "rf": "rf", "macs": "macs"}[quantity]
    return make_problem(kind=family, family=family, level=1, seed=0, index=0,
                        report=analyze(input_shape, layers), quantity=quantity, layer=None, order=order)


@pytest.mark.parametrize("input_shape,layers,quantity,order,typed,words", [
    ("3x32x24", ["Conv2d(3, 8, kernel_size=3, padding=1)"], "shape", "CxHxW", "8x24x32", "height and width swapped"),
    ("3x32x24", ["Conv2d(3, 8, kernel_size=3, padding=1)"], "shape", "HxWxC", "24x32x8", "height and width swapped"),
    ("3x32x32", ["Conv2d(3, 256, kernel_size=3)"], "params", "CxHxW", "7k", "rounded"),          # 7168
    ("64x32x32", ["Conv2d(64, 128, kernel_size=3)"], "params", "CxHxW", "73.9k", "rounded"),     # 73856
    ("3x64x64", ["Conv2d(3, 64, kernel_size=3, padding=1)"], "macs", "CxHxW", "7.08M", "rounded"),  # 7077888
    ("1x32x32", ["Conv2d(1, 1, (3, 5))", "Conv2d(1, 1, 3)"], "rf", "CxHxW", "7", "not square"),   # 5x7
    ("1x32x32", ["Conv2d(1, 1, (3, 5))", "Conv2d(1, 1, 3)"], "rf", "CxHxW", "5", "not square"),
])
def test_the_slip_is_named(input_shape, layers, quantity, order, typed, words):
    feedback = check_answer(make(input_shape, layers, quantity, order), typed)
    assert not feedback.correct and feedback.diagnosis and words in feedback.diagnosis, feedback.diagnosis


def test_bias_forgotten_without_groups_is_one_diagnosis():
    p = make("3x32x32", ["Conv2d(3, 16, kernel_size=3)"], "params")
    assert check_answer(p, "432").diagnosis == "bias forgotten: each output channel (or unit) has one bias"
    grouped = make("8x32x32", ["Conv2d(8, 16, kernel_size=3, groups=2)"], "params")
    # 16·4·9 + 16 = 592; groups ignored and bias forgotten: 16·8·9 = 1152
    assert "groups ignored and bias forgotten" in check_answer(grouped, "1152").diagnosis


def test_an_exact_answer_written_with_k_is_still_correct():
    p = make("3x32x32", ["Conv2d(3, 256, kernel_size=3, bias=False)"], "params")  # 6912
    assert check_answer(p, "6.912k").correct
