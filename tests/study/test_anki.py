"""Anki export: open the .apkg (a zip holding an SQLite collection) and read the notes back."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import genanki
import pytest
import yaml

from studytui.errors import StudytuiError
from studytui.study.anki import math_to_mathjax, stable_id, to_html, write_apkg
from studytui.study.deck import load_deck


def read_apkg(path: Path, tmp: Path) -> tuple[dict[str, tuple[str, str, str]], dict[int, str], set[int]]:
    """(guid -> (question, answer, tags), deck id -> name, model ids) from an .apkg."""
    with zipfile.ZipFile(path) as z:
        z.extract("collection.anki2", tmp)
    conn = sqlite3.connect(tmp / "collection.anki2")
    notes = {guid: (flds.split("\x1f")[0], flds.split("\x1f")[1], tags.strip())
             for guid, flds, tags in conn.execute("SELECT guid, flds, tags FROM notes")}
    decks = {int(k): v["name"] for k, v in json.loads(conn.execute("SELECT decks FROM col").fetchone()[0]).items()}
    models = {int(k) for k in json.loads(conn.execute("SELECT models FROM col").fetchone()[0])}
    card_decks = {did for (did,) in conn.execute("SELECT did FROM cards")}
    conn.close()
    return notes, {d: decks[d] for d in card_decks}, models


@pytest.fixture
def math_deck(tmp_path, deck_dirs):
    cards, demos = deck_dirs
    data = yaml.safe_load((cards / "alpha.yaml").read_text())
    data["cards"][0]["q"] = "What is $y = F(x) + x$?"
    data["cards"][0]["a"] = "A **residual** block:\n\n$$\\frac{\\partial y}{\\partial x} = F' + 1$$"
    (cards / "alpha.yaml").write_text(yaml.safe_dump(data))
    return cards, demos


def test_round_trip_notes_decks_math(tmp_path, math_deck):
    cards, demos = math_deck
    deck, _ = load_deck(cards, demos_dir=demos)
    out = tmp_path / "out.apkg"
    summary = write_apkg(deck, out)
    assert summary.notes == 5 and summary.decks == ["studytui::Alpha", "studytui::Beta"]
    notes, decks, models = read_apkg(out, tmp_path / "x1")
    assert set(notes) == {genanki.guid_for(cid) for cid in deck.cards}
    q, a, tags = notes[genanki.guid_for("alpha-0")]
    assert q == "<p>What is \\(y = F(x) + x\\)?</p>"
    assert "<strong>residual</strong>" in a and "\\[\\frac{\\partial y}{\\partial x} = F' + 1\\]" in a
    assert "$" not in q + a
    assert "alpha" in tags.split()
    assert sorted(decks.values()) == ["studytui::Alpha", "studytui::Beta"]
    assert stable_id("studytui Q/A") in models


def test_reexport_after_edit_updates_the_same_notes(tmp_path, math_deck):
    cards, demos = math_deck
    deck, _ = load_deck(cards, demos_dir=demos)
    write_apkg(deck, tmp_path / "a.apkg")
    first, decks1, models1 = read_apkg(tmp_path / "a.apkg", tmp_path / "x1")
    data = yaml.safe_load((cards / "beta.yaml").read_text())
    data["cards"][0]["a"] = "An edited answer."
    (cards / "beta.yaml").write_text(yaml.safe_dump(data))
    deck, _ = load_deck(cards, demos_dir=demos)
    write_apkg(deck, tmp_path / "b.apkg")
    second, decks2, models2 = read_apkg(tmp_path / "b.apkg", tmp_path / "x2")
    assert set(first) == set(second)  # same GUIDs: Anki updates instead of duplicating
    assert (set(decks1), models1) == (set(decks2), models2)  # same deck and model ids
    changed = [g for g in first if first[g] != second[g]]
    assert changed == [genanki.guid_for("beta-0")] and second[changed[0]][1] == "<p>An edited answer.</p>"


def test_one_topic_only(tmp_path, deck_dirs):
    cards, demos = deck_dirs
    deck, _ = load_deck(cards, demos_dir=demos)
    assert write_apkg(deck, tmp_path / "b.apkg", topic="beta").notes == 2
    notes, decks, _ = read_apkg(tmp_path / "b.apkg", tmp_path / "x")
    assert list(decks.values()) == ["studytui::Beta"] and len(notes) == 2
    with pytest.raises(StudytuiError, match="no topic 'gamma'"):
        write_apkg(deck, tmp_path / "c.apkg", topic="gamma")


@pytest.mark.parametrize("src,out", [
    ("$a$", "\\(a\\)"),
    ("$$a^2$$", "\\[a^2\\]"),
    ("costs \\$5 and $x$", "costs \\$5 and \\(x\\)"),
    ("$5 to $6", "$5 to $6"),
    ("$$\nx\n$$ then $y$", "\\[\nx\n\\] then \\(y\\)"),
])
def test_math_conversion(src, out):
    assert math_to_mathjax(src) == out


def test_html_escapes_math_and_keeps_code():
    html = to_html("If $a < b$ then `x<y`\n\n```\n# c\n```")
    assert "\\(a &lt; b\\)" in html and "<code>x&lt;y</code>" in html and "<pre><code># c" in html
