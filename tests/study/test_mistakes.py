"""The mistake profile on synthetic drill logs: recent slips weigh more, one slip is no pattern,
the top list counts and trends by week, and the keys survive the store and the scheduler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from studytui.study.mistakes import (
    HALF_LIFE, MIN_RECURRING, aim_weights, mistake_profile, mistakes_json, top_mistakes,
)

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Attempt:
    at: datetime
    correct: bool
    mistakes: tuple[str, ...] = ()


def wrong(days_ago: float, *keys: str) -> Attempt:
    return Attempt(NOW - timedelta(days=days_ago), False, keys)


def right(days_ago: float) -> Attempt:
    return Attempt(NOW - timedelta(days=days_ago), True)


def test_a_slip_halves_every_half_life_of_answers():
    log = [wrong(1, "params.bias_forgotten")] + [right(0.5)] * HALF_LIFE
    assert mistake_profile(log)["params.bias_forgotten"] == pytest.approx(0.5)
    assert mistake_profile(log + [right(0.1)] * HALF_LIFE)["params.bias_forgotten"] == pytest.approx(0.25)
    assert mistake_profile([wrong(0, "rf.jump")]) == {"rf.jump": 1.0}


def test_correct_and_undiagnosed_answers_add_no_mistake():
    log = [right(3), Attempt(NOW, False, ()), right(1)]
    assert mistake_profile(log) == {}
    assert aim_weights(mistake_profile(log)) == {}
    assert top_mistakes(log, now=NOW) == []


def test_one_slip_is_not_aimed_at_two_recent_ones_are():
    assert aim_weights(mistake_profile([wrong(0, "shape.ceil")])) == {}
    two = [wrong(0, "shape.ceil"), wrong(0, "shape.ceil")]
    assert mistake_profile(two)["shape.ceil"] >= MIN_RECURRING
    assert aim_weights(mistake_profile(two)) == {"shape.ceil": 1.0}


def test_aim_keeps_the_heaviest_few_scaled_to_one():
    profile = {"a.x": 8.0, "a.y": 4.0, "a.z": 2.0, "a.w": 1.0, "b.v": 6.0}
    assert aim_weights(profile, top=3) == {"a.x": 1.0, "b.v": 0.75, "a.y": 0.5}
    assert "a.w" not in aim_weights(profile)  # under MIN_RECURRING


def test_recent_slips_outrank_old_ones_of_the_same_count():
    old = [wrong(20, "rf.own_stride")] * 4
    new = [wrong(1, "params.bias_forgotten")] * 4
    log = old + [right(10)] * 40 + new
    ranked = [m.key for m in top_mistakes(log, now=NOW)]
    assert ranked == ["params.bias_forgotten", "rf.own_stride"]


def test_trend_compares_this_week_with_the_week_before():
    log = ([wrong(10, "shape.pad_once")] * 3 + [wrong(2, "shape.pad_once")]  # fewer now: falling
           + [wrong(9, "rf.jump")] + [wrong(1, "rf.jump")] * 2  # more now: rising
           + [wrong(8, "macs.flops"), wrong(3, "macs.flops")]  # as many: steady
           + [wrong(30, "params.groups")] * 2)  # none in either week: quiet
    by_key = {m.key: m for m in top_mistakes(log, now=NOW)}
    assert (by_key["shape.pad_once"].this_week, by_key["shape.pad_once"].week_before) == (1, 3)
    assert by_key["shape.pad_once"].trend == "falling"
    assert by_key["rf.jump"].trend == "rising"
    assert by_key["macs.flops"].trend == "steady"
    assert by_key["params.groups"].trend == "quiet" and by_key["params.groups"].count == 2
    assert by_key["rf.jump"].last == NOW - timedelta(days=1)


def test_a_slip_with_two_keys_counts_for_both():
    by_key = {m.key: m.count for m in top_mistakes([wrong(1, "params.groups", "params.bias_forgotten")], now=NOW)}
    assert by_key == {"params.groups": 1, "params.bias_forgotten": 1}


def test_json_rows_say_which_mistakes_drills_aim_at():
    log = [wrong(1, "rf.kernel")] * 3 + [wrong(2, "rf.jump")]
    rows = mistakes_json(log, now=NOW)
    assert [(r["key"], r["count"], r["aimed"], r["trend"]) for r in rows] == [
        ("rf.kernel", 3, True, "rising"), ("rf.jump", 1, False, "rising")]
    assert rows[0]["last"] == (NOW - timedelta(days=1)).isoformat()


def test_limit_cuts_the_list():
    log = [wrong(1, f"shape.k{i}") for i in range(12)]
    assert len(top_mistakes(log, now=NOW, limit=5)) == 5


# -- through the store and the scheduler -------------------------------------------------------

def test_store_keeps_the_keys_of_a_drill_attempt(tmp_path):
    from studytui.study.store import Store

    with Store.open(tmp_path / "s.db") as store:
        store.add_drill_attempt("params", 1, False, at=NOW, mistakes=("params.groups", "params.bias_forgotten"))
        store.add_drill_attempt("params", 1, True, at=NOW)
        with pytest.raises(ValueError):
            store.add_drill_attempt("params", 1, False, at=NOW, mistakes=("a,b",))
        attempts = store.drill_attempts()
    assert [a.mistakes for a in attempts] == [("params.groups", "params.bias_forgotten"), ()]


def test_record_drill_logs_keys_of_wrong_answers_only_and_undo_removes_them(session):
    session.record_drill("rf", 2, False, typed="13", seed=4, now=NOW, mistakes=("rf.own_stride",))
    session.record_drill("rf", 2, True, typed="7", seed=4, now=NOW, mistakes=("rf.own_stride",))
    session.record_drill("shapes", 1, False, typed="1x1x1", now=NOW, schedule=False, mistakes=("shape.ceil",))
    assert [a.mistakes for a in session.store.drill_attempts()] == [("rf.own_stride",), (), ("shape.ceil",)]
    session.undo()  # the unscheduled attempt has no review to undo: the last review goes
    assert [a.mistakes for a in session.store.drill_attempts()] == [("rf.own_stride",), ("shape.ceil",)]
