"""`drill --plain` as a newcomer uses it: attempts saved, typos asked again, --worked all of them."""

from __future__ import annotations

import sqlite3

from click.testing import CliRunner

from studytui.cli import cli
from studytui.drills import generate
from studytui.drills.generate import worked_problems


def invoke(args, stdin):
    return CliRunner().invoke(cli, args, input=stdin, catch_exceptions=False)


def _attempts(db):
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT family, level, correct, typed, review_id IS NOT NULL FROM drill_attempt ORDER BY id").fetchall()


def test_plain_attempts_are_recorded_like_the_tui(tmp_path):
    db = tmp_path / "plain.db"
    p = generate("shapes", 1, 4, 2)
    result = invoke(["--db", str(db), "drill", "shapes", "--plain", "--count", "2", "--seed", "4"],
                    f"{p[0].answer_text}\n1x1x1\n")
    assert result.stdout.splitlines()[-1] == "score: 1/2"
    assert _attempts(db) == [(p[0].family, 1, 1, p[0].answer_text, 1), (p[1].family, 1, 0, "1x1x1", 1)]
    with sqlite3.connect(db) as conn:  # scheduled as the drill card, Good then Again
        assert conn.execute("SELECT card_id, rating FROM review ORDER BY id").fetchall() == [
            (f"drill:{p[0].family}:1", 3), (f"drill:{p[1].family}:1", 1)]


def test_empty_and_unreadable_answers_are_asked_again_not_marked_wrong(_temporary_database):
    p = generate("params", 1, 6, 2)
    result = invoke(["drill", "params", "--plain", "--count", "2", "--seed", "6"],
                    f"\n12 apples\n{p[0].answer_text}\nskip\n")
    lines = result.stdout.splitlines()
    assert "no answer given: type one (or skip)" in lines
    assert any(ln.startswith("could not read that as an answer") for ln in lines)
    assert [ln for ln in lines if ln.startswith(("correct", "incorrect"))] == [f"correct: {p[0].answer_text}"]
    assert f"skipped: expected {p[1].answer_text}" in lines
    assert lines[-1] == "score: 1/1"  # the skipped problem is not scored
    assert [a[2] for a in _attempts(_temporary_database)] == [1]


def test_worked_runs_every_worked_problem_not_ten():
    total = len(worked_problems("mixed"))
    assert total > 10  # else this test would not tell the two apart
    result = invoke(["drill", "mixed", "--worked", "--plain"], "skip\n" * total)
    assert result.stdout.count("skipped: expected") == total
    assert f"problem {total}/{total}" in result.stdout
    few = invoke(["drill", "mixed", "--worked", "--plain", "--count", "3"], "skip\n" * total)
    assert few.stdout.count("skipped: expected") == 3
