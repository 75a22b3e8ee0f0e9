"""Every generated answer equals what real torch layers give.

Shapes, parameters and MACs: `torchcheck.measure` (meta device, FlopCounterMode) for every family
and level over many seeds. Receptive fields: `torchcheck.verify` (gradient of central units) on
a few hundred rf problems with small inputs.
"""

from __future__ import annotations

import pytest

from studytui.drills import generate, worked_problems
from studytui.drills.families import FAMILIES

torchcheck = pytest.importorskip("studytui.torchcheck")

SEEDS_PER_CASE = 200  # x 4 families x 3 levels = 2,400 problems, plus mixed


def torch_answer(problem, measured):
    """The answer to `problem` according to torch's own per-row measurements."""
    rows = measured if problem.layer is None else [measured[problem.layer]]
    if problem.quantity == "shape":
        return list(rows[-1]["output"])
    key = problem.quantity
    return sum(r[key] for r in rows)


@pytest.mark.parametrize("level", [1, 2, 3])
@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "rf"])
def test_counts_and_shapes_match_torch(family, level):
    problems = generate(family, level, seed=20240, count=SEEDS_PER_CASE)
    measured_models = {}
    for p in problems:
        if p.model:  # the same model report is measured once
            key = (p.model, p.input)
            if key not in measured_models:
                measured_models[key] = torchcheck.measure(p.report)
            measured = measured_models[key]
        else:
            measured = torchcheck.measure(p.report)
        assert torch_answer(p, measured) == p.answer, f"{p.id}: {p.layers} {p.quantity} {p.layer}"


@pytest.mark.parametrize("level", [1, 2, 3])
def test_mixed_matches_torch(level):
    for p in generate("mixed", level, seed=7, count=60):
        if p.quantity == "rf":
            continue
        assert torch_answer(p, torchcheck.measure(p.report)) == p.answer, p.id


@pytest.mark.parametrize("level", [1, 2, 3])
def test_receptive_fields_match_torch_gradients(level):
    count = 100 if level < 3 else 45  # level 3 stacks are deeper and slower to differentiate
    problems = generate("rf", level, seed=99, count=count)
    checked = 0
    for p in problems:
        from studytui.calc import analyze

        upto = p.row.index
        report = analyze(p.report.input, [r.layer for r in p.report.rows[: upto + 1]])
        diffs, how = torchcheck.check_receptive_field(report, max_pixels=300_000)
        assert not diffs, f"{p.id}: {p.layers}: {diffs}"
        assert "exact" in how or "clipped" in how
        assert list(report.rf) == p.answer
        checked += 1
    assert checked == count


def test_worked_problems_match_torch():
    for p in worked_problems("mixed"):
        if p.quantity == "rf":
            diffs, _ = torchcheck.check_receptive_field(p.report)
            assert not diffs, p.id
            continue
        assert torch_answer(p, torchcheck.measure(p.report)) == p.answer, p.id
