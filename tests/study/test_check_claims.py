"""`studytui check` recomputes each card's numeric claim: a wrong number fails with file:line."""

from __future__ import annotations

import subprocess
import sys

import yaml

from .conftest import write_topic


def _with_check(path, card_index, check):
    data = yaml.safe_load(path.read_text())
    data["cards"][card_index]["check"] = check
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def run_check(*paths):
    """`studytui check PATHS` in a fresh interpreter, which must not have imported torch at exit."""
    code = ("import sys\nfrom studytui.cli import main\nsys.argv = ['studytui', 'check', *sys.argv[1:]]\n"
            "try:\n    main()\nfinally:\n    assert 'torch' not in sys.modules, 'check imported torch'\n")
    return subprocess.run([sys.executable, "-c", code, *map(str, paths)], capture_output=True, text=True, timeout=120)


def test_a_wrong_claim_fails_with_file_and_line(deck_dirs):
    cards, _ = deck_dirs
    good = {"input": "3x32x32", "layers": ["Conv2d(3, 16, 3)"], "expect": {"params": 448, "output": [16, 30, 30]}}
    _with_check(cards / "alpha.yaml", 0, good)
    ok = run_check(cards)
    assert ok.returncode == 0 and ok.stdout.startswith("ok: 5 cards"), ok.stdout + ok.stderr

    _with_check(cards / "beta.yaml", 1, {"input": "3x32x32", "layers": ["Conv2d(3, 16, 3)"], "expect": {"params": 449}})
    line = next(i for i, text in enumerate((cards / "beta.yaml").read_text().splitlines(), 1) if "params: 449" in text)
    bad = run_check(cards)
    assert bad.returncode == 1
    assert f"{cards / 'beta.yaml'}:{line}: card 'beta-1': check claims params 449, the calculator says 448" in bad.stdout
    assert "Traceback" not in bad.stderr


def test_a_claim_the_calculator_cannot_compute_is_reported(tmp_path):
    cards = tmp_path / "cards"
    cards.mkdir()
    (tmp_path / "demos").mkdir()
    (tmp_path / "demos" / "demo.py").write_text("")
    path = write_topic(cards, "gamma", 1)
    _with_check(path, 0, {"input": "3x8x8", "layers": ["Conv2d(4, 16, 3)"], "expect": {"params": 1}})
    bad = run_check(path)
    assert bad.returncode == 1 and f"{path}:" in bad.stdout and "cannot be computed" in bad.stdout
