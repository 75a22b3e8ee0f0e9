"""The sample corpus: one realistic notes file per format, each with the cards it must give."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "import_corpus"))

from score import samples, score, score_all  # noqa: E402

from studytui.study.importing import parse_files  # noqa: E402

FORMATS = {"numbered_headings", "obsidian_sr", "card_tags", "flashcard_tags", "remnote", "cloze", "details",
           "bold_paragraphs", "qa_table", "mochi", "front_back", "anki_export", "qa_lines", "question_lists"}


def test_every_format_has_a_sample():
    assert FORMATS <= {name for name, _, _ in samples()}


@pytest.mark.parametrize("name,notes,expected", samples(), ids=[s[0] for s in samples()])
def test_sample_gives_exactly_its_cards(name, notes, expected):
    s = score(name, notes, expected, parse_files([notes], "corpus"))
    assert s.problems == []
    assert (s.recall, s.precision) == (1.0, 1.0)


def test_corpus_recall_and_precision_meet_the_goal():
    scores = score_all()
    expected = sum(s.expected for s in scores)
    correct = sum(s.correct for s in scores)
    produced = sum(s.produced for s in scores)
    assert expected >= 50
    assert correct / expected >= 0.9 and correct / produced >= 0.95
    assert all(s.skipped_ok for s in scores)  # every unanswered question is reported, none silently dropped


def test_stored_text_is_not_normalized():
    notes = Path(__file__).resolve().parents[1] / "import_corpus" / "numbered_headings.md"
    cards = parse_files([notes], "corpus").cards
    card = next(c for c in cards if "R²" in c.question)
    assert "10⁻³" in card.question and "R² is" in card.answer  # NFKC is for matching only
