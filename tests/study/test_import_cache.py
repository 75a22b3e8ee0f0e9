"""An import writes the deck cache entry of the topic file it writes (the first start after a big
import reads no YAML), and refuses a topic file larger than the deck loader reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from studytui.study.deck import load_deck
from studytui.study.importing import merge_topic, parse_files
from studytui.study.importing.merge import TooLarge
from tests.study.conftest import count_topic_parses


def notes(path: Path, pairs: list[tuple[str, str]], head: str = "") -> Path:
    path.write_text(head + "".join(f"### {i + 1}. {q}\n{a}\n\n" for i, (q, a) in enumerate(pairs)), encoding="utf-8")
    return path


def load(out: Path):
    deck, problems = load_deck(out.parent / "no-builtin", extra_dirs=[out])
    assert problems == []
    return deck


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDYTUI_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "deck"


def test_the_first_load_after_an_import_reads_the_cache_not_the_yaml(tmp_path, monkeypatch, cache):
    out = tmp_path / "imported"
    src = notes(tmp_path / "n.md", [(f"What is idea {i}?", f"Idea {i}, explained.") for i in range(40)],
                head="The {{c1::stride}} shrinks the map and {{c2::padding}} keeps its size.\n\n")
    merge_topic(parse_files([src], "mine"), "mine", out)
    parsed = count_topic_parses(monkeypatch)
    deck = load(out)
    assert parsed == [] and len(deck) == 42  # 40 questions and a cloze note of two items
    monkeypatch.setenv("STUDYTUI_CACHE_DIR", "off")
    fresh = load(out)
    assert parsed == [out / "mine.yaml"]
    assert list(deck.cards) == list(fresh.cards) and deck.topic_of == fresh.topic_of
    assert [deck.content_hash(c) for c in deck.cards] == [fresh.cards[c].content_hash for c in fresh.cards]
    assert [deck.cards[c] for c in deck.cards] == [fresh.cards[c] for c in fresh.cards]
    assert deck.topics == fresh.topics


def test_a_reimport_with_an_edit_and_an_orphan_is_seen_without_parsing(tmp_path, monkeypatch, cache):
    out = tmp_path / "imported"
    pairs = [(f"What is idea {i}?", f"Idea {i}.") for i in range(10)]
    src = notes(tmp_path / "n.md", pairs)
    merge_topic(parse_files([src], "mine"), "mine", out)
    pairs[3] = ("What is idea 3?", "Idea 3, now with more words.")
    pairs[7] = ("Something else entirely, asked in new words?", "New.")
    notes(src, pairs)
    report = merge_topic(parse_files([src], "mine"), "mine", out)
    assert report.updated == 1 and report.orphaned == 1 and report.added == 1
    parsed = count_topic_parses(monkeypatch)
    deck = load(out)
    assert parsed == []
    by_q = {deck.cards[c].q: deck.cards[c] for c in deck.cards}
    assert by_q["What is idea 3?"].a == "Idea 3, now with more words."
    assert "orphaned" in by_q["What is idea 7?"].tags and "Something else entirely, asked in new words?" in by_q


def test_with_the_cache_off_an_import_writes_no_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDYTUI_CACHE_DIR", "off")
    out = tmp_path / "imported"
    merge_topic(parse_files([notes(tmp_path / "n.md", [("What is it?", "It.")])], "mine"), "mine", out)
    deck = load(out)
    assert [deck.cards[c].a for c in deck.cards] == ["It."]
    assert not (tmp_path / "cache").exists()


def test_a_topic_file_over_the_loaders_cap_is_refused_and_nothing_changes(tmp_path, monkeypatch, cache):
    import studytui.yamlload as yamlload

    out = tmp_path / "imported"
    src = notes(tmp_path / "n.md", [(f"What is idea {i}?", f"Idea {i}.") for i in range(5)])
    merge_topic(parse_files([src], "mine"), "mine", out)
    before = (out / "mine.yaml").read_bytes()
    entries = sorted(p.name for p in cache.iterdir())
    big = notes(tmp_path / "n.md", [(f"What is idea {i}?", "x " * 400) for i in range(50)])
    monkeypatch.setattr(yamlload, "MAX_YAML_BYTES", 8_000)
    with pytest.raises(TooLarge, match=r"over 8000 bytes of YAML.*nothing was changed.*--deck"):
        merge_topic(parse_files([big], "mine"), "mine", out)
    assert (out / "mine.yaml").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["mine.yaml"]  # no temp file left
    assert sorted(p.name for p in cache.iterdir()) == entries


def test_a_reimport_reads_the_previous_cards_from_the_cache(tmp_path, monkeypatch, cache):
    out = tmp_path / "imported"
    src = notes(tmp_path / "n.md", [(f"What is idea {i}?", f"Idea {i}.") for i in range(6)])
    merge_topic(parse_files([src], "mine"), "mine", out)
    parsed = count_topic_parses(monkeypatch)
    report = merge_topic(parse_files([src], "mine"), "mine", out)
    assert parsed == [] and report.unchanged == 6 and report.added == 0
    (out / "mine.yaml").write_text((out / "mine.yaml").read_text().replace("Idea 2.", "Idea two."))
    report = merge_topic(parse_files([src], "mine"), "mine", out)  # the file was edited: parsed
    assert parsed == [out / "mine.yaml"] and report.updated == 1 and report.unchanged == 5


def test_merged_cards_are_written_as_card_data_writes_them(tmp_path, cache):
    import yaml

    from studytui.study.deck import Card
    from studytui.study.importing.merge import card_data

    out = tmp_path / "imported"
    src = notes(tmp_path / "n.md", [("What is it?", "It."), ("Why so?", "Because.")],
                head="The {{c1::stride}} shrinks the map.\n\n")
    merge_topic(parse_files([src], "mine"), "mine", out)
    written = yaml.safe_load((out / "mine.yaml").read_text())["cards"]
    assert [card_data(Card(**c)) for c in written] == written and {c.get("type") for c in written} == {None, "cloze"}
