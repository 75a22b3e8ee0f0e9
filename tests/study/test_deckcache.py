"""The deck cache: unchanged files skip parsing, any edit is seen, a damaged cache is a miss."""

import os
from pathlib import Path

import pytest

from studytui.study import deckcache
from studytui.study.deck import load_deck
from tests.study.conftest import cached_project, count_topic_parses

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
    cards = cached_project(tmp_path, monkeypatch)
    (cards / "a.yaml").write_text(TOPIC.format(n=1, card="c1", word="pooling"))
    return cards


def test_an_unchanged_file_is_read_from_the_cache(project, monkeypatch):
    first, _ = load_deck(project)
    parsed = count_topic_parses(monkeypatch)
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
    parsed = count_topic_parses(monkeypatch)
    deck, _ = load_deck(project)
    assert parsed == [path] and deck.cards["c1"].q == "What is padding?"


def the_entry() -> Path:
    (entry,) = (Path(os.environ["STUDYTUI_CACHE_DIR"]) / "deck").glob("*.cache")
    return entry


def drop_deck_index() -> None:
    """Remove the whole-deck index (deckindex.py), so a start reads each file's own entry."""
    for index in (Path(os.environ["STUDYTUI_CACHE_DIR"]) / "deck").glob("*.index"):
        index.unlink()


def test_a_damaged_or_foreign_cache_entry_is_a_miss(project, monkeypatch):
    load_deck(project)
    entry = the_entry()
    raw = entry.read_bytes()
    flipped_index = bytearray(raw)
    flipped_index[-20] ^= 0x01  # a byte of the index, just before the trailer
    damaged_versions = [b"", b"\x00garbage", raw[:len(raw) // 2], raw[:-1], bytes(flipped_index),
                        raw[:-4] + b"\xff\xff\xff\xff", b"studytui deck cache 3\n" + b"\x00" * 40]
    for damaged in damaged_versions:
        entry.write_bytes(damaged)
        drop_deck_index()
        with monkeypatch.context() as patch:
            parsed = count_topic_parses(patch)
            deck, problems = load_deck(project)
        assert problems == [] and deck.cards["c1"].q == "What is pooling?"
        assert parsed == [project / "a.yaml"], damaged
        entry.write_bytes(damaged)  # with the deck index: noticed when the card is first shown
        with monkeypatch.context() as patch:
            parsed = count_topic_parses(patch)
            deck, problems = load_deck(project)
            assert parsed == [] and problems == []
            assert deck.cards["c1"].q == "What is pooling?" and parsed == [project / "a.yaml"], damaged


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
    parsed = count_topic_parses(monkeypatch)
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


def test_a_damaged_card_in_the_cache_falls_back_to_the_file(project, monkeypatch):
    load_deck(project)
    entry = the_entry()
    raw = entry.read_bytes()
    assert raw.count(b"is pooling") == 1  # in the card's blob only
    entry.write_bytes(raw.replace(b"is pooling", b"is pulling"))  # same length: only the card's CRC can tell
    parsed = count_topic_parses(monkeypatch)
    deck, _ = load_deck(project)
    assert parsed == []  # the index is intact: ids and hashes come from it
    assert deck.cards["c1"].q == "What is pooling?"  # the blob fails its CRC: the file is parsed
    assert parsed == [project / "a.yaml"]


def test_an_entry_replaced_after_the_start_is_not_read_for_cards(project, monkeypatch):
    load_deck(project)
    deck, _ = load_deck(project)  # from the cache: no card built yet
    path = project / "a.yaml"
    path.write_text(TOPIC.format(n=1, card="c1", word="strides"))
    load_deck(project)  # another start writes the entry of the edited file
    assert deck.cards["c1"].q == "What is strides?"  # not a blob of the new entry read as the old one
    path.write_text(TOPIC.format(n=1, card="c9", word="kernels"))
    fresh, _ = load_deck(project)
    load_deck(project)
    assert list(fresh.cards) == ["c9"]


def test_a_file_with_a_repeated_id_caches_each_card_as_written(project):
    (project / "a.yaml").write_text(TOPIC.format(n=1, card="c1", word="pooling") + """\
  - id: c1
    q: What is a repeat?
    a: The second card with that id.
""")
    parsed, problems = load_deck(project)
    cached, cached_problems = load_deck(project)
    assert [str(p) for p in cached_problems] == [str(p) for p in problems] and len(problems) == 1
    assert cached.cards["c1"].q == parsed.cards["c1"].q == "What is pooling?"
    assert cached.topic("t1").cards == parsed.topic("t1").cards


def test_many_cards_and_cloze_items_round_trip_through_the_cache(project):
    body = "".join(f"  - id: n{i}\n    type: cloze\n    q: \"{{{{c1::a{i}}}}} and {{{{c2::b{i}}}}}\"\n" if i % 3 == 0
                   else f"  - id: n{i}\n    q: Question {i}?\n    a: Answer {i}.\n" for i in range(300))
    (project / "b.yaml").write_text(f"topic: many\ntitle: Many\ndemo: d.py\ncards:\n{body}")
    parsed, _ = load_deck(project)
    cached, _ = load_deck(project)
    assert list(cached.cards) == list(parsed.cards) and cached.topic_of == parsed.topic_of
    assert [cached.content_hash(c) for c in cached.cards] == [parsed.cards[c].content_hash for c in parsed.cards]
    assert [cached.cards[c] for c in reversed(list(cached.cards))] == [parsed.cards[c] for c in reversed(list(parsed.cards))]
    assert cached.ids_in("many") == parsed.ids_in("many") and len(cached.ids_in("many")) == 400
