"""`studytui calc` as a user runs it, and the safe layer parser."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studytui.calc import analyze, parse_call
from studytui.errors import StudytuiError


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "studytui", *args], capture_output=True, text=True)


def test_calc_json_matches_the_design_schema():
    out = run("calc", "--input", "3x32x32", "Conv2d(3, 16, kernel_size=3, padding=1)", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "input": [3, 32, 32],
        "layers": [{"name": "Conv2d(3, 16, kernel_size=3, padding=1)", "output": [16, 32, 32],
                    "params": 448, "macs": 442368, "rf": [3, 3], "jump": [1, 1]}],
        "output": [16, 32, 32], "params": 448, "macs": 442368, "rf": [3, 3], "jump": [1, 1]}


def test_model_json_lists_stages_and_nulls_after_pooling():
    data = json.loads(run("calc", "--model", "resnet18", "--json").stdout)
    assert [layer["name"] for layer in data["layers"]] == [
        "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "flatten", "fc"]
    assert data["params"] == 11_689_512 and data["output"] == [1000]
    assert data["layers"][-1]["rf"] is None and data["rf"] == [435, 435] and data["jump"] == [32, 32]


def test_verify_says_verified_by_torch():
    out = run("calc", "--input", "3x16x16", "Conv2d(3, 8, 3, stride=2, padding=1)", "MaxPool2d(2)", "--verify")
    assert out.returncode == 0, out.stderr
    assert "verified by torch" in out.stdout


@pytest.mark.parametrize("args,message", [
    (["Conv2d(3, 16, 3)", "Conv2d(32, 8, 3)"], "layer 2 (Conv2d(32, 8, 3)) expects 32 input channels, gets 16"),
    (["--input", "3x4x4", "Conv2d(3, 8, 5)"], "layer 1 (Conv2d(3, 8, 5)): padded input 4 is smaller than the kernel 5"),
    (["Conv2D(3, 8, 3)"], "did you mean Conv2d?"),
    (["Conv2d(3, 8)"], "missing required argument kernel_size"),
    (["Conv2d(3, 8, 3, stride=2, padding='same')"], "padding='same' is not supported for strided convolutions"),
    (["MaxPool2d(2, padding=2)"], "padding (2) must be at most half the kernel size"),
    (["Flatten()", "Linear(100, 10)"], "expects 100 input features, gets a flat vector of 3072"),
    (["__import__('os').system('touch /tmp/studytui-pwned')"], "not a layer name"),
    (["Conv2d(3, 8, x)"], "only literal arguments are allowed"),
    (["--model", "resnet19"], "unknown model 'resnet19'; models: resnet18"),
    (["--input", "3x32x32x2", "ReLU()"], "input shape must be C x H x W"),
    (["ReLU"], "ReLU is a class, not a layer: write ReLU() with parentheses"),
    (["Linear(2 ** 4096, 3)"], "'2 ** 4096' is too large"),
    (["Conv2d(3, 8, 3, padding=3 / 2)"], "use // for whole-number division"),
    (["Conv2d(3, " + "-" * 3000 + "16, 3)"], "nested too deeply"),
    (["Sequential(" * 170 + "ReLU()" + ")" * 170], "nested too deeply"),
])
def test_bad_input_is_one_clear_line(args, message):
    out = run("calc", *args)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr
    assert message in lines[0]


def test_nothing_is_ever_evaluated(tmp_path):
    target = tmp_path / "pwned"
    for text in [f"__import__('os').system('touch {target}')", f"Conv2d(3, 8, open('{target}', 'w'))",
                 "Conv2d(*[3, 8, 3])", "(lambda: 1)()", "Conv2d(3, 8, 3)[0]", "ReLU().__class__"]:
        with pytest.raises(StudytuiError):
            analyze("3x8x8", [text])
    assert not target.exists()


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_parser_only_ever_raises_its_own_error(text):
    try:
        parse_call(text)
    except StudytuiError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="Conv2dReLUMaxPol()[],=0123456789 -'x_.", max_size=60))
def test_analyze_only_ever_raises_its_own_error(text):
    try:
        analyze("3x16x16", [text])
    except StudytuiError:
        pass


def test_nested_blocks_and_nn_prefix_parse():
    report = analyze("16x8x8", ["nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.ReLU())",
                                "torch.nn.BasicBlock(16, 32, stride=2)"])
    assert report.output == (32, 4, 4)


def test_tutorial_arithmetic_and_pasted_line_forms_are_read():
    report = analyze("16x5x5", ["nn.Flatten(),", "nn.Linear(16 * 5 * 5, 120)", "Linear(120, 2 ** 5 + 64 // 2 - 100 % 7)",
                                "Linear(62, 10, device='cpu', dtype=torch.float16)"])
    assert [r.output for r in report.rows] == [(400,), (120,), (62,), (10,)]
    assert report.rows[3].name == "Linear(62, 10)"  # the ignored arguments leave the name


@pytest.mark.parametrize("text", ["Conv2d(3,\x00 8)", "(" * 150 + ")" * 150, "[" * 1000, "1e999999",
                                  "Conv2d(3, 8, 3, padding=" + "9" * 5000 + ")", "Conv2d(3, 8, 3, **{'a': 1})"])
def test_hostile_layer_text_is_refused_quickly(text):
    import time

    start = time.perf_counter()
    with pytest.raises(StudytuiError):
        analyze("3x8x8", [text])
    assert time.perf_counter() - start < 0.5
