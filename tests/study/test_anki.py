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


TYPED_TOPIC = """\
topic: typed
title: Card types
demo: demo.py
cards:
  - id: bn-axes
    q: Over which axes does BatchNorm2d average?
    a: N, H and W, per channel.
    note: The exam guide says "over the batch" only.
  - id: norm-axes
    type: cloze
    q: "BN averages over {{c1::N, H, W}}; LN over {{c2::C, H, W::axes}}; cost $O(n)$ with **no** weights."
    a: GroupNorm sits between them.
    note: See also the norm demo.
  - id: why-resnets
    type: essay
    q: Explain why residual connections let very deep networks train.
    rubric:
      - the degradation problem of plain nets
      - the identity is easy to represent (F -> 0)
      - gradients pass through the shortcut unchanged
"""


def read_typed(path: Path, tmp: Path):
    """notes (guid -> (model name, fields)), cards per note guid (sorted ords), model types."""
    with zipfile.ZipFile(path) as z:
        z.extract("collection.anki2", tmp)
    conn = sqlite3.connect(tmp / "collection.anki2")
    models = json.loads(conn.execute("SELECT models FROM col").fetchone()[0])
    notes = {guid: (models[str(mid)]["name"], flds.split("\x1f"))
             for guid, mid, flds in conn.execute("SELECT guid, mid, flds FROM notes")}
    cards: dict[str, list[int]] = {}
    for guid, ord_ in conn.execute("SELECT n.guid, c.ord FROM cards c JOIN notes n ON n.id = c.nid"):
        cards.setdefault(guid, []).append(ord_)
    conn.close()
    kinds = {m["name"]: m["type"] for m in models.values()}  # 0 standard, 1 cloze
    return notes, {g: sorted(o) for g, o in cards.items()}, kinds


def test_all_three_card_types_export_to_their_note_types(tmp_path, deck_dirs):
    cards, demos = deck_dirs
    for f in cards.iterdir():
        f.unlink()
    (cards / "typed.yaml").write_text(TYPED_TOPIC)
    deck, problems = load_deck(cards, demos_dir=demos)
    assert problems == [] and len(deck.cards) == 4  # the cloze note is two scheduled items
    summary = write_apkg(deck, tmp_path / "t.apkg")
    assert summary.notes == 3 and summary.decks == ["studytui::Card types"]
    notes, card_ords, kinds = read_typed(tmp_path / "t.apkg", tmp_path / "x")
    g = genanki.guid_for
    assert set(notes) == {g("bn-axes"), g("norm-axes"), g("why-resnets")}
    assert kinds == {"studytui Q/A": 0, genanki.CLOZE_MODEL.name: 1}

    model, (q, a, note, card_id) = notes[g("bn-axes")]
    assert model == "studytui Q/A" and card_id == "bn-axes"
    assert q == "<p>Over which axes does BatchNorm2d average?</p>" and a == "<p>N, H and W, per channel.</p>"
    assert "The exam guide says &quot;over the batch&quot; only." in note and 'class="note"' in note

    model, (text, extra) = notes[g("norm-axes")]
    assert model == genanki.CLOZE_MODEL.name
    assert text == ("<p>BN averages over {{c1::N, H, W}}; LN over {{c2::C, H, W::axes}}; "
                    "cost \\(O(n)\\) with <strong>no</strong> weights.</p>")
    assert extra.startswith("<p>GroupNorm sits between them.</p>") and "See also the norm demo." in extra
    assert card_ords[g("norm-axes")] == [0, 1]  # two deletions -> two Anki cards

    model, (q, a, note, card_id) = notes[g("why-resnets")]
    assert model == "studytui Q/A" and note == ""
    assert "<li>the degradation problem of plain nets</li>" in a
    assert a.count("<li>") == 3 and "<ul>" in a
    assert card_ords[g("bn-axes")] == card_ords[g("why-resnets")] == [0]


def test_anki_itself_imports_the_package_and_renders_each_type(tmp_path, deck_dirs):
    """Anki's own importer (the `anki` package) reads the export; cloze cards show their blank."""
    from anki.collection import Collection, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ImportAnkiPackageOptions

    cards, demos = deck_dirs
    for f in cards.iterdir():
        f.unlink()
    (cards / "typed.yaml").write_text(TYPED_TOPIC)
    deck, _ = load_deck(cards, demos_dir=demos)
    write_apkg(deck, tmp_path / "t.apkg")
    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(
            package_path=str(tmp_path / "t.apkg"), options=ImportAnkiPackageOptions()))
        assert (col.note_count(), col.card_count()) == (3, 4)
        rendered = {}
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            rendered.setdefault(card.note().guid, []).append((card.question(), card.answer()))
        cloze = sorted(rendered[genanki.guid_for("norm-axes")])
        assert len(cloze) == 2
        fronts = " ".join(q for q, _ in cloze)
        assert "[...]" in fronts and "[axes]" in fronts  # each card blanks its own deletion
        assert any("N, H, W" in a and "See also the norm demo." in a for _, a in cloze)
        (essay_q, essay_a), = rendered[genanki.guid_for("why-resnets")]
        assert "gradients pass through the shortcut unchanged" in essay_a
        assert "gradients pass" not in essay_q  # the rubric is on the back only
        (_, basic_a), = rendered[genanki.guid_for("bn-axes")]
        assert "over the batch" in basic_a
    finally:
        col.close()
