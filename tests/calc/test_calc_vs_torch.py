"""The calculator agrees with real torch layers on random stacks of every layer kind."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studytui.calc import analyze
from studytui.errors import StudytuiError
from studytui.torchcheck import check_receptive_field

from .strategies import stacks
from .torch_run import run_in_torch

FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(stacks())
def test_valid_stacks_match_torch(case):
    shape, layers = case
    report = analyze(shape, layers)
    torch_rows = run_in_torch(shape, layers)
    assert not isinstance(torch_rows, Exception), f"torch refused {layers} on {shape}: {torch_rows}"
    for row, (out, params, macs) in zip(report.rows, torch_rows):
        assert (row.output, row.params, row.macs) == (out, params, macs), f"{row.name} on {row.input}"


@FAST
@given(stacks(sloppy=True))
def test_calculator_refuses_exactly_when_torch_raises(case):
    shape, layers = case
    torch_rows = run_in_torch(shape, layers)
    try:
        report = analyze(shape, layers)
    except StudytuiError as exc:
        assert isinstance(torch_rows, Exception), f"calculator refused what torch accepts: {exc}"
        return
    assert not isinstance(torch_rows, Exception), f"torch raised {torch_rows!r}, calculator accepted {layers} on {shape}"
    assert [r.output for r in report.rows] == [t[0] for t in torch_rows]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stacks(spatial_only=True, max_layers=5, max_hw=16))
def test_receptive_field_matches_gradient_measurement(case):
    shape, layers = case
    report = analyze(shape, layers)
    differences, how = check_receptive_field(report, max_pixels=200_000)
    assert not differences, f"{layers} on {shape} ({how}): {differences}"


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2), st.integers(1, 12))
def test_transposed_conv_receptive_field_every_phase(k, s, p, d, n):
    """Transposed convs give different output phases different fields; each phase is checked."""
    layers = [f"ConvTranspose2d(1, 1, {k}, stride={s}, padding={p}, dilation={d})", "Conv2d(1, 1, 3, padding=1)"]
    try:
        report = analyze((1, n, n), layers)
    except StudytuiError:
        return
    differences, _ = check_receptive_field(report, max_pixels=50_000)
    assert not differences
