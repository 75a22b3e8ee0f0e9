"""The core stays light: no torch, textual or sympy at import time (design principle 2)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "textual", "sympy", "torchvision", "matplotlib")


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", [
    "studytui.calc", "studytui.calc.zoo", "studytui.drills", "studytui.study.deck", "studytui.study.store",
    "studytui.study.scheduler", "studytui.study.importer", "studytui.cli",
])
def test_core_module_imports_nothing_heavy(module):
    assert loaded_after(f"import {module}") == set()


def test_calculating_a_model_needs_no_torch():
    assert loaded_after("from studytui.calc import analyze_model; analyze_model('resnet50')") == set()


def test_generating_drills_needs_no_torch_or_sympy():
    assert loaded_after("from studytui.drills import generate; generate('mixed', 3, 1, 20)") == set()


def test_tui_app_module_does_not_import_torch_or_sympy():
    assert loaded_after("import studytui.tui.app") <= {"textual"}


def test_cli_help_is_light():
    assert loaded_after(
        "from click.testing import CliRunner; from studytui.cli import cli; CliRunner().invoke(cli, ['--help'])"
    ) == set()


def test_calc_command_without_verify_needs_no_torch():
    code = ("from click.testing import CliRunner; from studytui.cli import cli; "
            "r = CliRunner().invoke(cli, ['calc', '--model', 'resnet18', '--json']); assert r.exit_code == 0, r.output")
    assert loaded_after(code) == set()
