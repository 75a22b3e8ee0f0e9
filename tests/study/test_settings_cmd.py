"""`studytui settings` changes what the scheduler uses, and refuses nonsense in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta


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


SOON = (date.today() + timedelta(days=30)).isoformat()
LATER = (date.today() + timedelta(days=60)).isoformat()


def test_exam_date_is_set_shown_and_cleared(tmp_path):
    db = tmp_path / "s.db"
    assert json.loads(run("settings", "--db", str(db), "--json").stdout)["exam_date"] is None
    out = run("settings", "--db", str(db), "--exam-date", SOON)
    assert out.returncode == 0, out.stderr
    assert f"exam date          {SOON}" in out.stdout and "saved." in out.stdout
    assert json.loads(run("settings", "--db", str(db), "--json").stdout)["exam_date"] == SOON
    # other settings changed later keep the date
    assert run("settings", "--db", str(db), "--new-per-day", "7").returncode == 0
    shown = json.loads(run("settings", "--db", str(db), "--json").stdout)
    assert shown["exam_date"] == SOON and shown["new_per_day"] == 7
    assert run("settings", "--db", str(db), "--exam-date", "none").returncode == 0
    assert json.loads(run("settings", "--db", str(db), "--json").stdout)["exam_date"] is None


def test_a_past_or_malformed_exam_date_is_one_line_and_changes_nothing(tmp_path):
    db = tmp_path / "s.db"
    assert run("settings", "--db", str(db), "--exam-date", LATER).returncode == 0
    for value, word in (("2001-05-06", "is in the past"), ("next friday", "must be a date like 2026-12-20"),
                        ("2030-02-30", "must be a date like"), ("2999-01-01", "more than 5 years away")):
        out = run("settings", "--db", str(db), "--exam-date", value, "--new-per-day", "3")
        assert out.returncode == 1 and word in out.stderr, out.stderr
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    shown = json.loads(run("settings", "--db", str(db), "--json").stdout)
    assert shown["exam_date"] == LATER and shown["new_per_day"] == 20
