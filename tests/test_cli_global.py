"""Global options of the `studytui` command."""

from __future__ import annotations

import json
import subprocess
import sys

from studytui import __version__


def run(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "studytui", *args], capture_output=True, text=True, env=env)


def test_version():
    out = run("--version")
    assert out.returncode == 0 and __version__ in out.stdout


def test_db_works_before_and_after_the_subcommand(tmp_path):
    db = tmp_path / "mine.db"
    before = run("--db", str(db), "stats", "--json")
    after = run("stats", "--json", "--db", str(db))
    assert before.returncode == after.returncode == 0, before.stderr + after.stderr
    assert json.loads(before.stdout)["reviews"] == json.loads(after.stdout)["reviews"] == 0
    assert db.exists()


def test_db_from_the_environment(tmp_path):
    import os

    db = tmp_path / "env.db"
    out = run("stats", "--json", env={**os.environ, "STUDYTUI_DB": str(db)})
    assert out.returncode == 0 and db.exists()


def test_a_foreign_file_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "notes.txt"
    db.write_bytes(b"my precious notes\n")
    out = run("stats", "--db", str(db))
    assert out.returncode == 1 and "not a studytui database" in out.stderr and "Traceback" not in out.stderr
    assert db.read_bytes() == b"my precious notes\n"


def test_review_of_an_unknown_topic_is_refused_before_the_app_opens(tmp_path):
    out = run("review", "--topic", "cnn-basic", "--db", str(tmp_path / "r.db"))
    assert out.returncode == 1 and "unknown topic 'cnn-basic'; topics: cnn-basics" in out.stderr
