"""`export --anki`: atomic (a kill never truncates the previous package), no temp litter, no
silent overwrite of something that is not a package, one line for impossible paths."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from .conftest import ROOT, cli_env, one_line_error, studytui


def test_export_leaves_nothing_in_tmpdir(tmp_path):
    """E2: genanki's mkstemp copy of the deck used to stay in $TMPDIR after every export."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    out = studytui("export", "--anki", str(tmp_path / "deck.apkg"), "--db", str(tmp_path / "s.db"), TMPDIR=str(tmpdir))
    assert out.returncode == 0, out.stderr
    assert zipfile.is_zipfile(tmp_path / "deck.apkg")
    assert list(tmpdir.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.apkg", "tmp"]  # no temp file beside it


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_kill_during_export_keeps_the_previous_package_whole(tmp_path):
    """E1: the destination used to be truncated first; a kill left 0 bytes."""
    out = tmp_path / "deck.apkg"
    assert studytui("export", "--anki", str(out)).returncode == 0
    before = out.read_bytes()
    for delay in (0.3, 0.6, 0.9, 1.2, 1.5, 2.0):
        child = subprocess.Popen([sys.executable, "-m", "studytui", "export", "--anki", str(out)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=cli_env(), cwd=ROOT)
        time.sleep(delay)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        assert zipfile.is_zipfile(out) and len(out.read_bytes()) == len(before)


def test_an_existing_file_that_is_not_a_package_is_not_overwritten(tmp_path):
    """E3: a text file named *.apkg, or a symlink, used to be silently clobbered."""
    notes = tmp_path / "notes.apkg"
    notes.write_text("my notes\n")
    assert "not an Anki package" in one_line_error(studytui("export", "--anki", str(notes)))
    assert notes.read_text() == "my notes\n"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n")
    (tmp_path / "link.apkg").symlink_to(victim)
    assert "symbolic link" in one_line_error(studytui("export", "--anki", str(tmp_path / "link.apkg")))
    assert victim.read_text() == "keep\n"


def test_a_path_through_a_file_is_one_line(tmp_path):
    """E4."""
    (tmp_path / "notes.txt").write_text("x")
    line = one_line_error(studytui("export", "--anki", str(tmp_path / "notes.txt" / "x.apkg")))
    assert "notes.txt" in line
