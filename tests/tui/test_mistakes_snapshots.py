"""Snapshots for issue 13's mistake work: the stats screen's drills tab with top mistakes and
their trend (a drill log written with fixed times)."""

from __future__ import annotations

from datetime import timedelta

from tests.tui.conftest import FIXED_NOW, settle

LOG = [  # (days before now, family, level, correct, mistake keys)
    (12, "params", 1, False, ("params.bias_forgotten",)),
    (11, "rf", 2, False, ("rf.own_stride",)),
    (10, "rf", 2, False, ("rf.own_stride",)),
    (9, "rf", 2, False, ("rf.own_stride",)),
    (5, "rf", 2, True, ()),
    (4, "params", 1, False, ("params.bias_forgotten",)),
    (3, "params", 2, False, ("params.groups", "params.bias_forgotten")),
    (2, "shapes", 1, False, ("shape.pad_once",)),
    (1, "params", 1, False, ("params.bias_forgotten",)),
    (1, "shapes", 1, True, ()),
    (0.5, "rf", 2, False, ("rf.own_stride",)),
]


def test_stats_drills_tab_with_top_mistakes(make, workdir, snap_compare):
    from studytui.study.store import Store

    with Store.open(workdir / "study.db") as store:
        for days, family, level, correct, keys in LOG:
            store.add_drill_attempt(family, level, correct, at=FIXED_NOW - timedelta(days=days), mistakes=keys)
    app = make(screen="stats")

    async def run_before(pilot):
        await settle(pilot, lambda: app.screen.id == "stats" and bool(app.screen.query("#mistakes-table")))
        await pilot.press("4")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 32), run_before=run_before)
