"""Each diagnosis fires on the answer its mistaken rule gives, and only then."""

from __future__ import annotations

import pytest

from studytui.calc import analyze
from studytui.drills import check_answer, worked_problems
from studytui.drills.problems import make_problem


def make(input_shape, layers, quantity, layer=None, order="CxHxW"):
    family = {"shape": "shapes", "params": "params", "rf": "rf", "macs": "macs"}[quantity]
    return make_problem(kind=family, family=family, level=1, seed=0, index=0,
                        report=analyze(input_shape, layers), quantity=quantity, layer=layer, order=order)


CASES = [
    # (input, layers, quantity, layer, order, wrong answer, words the diagnosis must contain)
    ("3x32x32", ["Conv2d(3, 16, kernel_size=3)"], "params", None, "CxHxW", "432", "bias forgotten"),
    ("3x32x32", ["Conv2d(3, 16, kernel_size=3, bias=False)"], "params", None, "CxHxW", "448", "bias added"),
    ("3x32x32", ["Conv2d(3, 8, kernel_size=3, stride=2)"], "shape", None, "CxHxW", "8x16x16", "rounded up"),
    ("3x31x31", ["MaxPool2d(2, ceil_mode=True)"], "shape", None, "CxHxW", "3x15x15", "ceil_mode=True"),
    ("3x32x32", ["Conv2d(3, 8, kernel_size=5, padding=2)"], "shape", None, "CxHxW", "8x30x30", "padding counted once"),
    ("3x32x32", ["Conv2d(3, 8, kernel_size=3, dilation=2)"], "shape", None, "CxHxW", "8x30x30", "dilation ignored"),
    ("3x32x32", ["Conv2d(3, 16, kernel_size=3, padding=1)"], "shape", None, "CxHxW", "32x32x16", "channels last"),
    ("3x32x32", ["Conv2d(3, 16, kernel_size=3, padding=1)"], "shape", None, "HxWxC", "16x32x32", "channels first"),
    ("3x32x32", ["MaxPool2d(2)"], "shape", None, "CxHxW", "3x31x31", "defaults to the kernel size"),
    ("3x32x32", ["Conv2d(3, 8, kernel_size=3)"], "shape", None, "CxHxW", "8x29x29", "forgot the +1"),
    ("3x32x32", ["Conv2d(3, 8, kernel_size=3)"], "shape", None, "CxHxW", "1x8x30x30", "batch dimension"),
    ("8x16x16", ["ConvTranspose2d(8, 4, kernel_size=3, stride=2, padding=1, output_padding=1)"], "shape", None,
     "CxHxW", "4x31x31", "output_padding forgotten"),
    ("8x16x16", ["ConvTranspose2d(8, 4, kernel_size=4, stride=2, padding=1)"], "shape", None,
     "CxHxW", "4x8x8", "upsamples"),
    ("1x32x32", ["Conv2d(1, 1, 3, padding=1)"] * 3, "rf", None, "CxHxW", "10", "k·jump"),
    ("1x32x32", ["Conv2d(1, 1, 3, padding=1)"] * 3, "rf", None, "CxHxW", "9", "added up"),
    ("1x32x32", ["Conv2d(1, 1, 3, stride=2, padding=1)", "Conv2d(1, 1, 3, padding=1)"], "rf", None, "CxHxW",
     "5", "strides ignored"),
    ("1x32x32", ["Conv2d(1, 1, 3, stride=2, padding=1)", "Conv2d(1, 1, 3, stride=2, padding=1)"], "rf", None,
     "CxHxW", "13", "own stride"),
    ("1x64x64", ["Conv2d(1, 1, 3, dilation=2)", "Conv2d(1, 1, 3)"], "rf", None, "CxHxW", "5", "dilation ignored"),
    ("1x32x32", ["Conv2d(1, 1, 3, padding=1)", "MaxPool2d(2)", "Conv2d(1, 1, 3, padding=1)"], "rf", None,
     "CxHxW", "5", "pooling layers left out"),
    ("1x32x32", ["Conv2d(1, 1, (3, 5), padding=1)"], "rf", None, "CxHxW", "5x3", "swapped"),
    ("3x32x32", ["Conv2d(3, 16, kernel_size=3, padding=1)"], "macs", None, "CxHxW", str(2 * 442368), "FLOPs"),
    ("3x32x32", ["Conv2d(3, 16, kernel_size=3, stride=2, padding=1)"], "macs", None, "CxHxW",
     str(16 * 32 * 32 * 27), "input's H×W"),
    ("32x16x16", ["Conv2d(32, 64, kernel_size=3, padding=1, groups=4, bias=False)"], "macs", None, "CxHxW",
     str(64 * 16 * 16 * 32 * 9), "groups ignored"),
    ("3x32x32", ["Conv2d(3, 16, kernel_size=3, padding=1)"], "macs", None, "CxHxW", "432", "number of weights"),
    ("64x8x8", ["BatchNorm2d(64)"], "params", None, "CxHxW", "256", "running mean"),
    ("64x8x8", ["BatchNorm2d(64)"], "params", None, "CxHxW", "257", "num_batches_tracked"),
    ("32x8x8", ["Conv2d(32, 64, kernel_size=3, groups=4, bias=False)"], "params", None, "CxHxW",
     str(64 * 32 * 9), "groups ignored"),
    ("64x16x16", ["BasicBlock(64, 128, stride=2)"], "params", None, "CxHxW",
     str(128 * 64 * 9 + 128 * 128 * 9 + 4 * 128), "shortcut"),
    ("64x16x16", ["Conv2d(64, 64, 3, padding=1, bias=False)", "BatchNorm2d(64)"], "params", None, "CxHxW",
     str(64 * 64 * 9), "batch norm left out"),
    ("3x32x32", ["Conv2d(3, 16, 3)", "Conv2d(16, 32, 3)"], "params", 1, "CxHxW", str(448 + 4640),
     "whole stack"),
    ("3x32x32", ["Conv2d(3, 16, 3)", "Conv2d(16, 32, 3)"], "shape", 1, "CxHxW", "16x30x30", "output of layer 1"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[-1] for c in CASES])
def test_diagnosis(case):
    input_shape, layers, quantity, layer, order, wrong, words = case
    p = make(input_shape, layers, quantity, layer, order)
    feedback = check_answer(p, wrong)
    assert not feedback.correct
    assert feedback.diagnosis is not None, f"no diagnosis for {wrong}"
    assert words in feedback.diagnosis, feedback.diagnosis
    right = check_answer(p, p.answer_text)
    assert right.correct and right.diagnosis is None


def test_material_rf_with_stride_mistake_is_named():
    p = next(w for w in worked_problems("rf") if w.id == "worked:rf-two-3x3-then-stride2")
    feedback = check_answer(p, "9")
    assert p.answer == [7, 7] and not feedback.correct
    assert "own stride" in feedback.diagnosis


def test_no_diagnosis_for_unrelated_answer():
    p = make("3x32x32", ["Conv2d(3, 16, kernel_size=3)"], "params")
    feedback = check_answer(p, "12345")
    assert not feedback.correct and feedback.diagnosis is None


def test_unreadable_answer_is_incorrect_with_reason():
    p = make("3x32x32", ["Conv2d(3, 16, kernel_size=3)"], "params")
    feedback = check_answer(p, "os.system('ls')")
    assert not feedback.correct and feedback.error and feedback.lines()[0].startswith("incorrect")


@pytest.mark.parametrize("text", ["16x30x30", "16 × 30 × 30", "[16, 30, 30]", "(16,30,30)"])
def test_shape_spellings_accepted(text):
    assert check_answer(make("3x32x32", ["Conv2d(3, 16, 3)"], "shape"), text).correct


def test_channels_last_accepted_when_asked():
    p = make("3x32x32", ["Conv2d(3, 16, 3)"], "shape", order="HxWxC")
    assert p.answer == [16, 30, 30] and p.answer_text == "30x30x16"
    assert check_answer(p, "30x30x16").correct
    assert not check_answer(p, "16x30x30").correct


def test_arithmetic_accepted_for_counts():
    p = make("3x32x32", ["Conv2d(3, 16, kernel_size=3, padding=1)"], "params")
    for text in ["3*3*3*16 + 16", "448", "0.448k"]:
        assert check_answer(p, text).correct, text


def test_square_rf_as_one_number():
    p = make("1x32x32", ["Conv2d(1, 1, 3)"] * 2, "rf")
    assert check_answer(p, "5").correct and check_answer(p, "5x5").correct
