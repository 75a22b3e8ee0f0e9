"""Every numeric claim on a card (`check:`) holds: by the calculator, and by real torch layers."""

from __future__ import annotations

import pytest

from studytui.calc import analyze, analyze_model
from studytui.paths import CARDS_DIR
from studytui.study.deck import load_topic
from studytui.torchcheck import measure

CHECKS = [(topic.topic, card.id, i, check)
          for path in sorted(CARDS_DIR.glob("*.yaml"))
          for topic in [load_topic(path)]
          for card in topic.cards
          for i, check in enumerate(card.checks)]


def _report(check):
    if check.model:
        return analyze_model(check.model, check.input)
    return analyze(check.input, check.layers)


def _claimed(report, check) -> dict:
    row = report.row(check.layer) if check.layer is not None else None
    source = row if row is not None else report
    found = {"output": list(source.output), "params": source.params, "macs": source.macs,
             "rf": None if source.rf is None else list(source.rf),
             "jump": None if source.jump is None else [int(j) for j in source.jump]}
    return {key: found[key] for key, value in check.expect.model_dump().items() if value is not None}


def test_the_deck_has_numeric_checks():
    assert len(CHECKS) >= 50


@pytest.mark.parametrize("topic,card,i,check", CHECKS, ids=[f"{c[1]}[{c[2]}]" for c in CHECKS])
def test_card_claim_matches_calculator_and_torch(topic, card, i, check):
    report = _report(check)
    expected = {k: v for k, v in check.expect.model_dump().items() if v is not None}
    assert _claimed(report, check) == expected
    # The same numbers from torch itself (meta device: shapes, parameters, FlopCounter MACs).
    rows = measure(report)
    picked = [report.row(check.layer).index] if check.layer is not None else range(len(rows))
    if "params" in expected:
        assert sum(rows[j]["params"] for j in picked) == expected["params"]
    if "macs" in expected:
        assert sum(rows[j]["macs"] for j in picked) == expected["macs"]
    if "output" in expected:
        assert list(rows[picked[-1]]["output"]) == expected["output"]


RF_CHECKS = [c for c in CHECKS if c[3].expect.rf is not None and c[3].layers is not None]


@pytest.mark.parametrize("topic,card,i,check", RF_CHECKS, ids=[f"{c[1]}[{c[2]}]" for c in RF_CHECKS])
def test_card_receptive_field_claim_measured_by_gradient(topic, card, i, check):
    from studytui.torchcheck import check_receptive_field

    report = _report(check)
    if check.layer is not None:  # measure the prefix that ends at the claimed layer
        row = report.row(check.layer)
        report = analyze(check.input, check.layers[: row.index + 1])
    differences, how = check_receptive_field(report)
    assert not differences, how
