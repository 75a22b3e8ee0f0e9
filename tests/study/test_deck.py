"""Deck loading: every kind of broken topic file is reported at the right line, never a traceback."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from studytui.study.deck import load_deck

GOOD = """\
topic: t
title: T
demo: demo.py
cards:
  - id: a
    q: Q?
    a: A.
"""

CHECK = """\
topic: t
title: T
demo: demo.py
cards:
  - id: a
    q: Q?
    a: A.
    check:
{check}
"""


def check_file(body: str) -> str:
    return CHECK.format(check=textwrap.indent(textwrap.dedent(body).strip("\n"), "      "))


# (name, file text, line, a word of the message)
BROKEN = [
    ("unknown-top-field", GOOD.replace("cards:", "colour: red\ncards:"), 4, "unknown"),
    ("unknown-card-field", GOOD + "    hint: x\n", 8, "unknown"),
    ("missing-topic", GOOD.replace("topic: t\n", ""), 1, "'topic'"),
    ("missing-title", GOOD.replace("title: T\n", ""), 1, "'title'"),
    ("missing-demo", GOOD.replace("demo: demo.py\n", ""), 1, "'demo'"),
    ("missing-cards", "topic: t\ntitle: T\ndemo: demo.py\n", 1, "'cards'"),
    ("empty-cards", "topic: t\ntitle: T\ndemo: demo.py\ncards: []\n", 4, "at least 1"),
    ("missing-id", GOOD.replace("  - id: a\n    q: Q?", "  - q: Q?"), 5, "'id'"),
    ("missing-answer", GOOD.replace("    a: A.\n", ""), 5, "'a'"),
    ("bad-id", GOOD.replace("id: a", "id: Bad Id"), 5, "pattern"),
    ("long-id", GOOD.replace("id: a", "id: " + "a" * 81), 5, "80"),
    ("empty-question", GOOD.replace("q: Q?", "q: ''"), 6, "at least 1"),
    ("blank-question", GOOD.replace("q: Q?", "q: '   '"), 6, "at least 1"),
    ("question-list", GOOD.replace("q: Q?", "q: [1, 2]"), 6, "string"),
    ("answer-number", GOOD.replace("a: A.", "a: 42"), 7, "string"),
    ("tags-not-list", GOOD + "    tags: foo\n", 8, "list"),
    ("bad-tag", GOOD + "    tags: [Bad Tag]\n", 8, "pattern"),
    ("demo-not-py", GOOD.replace("demo.py", "demo.txt"), 3, "script"),
    ("demo-in-subdir", GOOD.replace("demo.py", "sub/demo.py"), 3, "script"),
    ("demo-missing", GOOD.replace("demo.py", "nothere.py"), 3, "not found"),
    ("topic-uppercase", GOOD.replace("topic: t", "topic: Topic"), 1, "pattern"),
    ("title-empty", GOOD.replace("title: T", "title: ''"), 2, "at least 1"),
    ("title-number", GOOD.replace("title: T", "title: 3"), 2, "string"),
    ("cards-mapping", "topic: t\ntitle: T\ndemo: demo.py\ncards:\n  a: 1\n", 5, "list"),
    ("card-is-text", "topic: t\ntitle: T\ndemo: demo.py\ncards:\n  - just text\n", 5, "dictionary"),
    ("root-is-list", "- topic: t\n- title: T\n", 1, "dictionary"),
    ("root-is-scalar", "hello\n", 1, "dictionary"),
    ("empty-file", "", 1, "empty"),
    ("comments-only", "# nothing here\n", 1, "empty"),
    ("duplicate-key", GOOD.replace("    a: A.\n", "    a: A.\n    q: again\n"), 8, "duplicate"),
    ("duplicate-id-in-file", GOOD + "  - id: a\n    q: Other?\n    a: B.\n", 8, "duplicate card id"),
    ("bad-indent", GOOD.replace("    a: A.", "   a: A."), 7, "YAML syntax"),
    ("tab-indent", GOOD.replace("    a: A.", "\ta: A."), 7, "YAML syntax"),
    ("unclosed-quote", GOOD.replace("q: Q?", 'q: "Q?'), 8, "YAML syntax"),
    ("unclosed-bracket", GOOD + "    tags: [a, b\n", 9, "YAML syntax"),
    ("colon-in-plain-text", GOOD.replace("a: A.", "a: ratio: 2: 1"), 7, "YAML syntax"),
    ("undefined-alias", GOOD.replace("a: A.", "a: *nothing"), 7, "YAML syntax"),
    ("check-no-expect", check_file("input: 1x8x8\nlayers: ['Conv2d(1, 1, 3)']"), 9, "expect"),
    ("check-layers-and-model", check_file("input: 1x8x8\nlayers: ['Conv2d(1, 1, 3)']\nmodel: resnet18\nexpect: {rf: [3, 3]}"), 9, "exactly one"),
    ("check-layers-no-input", check_file("layers: ['Conv2d(1, 1, 3)']\nexpect: {rf: [3, 3]}"), 9, "input"),
    ("check-expect-empty", check_file("input: 1x8x8\nlayers: ['Conv2d(1, 1, 3)']\nexpect: {}"), 11, "at least one"),
    ("check-expect-unknown", check_file("input: 1x8x8\nlayers: ['Conv2d(1, 1, 3)']\nexpect: {flops: 3}"), 11, "unknown"),
    ("check-rf-not-list", check_file("input: 1x8x8\nlayers: ['Conv2d(1, 1, 3)']\nexpect:\n  rf: five"), 12, "list"),
    ("check-params-text", check_file("input: 1x8x8\nlayers: ['Conv2d(1, 1, 3)']\nexpect:\n  params: many"), 12, "integer"),
]


@pytest.fixture
def demos(tmp_path: Path) -> Path:
    d = tmp_path / "demos"
    d.mkdir()
    (d / "demo.py").write_text("")
    return d


@pytest.mark.parametrize("name,text,line,word", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_topic_file_reports_line_and_reason(tmp_path, demos, name, text, line, word):
    cards = tmp_path / "cards"
    cards.mkdir()
    bad = cards / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    (cards / "good.yaml").write_text(GOOD.replace("topic: t", "topic: good").replace("id: a", "id: good-card"))
    deck, problems = load_deck(cards, demos_dir=demos)
    mine = [p for p in problems if p.path == bad]
    assert mine, f"no problem reported for {name}"
    assert (mine[0].line, word in mine[0].message) == (line, True), str(mine[0])
    assert str(mine[0]).startswith(f"{bad}:{line}: ")
    assert "good-card" in deck.cards  # the other file still loads


def test_at_least_thirty_kinds_of_broken_yaml():
    assert len(BROKEN) >= 30


def test_not_utf8(tmp_path, demos):
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "bin.yaml").write_bytes(b"topic: t\ntitle: \xff\xfe\n")
    _, problems = load_deck(cards, demos_dir=demos)
    assert problems[0].line == 1 and "UTF-8" in problems[0].message


def test_duplicate_ids_across_files_name_both_places(tmp_path, demos):
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "a.yaml").write_text(GOOD.replace("topic: t", "topic: one"))
    (cards / "b.yaml").write_text(GOOD.replace("topic: t", "topic: two") + "  - id: b\n    q: B?\n    a: B.\n")
    deck, problems = load_deck(cards, demos_dir=demos)
    assert [(p.path.name, p.line) for p in problems] == [("b.yaml", 5)]
    assert "duplicate card id 'a'" in problems[0].message and "a.yaml:5" in problems[0].message
    assert sorted(deck.cards) == ["a", "b"] and deck.topic_of["a"] == "one"


def test_duplicate_topic_across_files(tmp_path, demos):
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "a.yaml").write_text(GOOD)
    (cards / "b.yaml").write_text(GOOD.replace("id: a", "id: other"))
    deck, problems = load_deck(cards, demos_dir=demos)
    assert [(p.path.name, p.line) for p in problems] == [("b.yaml", 1)]
    assert "duplicate topic" in problems[0].message
    assert list(deck.cards) == ["a"]


def test_empty_and_missing_cards_dir_give_an_empty_deck(tmp_path, demos):
    (tmp_path / "empty").mkdir()
    for d in (tmp_path / "empty", tmp_path / "does-not-exist"):
        deck, problems = load_deck(d, demos_dir=demos)
        assert (len(deck), deck.topics, problems) == (0, [], [])


def test_missing_demo_is_reported_but_topic_still_loads(tmp_path, demos):
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "a.yaml").write_text(GOOD.replace("demo.py", "later.py"))
    deck, problems = load_deck(cards, demos_dir=demos)
    assert len(problems) == 1 and "later.py" in problems[0].message
    assert list(deck.cards) == ["a"]


def test_imported_topics_need_no_demo_and_load_from_extra_dirs(tmp_path, deck_dirs):
    cards, demos = deck_dirs
    imported = tmp_path / "imported"
    imported.mkdir()
    (imported / "mine.yaml").write_text("topic: mine\ntitle: Mine\nsource: [notes.md]\ncards:\n  - id: mine-1\n    q: Q?\n    a: A.\n")
    deck, problems = load_deck(cards, extra_dirs=[imported], demos_dir=demos)
    assert problems == []
    assert deck.topic_of["mine-1"] == "mine"
    assert deck.topic("mine").imported and deck.topic("mine").source == ["notes.md"]
    assert not deck.topic("beta").imported
    assert [c.id for c in deck.cards_in("beta")] == ["beta-0", "beta-1"]


def test_content_hash_changes_with_text_not_id():
    from studytui.study.deck import Card

    a = Card(id="x", q="Q?", a="A.")
    assert a.content_hash == Card(id="y", q="Q?", a="A.").content_hash
    assert a.content_hash != Card(id="x", q="Q?", a="A!").content_hash


def test_real_cards_dir_loads_without_crashing():
    deck, problems = load_deck()
    for p in problems:  # problems are fine (others are writing cards now); crashes are not
        assert str(p).count(":") >= 2
    assert all(yaml.safe_dump(c.q) for c in deck.cards.values())
