"""The deck cache: unchanged files skip parsing, any edit is seen, a damaged cache is a miss."""

import os
from pathlib import Path

import pytest

from studytui.study import deck as deck_module
from studytui.study import deckcache
from studytui.study.deck import load_deck

TOPIC = """\
topic: t{n}
title: Topic {n}
demo: d.py
cards:
  - id: {card}
    q: What is {word}?
    a: An answer about {word}.
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDYTUI_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "demos").mkdir()
    (tmp_path / "demos" / "d.py").write_text("")
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "a.yaml").write_text(TOPIC.format(n=1, card="c1", word="pooling"))
    return cards


def parse_counter(monkeypatch) -> list[Path]:
    """Record every real YAML parse of a topic file."""
    parsed: list[Path] = []
    real = deck_module.load_model_and_tree

    def counting(path, model, text=None):
        parsed.append(Path(path))
        return real(path, model, text)

    monkeypatch.setattr(deck_module, "load_model_and_tree", counting)
    return parsed


def test_an_unchanged_file_is_read_from_the_cache(project, monkeypatch):
    first, _ = load_deck(project)
    parsed = parse_counter(monkeypatch)
    again, problems = load_deck(project)
    assert parsed == [] and problems == []
    assert again.cards == first.cards and again.topics == first.topics


def test_an_edit_of_the_same_size_and_mtime_is_seen(project, monkeypatch):
    load_deck(project)
    path = project / "a.yaml"
    stat = path.stat()
    path.write_text(TOPIC.format(n=1, card="c1", word="padding"))  # same length as "pooling"
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    parsed = parse_counter(monkeypatch)
    deck, _ = load_deck(project)
    assert parsed == [path] and deck.cards["c1"].q == "What is padding?"


def test_a_damaged_or_foreign_cache_entry_is_a_miss(project, monkeypatch):
    load_deck(project)
    (entry,) = (Path(os.environ["STUDYTUI_CACHE_DIR"]) / "deck").glob("*.json")
    head = entry.read_bytes().split(b"\n", 1)[0]
    for damaged in (b"", b"\x00garbage", head + b"\n{\"topic\": 5}", head + b"\n{\"topic\": \"t1\", \"title\": \"x\"}"):
        entry.write_bytes(damaged)
        deck, problems = load_deck(project)
        assert problems == [] and deck.cards["c1"].q == "What is pooling?"


def test_problems_of_cached_files_keep_their_lines(project):
    (project / "b.yaml").write_text(TOPIC.format(n=2, card="c1", word="stride"))
    load_deck(project)
    _, problems = load_deck(project)  # both files from the cache now
    assert [str(p) for p in problems] == [
        f"{project / 'b.yaml'}:5: duplicate card id 'c1' (also {project / 'a.yaml'}:5)"]


def test_cache_off_and_unwritable_cache_dir_still_load(project, monkeypatch, tmp_path):
    monkeypatch.setenv("STUDYTUI_CACHE_DIR", "off")
    assert deckcache.cache_dir() is None
    assert "c1" in load_deck(project)[0].cards
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    monkeypatch.setenv("STUDYTUI_CACHE_DIR", str(blocker))
    assert "c1" in load_deck(project)[0].cards


CLOZE_TOPIC = """\
topic: t3
title: Topic 3
demo: d.py
cards:
  - id: z1
    type: cloze
    q: "{{c1::Stride}} shrinks the map and {{c2::padding}} keeps it."
    a: Extra words.
  - id: z2
    q: Plain question?
    a: Plain answer.
"""


def test_a_cached_start_builds_no_card_until_one_is_asked_for(project, monkeypatch):
    from studytui.study.deck import Card

    (project / "c.yaml").write_text(CLOZE_TOPIC)
    parsed_deck, _ = load_deck(project)
    built: list[bytes] = []
    real = Card.model_validate_json.__func__

    def counting(cls, data, *args, **kwargs):
        built.append(bytes(data))
        return real(cls, data, *args, **kwargs)

    monkeypatch.setattr(Card, "model_validate_json", classmethod(counting))
    parsed = parse_counter(monkeypatch)
    deck, problems = load_deck(project)
    assert parsed == [] and problems == [] and built == []
    assert list(deck.cards) == list(parsed_deck.cards) == ["c1", "z1", "z1#c2", "z2"]
    assert deck.topic_of == parsed_deck.topic_of and deck.ids_in("t3") == ["z1", "z1#c2", "z2"]
    # content hashes (for "edited since last answered") come without building the cards
    assert [deck.content_hash(c) for c in deck.cards] == [parsed_deck.cards[c].content_hash for c in deck.cards]
    assert built == []
    assert deck.cards["z1#c2"] == parsed_deck.cards["z1#c2"] and deck.cards["z1#c2"].cloze_number == 2
    assert len(built) == 1  # one note validated from its own line, both of its items built
    assert deck.cards["z1"].front() == parsed_deck.cards["z1"].front() and len(built) == 1
    assert deck.topic("t3").cards == parsed_deck.topic("t3").cards


def test_a_cache_entry_whose_cards_do_not_match_its_checksum_is_a_miss(project, monkeypatch):
    load_deck(project)
    (entry,) = (Path(os.environ["STUDYTUI_CACHE_DIR"]) / "deck").glob("*.json")
    raw = entry.read_bytes()
    entry.write_bytes(raw.replace(b"pooling", b"pulling"))  # same length: only the CRC can tell
    parsed = parse_counter(monkeypatch)
    deck, _ = load_deck(project)
    assert parsed == [project / "a.yaml"] and deck.cards["c1"].q == "What is pooling?"
