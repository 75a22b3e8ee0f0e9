"""Start-up stays light: importing the TUI (and building the app) loads neither torch nor sympy."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("torch", "sympy", "textual_plotext", "pydantic", "fsrs", "studytui.drills", "studytui.calc")


def test_tui_import_does_not_load_heavy_modules(tmp_path):
    code = (
        "import sys, json\n"
        "from studytui.tui.app import make_app\n"
        f"make_app({str(tmp_path / 'x.db')!r})\n"
        f"print(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    loaded = json.loads(out.stdout)
    assert loaded == {m: False for m in HEAVY}, loaded


def test_cli_review_and_exam_commands_have_help():
    for name in ("review", "exam"):
        out = subprocess.run([sys.executable, "-m", "studytui", name, "--help"], capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        assert "--topic" in out.stdout if name == "review" else "--minutes" in out.stdout
