"""The deck covers the study material: every question of the seeds is answered by some card.

Anchors (see notes/cards.md): "resnet-module#N" and "cnn-module#N" for the `### N.` questions of
000/001, "resnet-scratch#<slug>" for every ##/###/#### heading of 002, "exam-guide#N" / "#N.M" for
the numbered headings of 003 plus "exam-guide#11.K" / "#12.K" for the items of its Rapid Q&A and
Exam-Style sections, and "interview#QN" for 004. Headings inside ``` fences do not count.
The seeds live outside the repository (../shared/seeds, or $STUDYTUI_SEEDS for a checkout elsewhere,
such as a git worktree), so these tests skip where they are absent.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from studytui.study.deck import load_topic

REPO = Path(__file__).parents[1]
SEEDS_DIR = Path(os.environ.get("STUDYTUI_SEEDS") or REPO.parent / "shared" / "seeds")
CARDS_DIR = REPO / "cards"
RUN = 9  # a shared run of this many words counts as copied text

needs_seeds = pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason=f"no study material at {SEEDS_DIR}")


def unfenced_lines(text: str) -> list[str]:
    """The lines outside ``` fences (a fence may be indented, e.g. inside a list item)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def heading_slug(text: str) -> str:
    """'**CIFAR-10 Adaptations**' -> 'cifar-10-adaptations' (links keep their text)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _numbered_questions(lines: list[str], prefix: str) -> list[str]:
    return [f"{prefix}#{m.group(1)}" for line in lines if (m := re.match(r"###\s+(\d+)\.\s", line))]


def _scratch_headings(lines: list[str]) -> list[str]:
    return [f"resnet-scratch#{heading_slug(m.group(1))}"
            for line in lines if (m := re.match(r"#{2,4}\s+(.+?)\s*$", line))]


def _exam_guide(lines: list[str]) -> list[str]:
    anchors, section = [], None
    for line in lines:
        if m := re.match(r"##\s+(\d+)\.\s", line):
            section = m.group(1)
            anchors.append(f"exam-guide#{section}")
            items = 0
        elif m := re.match(r"###\s+(\d+\.\d+)\s", line):
            anchors.append(f"exam-guide#{m.group(1)}")
        elif re.match(r"##\s", line):
            section = None  # an unnumbered section such as the table of contents
        elif section in ("11", "12") and re.match(r"\d+[.)]\s", line):
            items += 1  # only top-level numbered items; "(a)" and "- ..." lines are parts of one
            anchors.append(f"exam-guide#{section}.{items}")
    return anchors


def _interview(lines: list[str]) -> list[str]:
    return [f"interview#Q{m.group(1)}" for line in lines if (m := re.match(r"##\s+Q(\d+):", line))]


PARSERS = {
    "000": lambda lines: _numbered_questions(lines, "resnet-module"),
    "001": lambda lines: _numbered_questions(lines, "cnn-module"),
    "002": _scratch_headings,
    "003": _exam_guide,
    "004": _interview,
}


def seed_files() -> dict[str, Path]:
    files = {}
    for key in PARSERS:
        found = sorted(SEEDS_DIR.glob(f"{key}_*.txt"))
        assert len(found) == 1, f"expected one seed file {key}_*.txt in {SEEDS_DIR}, found {len(found)}"
        files[key] = found[0]
    return files


@lru_cache(maxsize=1)
def seed_anchors() -> tuple[str, ...]:
    anchors: list[str] = []
    for key, path in seed_files().items():
        anchors += PARSERS[key](unfenced_lines(path.read_text(encoding="utf-8")))
    return tuple(anchors)


@lru_cache(maxsize=1)
def deck() -> tuple:
    return tuple(load_topic(path) for path in sorted(CARDS_DIR.glob("*.yaml")))


def all_cards():
    return [(topic.topic, card) for topic in deck() for card in topic.cards]


def compact(anchors) -> str:
    """'cnn-module#1, #2, #7; exam-guide#6' — one group per document."""
    groups: dict[str, list[str]] = {}
    for anchor in anchors:
        doc, _, tail = anchor.partition("#")
        groups.setdefault(doc, []).append(tail)
    return "; ".join(f"{doc}#{', #'.join(tails)}" for doc, tails in groups.items())


# -- the anchor parser itself --------------------------------------------------------------------

def test_heading_slug_follows_the_rules():
    assert heading_slug("**CIFAR-10 Adaptations**") == "cifar-10-adaptations"
    assert heading_slug("📌 Overview") == "overview"
    assert heading_slug("**BasicBlock (ResNet-18/34)**") == "basicblock-resnet-18-34"
    assert heading_slug("[Link text](#x) here") == "link-text-here"


def test_exam_guide_items_count_only_top_level_numbers_and_skip_fences():
    text = "\n".join([
        "## 11. Rapid Q&A", "1) **a?**", "   answer", "2) **b?**",
        "## 12. Exam-Style Questions", "1. **c**", "   (a) part", "   - sub", "```", "## 13. fenced", "```",
        "2. **d**", "## Appendix", "3. not an item",
    ])
    assert _exam_guide(unfenced_lines(text)) == [
        "exam-guide#11", "exam-guide#11.1", "exam-guide#11.2",
        "exam-guide#12", "exam-guide#12.1", "exam-guide#12.2"]


@needs_seeds
def test_seed_anchors_are_found_and_unique():
    anchors = seed_anchors()
    counts = Counter(anchors)
    assert not [a for a, n in counts.items() if n > 1], "duplicate anchors in the seeds"
    assert {f"cnn-module#{n}" for n in range(1, 61)} <= set(anchors)
    assert {f"resnet-module#{n}" for n in range(1, 61)} <= set(anchors)
    assert {f"interview#Q{n}" for n in range(1, 11)} <= set(anchors)
    assert {"exam-guide#3.3", "exam-guide#11.6", "exam-guide#12.6",
            "resnet-scratch#cifar-10-adaptations"} <= set(anchors)
    assert "exam-guide#11.7" not in anchors and "exam-guide#12.7" not in anchors


# -- the deck against the seeds ------------------------------------------------------------------

def test_card_ids_are_unique_across_files():
    seen: dict[str, str] = {}
    clashes = []
    for topic, card in all_cards():
        if card.id in seen:
            clashes.append(f"{card.id} ({seen[card.id]}, {topic})")
        seen.setdefault(card.id, topic)
    assert not clashes, "card ids used twice: " + ", ".join(clashes)


@needs_seeds
def test_every_source_names_an_existing_anchor():
    known = set(seed_anchors())
    typos = [f"{card.id}: {s}" for _, card in all_cards() for s in card.sources if s not in known]
    assert not typos, "sources that name no anchor of the seeds: " + "; ".join(typos)


@needs_seeds
def test_every_anchor_is_covered_by_a_card():
    covered = {s for _, card in all_cards() for s in card.sources}
    missing = [a for a in seed_anchors() if a not in covered]
    assert not missing, f"{len(missing)} anchors without a card: {compact(missing)}"


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def runs(tokens: list[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + RUN]) for i in range(len(tokens) - RUN + 1)}


@needs_seeds
def test_no_project_text_copies_nine_words_from_the_seeds():
    """Own words everywhere: no run of 9 words (formulas and code included) shared with the seeds."""
    seed_runs: set[tuple[str, ...]] = set()
    for path in seed_files().values():
        seed_runs |= runs(words(path.read_text(encoding="utf-8")))
    offenders = []
    for root in ("cards", "drills", "demos", "studytui", "README.md"):
        base = REPO / root
        files = [base] if base.is_file() else [p for p in base.rglob("*")
                                                if p.suffix in {".yaml", ".yml", ".md", ".py", ".txt"}]
        for path in files:
            shared = runs(words(path.read_text(encoding="utf-8", errors="ignore"))) & seed_runs
            if shared:
                offenders.append(f"{path.relative_to(REPO)}: \"{' '.join(min(shared))}\"")
    assert not offenders, "text shared with the seeds (9+ words): " + "; ".join(offenders)
