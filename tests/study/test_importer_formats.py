"""Anki packages and text exports, bounds on input, and text that must survive untouched."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import genanki
import pytest

from studytui.study.importing import ImportError_, parse_files, parse_markdown
from studytui.study.importing.text import MAX_ANSWER_CHARS


def make_apkg(path: Path) -> Path:
    basic = genanki.Model(1607392319, "Basic", fields=[{"name": "Front"}, {"name": "Back"}],
                          templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}])
    cloze = genanki.Model(998877661, "Cloze", model_type=genanki.Model.CLOZE,
                          fields=[{"name": "Text"}, {"name": "Extra"}],
                          templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}<br>{{Extra}}"}])
    deck = genanki.Deck(2059400110, "CNN")
    deck.add_note(genanki.Note(model=basic, guid="g-basic-1", fields=[
        "What does <i>stride</i> control?", "<div>The step of the window.</div><ul><li>stride 2 halves H</li></ul>"]))
    deck.add_note(genanki.Note(model=basic, guid="g-basic-2", fields=[
        "Output size formula?", r"\(\lfloor (H + 2p - k)/s \rfloor + 1\)"]))
    deck.add_note(genanki.Note(model=cloze, guid="g-cloze-1", fields=[
        "ResNet-50 uses {{c1::bottleneck}} blocks with {{c2::1x1}} convs.", "See the paper."]))
    deck.add_note(genanki.Note(model=basic, guid="g-empty", fields=["Unanswered front?", ""]))
    genanki.Package(deck).write_to_file(str(path))
    return path


def test_apkg_basic_and_cloze_notes_with_html_as_markdown(tmp_path):
    r = parse_files([make_apkg(tmp_path / "deck.apkg")], "anki")
    by_q = {c.question: c for c in r.cards}
    assert by_q["What does *stride* control?"].answer.startswith("The step of the window.")
    assert "- stride 2 halves H" in by_q["What does *stride* control?"].answer
    assert by_q["Output size formula?"].answer == r"$\lfloor (H + 2p - k)/s \rfloor + 1$"
    cloze = [c for c in r.cards if c.type == "cloze"]
    assert [c.question for c in cloze] == ["ResNet-50 uses {{c1::bottleneck}} blocks with {{c2::1x1}} convs."]
    assert cloze[0].answer == "See the paper."
    assert [s.why for s in r.skipped] == ["no answer"]


def test_apkg_identity_is_the_note_guid(tmp_path):
    first = parse_files([make_apkg(tmp_path / "a.apkg")], "anki")
    again = parse_files([make_apkg(tmp_path / "b.apkg")], "anki")
    assert [c.id for c in first.cards] == [c.id for c in again.cards]


def test_broken_packages_are_one_line(tmp_path):
    bad = tmp_path / "bad.apkg"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ImportError_, match="not an Anki package"):
        parse_files([bad], "x")
    empty = tmp_path / "empty.apkg"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("media", "{}")
    with pytest.raises(ImportError_, match="no Anki collection"):
        parse_files([empty], "x")


def test_anki_text_with_semicolons_and_guid_column(tmp_path):
    f = tmp_path / "export.txt"
    f.write_text("#separator:Semicolon\n#html:false\n#guid column:1\nabc;Why pool?;To shrink maps.\n"
                 "def;What is GAP?;Average per channel.\n", encoding="utf-8")
    r = parse_files([f], "t")
    assert [(c.question, c.answer, c.line) for c in r.cards] == [
        ("Why pool?", "To shrink maps.", 4), ("What is GAP?", "Average per channel.", 5)]


def test_dev_zero_is_refused_fast_without_eating_memory():
    t0 = time.perf_counter()
    with pytest.raises(ImportError_, match="binary"):
        parse_files([Path("/dev/zero")], "x")
    assert time.perf_counter() - t0 < 5


def test_file_over_the_limit_is_refused(tmp_path, monkeypatch):
    from studytui.study.importing import core

    big = tmp_path / "big.md"
    big.write_text("### 1. What?\nThat.\n" * 100)
    monkeypatch.setattr(core, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ImportError_, match="over the 0 MB import limit|import limit"):
        core.read_text(big, limit=1000)


def test_not_utf8_is_one_line(tmp_path):
    f = tmp_path / "latin1.md"
    f.write_bytes("### 1. Qu'est-ce qu'un noyau\xe9?\nR.\n".encode("latin-1"))
    with pytest.raises(ImportError_, match="not UTF-8"):
        parse_files([f], "x")


def test_huge_answer_is_truncated_with_a_marker_and_reported():
    r = parse_markdown("### 1. What is big?\n" + ("word " * 10 + "\n") * 3000, deck="t")
    (card,) = r.cards
    assert len(card.answer) < MAX_ANSWER_CHARS + 200 and "cut by studytui import" in card.answer
    assert [s.line for s in r.truncated] == [1] and "truncated" in r.summary()


def test_control_characters_never_reach_the_card():
    r = parse_markdown("### 1. What is \x1b]52;c;ZWNobw==\x07this?\nAn \x9b answer \x1b[2J here.\n", deck="t")
    (card,) = r.cards
    assert "\x1b" not in card.question + card.answer and "\x9b" not in card.answer and "\x07" not in card.question


def test_labels_links_and_html_are_cleaned_but_unicode_is_kept():
    r = parse_markdown(
        "#### 12) What is R² for a fit? [[src](https://example.org/r2)]\n"
        "<details><summary>Answer</summary>\n\nThe share of variance explained (10⁻³ is small).\n\n</details>\n", deck="t")
    (card,) = r.cards
    assert card.question == "What is R² for a fit?"
    assert card.answer == "The share of variance explained (10⁻³ is small)."


def test_big_files_parsed_in_pieces_give_the_same_cards(monkeypatch):
    from studytui.study.importing import blocks

    one = "### {n}. What does block {n} print?\n\n```python\n# a comment, not a heading\nprint({n})\n```\n\n"
    text = "".join(one.format(n=n) for n in range(200))
    whole = parse_markdown(text, deck="t")
    monkeypatch.setattr(blocks, "PIECE_CHARS", 300)  # cut often, fences included
    assert len(list(blocks.pieces(text.encode()))) > 10
    cut = parse_markdown(text, deck="t")
    assert [(c.line, c.question, c.answer) for c in cut.cards] == [(c.line, c.question, c.answer) for c in whole.cards]
    assert len(cut.cards) == 200 and cut.skipped == []


def test_numbered_bold_questions_lose_their_number_not_their_text():
    r = parse_markdown("**12. What is a stride?** [[src](https://example.org)]\n\nThe step of the window.\n\n"
                       "**Q3) Why pool?**\nTo shrink maps.\n", deck="t")
    assert [(c.question, c.answer) for c in r.cards] == [("What is a stride?", "The step of the window."),
                                                        ("Why pool?", "To shrink maps.")]


def test_plain_numbered_q_lines_with_ans_labels():
    r = parse_markdown("Q1. What is a stride?\nAns: The step of the window.\n\nQ2) Why pool?\nAns. To shrink maps.\n\n"
                       "Question 3. Which is cheaper?\n", deck="t")
    assert [(c.question, c.answer) for c in r.cards] == [("What is a stride?", "The step of the window."),
                                                        ("Why pool?", "To shrink maps.")]
    assert [(s.line, s.why) for s in r.skipped] == [(7, "no answer")]
