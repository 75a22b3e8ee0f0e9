"""The card schema: basic, cloze and essay cards, notes, and cloze items with stable ids."""

from pathlib import Path

import pytest

from studytui.study.cloze import cloze_numbers, render_back, render_front, strip
from studytui.study.deck import load_deck

TOPIC = """\
topic: t
title: T
demo: d.py
cards:
{cards}
"""


def deck_of(tmp_path: Path, cards: str):
    (tmp_path / "demos").mkdir(exist_ok=True)
    (tmp_path / "demos" / "d.py").write_text("")
    (tmp_path / "cards").mkdir(exist_ok=True)
    (tmp_path / "cards" / "t.yaml").write_text(TOPIC.format(cards=cards))
    return load_deck(tmp_path / "cards")


def test_cloze_note_becomes_one_item_per_number_and_c1_keeps_the_id(tmp_path):
    deck, problems = deck_of(tmp_path, """\
  - id: norms
    type: cloze
    q: "BN normalises over {{c1::N, H, W}}; LN over {{c2::C, H, W::axes}}; again {{c1::N, H, W}}."
    note: The material mixes the two up.
""")
    assert problems == []
    assert list(deck.cards) == ["norms", "norms#c2"]
    first, second = deck.cards["norms"], deck.cards["norms#c2"]
    assert first.note_id == second.note_id == "norms"
    assert first.front() == "BN normalises over **[…]**; LN over C, H, W; again **[…]**."
    assert second.front() == "BN normalises over N, H, W; LN over **[axes]**; again N, H, W."
    assert second.back() == "BN normalises over N, H, W; LN over **C, H, W**; again N, H, W."
    assert first.content_hash != second.content_hash
    assert deck.topic_of["norms#c2"] == "t"


@pytest.mark.parametrize(
    "card, message",
    [
        ("  - {id: x, type: cloze, q: no deletions here}", "needs deletions"),
        ("  - {id: x, type: cloze, q: 'a {{c2::b}}'}", "numbered from c1"),
        ("  - {id: x, q: 'a {{c1::b}}', a: c}", "set 'type: cloze'"),
        ("  - {id: x, q: what?}", "needs an answer"),
        ("  - {id: x, type: essay, q: Explain., rubric: [one]}", "rubric of 2 to 8"),
        ("  - {id: x, q: what?, a: b, rubric: [one, two, three]}", "only essay cards"),
        ("  - {id: x, q: what?, a: b, cloze_number: 2}", "set by studytui"),
        ("  - {id: x, type: flashcard, q: what?, a: b}", "type"),
    ],
)
def test_fields_that_do_not_fit_the_type_are_file_line_problems(tmp_path, card, message):
    deck, problems = deck_of(tmp_path, card)
    assert len(deck) == 0
    assert len(problems) == 1 and message in problems[0].message
    assert problems[0].path.name == "t.yaml" and problems[0].line == 5


def test_essay_back_lists_the_rubric_and_the_model_answer(tmp_path):
    deck, problems = deck_of(tmp_path, """\
  - id: why-resnets
    type: essay
    q: Explain why residual connections let very deep nets train.
    a: A short model answer.
    rubric: [degradation problem, identity is easy, gradient path]
""")
    assert problems == []
    back = deck.cards["why-resnets"].back()
    assert "- degradation problem\n- identity is easy\n- gradient path" in back
    assert back.endswith("A short model answer.")


def test_cloze_helpers_are_linear_on_unclosed_braces():
    text = "{{c1::" * 20000
    assert cloze_numbers(text) == []
    assert strip("x {{c3::y::z}} w") == "x y w"
    assert render_front("{{c1::a}} {{c1::b::hint}}", 1) == "**[…]** **[hint]**"
    assert render_back("{{c1::a}}", 1) == "**a**"
