"""Arbitrary text: the importer raises nothing but its own error and stays linear in time."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studytui.study.importing import ImportError_, parse_markdown

# Pieces of every format, so random text often looks like notes.
PIECES = ["### 1. ", "## Q1: ", "**Q:** ", "**A:** ", "Q: ", "A: ", "- ", "  - ", "1. ", "> ", "?", "??", "::",
          ":::", " >> ", "{{c1::", "}}", "==", "#card", "<details>", "<summary>", "</summary>", "</details>",
          "$$", "```", "~~~", "|", "|---|", "---", "**", "[x](y)", "[[s](u)]", "Answer:", "Hint:", "\n", "\n\n",
          " ", "\t", "What is x", "\x00", "\x1b", "\r\n", "\u00a0", "＃", "？", "R²", "👶"]

text_like_notes = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=20)), max_size=60).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_like_notes)
def test_arbitrary_text_never_raises_anything_else(text):
    try:
        result = parse_markdown(text, deck="fuzz")
    except ImportError_:
        return
    ids = [c.id for c in result.cards]
    assert len(ids) == len(set(ids))
    for card in result.cards:
        assert card.question.strip()
        assert "\x1b" not in card.question + card.answer and "\x00" not in card.question + card.answer


N = 100_000
PATHOLOGICAL = {
    "spaces in a heading": "# x" + " " * N + "y\n",
    "tabs in a heading": "# x" + "\t" * N + "y\n",
    "spaces after Q": "Q" + " " * N + "x?\n",
    "spaces in a bullet": "- " + " " * N + "x?\n",
    "one long question": "### 1. " + "why " * (N // 4) + "?\n" + "a" * N + "\n",
    "nested quotes": ">" * N + " x\n",
    "nested lists": "".join("  " * i + "- q?\n" for i in range(300)),
    "nested ordered lists": "".join("   " * i + "1. x\n" for i in range(300)),
    "emphasis": "**" * (N // 2) + "\n",
    "brackets": "[" * N + "\n",
    "links after a question": "- " + "[a](b) " * (N // 7) + "?\n",
    "glued urls": "### 1. Q?\n" + "https://a" * (N // 9) + "!\n",
    "details": "<details><summary>Q?</summary>\n" * (N // 30),
    "spaces in a summary": "<details><summary>" + " " * N + "x</summary>\n",
    "separators": "a::b " * (N // 5) + "\n",
    "highlights": "==a== " * (N // 6) + "\n",
    "cloze openers": "{{c1::" * (N // 6),
    "card tags": "Q? " + "#card " * (N // 6) + "\n",
    "hashes": "#" * N,
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_input_is_linear(name):
    # Generous cap for a busy shared machine: these took minutes when matching was quadratic
    # (20k spaces: 34 s; 100k: over 400 s), and take well under a second each on an idle core.
    text = PATHOLOGICAL[name]
    t0 = time.perf_counter()
    parse_markdown(text, deck="t")
    assert time.perf_counter() - t0 < 10.0, name


scalars = st.one_of(st.text(), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False, allow_infinity=False))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=20)


@settings(max_examples=120, deadline=None)
@given(st.dictionaries(st.text(max_size=8), documents, min_size=1, max_size=5))
def test_topic_writer_round_trips_through_yaml(data):
    import yaml

    from studytui.study.importing.yamlout import dump

    assert yaml.safe_load(dump(data)) == data


def test_topic_writer_edge_cases():
    import yaml

    from studytui.study.importing.yamlout import dump

    data = {"_\n": None, "null\n": 1, "f": [1e100, -2.5e-300, 0.0], "s": ["  leading\nspaces", "tab\there\nx", "", "null", "- dash\n# hash",
                                            "a\u2028b\x85c", "ends\n"], "k": {"nested": [[1, 2], {}, []]}}
    assert yaml.safe_load(dump(data)) == data
