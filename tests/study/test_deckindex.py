"""The whole-deck index: an unchanged deck opens without reading a topic file, and any edit,
added or removed file, damaged index or code change is still seen."""

import os
from pathlib import Path

import pytest

from studytui.study import deck as deck_module
from studytui.study import deckcache, deckindex
from studytui.study.deck import load_deck
from tests.study.conftest import cached_project, count_topic_parses

TOPIC = """\
topic: t{n}
title: Topic {n}
demo: d.py
cards:
  - id: c{n}
    q: What is {word}?
    a: An answer about {word}.
  - id: z{n}
    type: cloze
    q: "{{{{c1::Stride}}}} shrinks the map and {{{{c2::padding}}}} keeps it."
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    cards = cached_project(tmp_path, monkeypatch)
    (cards / "a.yaml").write_text(TOPIC.format(n=1, word="pooling"))
    (cards / "b.yaml").write_text(TOPIC.format(n=2, word="dropout"))
    return cards


@pytest.fixture
def settled(monkeypatch):
    """Files count as settled as soon as the index is written (the real rule waits SETTLE_NS)."""
    monkeypatch.setattr(deckindex, "SETTLE_NS", 0)


class Reads:
    """Every look at a topic file or its cache entry during a load."""

    def __init__(self, monkeypatch):
        self.parsed = count_topic_parses(monkeypatch)
        self.hashed: list[Path] = []
        self.entries: list[Path] = []  # deckcache entries whose index was read
        self.blobs: list[str] = []  # deckcache entries card blobs were read from
        real_digest, real_entry = deck_module.digest_capped, deckcache.load
        monkeypatch.setattr(deck_module, "digest_capped", lambda p: self.hashed.append(Path(p)) or real_digest(p))
        monkeypatch.setattr("studytui.yamlload.digest_capped", lambda p: self.hashed.append(Path(p)) or real_digest(p))
        monkeypatch.setattr(deckcache, "load", lambda p, *a, **k: self.entries.append(Path(p)) or real_entry(p, *a, **k))
        monkeypatch.setattr(deckindex, "load_entry", deckcache.load)
        real_read = deckcache.Blobs.read
        monkeypatch.setattr(deckcache.Blobs, "read", lambda b, notes: self.blobs.append(b.entry) or real_read(b, notes))

    def none(self) -> bool:
        return self.parsed == self.hashed == self.entries == self.blobs == []


def index_files(cards: Path) -> list[Path]:
    return sorted((cards.parent / "cache" / "deck").glob("*.index"))


def same_deck(a, b) -> None:
    assert list(a.cards) == list(b.cards) and dict(a.topic_of) == dict(b.topic_of)
    assert [a.content_hash(c) for c in a.cards] == [b.content_hash(c) for c in b.cards]
    assert [(t.topic, t.title, t.demo, t.imported) for t in a.topics] == [(t.topic, t.title, t.demo, t.imported) for t in b.topics]
    assert a.files == b.files and all(a.ids_in(t.topic) == b.ids_in(t.topic) for t in a.topics)


def test_an_unchanged_deck_opens_without_reading_any_topic_file(project, settled, monkeypatch):
    parsed_deck, _ = load_deck(project)
    assert len(index_files(project)) == 1
    reads = Reads(monkeypatch)
    deck, problems = load_deck(project)
    assert reads.none() and problems == []
    same_deck(deck, parsed_deck)
    assert list(deck.cards) == ["c1", "z1", "z1#c2", "c2", "z2", "z2#c2"]
    assert deck.topic_of["z2#c2"] == "t2" and "nope" not in deck.topic_of
    # a card is built from its file's own entry when it is first shown: its blob read where the
    # index says it lies, without reading that entry's own index
    assert deck.cards["z2#c2"] == parsed_deck.cards["z2#c2"] and deck.cards["z2#c2"].cloze_number == 2
    assert reads.blobs == [deckcache.entry_path(project.parent / "cache" / "deck", project / "b.yaml")]
    assert reads.entries == [] and reads.parsed == []
    assert deck.topic("t1").cards == parsed_deck.topic("t1").cards


def test_an_edit_that_keeps_size_and_mtime_is_seen(project, settled, monkeypatch):
    load_deck(project)
    path = project / "a.yaml"
    before = path.stat()
    for _ in range(10_000):  # until the edit moves ctime (a coarse clock may need a few writes)
        path.write_text(TOPIC.format(n=1, word="padding"))  # as long as "pooling"
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        if path.stat().st_ctime_ns != before.st_ctime_ns:
            break
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    reads = Reads(monkeypatch)
    deck, _ = load_deck(project)
    assert deck.cards["c1"].q == "What is padding?" and reads.parsed == [path]


def test_a_file_changed_just_before_the_index_was_written_is_hashed_at_each_start(project, monkeypatch):
    load_deck(project)  # real SETTLE_NS: both files were written moments ago
    reads = Reads(monkeypatch)
    deck, _ = load_deck(project)
    assert sorted(reads.hashed) == [project / "a.yaml", project / "b.yaml"]
    assert reads.parsed == [] and reads.entries == [] and "c2" in deck.cards


def test_a_touched_file_is_hashed_once_then_trusted_again(project, settled, monkeypatch):
    load_deck(project)
    path = project / "a.yaml"
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    with monkeypatch.context() as patch:
        reads = Reads(patch)
        load_deck(project)
        assert reads.hashed == [path] and reads.parsed == [] and reads.entries == []
    reads = Reads(monkeypatch)  # the index now holds the new status
    deck, _ = load_deck(project)
    assert reads.none() and deck.cards["c1"].q == "What is pooling?"


def test_added_and_removed_files_are_seen(project, settled, monkeypatch):
    load_deck(project)
    (project / "c.yaml").write_text(TOPIC.format(n=3, word="weights"))
    deck, _ = load_deck(project)
    assert deck.topic_of["z3#c2"] == "t3"
    (project / "a.yaml").unlink()
    deck, _ = load_deck(project)
    assert "c1" not in deck.cards and [t.topic for t in deck.topics] == ["t2", "t3"]
    reads = Reads(monkeypatch)
    again, _ = load_deck(project)
    assert reads.none()
    same_deck(again, deck)


def test_a_missing_file_entry_parses_that_file_when_a_card_is_shown(project, settled, monkeypatch):
    parsed_deck, _ = load_deck(project)
    for entry in (project.parent / "cache" / "deck").glob("*.cache"):
        entry.unlink()
    parsed = count_topic_parses(monkeypatch)
    deck, _ = load_deck(project)
    assert parsed == []
    assert deck.cards["z1"] == parsed_deck.cards["z1"] and parsed == [project / "a.yaml"]
    assert deck.topic("t2").cards == parsed_deck.topic("t2").cards and len(parsed) == 2


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "foreign"])
def test_a_damaged_index_is_a_miss(project, settled, monkeypatch, damage):
    parsed_deck, _ = load_deck(project)
    (index,) = index_files(project)
    raw = index.read_bytes()
    index.write_bytes({"flip": raw[:-10] + bytes([raw[-10] ^ 1]) + raw[-9:], "truncate": raw[:len(raw) // 2],
                       "empty": b"", "foreign": b"studytui deck index 9\n" + raw[22:]}[damage])
    reads = Reads(monkeypatch)
    deck, problems = load_deck(project)
    assert problems == [] and reads.parsed == [] and len(reads.entries) == 2  # file by file
    same_deck(deck, parsed_deck)


def test_other_code_is_a_miss(project, settled, monkeypatch):
    load_deck(project)
    monkeypatch.setattr(deck_module, "_schema_digest", lambda: "other code")
    reads = Reads(monkeypatch)
    load_deck(project)
    assert sorted(reads.parsed) == [project / "a.yaml", project / "b.yaml"]  # the files' own entries too


def test_a_deck_with_problems_is_not_indexed_and_keeps_reporting_them(project, settled):
    (project / "c.yaml").write_text(TOPIC.format(n=1, word="weights").replace("topic: t1", "topic: t9"))
    for _ in range(2):
        deck, problems = load_deck(project)
        assert [p.message for p in problems] == ["duplicate card id 'c1' (also {}:5)".format(project / "a.yaml"),
                                                 "duplicate card id 'z1' (also {}:8)".format(project / "a.yaml")]
        assert index_files(project) == []


def test_a_missing_demo_is_reported_from_the_index_with_its_line(project, settled, monkeypatch):
    (project.parent / "demos" / "d.py").unlink()
    _, first = load_deck(project)
    reads = Reads(monkeypatch)
    _, problems = load_deck(project)
    assert reads.entries == [] and [str(p) for p in problems] == [str(p) for p in first]
    assert str(problems[0]) == f"{project / 'a.yaml'}:3: demo 'd.py' not found in demos/"
    (project.parent / "demos" / "d.py").write_text("")  # demos are looked up at every start
    assert load_deck(project)[1] == []


def test_imported_topics_come_back_as_imported(project, settled, tmp_path, monkeypatch):
    imports = tmp_path / "imported" / "study"
    imports.mkdir(parents=True)
    (imports / "notes.yaml").write_text("topic: notes\ntitle: Notes\nsource: [/home/me/notes.md]\ncards:\n"
                                        "  - id: n1\n    q: Why?\n    a: Because.\n")
    first, _ = load_deck(project, extra_dirs=[imports])
    reads = Reads(monkeypatch)
    deck, _ = load_deck(project, extra_dirs=[imports])
    assert reads.none()
    same_deck(deck, first)
    assert deck.topic("notes").imported and deck.topic("notes").source == ["/home/me/notes.md"]
    alone, _ = load_deck(project)  # another set of folders has its own index
    assert "n1" not in alone.cards and len(index_files(project)) == 2
