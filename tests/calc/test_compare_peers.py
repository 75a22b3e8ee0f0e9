"""`studytui calc --compare`: peers' MACs beside ours, each difference with its reason."""

from __future__ import annotations

import pytest

from studytui import peers
from studytui.calc import analyze

STACK = ["Conv2d(3, 8, 3, padding=1)", "BatchNorm2d(8)", "ReLU()", "BasicBlock(8, 16, stride=2)",
         "AdaptiveAvgPool2d(1)", "Flatten()", "Linear(16, 10, bias=False)"]


def test_a_missing_peer_is_one_line(monkeypatch):
    monkeypatch.setattr(peers, "installed", lambda name: False)
    lines = peers.compare_with_peers(analyze("3x16x16", STACK))
    assert lines == [f"{p}: not installed (pip install {p}) — nothing to compare" for p in peers.PEERS]


def test_torchinfo_differences_are_explained_row_by_row(monkeypatch):
    pytest.importorskip("torchinfo")
    monkeypatch.setattr(peers, "installed", lambda name: name == "torchinfo")
    report = analyze("3x16x16", STACK)
    lines = peers.compare_with_peers(report)
    rows = {r.name: r for r in peers.TORCHINFO(report)}
    conv = rows["Conv2d(3, 8, 3, padding=1)"]
    assert conv.theirs - conv.ours == 8 * 16 * 16  # one bias addition per output value
    assert rows["BatchNorm2d(8)"].theirs == 2 * 8  # γ and β, counted once
    assert rows["Linear(16, 10, bias=False)"].theirs == rows["Linear(16, 10, bias=False)"].ours  # no bias: same
    assert any("bias addition" in line for line in lines) and any("γ and β" in line for line in lines)
    assert lines[0].startswith(f"torchinfo: {sum(r.theirs for r in rows.values()):,} MACs, ours {report.macs:,}")


def test_fvcore_names_the_operators_it_adds(monkeypatch):
    pytest.importorskip("fvcore")
    monkeypatch.setattr(peers, "installed", lambda name: name == "fvcore")
    lines = peers.compare_with_peers(analyze("3x16x16", STACK))
    assert any("batch_norm" in line for line in lines), lines


def test_too_large_a_model_is_not_built(monkeypatch):
    monkeypatch.setattr(peers, "installed", lambda name: True)
    lines = peers.compare_with_peers(analyze("3x4000x4000", ["Conv2d(3, 64, 3)"]))
    assert all("not run" in line for line in lines)
