"""Generation: reproducible, valid, varied; every problem has the documented JSON keys."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studytui.calc import analyze
from studytui.drills import check_answer, generate, problem
from studytui.drills.families import FAMILIES, KINDS
from studytui.drills.problems import problem_from_json
from studytui.errors import StudytuiError

KEYS = {"kind", "level", "seed", "input", "layers", "ask", "prompt", "answer", "solution", "order",
        "snippet", "id", "card_id"}


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_json(kind):
    for level in (1, 2, 3):
        a = [p.to_json() for p in generate(kind, level, seed=42, count=25)]
        b = [p.to_json() for p in generate(kind, level, seed=42, count=25)]
        assert json.dumps(a) == json.dumps(b)
        c = [p.to_json() for p in generate(kind, level, seed=43, count=25)]
        assert a != c


def test_same_json_in_a_fresh_interpreter():
    """No dependence on hash randomisation or process state: a new process agrees."""
    code = ("import json; from studytui.drills import generate; "
            "print(json.dumps([p.to_json() for p in generate('mixed', 3, 5, 15)]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": ""}).stdout
    assert json.loads(out) == [p.to_json() for p in generate("mixed", 3, 5, 15)]


def test_problem_i_does_not_depend_on_count():
    assert generate("shapes", 2, 9, 10)[7].to_json() == problem("shapes", 2, 9, 7).to_json()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("level", [1, 2, 3])
def test_few_duplicates_in_1000(kind, level):
    problems = generate(kind, level, seed=1, count=1000)
    keys = {json.dumps([p.input, p.layers, p.quantity, p.layer, p.order]) for p in problems}
    assert 1000 - len(keys) < 50, f"{1000 - len(keys)} duplicates"


@pytest.mark.parametrize("kind", KINDS)
def test_json_keys_and_types(kind):
    for level in (1, 2, 3):
        for p in generate(kind, level, seed=3, count=20):
            data = p.to_json()
            assert KEYS <= data.keys()
            assert data["ask"]["quantity"] in ("shape", "params", "rf", "macs")
            assert data["ask"]["layer"] is None or 0 <= data["ask"]["layer"] < len(data["layers"])
            if data["ask"]["quantity"] in ("shape", "rf"):
                assert isinstance(data["answer"], list)
            else:
                assert isinstance(data["answer"], int)
            assert data["card_id"] == f"drill:{data['family']}:{level}"
            assert data["family"] in FAMILIES
            assert data["id"] == f"{kind}:{level}:3:{p.index}"
            assert data["solution"] and all(isinstance(s, str) for s in data["solution"])
            assert len(data["input"]) == 3
            json.dumps(data)


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(KINDS), level=st.sampled_from([1, 2, 3]), seed=st.integers(0, 2**40),
       index=st.integers(0, 10_000))
def test_any_seed_gives_a_valid_problem_that_round_trips(kind, level, seed, index):
    p = problem(kind, level, seed, index)
    # the layer texts are what the calculator (and torch) would be given: re-parse them
    if not p.model:
        report = analyze(tuple(p.input), p.layers)
        assert [r.output for r in report.rows] == [r.output for r in p.report.rows]
    again = problem_from_json(p.to_json())
    assert again.to_json() == p.to_json()
    assert check_answer(p, p.answer_text).correct


def test_bad_kind_and_level():
    with pytest.raises(StudytuiError, match="unknown drill kind"):
        generate("volume", 1, 0, 1)
    with pytest.raises(StudytuiError, match="level"):
        generate("shapes", 4, 0, 1)


def test_level_features():
    """Level 1 is one layer with square kernels; level 3 reaches the advanced layer kinds."""
    for p in generate("shapes", 1, 0, 200):
        assert len(p.layers) == 1 and "(3, 5)" not in p.layers[0]
    text = " ".join(" ".join(p.layers) for p in generate("mixed", 3, 0, 600))
    for feature in ("dilation=", "groups=", "ceil_mode=True", "ConvTranspose2d", "output_padding=",
                    "BasicBlock", "Bottleneck", "Residual("):
        assert feature in text, feature
    assert any(p.model for p in generate("params", 3, 0, 400))
