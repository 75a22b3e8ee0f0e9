"""The deck is built for memory: short atomic answers, no yes/no or document-bound questions,
essay rubrics of a reviewable size, and cloze items that really hide something.

The budgets (issue 9): a basic card's answer at most 30 words, a note at most 60 words, the median
basic answer at most 18 words deck-wide. The rules run per topic file, so a failure names the file
(and its owner) instead of one deck-wide verdict.
"""

from __future__ import annotations

import re
import statistics
from functools import lru_cache
from pathlib import Path

import pytest

from studytui.study.cloze import CLOZE
from studytui.study.deck import Card, load_topic

CARDS_DIR = Path(__file__).parents[1] / "cards"

FILES = sorted(CARDS_DIR.glob("*.yaml"))

MAX_ANSWER_WORDS = 30   # a basic card's `a`
MAX_NOTE_WORDS = 60     # any card's `note`
MAX_MEDIAN_ANSWER = 18  # median over every basic card of the deck
RUBRIC_POINTS = range(3, 7)

# A question opening with an auxiliary verb can be answered "yes" or "no" (and guessed).
YES_NO = re.compile(
    r"^(is|are|am|was|were|does|do|did|can|could|should|shall|will|would|has|have|had|may|might|must)\b",
    re.IGNORECASE)
# Questions must stand on their own: the student does not have "the guide" at hand.
DOCUMENT_BOUND = re.compile(r"\bthe (guide|readme|module|material)\b", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # "\beta" in double quotes is a backspace + "eta"
BLANK = re.compile(r"\*\*\[[^\]\n]*\]\*\*")


def words(text: str | None) -> int:
    return len((text or "").split())


def asks_yes_no(question: str) -> bool:
    """True when any sentence of the question that ends in '?' opens with an auxiliary verb."""
    sentences = re.split(r"(?<=[.:;?!])\s+", question.strip())
    return any(s.rstrip().endswith("?") and YES_NO.match(s.lstrip("*_`\"'(")) for s in sentences)


def cloze_gives_itself_away(card: Card) -> bool:
    """True when an item's front shows its own answer elsewhere (e.g. the same deletion unnumbered)."""
    for item in card.items():
        front = item.front()
        for m in CLOZE.finditer(card.q):
            answer = m.group(2).strip()
            if int(m.group(1)) == item.cloze_number and len(answer) >= 4 and answer in front:
                return True
    return False


def cloze_has_blank(card: Card) -> bool:
    return all(BLANK.search(item.front()) for item in card.items())


@lru_cache(maxsize=None)
def cards_of(path: Path) -> tuple[Card, ...]:
    return tuple(load_topic(path).cards)


def ids_where(path: Path, predicate) -> list[str]:
    return [card.id for card in cards_of(path) if predicate(card)]


# -- the rules themselves (so a broken rule cannot pass silently) --------------------------------

def test_yes_no_detector():
    assert asks_yes_no("Is ReLU differentiable at 0?")
    assert asks_yes_no("does BN need a bias?")
    assert asks_yes_no("A 3×3 conv on 32×32. Does it keep the size?")
    assert not asks_yes_no("Why is ReLU preferred over sigmoid?")
    assert not asks_yes_no("Which layers have no parameters?")
    assert not asks_yes_no("Island of stability: what is it?")


def test_document_bound_detector():
    assert DOCUMENT_BOUND.search("What does the guide say about padding?")
    assert DOCUMENT_BOUND.search("How deep is the module's CNN?")
    assert DOCUMENT_BOUND.search("What does The README report?")
    assert not DOCUMENT_BOUND.search("What does `nn.Module.__call__` add to forward?")


def test_blank_detector_sees_hints_and_plain_blanks():
    plain = Card(id="x", type="cloze", q="ReLU is {{c1::max(0, x)}}.")
    hinted = Card(id="y", type="cloze", q="BN over {{c1::N, H, W::axes}}; LN over {{c2::C, H, W}}.")
    assert cloze_has_blank(plain) and cloze_has_blank(hinted)
    assert not BLANK.search("no deletion at all")


# -- the deck, per file ---------------------------------------------------------------------------

RULES = [
    (f"basic answers over {MAX_ANSWER_WORDS} words",
     lambda c: c.type == "basic" and words(c.a) > MAX_ANSWER_WORDS),
    (f"notes over {MAX_NOTE_WORDS} words", lambda c: words(c.note) > MAX_NOTE_WORDS),
    ("yes/no questions (ask for the fact instead)", lambda c: c.type != "cloze" and asks_yes_no(c.q)),
    ("questions naming the guide/README/module/material", lambda c: DOCUMENT_BOUND.search(c.q) is not None),
    ("essay rubrics outside 3-6 points", lambda c: c.type == "essay" and len(c.rubric or []) not in RUBRIC_POINTS),
    ("cloze items whose front shows no blank", lambda c: c.type == "cloze" and not cloze_has_blank(c)),
    ("control characters in the text (a LaTeX macro such as \\beta in a double-quoted YAML string?)",
     lambda c: any(CONTROL.search(t) for t in (c.q, c.a or "", c.note or "", *(c.rubric or [])))),
    ("cloze items whose front shows their own answer", lambda c: c.type == "cloze" and cloze_gives_itself_away(c)),
    ("empty cloze deletions",
     lambda c: c.type == "cloze" and any(not m.group(2).strip() for m in CLOZE.finditer(c.q))),
]


def rule_breaks(path: Path) -> list[str]:
    """One line per broken rule: which rule, and the ids of the cards that break it."""
    found = []
    for what, broken in RULES:
        ids = ids_where(path, broken)
        if ids:
            found.append(f"{what}: {', '.join(ids)}")
    return found


def test_leak_detector():
    leaky = Card(id="x", type="cloze", q="{{c1::He init}} keeps the variance; He init uses fan-in.")
    hidden = Card(id="y", type="cloze", q="{{c1::He init}} keeps the variance; {{c2::fan-in}} sets it.")
    assert cloze_gives_itself_away(leaky) and not cloze_gives_itself_away(hidden)


def test_rules_catch_bad_cards(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("topic: t\ntitle: T\ndemo: d.py\ncards:\n"
                   "  - {id: a, q: Is this short?, a: indeed}\n"
                   f"  - {{id: b, q: Why?, a: {'word ' * 31}}}\n"
                   "  - {id: c, q: What does the guide say?, a: x, note: " + "n " * 61 + "}\n"
                   "  - {id: d, type: essay, q: Explain., rubric: [one, two]}\n"
                   '  - {id: e, q: "Why \\beta?", a: x}\n', encoding="utf-8")
    breaks = "\n".join(rule_breaks(bad))
    assert "yes/no questions (ask for the fact instead): a" in breaks
    assert f"basic answers over {MAX_ANSWER_WORDS} words: b" in breaks
    assert f"notes over {MAX_NOTE_WORDS} words: c" in breaks
    assert "naming the guide/README/module/material: c" in breaks
    assert "essay rubrics outside 3-6 points: d" in breaks
    assert "control characters" in breaks and breaks.rstrip().endswith(": e")


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_topic_file_follows_the_card_rules(path):
    breaks = rule_breaks(path)
    assert not breaks, f"{path.name}:\n" + "\n".join(breaks)


def test_median_basic_answer_is_short():
    per_file = {p.name: [words(c.a) for c in cards_of(p) if c.type == "basic"] for p in FILES}
    everything = [n for counts in per_file.values() for n in counts]
    assert everything, "no basic cards found"
    median = statistics.median(everything)
    detail = ", ".join(f"{name} {statistics.median(c):g}" for name, c in per_file.items() if c)
    assert median <= MAX_MEDIAN_ANSWER, f"median basic answer {median:g} words (per file: {detail})"
