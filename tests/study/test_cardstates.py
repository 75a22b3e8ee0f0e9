"""Card states as columns: the binary form gives back every field, and reading the columns
without building states (counters, due keys, today's phases) agrees with the built states."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fsrs import Card as FsrsCard
from fsrs import State

from studytui.study.cardstates import CardColumns, CardState, CardStates, fsrs_id

from .conftest import T0


def sample_states() -> dict[str, CardState]:
    plain = FsrsCard(card_id=fsrs_id("new-ish"), due=T0)  # no stability, difficulty or last review yet
    learning = FsrsCard(fsrs_id("learn"), State.Learning, 1, 2.5, 6.1, T0 + timedelta(minutes=10), T0)
    review = FsrsCard(fsrs_id("rev"), State.Review, None, 31.2, 4.4, T0 + timedelta(days=30), T0 - timedelta(days=1))
    relearn = FsrsCard(fsrs_id("drill:rf:2"), State.Relearning, 0, 1.1, 9.9, T0 + timedelta(minutes=5), T0)
    return {
        "new-ish": CardState("new-ish", plain),
        "learn": CardState("learn", learning, 2, 0, T0 - timedelta(minutes=5), 3, None, 0, 0,
                           [(T0 - timedelta(minutes=5), "new", 3), (T0, "learning", 3)]),
        "rev": CardState("rev", review, 9, 2, T0 - timedelta(days=90), 4, "abc123", 6, 4,
                         [(T0 - timedelta(days=10), "review", 1), (T0 - timedelta(days=1), "relearning", 4)]),
        "drill:rf:2": CardState("drill:rf:2", relearn, 4, 1, T0 - timedelta(days=2), 1, "é-hash", 2, 1,
                                [(T0, "review", 1)]),
    }


def test_the_blob_gives_back_every_field():
    states = sample_states()
    keep_from = round((T0 - timedelta(days=3)).timestamp() * 1000)
    header, columns = CardColumns.decode(CardColumns.from_states(states, keep_from).encode({"key": "k"}))
    assert header["key"] == "k" and header["n"] == 4
    loaded = CardStates(columns)
    assert set(loaded) == set(states) and len(loaded) == 4
    for cid, st in states.items():
        back = loaded[cid]
        assert back.fsrs.to_dict() == st.fsrs.to_dict()
        kept = [h for h in st.history if h[0] >= T0 - timedelta(days=3)]
        assert (back.reps, back.lapses, back.first_review, back.last_rating, back.content_hash,
                back.review_answers, back.review_passes, back.history) == (
            st.reps, st.lapses, st.first_review, st.last_rating, st.content_hash,
            st.review_answers, st.review_passes, kept)


def test_reading_the_columns_agrees_with_the_built_states():
    states = sample_states()
    columns = CardColumns.decode(CardColumns.from_states(states, 0).encode({}))[1]
    cold, built = CardStates(columns), CardStates(columns)
    for cid in states:
        built[cid]  # noqa: B018 (build every state in one of them)
    since = round((T0 - timedelta(days=2)).timestamp() * 1000)
    for cid in [*states, "never"]:
        assert cold.due_key(cid) == built.due_key(cid)
        assert cold.counters(cid) == built.counters(cid)
        assert cold.fast_card(cid) == built.fast_card(cid)
        assert cold.content_hash(cid) == built.content_hash(cid)
        assert cold.phases_since(cid, since) == built.phases_since(cid, since)
    assert cold.review_totals() == built.review_totals() == (8, 5)
    assert cold.with_lapses(1) == built.with_lapses(1) == {"rev", "drill:rf:2"}
    assert dict(cold.hashes()) == dict(built.hashes()) == {"rev": "abc123", "drill:rf:2": "é-hash"}
    assert cold.total_reps() == built.total_reps() == 15
    assert len(cold._live) == 0


@pytest.mark.parametrize("cut", [0, 4, 11, 12, 40, -1])
def test_a_cut_or_flipped_blob_is_refused(cut):
    blob = CardColumns.from_states(sample_states(), 0).encode({})
    with pytest.raises(ValueError):
        CardColumns.decode(blob[:cut])
    flipped = bytearray(blob)
    flipped[cut] ^= 1
    with pytest.raises(ValueError):
        CardColumns.decode(bytes(flipped))


def test_a_nul_in_a_card_id_means_no_snapshot():
    states = {"a\0b": sample_states()["rev"]}
    with pytest.raises(ValueError):
        CardColumns.from_states(states, 0).encode({})
