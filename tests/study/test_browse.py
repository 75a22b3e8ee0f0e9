"""The card browser's core: filtering on marks, states and text gives what looking at each card
one by one gives, for states loaded from the snapshot and states built since, and reads each
topic file's cache entry once however many cards it lists."""

from __future__ import annotations

from datetime import timedelta

import pytest

from studytui.study import deckcache
from studytui.study.browse import BrowseFilter, browse
from studytui.study.deck import load_deck
from studytui.study.scheduler import Rating, Settings, StudySession
from studytui.study.store import Store
from tests.study.conftest import T0, write_topic


def reference(session: StudySession, wanted: BrowseFilter, now) -> list[tuple]:
    """What each card says when asked one at a time (states built, marks read singly)."""
    out = []
    needle = wanted.search.casefold().strip()
    for cid in session.deck.ids_in(wanted.topic):
        card, state = session.deck.cards[cid], session.state(cid)
        row = (cid, session.deck.topic_of[cid], card.front(), card.back(), state.phase,
               state.fsrs.due if state.reps else None, session.is_suspended(cid),
               session.is_buried(cid, now=now), session.is_flagged(cid), session.is_leech(cid))
        marks = dict(zip(("suspended", "buried", "flagged", "leech"), row[6:]))
        if any(getattr(wanted, name) and not has for name, has in marks.items()):
            continue
        if needle and not any(needle in text.casefold() for text in (cid, row[2], row[3])):
            continue
        out.append(row)
    return out


def rows(session, wanted, now) -> list[tuple]:
    return [(r.card_id, r.topic, r.question, r.answer, r.phase, r.due, r.suspended, r.buried, r.flagged, r.leech)
            for r in browse(session, wanted, now=now)]


FILTERS = [BrowseFilter(), BrowseFilter(suspended=True), BrowseFilter(buried=True), BrowseFilter(flagged=True),
           BrowseFilter(leech=True), BrowseFilter(topic="beta"), BrowseFilter(search="ANSWER 1"),
           BrowseFilter(flagged=True, topic="alpha"), BrowseFilter(flagged=True, search="GAMMA")]


@pytest.fixture
def studied(tmp_path, monkeypatch):
    """A deck of 3 topics with answers (lapses included), marks of every kind, and a snapshot."""
    monkeypatch.setenv("STUDYTUI_CACHE_DIR", str(tmp_path / "cache"))
    cards, demos = tmp_path / "cards", tmp_path / "demos"
    cards.mkdir()
    demos.mkdir()
    (demos / "demo.py").write_text("")
    for topic, n in (("alpha", 6), ("beta", 5), ("gamma", 7)):
        write_topic(cards, topic, n)
    deck, _ = load_deck(cards, demos_dir=demos)
    db = tmp_path / "s.db"
    settings = Settings(leech_lapses=2)
    with StudySession(Store.open(db), deck, settings=settings) as s:
        now = T0
        for i, cid in enumerate(deck.ids_in()[::2]):
            for rating in (Rating.Good, Rating.Good, Rating.Again, Rating.Good, Rating.Again)[: 1 + i % 5]:
                s.answer(cid, rating, now=now)
                now += timedelta(days=3)
        s.suspend("alpha-2", now=now)
        s.suspend("gamma-4", now=now)
        s.bury("beta-1", now=now)
        s.flag("alpha-0", now=now)
        s.flag("gamma-6", now=now)
        s._save_snapshot()
    return cards, demos, db, settings, now


def test_browse_matches_looking_at_each_card(studied):
    cards, demos, db, settings, now = studied
    deck, _ = load_deck(cards, demos_dir=demos)
    with StudySession(Store.open(db), deck, settings=settings) as s:
        assert s._states.columns is not None  # states come from the snapshot: nothing built yet
        s.answer("beta-3", Rating.Again, now=now)  # and one built since
        expected = [reference(s, wanted, now) for wanted in FILTERS]
        assert [rows(s, wanted, now) for wanted in FILTERS] == expected
        assert [len(r) for r in expected] == [18, 3, 1, 3, 1, 5, 3, 1, 1]  # every filter bites
        assert {r[4] for r in expected[0]} >= {"new", "review", "relearning"} and all(r[9] for r in expected[4])


def test_browse_reads_each_topic_entry_once_and_builds_no_state(studied, monkeypatch):
    cards, demos, db, settings, now = studied
    load_deck(cards, demos_dir=demos)  # the cache is warm
    deck, _ = load_deck(cards, demos_dir=demos)
    opened = []
    real = deckcache.Blobs.read
    monkeypatch.setattr(deckcache.Blobs, "read", lambda self, notes: opened.append(len(notes)) or real(self, list(notes)))
    with StudySession(Store.open(db), deck, settings=settings) as s:
        built = []
        real_state = s._states.columns.state_of
        monkeypatch.setattr(s._states.columns, "state_of", lambda i: built.append(i) or real_state(i))
        assert len(browse(s, BrowseFilter(), now=now)) == 18
        assert opened == [6, 5, 7] and built == []


def test_listing_reads_no_card_text_unless_it_searches(studied, monkeypatch):
    from studytui.study.browse import matching, rows_of

    cards, demos, db, settings, now = studied
    load_deck(cards, demos_dir=demos)
    deck, _ = load_deck(cards, demos_dir=demos)
    opened = []
    real = deckcache.Blobs.read
    monkeypatch.setattr(deckcache.Blobs, "read", lambda self, notes: opened.append(len(notes)) or real(self, list(notes)))
    with StudySession(Store.open(db), deck, settings=settings) as s:
        filters = (BrowseFilter(), BrowseFilter(flagged=True), BrowseFilter(leech=True, topic="beta"))
        found = [matching(s, wanted, now=now) for wanted in filters]
        assert opened == [] and len(s.deck.cards._built) == 0
        ids = matching(s, BrowseFilter(), now=now)
        assert [r.card_id for r in rows_of(s, ids[:4], now=now)] == ids[:4] and opened == [4]
        assert found == [[r[0] for r in reference(s, wanted, now)] for wanted in filters]
        assert matching(s, BrowseFilter(search="answer 3"), now=now) == ["alpha-3", "beta-3", "gamma-3"]
