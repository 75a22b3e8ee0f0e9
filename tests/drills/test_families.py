"""drills/*.yaml: every file loads; mistakes are reported as file:line; worked problems cover
the study material and get their answers from the calculator."""

from __future__ import annotations

from pathlib import Path

import pytest

from studytui.drills import load_family_file, worked_problems
from studytui.drills.families import FamilyFile, WorkedFile
from studytui.paths import DRILLS_DIR
from studytui.yamlload import YamlFileError


@pytest.mark.parametrize("path", sorted(DRILLS_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_every_drill_file_loads(path):
    load_family_file(path)


def test_unknown_field_is_reported_with_its_line(tmp_path: Path):
    text = (DRILLS_DIR / "shapes.yaml").read_text().replace("    whole: 1.0\n", "    whole: 1.0\n    wole: 2\n", 1)
    bad = tmp_path / "shapes.yaml"
    bad.write_text(text)
    line = text.splitlines().index("    wole: 2") + 1
    with pytest.raises(YamlFileError) as err:
        load_family_file(bad)
    assert f"shapes.yaml:{line}:" in str(err.value) and "wole" in str(err.value)


def test_bad_range_and_unknown_model(tmp_path: Path):
    bad = tmp_path / "f.yaml"
    bad.write_text("family: params\ntitle: t\nlevels:\n  - level: 1\n    depth: [3, 1]\n"
                   "    layers: [{kind: conv}]\n")
    with pytest.raises(YamlFileError, match=r"f.yaml:4: .*depth"):
        load_family_file(bad)
    bad.write_text("family: params\ntitle: t\nlevels:\n  - level: 1\n    layers: [{kind: conv}]\n"
                   "    model_chance: 0.1\n    models:\n      - model: resnet99\n        stages: [all]\n")
    with pytest.raises(YamlFileError, match=r"f.yaml:8: .*unknown model"):
        load_family_file(bad)


def test_worked_problem_that_torch_would_refuse(tmp_path: Path):
    bad = tmp_path / "w.yaml"
    bad.write_text("title: t\nworked:\n  - id: ok\n    prompt: a fine question here\n    input: 3x8x8\n"
                   "    layers: ['Conv2d(3, 4, 3)']\n    ask: {quantity: shape}\n"
                   "  - id: broken\n    prompt: a broken question here\n    input: 3x8x8\n"
                   "    layers: ['Conv2d(4, 4, 3)']\n    ask: {quantity: shape}\n")
    with pytest.raises(YamlFileError, match=r"w.yaml:8: .*expects 4 input channels"):
        load_family_file(bad)


def test_answers_are_never_in_the_yaml():
    assert isinstance(load_family_file(DRILLS_DIR / "worked.yaml"), WorkedFile)
    for path in DRILLS_DIR.glob("*.yaml"):
        assert "answer:" not in path.read_text()


EXPECTED = {  # cross-checks of the material's own numbers, where it states them correctly
    "worked:conv-5x5-no-padding": [16, 28, 28],
    "worked:conv-3x3-same-padding-params": 448,
    "worked:dense-3072-to-16-params": 49168,
    "worked:conv-3-to-64-params": 1792,
    "worked:dense-3072-to-64-params": 196672,
    "worked:maxpool-2x2-halves": [16, 16, 16],
    "worked:exam-64x64x32-stride2": [64, 32, 32],
    "worked:rf-three-3x3": [7, 7],
    "worked:rf-two-3x3-then-stride2": [7, 7],  # the material says 9: see the problem's note
    "worked:rf-three-3x3-then-pool": [8, 8],
    "worked:exam-64x64-total-params": 2432 + 18496,
    "worked:basicblock-params": 73984,
    "worked:bottleneck-params": 70400,
    "worked:head-flatten-params": 81930,
    "worked:head-gap-params": 5130,
    "worked:resnet18-layer3-params": 2099712,
    "worked:resnet9-params": 6575370,
}


def test_worked_answers():
    found = {p.id: p.answer for p in worked_problems("mixed")}
    for key, value in EXPECTED.items():
        assert found[key] == value, key


def test_worked_problems_by_kind():
    assert {p.quantity for p in worked_problems("rf")} == {"rf"}
    assert len(worked_problems("mixed")) == sum(len(worked_problems(k)) for k in ("shapes", "params", "rf", "macs"))


def test_family_levels_complete():
    for name in ("shapes", "params", "rf", "macs"):
        fam = load_family_file(DRILLS_DIR / f"{name}.yaml")
        assert isinstance(fam, FamilyFile) and sorted(s.level for s in fam.levels) == [1, 2, 3]
