"""`studytui settings` changes what the scheduler uses, and refuses nonsense in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "studytui", *args], capture_output=True, text=True)


def test_changed_settings_reach_the_scheduler(tmp_path):
    db = tmp_path / "s.db"
    out = run("settings", "--db", str(db), "--retention", "0.8", "--new-per-day", "5", "--learning-steps", "2m,1h")
    assert out.returncode == 0, out.stderr
    assert json.loads(run("settings", "--db", str(db), "--json").stdout)["desired_retention"] == 0.8

    from studytui.study.scheduler import StudySession

    session = StudySession.open(db)
    try:
        assert session.settings.desired_retention == 0.8 and session.settings.new_per_day == 5
        assert session.settings.learning_steps == (timedelta(minutes=2), timedelta(hours=1))
        assert session.scheduler.desired_retention == 0.8
    finally:
        session.close()


def test_bad_settings_are_one_line_errors_and_change_nothing(tmp_path):
    db = tmp_path / "s.db"
    for args, word in ((["--retention", "1.5"], "between 0.5 and 0.99"), (["--learning-steps", "5x"], "must look like")):
        out = run("settings", "--db", str(db), *args)
        errors = [ln for ln in out.stderr.splitlines() if not ln.startswith("creating a new database at ")]
        assert out.returncode == 1 and word in out.stderr and len(errors) == 1
    assert json.loads(run("settings", "--db", str(db), "--json").stdout)["desired_retention"] == 0.9
