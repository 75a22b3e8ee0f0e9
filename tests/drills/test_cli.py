"""`studytui drill`: --json and --plain, as the design's CLI contract fixes them."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from studytui.cli import cli
from studytui.drills import generate


def invoke(args, stdin=None):
    return CliRunner().invoke(cli, args, input=stdin, catch_exceptions=False)


def test_json_lists_problems_with_answers():
    result = invoke(["drill", "params", "--json", "--count", "3", "--seed", "5", "--level", "2"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert len(data) == 3
    assert [d["answer"] for d in data] == [p.answer for p in generate("params", 2, 5, 3)]
    assert all(d["kind"] == "params" and d["level"] == 2 and d["seed"] == 5 for d in data)


def test_json_without_seed_picks_one_and_says_so():
    result = invoke(["drill", "shapes", "--json", "--count", "2"])
    assert result.exit_code == 0
    seeds = {d["seed"] for d in json.loads(result.stdout)}
    assert len(seeds) == 1


def test_plain_mode_grades_and_scores():
    problems = generate("macs", 1, 3, 3)
    answers = [problems[0].answer_text, "1", str(2 * problems[2].answer)]
    result = invoke(["drill", "macs", "--plain", "--count", "3", "--seed", "3"], "\n".join(answers) + "\n")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    # Piped input: verdict lines start with "correct"/"incorrect" themselves (no prompt in front).
    verdicts = [l for l in lines if l.startswith(("correct", "incorrect"))]
    assert len(verdicts) == 3
    assert verdicts[0].startswith("correct")
    assert verdicts[1].startswith("incorrect") and verdicts[2].startswith("incorrect")
    assert any("FLOPs" in l for l in lines)  # the diagnosis of the third answer
    assert lines[-1] == "score: 1/3"
    assert "seed 3" in lines[0]


def test_plain_mode_stops_at_eof():
    p = generate("shapes", 1, 8, 1)[0]
    result = invoke(["drill", "shapes", "--plain", "--count", "5", "--seed", "8"], p.answer_text + "\n")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "score: 1/1"


def test_not_a_terminal_falls_back_to_plain():
    result = invoke(["drill", "rf", "--count", "1", "--seed", "2"], "0\n")
    assert "incorrect" in result.stdout and "score: 0/1" in result.stdout


def test_worked_problems_in_plain_mode():
    result = invoke(["drill", "rf", "--worked", "--plain"], "7\n9\n")
    assert "score: 1/2" in result.stdout
    assert "likely mistake" in result.stdout


def test_bad_arguments_are_one_line_errors():
    proc = subprocess.run([sys.executable, "-m", "studytui", "drill", "volume", "--json"],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "studytui", "drill", "rf", "--json", "--plain"],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stderr.strip() == "error: choose one of --plain and --json"


def test_core_imports_neither_torch_nor_textual_nor_sympy():
    code = ("import sys; import studytui.drills, studytui.drills.generate, studytui.drills.diagnose, "
            "studytui.drills.snippet, studytui.drills.solution; "
            "from studytui.drills import generate; generate('mixed', 3, 1, 20); "
            "print(sorted(m for m in ('torch', 'textual', 'sympy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
