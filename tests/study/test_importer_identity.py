"""Identity that cannot lose data: sources by full path, unique ids, orphans kept until --prune,
and atomic writes that follow no planted link."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from studytui.errors import StudytuiError
from studytui.study.deck import load_deck
from studytui.study.importing import ORPHAN_TAG, merge_topic, parse_files, prune_topic

REPO = Path(__file__).resolve().parents[2]


def qa_file(path: Path, pairs: list[tuple[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"### {i + 1}. {q}\n{a}\n\n" for i, (q, a) in enumerate(pairs)), encoding="utf-8")
    return path


def deck_cards(out: Path) -> dict:
    deck, problems = load_deck(out.parent / "no-builtin", extra_dirs=[out])
    assert problems == []
    return deck.cards


def imp(paths: list[Path], out: Path, deck: str = "mine", **kw):
    return merge_topic(parse_files(paths, deck), deck, out, **kw)


def test_second_readme_from_another_folder_keeps_the_first(tmp_path):
    out = tmp_path / "imported"
    a = qa_file(tmp_path / "repo-a" / "README.md", [(f"What is A{i}?", f"A{i}.") for i in range(34)])
    b = qa_file(tmp_path / "repo-b" / "README.md", [(f"What is B{i}?", f"B{i}.") for i in range(5)])
    imp([a], out)
    rep = imp([b], out)
    assert rep.added == 5 and rep.orphaned == 0
    assert len(deck_cards(out)) == 39
    assert yaml.safe_load((out / "mine.yaml").read_text())["source"] == sorted([str(a), str(b)])


def test_same_notes_under_a_new_name_write_no_duplicate_ids(tmp_path):
    out = tmp_path / "imported"
    pairs = [(f"Why does trick {i} help?", f"Reason {i}.") for i in range(29)]
    first = qa_file(tmp_path / "notes.md", pairs)
    imp([first], out)
    copy = qa_file(tmp_path / "notes-copy.md", pairs)
    rep = imp([copy], out)
    assert rep.added == 0 and len(rep.duplicates) == 29
    assert all(f"already in the deck from {first}:" in d.why for d in rep.duplicates)
    data = yaml.safe_load((out / "mine.yaml").read_text())
    ids = [c["id"] for c in data["cards"]]
    assert len(ids) == len(set(ids)) == 29


def test_renamed_notes_adopt_their_cards_and_edits_reach_review(tmp_path):
    out = tmp_path / "imported"
    old = qa_file(tmp_path / "notes.md", [("What is a stride?", "The step.")])
    imp([old], out)
    (cid,) = deck_cards(out)
    new = tmp_path / "renamed.md"
    old.rename(new)
    qa_file(new, [("What is a stride?", "The step of the sliding window.")])
    rep = imp([new], out)
    assert (rep.adopted, rep.updated, rep.added) == (1, 1, 0)
    cards = deck_cards(out)
    assert list(cards) == [cid] and cards[cid].a == "The step of the sliding window."
    assert cards[cid].sources[0].startswith(str(new))


def test_heavy_rewording_orphans_the_old_card_and_prune_removes_it(tmp_path):
    out = tmp_path / "imported"
    notes = qa_file(tmp_path / "n.md", [("What is a stride?", "The step."), ("Why pool?", "To shrink.")])
    imp([notes], out)
    old_ids = set(deck_cards(out))
    qa_file(notes, [("What is a stride?", "The step."), ("Which operation reduces spatial resolution cheaply?",
                                                        "Pooling.")])
    rep = imp([notes], out)
    assert (rep.added, rep.orphaned, rep.removed) == (1, 1, 0)
    cards = deck_cards(out)
    assert old_ids <= set(cards) and len(cards) == 3  # the old card keeps its id, so its history
    orphans = [c for c in cards.values() if ORPHAN_TAG in c.tags]
    assert [c.q for c in orphans] == ["Why pool?"]
    rep = prune_topic("mine", out)
    assert rep.removed == 1 and len(deck_cards(out)) == 2


def test_slight_rewording_keeps_the_id(tmp_path):
    out = tmp_path / "imported"
    notes = qa_file(tmp_path / "n.md", [("Why do CNNs use pooling layers?", "Downsample.")])
    imp([notes], out)
    (cid,) = deck_cards(out)
    qa_file(notes, [("Why do CNNs use pooling layers at all?", "Downsample.")])
    rep = imp([notes], out)
    assert rep.renamed == 1 and list(deck_cards(out)) == [cid]


def test_legacy_deck_with_base_name_sources_is_adopted_not_deleted(tmp_path):
    out = tmp_path / "imported"
    out.mkdir()
    (out / "mine.yaml").write_text(yaml.safe_dump({
        "topic": "mine", "title": "Mine", "source": ["README.md"],
        "cards": [{"id": "mine-aaaaaaaaaa", "q": "What is old?", "a": "Old.", "tags": ["imported"],
                   "sources": ["README.md:1"]}]}))
    notes = qa_file(tmp_path / "x" / "README.md", [("What is new?", "New.")])
    rep = imp([notes], out)
    assert rep.added == 1 and set(deck_cards(out)) >= {"mine-aaaaaaaaaa"}


def test_cloze_cards_are_written_as_cloze_type(tmp_path):
    out = tmp_path / "imported"
    notes = tmp_path / "c.md"
    notes.write_text("A ResNet-18 has {{c1::four}} stages and {{c2::18}} weighted layers.\n")
    imp([notes], out)
    cards = deck_cards(out)
    assert len(cards) == 2 and {c.type for c in cards.values()} == {"cloze"}


def test_reserved_deck_name_is_refused(tmp_path):
    notes = qa_file(tmp_path / "n.md", [("What?", "That.")])
    with pytest.raises(StudytuiError, match="reserved"):
        imp([notes], tmp_path / "imported", deck="drills")


def test_planted_symlink_is_not_followed(tmp_path):
    out = tmp_path / "imported"
    out.mkdir()
    victim = tmp_path / "victim.db"
    victim.write_text("precious")
    (out / "mine.yaml.tmp").symlink_to(victim)  # the old fixed temp name
    imp([qa_file(tmp_path / "n.md", [("What?", "That.")])], out)
    assert victim.read_text() == "precious" and (out / "mine.yaml.tmp").is_symlink()
    assert not (out / "mine.yaml").is_symlink() and len(deck_cards(out)) == 1


def test_imported_folder_that_is_a_file_is_one_line(tmp_path):
    (tmp_path / "imported").write_text("not a folder")
    with pytest.raises(StudytuiError, match="not a folder"):
        imp([qa_file(tmp_path / "n.md", [("What?", "That.")])], tmp_path / "imported")


def test_disk_full_is_one_line_and_changes_nothing(tmp_path, monkeypatch):
    out = tmp_path / "imported"
    notes = qa_file(tmp_path / "n.md", [("What?", "That.")])
    imp([notes], out)
    before = (out / "mine.yaml").read_bytes()
    qa_file(notes, [("What?", "That, edited.")])

    def full(*a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(StudytuiError, match="No space left on device"):
        imp([notes], out)
    assert (out / "mine.yaml").read_bytes() == before
    assert [p.name for p in out.iterdir()] == ["mine.yaml"]  # the temp file was cleaned up


# --- the command ---------------------------------------------------------------------------------


def run(*args: str, db: Path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "STUDYTUI_DB": str(db)}
    return subprocess.run([sys.executable, "-m", "studytui", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_cli_dry_run_summary_skips_and_sanitised_echo(tmp_path):
    notes = tmp_path / "n.md"
    notes.write_text("### 1. What is \x1b]52;c;ZWNobw==\x07this?\nAn answer.\n### 2. Why pool?\n\n")
    p = run("import", str(notes), "--dry-run", db=tmp_path / "s.db")
    assert p.returncode == 0 and "Traceback" not in p.stderr
    assert "\x1b" not in p.stdout + p.stderr and "\x07" not in p.stdout
    assert "1 cards, 1 skipped" in p.stdout and ":3: skipped: no answer" in p.stderr
    j = run("import", str(notes), "--dry-run", "--json", db=tmp_path / "s.db")
    doc = json.loads(j.stdout)
    assert {"cards", "skipped"} <= set(doc) and doc["skipped"] == [{"line": 3, "why": "no answer"}]


@pytest.mark.parametrize("args,message", [
    (["/dev/zero"], "binary data"),
    (["NOTES", "--deck", "drills"], "reserved"),
])
def test_cli_refusals_are_one_line(tmp_path, args, message):
    notes = qa_file(tmp_path / "n.md", [("What?", "That.")])
    p = run("import", *[str(notes) if a == "NOTES" else a for a in args], db=tmp_path / "s.db")
    assert p.returncode != 0 and "Traceback" not in p.stderr
    assert p.stderr.strip().count("\n") == 0 and message in p.stderr


def test_cli_prune(tmp_path):
    db = tmp_path / "s.db"
    notes = qa_file(tmp_path / "n.md", [("What is a stride?", "The step."), ("Why pool?", "To shrink.")])
    assert run("import", str(notes), "--deck", "mine", db=db).returncode == 0
    qa_file(notes, [("What is a stride?", "The step.")])
    p = run("import", str(notes), "--deck", "mine", db=db)
    assert "orphaned 1" in p.stdout and "marked orphaned" in p.stdout
    p = run("import", "--prune", "--deck", "mine", db=db)
    assert p.returncode == 0 and "removed 1 orphaned" in p.stdout


def test_a_card_the_deck_would_refuse_is_reported_not_a_traceback(tmp_path):
    notes = tmp_path / "n.md"
    notes.write_text("### 1. What is {{c1::this}}?\nA basic card holding a cloze deletion.\n\n### 2. What is fine?\nYes.\n")
    rep = imp([notes], tmp_path / "imported")
    assert rep.added == 1 and len(rep.duplicates) == 1 and "cannot be stored" in rep.duplicates[0].why
