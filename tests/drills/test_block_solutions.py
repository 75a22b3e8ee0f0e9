"""Worked solutions of residual-block problems read as steps a student can follow.

The block's inner layers and its shortcut are spelled out with their own numbers, and the usual
slips (the ×4 expansion forgotten, a projection shortcut left out or counted for an identity)
are named. The full text of two level-3 solutions is kept as a snapshot (tests/drills/snapshots)
so any change to how they read is seen in review; regenerate with STUDYTUI_UPDATE_SNAPSHOTS=1.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from studytui.calc import analyze
from studytui.drills import check_answer, generate
from studytui.drills.problems import make_problem

SNAPSHOTS = Path(__file__).parent / "snapshots"


def block_problem(input_shape, layers, quantity, level=3):
    family = {"shape": "shapes", "params": "params", "macs": "macs", "rf": "rf"}[quantity]
    return make_problem(kind=family, family=family, level=level, seed=0, index=0,
                        report=analyze(input_shape, layers), quantity=quantity, layer=None)


@pytest.mark.parametrize("name, input_shape, layers, quantity", [
    ("bottleneck_params", "16x78x78", ["Bottleneck(16, 64, stride=2)"], "params"),
    ("basicblock_stage_shape", "64x16x16", ["Sequential(BasicBlock(64, 128, stride=2), BasicBlock(128, 128))"], "shape"),
])
def test_level3_block_solution_snapshot(name, input_shape, layers, quantity):
    text = "\n".join(block_problem(input_shape, layers, quantity).solution) + "\n"
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("STUDYTUI_UPDATE_SNAPSHOTS") or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_bottleneck_params_are_the_sum_of_the_steps_shown():
    p = block_problem("16x78x78", ["Bottleneck(16, 64, stride=2)"], "params")
    steps = "\n".join(p.solution)
    for part in ("main path: conv1", "main path: conv3", "shortcut: 0 Conv2d(16, 256, 1, stride=2",
                 "expansion ×4", "projection"):
        assert part in steps
    # every top-level term of the block's total is a layer shown above it
    total_line = next(s for s in p.solution if s.strip().startswith("total =") and s.startswith("    total"))
    terms = [int(t.replace(",", "")) for t in re.findall(r"[\d,]+", total_line.split("=")[1])]
    assert sum(terms) == p.answer


def test_identity_shortcut_is_said_to_have_no_parameters():
    p = block_problem("64x8x8", ["BasicBlock(64, 64)"], "params")
    assert any("shortcut: the identity" in s and "no parameters" in s for s in p.solution)


@pytest.mark.parametrize("layers, quantity, wrong, words", [
    (["Bottleneck(16, 64, stride=2)"], "params", lambda p: p.answer - 4096 - 512, "projection shortcut"),
    (["BasicBlock(64, 64)"], "params", lambda p: p.answer + 64 * 64 + 2 * 64, "counted where the shortcut is the identity"),
    (["Bottleneck(16, 64, stride=2)"], "shape", lambda p: "64x39x39", "×4 expansion forgotten"),
])
def test_block_slips_are_named(layers, quantity, wrong, words):
    shape = "16x78x78" if "16" in layers[0] else "64x8x8"
    p = block_problem(shape, layers, quantity)
    given = wrong(p)
    feedback = check_answer(p, given if isinstance(given, str) else str(given))
    assert not feedback.correct
    assert words in (feedback.diagnosis or ""), feedback.diagnosis


def test_expansion_forgotten_in_a_bottleneck_count():
    p = block_problem("64x8x8", ["Bottleneck(64, 64)"], "params")
    # without the ×4, conv3 gives 64 channels (64·64 weights, 2·64 BN) and, with 64 in and 64 out, no
    # projection shortcut is needed
    conv3_and_bn3 = 64 * 256 + 2 * 256
    projection = 64 * 256 + 2 * 256
    unexpanded = p.answer - conv3_and_bn3 - projection + 64 * 64 + 2 * 64
    feedback = check_answer(p, str(unexpanded))
    assert "×4 expansion forgotten" in (feedback.diagnosis or ""), feedback.diagnosis


def test_generated_level3_block_solutions_show_inner_layers():
    shown = 0
    for p in generate("params", count=30, seed=5, level=3):
        asked = [p.report.rows[p.layer]] if p.layer is not None else p.report.rows
        if any(r.layer.children() for r in asked):
            text = "\n".join(p.solution)
            assert "main path:" in text or "[0]" in text, text
            assert not re.search(r"\b\d+ \d+ \+ \d+ \d+", text), text  # no unlabeled "0 81 + 1 6" sums
            shown += 1
    assert shown
