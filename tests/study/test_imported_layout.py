"""Two databases in one folder keep their own imports; the old shared imported/ is adopted safely."""

from __future__ import annotations

from studytui.study.deck import imported_dir, load_deck
from studytui.study.store import Store

from .conftest import write_topic


def test_each_database_has_its_own_imported_folder(tmp_path):
    a, b = imported_dir(tmp_path / "a.db"), imported_dir(tmp_path / "b.sqlite3")
    assert a == tmp_path / "imported" / "a" and b == tmp_path / "imported" / "b"
    a.mkdir(parents=True)
    write_topic(a, "mine", 2, demo=None)
    deck_b, _ = load_deck(tmp_path / "no-cards", extra_dirs=[b])
    assert len(deck_b.cards) == 0


def test_old_shared_imports_are_copied_to_an_existing_database_and_kept(tmp_path):
    shared = tmp_path / "imported"
    shared.mkdir()
    old = write_topic(shared, "notes", 3, demo=None)
    before = old.read_bytes()
    Store.open(tmp_path / "study.db").close()  # an existing database from before the change

    own = imported_dir(tmp_path / "study.db")
    assert (own / "notes.yaml").read_bytes() == before
    assert old.read_bytes() == before  # the old file is left as it was
    deck, problems = load_deck(tmp_path / "no-cards", extra_dirs=[own])
    assert problems == [] and len(deck.cards) == 3

    (own / "notes.yaml").unlink()  # the user deletes the topic: it does not come back
    assert not (imported_dir(tmp_path / "study.db") / "notes.yaml").exists()
    # a database that does not exist yet adopts nothing
    assert not imported_dir(tmp_path / "fresh.db").exists()
