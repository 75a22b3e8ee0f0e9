"""Every CLI command under a held lock, a read-only or full file system, a bad stored setting, a
YAML bomb, no terminal: one clear line, non-zero exit, nothing lost, no lockout."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from .conftest import (ROOT, add_reviews, cli_env, in_namespace, needs_namespace, one_line_error,
                       read_only_bind, reviews, studytui, tiny_tmpfs)

HERE = Path(__file__).parent


def test_settings_under_another_programs_write_lock_is_one_line(tmp_path):
    """K4 (waits the 10 s busy timeout, then says why)."""
    db = tmp_path / "s.db"
    add_reviews(db, 2)
    holder = subprocess.Popen([sys.executable, str(HERE / "lock_holder.py"), str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=cli_env(), cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "locked"
        line = one_line_error(studytui("settings", "--db", str(db), "--retention", "0.8"))
        assert "another program is writing" in line
        assert studytui("stats", "--db", str(db)).returncode == 0  # readers are not blocked
    finally:
        holder.kill()
        holder.wait()
    assert json.loads(studytui("settings", "--db", str(db), "--json").stdout)["desired_retention"] == 0.9


def test_a_bad_stored_setting_does_not_lock_out_settings_itself(tmp_path):
    """S3/T4: an unbounded learning step saved by an older version."""
    db = tmp_path / "s.db"
    add_reviews(db, 3)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('settings', ?)",
                     (json.dumps({"learning_steps_s": [99999999 * 86400.0]}),))
    out = studytui("stats", "--db", str(db))
    assert out.returncode == 0, out.stderr
    out = studytui("settings", "--db", str(db), "--learning-steps", "1m,10m")
    assert out.returncode == 0 and "saved." in out.stdout and "not valid" in out.stderr
    assert "not valid" not in studytui("settings", "--db", str(db)).stderr


def test_unbounded_learning_steps_are_refused_in_one_line(tmp_path):
    """S2."""
    for step in ("99999999d", "9999999999d", "0s"):
        line = one_line_error(studytui("settings", "--db", str(tmp_path / "s.db"), "--learning-steps", step))
        assert "between 1s and 365d" in line


def test_tui_commands_without_a_terminal_exit_at_once(tmp_path):
    """K6: they used to start the TUI blind and never exit."""
    for args in (["review"], [], ["exam"]):
        line = one_line_error(studytui(*args, "--db", str(tmp_path / "s.db"), timeout=60))
        assert "needs a terminal" in line


def test_exam_minutes_nan_is_one_line(tmp_path):
    """P2."""
    assert "--minutes" in one_line_error(studytui("exam", "--minutes", "nan", "--db", str(tmp_path / "s.db")))


def test_an_empty_studytui_db_is_not_the_default_database(tmp_path):
    """S10: STUDYTUI_DB="" silently used (and created) the default database."""
    out = studytui("stats", HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), STUDYTUI_DB="")
    assert "STUDYTUI_DB is set but empty" in one_line_error(out)
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").rglob("*.db"))


def test_a_yaml_bomb_in_imported_is_refused_fast(tmp_path):
    """H1: a 563-byte billion-laughs file hung every command."""
    db = tmp_path / "s.db"
    studytui("stats", "--db", str(db))
    imported = tmp_path / "imported"
    imported.mkdir(exist_ok=True)
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    (imported / "bomb.yaml").write_text("topic: bomb\ntitle: Bomb\n" + "\n".join(levels) + "\ncards: []\n")
    start = time.monotonic()
    out = studytui("stats", "--db", str(db), timeout=60)
    assert out.returncode == 0 and time.monotonic() - start < 30
    out = studytui("check", str(imported / "bomb.yaml"))
    assert out.returncode == 1 and "aliases" in out.stdout


def test_check_and_drill_plain_read_dev_zero_with_a_limit():
    """H4/D3 for check and drill --plain."""
    out = studytui("check", "/dev/zero", timeout=60)
    assert out.returncode == 1 and "larger than" in out.stdout
    with open("/dev/zero") as zero:
        out = subprocess.run([sys.executable, "-m", "studytui", "drill", "shapes", "--plain", "--seed", "1"],
                             stdin=zero, capture_output=True, text=True, timeout=60, env=cli_env(), cwd=ROOT)
    assert out.returncode == 1 and "longer than" in out.stderr


def test_an_abandoned_creation_is_cleaned_up(tmp_path):
    """S21: a kill while creating left .NAME.new-PID-TID files forever."""
    db = tmp_path / "s.db"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    leftover = tmp_path / f".s.db.new-{pid}-1"
    leftover.write_bytes(b"half")
    Path(f"{leftover}-journal").write_bytes(b"half")
    assert studytui("stats", "--db", str(db)).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".s.db.new")) == []


@needs_namespace
def test_read_only_folder_reads_work_and_writes_are_one_line(tmp_path):
    """S6/S7/S8, T3/S5: on a read-only file system."""
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "s.db"
    add_reviews(db, 4)
    setup = read_only_bind(folder)
    out = in_namespace(setup, "stats", "--db", str(db), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["reviews"] == 4
    assert "read-only" in one_line_error(in_namespace(setup, "settings", "--db", str(db), "--retention", "0.8"))
    assert "cannot create the database" in one_line_error(in_namespace(setup, "stats", "--db", str(folder / "new.db")))
    assert len(reviews(db)) == 4


@needs_namespace
def test_a_full_disk_is_one_line_and_loses_nothing(tmp_path):
    """F2/F3, F4: a full disk during a write, an export, and the commands after it."""
    folder = tmp_path / "full"
    folder.mkdir()
    script = (f"{tiny_tmpfs(folder, '200k')} && '{sys.executable}' -m studytui stats --db '{folder}/s.db' >/dev/null"
              f" && dd if=/dev/zero of='{folder}/filler' bs=4k 2>/dev/null; true")
    out = subprocess.run(["unshare", "-rm", "sh", "-c", script + f" && '{sys.executable}' -m studytui settings --db"
                          f" '{folder}/s.db' --retention 0.8; echo rc=$?; '{sys.executable}' -m studytui export --anki"
                          f" '{folder}/d.apkg'; echo rc=$?; ls -a '{folder}'"],
                         capture_output=True, text=True, timeout=180, env=cli_env(), cwd=ROOT)
    assert "Traceback" not in out.stderr, out.stderr
    assert out.stdout.count("rc=1") == 2, out.stdout + out.stderr
    assert "d.apkg" not in out.stdout and ".tmp" not in out.stdout  # no partial package, no litter
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and ("full" in errors[0] or "space" in errors[0]), out.stderr
