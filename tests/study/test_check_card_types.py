"""`studytui check` on cloze and essay cards: each mistake is one `file:line: what` line."""

from __future__ import annotations

from .test_cli import no_traceback, run

BAD_TYPES = """\
topic: typed
title: Typed
demo: demo.py
cards:
  - id: good-cloze
    type: cloze
    q: "BN averages over {{c1::N, H, W}}."
  - id: no-deletion
    type: cloze
    tags: [norm]
    q: BN averages over N, H and W.
  - id: empty-deletion
    type: cloze
    q: "LN averages over {{c1::  }}."
  - id: short-rubric
    type: essay
    q: Explain residual learning.
    rubric:
      - the identity is easy
  - id: rubric-on-basic
    q: What is a skip connection?
    a: An identity path around a block.
    rubric: [identity, addition]
  - id: forgot-type
    q: "Dropout drops {{c1::activations}}."
"""


def test_malformed_cloze_and_essay_cards_are_reported_at_their_lines(deck_dirs):
    cards, _ = deck_dirs
    path = cards / "typed.yaml"
    path.write_text(BAD_TYPES)
    p = run("check", str(cards))
    no_traceback(p)
    assert p.returncode == 1
    assert p.stdout.splitlines() == [
        f"{path}:11: cards[1].q: a cloze card needs deletions in q, like {{{{c1::answer}}}}",
        f"{path}:14: cards[2].q: a cloze deletion is empty: write the hidden text, {{{{c1::answer}}}}",
        f"{path}:19: cards[3].rubric: an essay card needs a rubric of 2 to 8 points (this one has 1)",
        f"{path}:23: cards[4].rubric: only essay cards have a rubric (set 'type: essay')",
        f"{path}:25: cards[5].q: q has cloze deletions: set 'type: cloze' (this card is 'basic')",
    ]
    assert p.stderr.strip().endswith("5 problems")


def test_well_formed_card_types_pass_and_count_cloze_items(deck_dirs):
    cards, _ = deck_dirs
    (cards / "typed.yaml").write_text("""\
topic: typed
title: Typed
demo: demo.py
cards:
  - id: norms
    type: cloze
    q: "BN over {{c1::N, H, W}}, LN over {{c2::C, H, W}}."
    note: GroupNorm sits between.
  - id: why-resnets
    type: essay
    q: Explain why residual connections help.
    rubric: [degradation, identity is easy, gradient path]
""")
    p = run("check", str(cards))
    no_traceback(p)
    # 5 basic cards of the fixture + 2 cloze items + 1 essay
    assert (p.returncode, p.stdout.strip()) == (0, "ok: 8 cards in 3 topics, 0 drill files")
