"""The core stays light: no torch, textual or sympy at import time (design principle 2)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

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


# -- the floors as contracts (import-linter, configured in pyproject.toml) ---------------------
ROOT = Path(__file__).resolve().parents[1]


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """Run `lint-imports` on the package and contracts under `root` (its own copy of studytui)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", code, "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True)


def test_the_package_keeps_its_import_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("floors")
    shutil.copytree(ROOT / "studytui", root / "studytui", ignore=shutil.ignore_patterns("__pycache__", "_data"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.mark.parametrize("module, bad_import, broken", [
    ("calc/spec.py", "import studytui.drills.answers", "Layers"),  # the calculator reaching up
    ("calc/layers.py", "import studytui.torchcheck", "Layers"),  # ... to its own verifier
    ("drills/walk.py", "import studytui.tui.mathtext", "Layers"),  # the core reaching a shell
    ("study/drill_cards.py", "import torch", "torch-free"),  # torch in the core, even lazily
    ("drills/problem.py", "import studytui.drills.problems", "circles"),  # a circle inside a room
])
def test_a_wrong_import_breaks_a_contract(package_copy, module, bad_import, broken):
    path = package_copy / "studytui" / module
    original = path.read_text()
    try:
        # Inside a function body on purpose: hiding an import there must not hide it from the check.
        path.write_text(original + f"\n\ndef _sneaky():\n    {bad_import}  # noqa\n")
        result = lint_imports(package_copy)
    finally:
        path.write_text(original)
    assert result.returncode != 0, result.stdout
    broken_lines = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(broken in line for line in broken_lines), result.stdout
