"""Markdown import: every format, the awkward cases, the study documents, stable ids."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
import yaml

from studytui.study.importer import card_id, merge_topic, parse_files, parse_markdown

SEEDS = Path(os.environ.get("STUDYTUI_SEEDS", Path(__file__).resolve().parents[3] / "shared" / "seeds"))


def parse(md: str):
    return parse_markdown(textwrap.dedent(md), deck="t")


def qa(md: str) -> list[tuple[str, str]]:
    return [(c.question, c.answer) for c in parse(md).cards]


def test_numbered_headings():
    assert qa("""\
        # Notes
        ## Exhaustive Q&A
        ### 1. What is a stride?
        The step of the window.

        ### 2. Explain `padding=1`.
        One pixel of zeros
        on each side.
        """) == [("What is a stride?", "The step of the window."), ("Explain `padding=1`.", "One pixel of zeros\non each side.")]


def test_numbered_heading_with_parenthesis_and_no_qa_section():
    assert qa("#### 7) Why pool?\nTo shrink maps.\n\n#### 8) How many params?\n448.\n") == [
        ("Why pool?", "To shrink maps."), ("How many params?", "448.")]


def test_q_headings_with_answer_label():
    assert qa("""\
        # Interview Questions
        ## Q1: Why skip connections?
        **Answer:**
        Gradients flow through the identity.

        ## Q2: What is a bottleneck?
        **Answer:** A 1x1-3x3-1x1 block.
        """) == [("Why skip connections?", "Gradients flow through the identity."),
                 ("What is a bottleneck?", "A 1x1-3x3-1x1 block.")]


def test_bold_q_and_a_lines():
    assert qa("""\
        **Q:** What does BN normalize?
        **A:** Each channel over the batch.

        **Q:** Why ReLU?
        **A:** Cheap, and no saturation
        for positive inputs.

        Q: Plain prefix?
        A: Works too.
        """) == [("What does BN normalize?", "Each channel over the batch."),
                 ("Why ReLU?", "Cheap, and no saturation\nfor positive inputs."),
                 ("Plain prefix?", "Works too.")]


def test_q_and_a_on_one_line():
    assert qa("**Q:** What is 3x3 conv RF? **A:** 3 pixels.\n") == [("What is 3x3 conv RF?", "3 pixels.")]


def test_multiline_question_before_answer_mark():
    assert qa("**Q:** Given a 32x32 input,\nwhat does MaxPool2d(2) give?\n**A:** 16x16.\n") == [
        ("Given a 32x32 input, what does MaxPool2d(2) give?", "16x16.")]


def test_numbered_list_with_bold_questions():
    assert qa("""\
        ## 11. Rapid Q&A

        1) **Why ReLU over sigmoid?**
           No saturation for positive inputs.

        2) **What does dropout do?**
           Zeroes random units while training.
        """) == [("Why ReLU over sigmoid?", "No saturation for positive inputs."),
                 ("What does dropout do?", "Zeroes random units while training.")]


def test_bulleted_questions_with_indented_or_following_answers():
    assert qa("""\
        - What is a kernel?
          A small weight tensor slid over the input.
        - Why 3x3?
          Two of them see 5x5 with fewer weights.

        * How deep is ResNet-50?

        Fifty weighted layers.
        """) == [("What is a kernel?", "A small weight tensor slid over the input."),
                 ("Why 3x3?", "Two of them see 5x5 with fewer weights."),
                 ("How deep is ResNet-50?", "Fifty weighted layers.")]


def test_bold_bullet_with_answer_on_same_line():
    assert qa("- **What is GAP?** Averaging each channel to one number.\n") == [
        ("What is GAP?", "Averaging each channel to one number.")]


def test_labelled_exam_question_with_and_without_answer():
    r = parse("""\
        **Example exam question (calculation)**
        A 3x3 conv, stride 2, padding 1 on 64x64 gives what size?
        Answer: 32x32.

        ---

        **Example exam question (short)**
        Why stack small kernels?

        ---
        """)
    assert [(c.question, c.answer, c.line) for c in r.cards] == [
        ("A 3x3 conv, stride 2, padding 1 on 64x64 gives what size?", "32x32.", 1)]
    assert [(s.line, s.why) for s in r.skipped] == [(7, "no answer")]


def test_exam_style_numbered_items_without_answers_are_reported():
    r = parse("""\
        ## Exam-Style Questions

        1. **Conceptual**
           (a) Define parameter sharing.

        2. **Calculation**
           Compute the output of Conv2d(3, 8, 5) on 32x32.
        """)
    assert r.cards == []
    assert [(s.line, s.why) for s in r.skipped] == [(3, "no answer"), (6, "no answer")]


def test_empty_answers_are_skipped_and_reported():
    r = parse("### 1. What is X?\n\n### 2. What is Y?\nY.\n### 3. What is Z?\n   \n")
    assert [c.question for c in r.cards] == ["What is Y?"]
    assert [(s.line, s.why) for s in r.skipped] == [(1, "no answer"), (5, "no answer")]


def test_fenced_code_with_hash_lines_stays_in_the_answer():
    r = parse("""\
        ### 1. Show a residual block?
        ```python
        # this is a comment, not a heading
        ## nor is this
        def forward(x):
            return x + f(x)
        ```
        ### 2. Next?
        Yes.
        """)
    assert len(r.cards) == 2
    assert "# this is a comment" in r.cards[0].answer and "## nor is this" in r.cards[0].answer
    assert r.cards[0].answer.startswith("```python") and r.cards[0].answer.endswith("```")


def test_tilde_fence_and_indented_fence_in_list_item():
    r = parse("""\
        - What does this print?
          ~~~
          - not a question?
          ~~~
        """)
    assert [c.question for c in r.cards] == ["What does this print?"]
    assert "- not a question?" in r.cards[0].answer


def test_table_of_contents_repeating_the_questions_is_not_duplicated():
    r = parse("""\
        # Contents
        1. [What is a conv?](#1-what-is-a-conv)
        2. [Why pool?](#2-why-pool)

        ## Questions
        - What is a conv?
        - Why pool?

        ## Answers
        ### 1. What is a conv?
        A sliding dot product.
        ### 2. Why pool?
        To downsample.
        """)
    assert [c.question for c in r.cards] == ["What is a conv?", "Why pool?"]
    assert [c.line for c in r.cards] == [10, 12]
    assert r.skipped == []


def test_headings_that_are_not_questions_are_ignored():
    r = parse("""\
        # ResNet from scratch
        ## 2. Why CNNs Beat MLPs
        Local structure.
        ### **1. Advanced Data Augmentation**
        Mixup and CutMix.
        - **Why it matters:**
          - Too small: vanishing.
        6. **Monitor validation metrics.**
        - Explain **sparse weights** to a friend.
        """)
    assert r.cards == [] and r.skipped == []


def test_latex_and_images_survive():
    r = parse(r"""
        ### 1. What is the BN formula?
        $$
        - y = \frac{x - \mu}{\sigma}
        $$
        ![diagram](img/bn.png)
        Inline $\gamma$ and $\beta$ are learned.
        ### 2. What is $\frac{\partial y}{\partial x}$ for $y = F(x) + x$?
        $F'(x) + 1$.
        """)
    assert [c.question for c in r.cards] == ["What is the BN formula?", r"What is $\frac{\partial y}{\partial x}$ for $y = F(x) + x$?"]
    assert r"\frac{x - \mu}{\sigma}" in r.cards[0].answer and "![diagram](img/bn.png)" in r.cards[0].answer


def test_unicode_lookalikes():
    md = "###\u00a0１２． What is a stride？\nThe step.\n\n**Ｑ:** Why\u200b pool？\n**Ａ:** Downsampling.\n"
    r = parse_markdown(md, deck="t")
    assert len(r.cards) == 2
    assert r.cards[0].answer == "The step." and r.cards[1].answer == "Downsampling."
    assert "\u200b" not in r.cards[1].question


def test_crlf_and_bom():
    r = parse_markdown("\ufeff### 1. What is CRLF?\r\nA line ending.\r\n", deck="t")
    assert [(c.question, c.answer) for c in r.cards] == [("What is CRLF?", "A line ending.")]


def test_sub_headings_inside_an_answer_belong_to_it():
    r = parse("## Q1: What is ResNet?\nA net.\n### Details\nSkips.\n## Q2: And DenseNet?\nConcat.\n")
    assert r.cards[0].answer == "A net.\n### Details\nSkips." and len(r.cards) == 2


def test_repeated_question_with_two_answers_keeps_the_first():
    r = parse("### 1. What is X?\nFirst.\n### 2. What is X?\nSecond.\n")
    assert [c.answer for c in r.cards] == ["First."]
    assert [(s.line, s.why) for s in r.skipped] == [(3, "duplicate of line 1")]


def test_ids_are_stable_and_ignore_formatting():
    a = card_id("deck", "What is a **stride**?")
    assert a == card_id("deck", "what is a stride ?") == card_id("deck", "What is a  stride?")
    assert a != card_id("deck", "What is a padding?") and a != card_id("other", "What is a stride?")
    assert a.startswith("deck-") and len(a) == len("deck-") + 10


def test_json_shape_exactly():
    doc = parse("### 1. What?\nThat.\n### 2. Empty?\n").to_json()
    assert set(doc) == {"cards", "skipped"}
    assert set(doc["cards"][0]) == {"id", "question", "answer"} and set(doc["skipped"][0]) == {"line", "why"}
    json.dumps(doc)


# --- the study documents -----------------------------------------------------------------------

SEED_EXPECT = {"000": (60, 0), "001": (60, 0), "002": (0, 0), "003": (7, 11), "004": (10, 0)}


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


@pytest.mark.skipif(not SEEDS.is_dir(), reason="study documents not present (../shared/seeds)")
@pytest.mark.parametrize("prefix", sorted(SEED_EXPECT))
def test_seed_documents_import_cleanly(prefix):
    text = seed(prefix).read_text(encoding="utf-8")
    r = parse_markdown(text, deck="s")
    assert (len(r.cards), len(r.skipped)) == SEED_EXPECT[prefix]
    lines = text.splitlines()
    for c in r.cards:
        assert c.answer.strip() and c.question.strip()
        assert not c.answer.startswith("**Answer"), c.answer[:30]
    if prefix in ("000", "001"):  # every `### N.` heading, in order, nothing else
        headings = [i + 1 for i, line in enumerate(lines) if line.startswith("### ") and line[4].isdigit()]
        assert [c.line for c in r.cards] == headings
        assert [int(lines[c.line - 1][4:].split(".")[0]) for c in r.cards] == list(range(1, 61))
    if prefix == "004":
        assert [c.line for c in r.cards] == [i + 1 for i, line in enumerate(lines) if line.startswith("## Q")]
        assert r.cards[-1].answer.startswith("```python") and r.cards[-1].answer.endswith("```")
    if prefix == "003":
        rapid = [c for c in r.cards if c.line > 650]
        assert [c.question for c in rapid][:2] == ["Why ReLU over sigmoid in deep CNNs?", "Why add pooling or use stride > 1?"]
        assert len(rapid) == 6
        exam_style = [s for s in r.skipped if s.line > 674]
        assert len(exam_style) == 6 and all(s.why == "no answer" for s in exam_style)
        assert all("Example exam question" in lines[s.line - 1] for s in r.skipped if s.line < 674)


# --- writing the topic file --------------------------------------------------------------------


def test_merge_writes_a_loadable_topic_and_reimport_updates(tmp_path):
    from studytui.study.deck import load_deck

    notes = tmp_path / "notes.md"
    notes.write_text("### 1. What is a stride?\nThe step.\n### 2. Why do CNNs use pooling layers?\nDownsample.\n")
    out = tmp_path / "imported"
    rep = merge_topic(parse_files([notes], "mine"), "mine", out)
    assert (rep.added, rep.updated, rep.removed) == (2, 0, 0)
    deck, problems = load_deck(tmp_path / "none", extra_dirs=[out])
    assert problems == [] and len(deck.cards) == 2
    old_ids = list(deck.cards)

    # edit an answer, reword a question slightly, add one, drop nothing
    notes.write_text("### 1. What is a stride?\nThe step of the window.\n### 2. Why do CNNs use pooling layers at all?\n"
                     "Downsample.\n"
                     "### 3. What is padding?\nZeros at the border.\n")
    rep = merge_topic(parse_files([notes], "mine"), "mine", out)
    assert (rep.added, rep.updated, rep.renamed, rep.removed) == (1, 2, 1, 0)
    deck, problems = load_deck(tmp_path / "none", extra_dirs=[out])
    assert problems == [] and len(deck.cards) == 3
    assert list(deck.cards)[:2] == old_ids  # same ids: history kept
    assert deck.cards[old_ids[0]].a == "The step of the window."

    # another file into the same deck keeps the first file's cards
    other = tmp_path / "other.md"
    other.write_text("**Q:** What is BN?\n**A:** Normalization.\n")
    merge_topic(parse_files([other], "mine"), "mine", out)
    deck, _ = load_deck(tmp_path / "none", extra_dirs=[out])
    assert len(deck.cards) == 4
    data = yaml.safe_load((out / "mine.yaml").read_text())
    assert data["source"] == [str(notes), str(other)]  # full paths, never base names


def test_merge_refuses_to_overwrite_a_broken_topic_file(tmp_path):
    from studytui.errors import StudytuiError

    out = tmp_path / "imported"
    out.mkdir()
    (out / "mine.yaml").write_text("topic: [broken\n")
    before = (out / "mine.yaml").read_text()
    notes = tmp_path / "n.md"
    notes.write_text("### 1. What?\nThat.\n")
    with pytest.raises(StudytuiError, match="not changed"):
        merge_topic(parse_files([notes], "mine"), "mine", out)
    assert (out / "mine.yaml").read_text() == before


def test_generated_file_with_many_formats(tmp_path):
    """A file mixing every format parses to exactly the questions it holds."""
    parts = ["## Headings"] + [f"### {i + 1}. What is item {i}?\nAnswer {i}.\n" for i in range(20)]
    parts += ["## Q and A lines"] + [f"**Q:** Why thing {i}?\n**A:** Because {i}.\n" for i in range(20)]
    parts += ["## Bullets"] + [f"- How about bullet {i}?\n  Indented {i}.\n" for i in range(20)]
    r = parse_markdown("\n".join(parts), deck="g")
    assert len(r.cards) == 60 and r.skipped == []
    assert {c.answer for c in r.cards} == {f"Answer {i}." for i in range(20)} | {f"Because {i}." for i in range(20)} | {
        f"Indented {i}." for i in range(20)}
