"""The study commands from the outside: check, import, export, stats, optimize."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import write_topic


def run(*args: str, db: Path | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("STUDYTUI_DB", None)
    if db is not None:
        env["STUDYTUI_DB"] = str(db)
    return subprocess.run([sys.executable, "-m", "studytui", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120)


def no_traceback(p: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in p.stderr + p.stdout, p.stderr


def test_check_ok_and_errors(tmp_path, deck_dirs):
    cards, _ = deck_dirs
    ok = run("check", str(cards))
    no_traceback(ok)
    assert (ok.returncode, ok.stdout.strip()) == (0, "ok: 5 cards in 2 topics, 0 drill files")

    (cards / "broken.yaml").write_text("topic: x\ntitle: X\ndemo: demo.py\ncards:\n  - id: Bad\n    q: Q\n    a: A\n")
    (cards / "dup.yaml").write_text("topic: y\ntitle: Y\ndemo: gone.py\ncards:\n  - id: alpha-0\n    q: Q\n    a: A\n")
    bad = run("check", str(cards))
    no_traceback(bad)
    assert bad.returncode == 1
    lines = bad.stdout.splitlines()
    assert f"{cards / 'broken.yaml'}:5: cards[0].id: String should match pattern '^[a-z0-9][a-z0-9-]*$'" in lines
    assert any(line.startswith(f"{cards / 'dup.yaml'}:3: demo 'gone.py'") for line in lines)
    assert any(line.startswith(f"{cards / 'dup.yaml'}:5: duplicate card id 'alpha-0'") for line in lines)


def test_check_single_file_and_missing_path(tmp_path, deck_dirs):
    cards, _ = deck_dirs
    p = run("check", str(cards / "beta.yaml"), str(tmp_path / "nope.yaml"))
    no_traceback(p)
    assert p.returncode == 1 and f"{tmp_path / 'nope.yaml'}:1: no such file" in p.stdout


def test_check_drill_files_use_the_drill_loader(tmp_path):
    drills = tmp_path / "drills"
    drills.mkdir()
    (drills / "bad.yaml").write_text("family: nonsense\n")
    p = run("check", str(drills))
    no_traceback(p)
    assert p.returncode == 1 and p.stdout.startswith(f"{drills / 'bad.yaml'}:")


def test_import_dry_run_json_exact_shape(tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("# Q&A\n### 1. What is a stride?\nThe step.\n### 2. Why pool?\n\n")
    p = run("import", str(notes), "--deck", "My Notes", "--dry-run", "--json", db=tmp_path / "s.db")
    no_traceback(p)
    doc = json.loads(p.stdout)
    assert doc == {"cards": [{"id": doc["cards"][0]["id"], "question": "What is a stride?", "answer": "The step."}],
                   "skipped": [{"line": 4, "why": "no answer"}]}
    assert doc["cards"][0]["id"].startswith("my-notes-")
    assert not (tmp_path / "imported").exists() and not (tmp_path / "s.db").exists()  # wrote nothing


def test_import_then_review_stats_and_export(tmp_path):
    db = tmp_path / "data" / "s.db"
    notes = tmp_path / "notes.md"
    notes.write_text("**Q:** What is BN?\n**A:** Batch normalization.\n\n**Q:** What is GAP?\n**A:** Global pooling.\n")
    p = run("import", str(notes), "--deck", "mine", db=db)
    no_traceback(p)
    assert p.returncode == 0 and "added 2" in p.stdout
    assert (tmp_path / "data" / "imported" / "s" / "mine.yaml").is_file()
    again = run("import", str(notes), "--deck", "mine", db=db)
    assert "added 0" in again.stdout and "unchanged 2" in again.stdout

    from studytui.study.scheduler import Rating, StudySession

    with StudySession.open(db) as s:
        item = s.next_card(topic="mine")
        assert item is not None and item.card.q == "What is BN?"
        s.answer(item.card_id, Rating.Good)

    stats = run("stats", "--json", db=db)
    no_traceback(stats)
    doc = json.loads(stats.stdout)
    assert doc["reviews"] == 1 and doc["topics"]["mine"]["learned"] == 1
    assert {"cards", "due", "reviews", "retention"} <= set(doc) and doc["retention"] is None
    assert doc["cards"] >= 2
    human = run("stats", db=db)
    assert human.returncode == 0 and "mine" in human.stdout and "retention" in human.stdout

    out = tmp_path / "deck.apkg"
    exp = run("export", "--anki", str(out), "--topic", "mine", db=db)
    no_traceback(exp)
    assert exp.returncode == 0 and out.is_file() and "wrote 2 notes" in exp.stdout


def test_import_errors_are_one_line(tmp_path):
    empty = tmp_path / "empty.md"
    empty.write_text("# Just a title\n\nNo questions here.\n")
    p = run("import", str(empty), db=tmp_path / "s.db")
    no_traceback(p)
    assert p.returncode == 1 and p.stderr.strip().startswith("error: no questions")
    missing = run("import", str(tmp_path / "nope.md"), db=tmp_path / "s.db")
    no_traceback(missing)
    assert missing.returncode != 0


def test_stats_on_a_foreign_file_is_refused(tmp_path):
    foreign = tmp_path / "foreign.db"
    foreign.write_bytes(b"not a database at all" * 100)
    before = foreign.read_bytes()
    p = run("stats", "--json", db=foreign)
    no_traceback(p)
    assert p.returncode == 1 and p.stderr.count("\n") == 1 and "refusing" in p.stderr
    assert foreign.read_bytes() == before


def test_optimize_says_when_there_are_not_enough_reviews(tmp_path):
    p = run("optimize", db=tmp_path / "s.db")
    no_traceback(p)
    assert p.returncode == 1 and "0 of the 512 needed" in p.stderr


def test_core_imports_without_torch_or_textual():
    code = ("import sys, studytui.study.deck, studytui.study.store, studytui.study.scheduler, "
            "studytui.study.importer, studytui.study.anki, studytui.study.stats, studytui.study.optimize, "
            "studytui.commands.check, studytui.commands.stats, studytui.commands.importer, "
            "studytui.commands.export, studytui.commands.optimize; "
            "print(sorted(m for m in ('torch', 'textual', 'pandas', 'genanki') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_export_empty_deck_is_an_error(tmp_path, monkeypatch):
    from studytui.errors import StudytuiError
    from studytui.study.anki import write_apkg
    from studytui.study.deck import Deck

    with pytest.raises(StudytuiError, match="empty"):
        write_apkg(Deck(), tmp_path / "x.apkg")


def test_write_topic_helper_makes_valid_files(tmp_path, deck_dirs):
    cards, _ = deck_dirs
    write_topic(cards, "gamma", 1)
    assert run("check", str(cards)).stdout.strip() == "ok: 6 cards in 3 topics, 0 drill files"
