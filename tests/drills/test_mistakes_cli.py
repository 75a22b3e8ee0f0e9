"""The CLI side of "where do I keep slipping": `drill --plain` logs the keys of a wrong answer,
aims later problems at recurring ones (unless --no-aim), and `stats` lists the top mistakes."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from studytui.cli import cli
from studytui.drills.diagnose import mistaken_answer
from studytui.drills.generate import problem


def invoke(args, stdin=""):
    return CliRunner().invoke(cli, args, input=stdin, catch_exceptions=False)


def biasless_answers(seed: int, count: int) -> tuple[str, int]:
    """Answers of a student who forgets the bias, for params problems (and how many are wrong)."""
    lines, wrong = [], 0
    for i in range(count):
        p = problem("params", 1, seed, i)
        value = mistaken_answer(p, "params.bias_forgotten")
        lines.append(p.answer_text if value is None else str(value))
        wrong += value is not None
    return "\n".join(lines) + "\n", wrong


def test_plain_mode_logs_the_keys_and_stats_lists_the_mistake(_temporary_database):
    stdin, wrong = biasless_answers(3, 8)
    assert wrong >= 2
    result = invoke(["drill", "params", "--plain", "--count", "8", "--seed", "3", "--no-aim"], stdin)
    assert result.exit_code == 0
    assert "aimed at" not in result.stdout
    with sqlite3.connect(_temporary_database) as conn:
        logged = conn.execute("SELECT correct, mistakes FROM drill_attempt ORDER BY id").fetchall()
    assert [m for c, m in logged if not c] == ["params.bias_forgotten"] * wrong
    assert all(m is None for c, m in logged if c)

    data = json.loads(invoke(["stats", "--json"]).stdout)
    top = data["mistakes"][0]
    assert (top["key"], top["label"], top["count"], top["this_week"], top["aimed"]) == (
        "params.bias_forgotten", "bias forgotten", wrong, wrong, True)
    assert top["trend"] == "rising"

    text = invoke(["stats"]).stdout
    assert "Top mistakes" in text and "bias forgotten" in text and "rising ↑" in text


def test_plain_mode_aims_once_a_mistake_recurs(_temporary_database):
    stdin, wrong = biasless_answers(3, 8)
    invoke(["drill", "params", "--plain", "--count", "8", "--seed", "3", "--no-aim"], stdin)
    aimed = invoke(["drill", "params", "--plain", "--count", "6", "--seed", "11"], "skip\n" * 6)
    assert "aimed at your recurring mistakes: bias forgotten (--no-aim: the usual mix)" in aimed.stdout
    plain = invoke(["drill", "params", "--plain", "--count", "6", "--seed", "11", "--no-aim"], "skip\n" * 6)
    assert "aimed at" not in plain.stdout
    ids = lambda out: [ln for ln in out.splitlines() if ln.startswith("problem ")]  # noqa: E731
    assert ids(plain.stdout) == [f"problem {i + 1}/6 [params:1:11:{i}]" for i in range(6)]
    assert any("~" in ln for ln in ids(aimed.stdout))  # some slots took an aimed draw


def test_json_never_aims(_temporary_database):
    stdin, _ = biasless_answers(3, 8)
    invoke(["drill", "params", "--plain", "--count", "8", "--seed", "3"], stdin)
    out = json.loads(invoke(["drill", "params", "--json", "--count", "5", "--seed", "11"]).stdout)
    assert [p["id"] for p in out] == [f"params:1:11:{i}" for i in range(5)]


def test_stats_without_drills_has_an_empty_mistake_list(_temporary_database):
    data = json.loads(invoke(["stats", "--json"]).stdout)
    assert data["mistakes"] == []
    assert "Top mistakes" not in invoke(["stats"]).stdout


def test_an_unknown_key_in_the_log_is_shown_as_plain_text(_temporary_database):
    invoke(["stats", "--json"])  # creates the database
    with sqlite3.connect(_temporary_database) as conn:
        conn.executemany("INSERT INTO drill_attempt (at, family, level, correct, mistakes) VALUES (?, 'rf', 1, 0, ?)",
                         [(1_700_000_000_000, "[bold]x\x1b[31m"), (1_700_000_000_001, "[bold]x\x1b[31m")])
    text = invoke(["stats"]).stdout
    assert "[bold]x" in text and "\x1b[31m" not in text
