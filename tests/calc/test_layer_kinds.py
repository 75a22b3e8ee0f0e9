"""Every layer kind, one at a time, against torch: shape, parameters, MACs, refusals, receptive field.

The random stacks of test_calc_vs_torch mix all kinds; here each kind gets its own examples, so
a rarely drawn kind (Unflatten, ReplicationPad2d, ...) is never left unchecked.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studytui.calc import REGISTRY, analyze
from studytui.errors import StudytuiError
from studytui.torchcheck import check_receptive_field

from .strategies import POINTWISE, norm, resample, sequence_layer, unflatten
from .torch_run import run_in_torch

EACH = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


def images(max_hw: int = 12):
    return st.tuples(st.integers(1, 6), st.integers(1, max_hw), st.integers(1, max_hw))


def sequences():
    return st.tuples(st.integers(1, 6), st.integers(1, 30))


SEQ = {"Conv1d": "conv", "MaxPool1d": "maxpool", "AvgPool1d": "avgpool"}
NORM = {"GroupNorm": "group", "LayerNorm": "layer", "InstanceNorm2d": "instance", "PReLU": "prelu",
        "BatchNorm1d": "bn1d"}
RESAMPLE = {"Upsample": "up", "ZeroPad2d": "zero", "ConstantPad2d": "constant", "ReflectionPad2d": "reflection",
            "ReplicationPad2d": "replication"}


@st.composite
def one_layer(draw, kind: str):
    """(input shape, layer text) for `kind`, sometimes one torch refuses."""
    sloppy = draw(st.booleans())
    if kind in SEQ:
        shape = draw(sequences())
        return shape, draw(sequence_layer(shape, sloppy, SEQ[kind]))
    if kind in NORM:
        shape = draw(images() if kind == "InstanceNorm2d" else st.one_of(images(), sequences()))
        return shape, draw(norm(shape, sloppy, NORM[kind]))
    if kind in RESAMPLE:
        shape = draw(images())
        return shape, draw(resample(shape, sloppy, spatial_only=False, kind=RESAMPLE[kind]))
    if kind == "Unflatten":
        shape = (draw(st.integers(1, 48)),)
        return shape, draw(unflatten(shape[0], sloppy))
    text = draw(st.sampled_from([p for p in POINTWISE if p.startswith(kind + "(")]))
    return draw(st.one_of(images(), sequences(), st.tuples(st.integers(1, 20)))), text


NEW_KINDS = ["GroupNorm", "LayerNorm", "InstanceNorm2d", "Upsample", "PReLU", "ELU", "ReLU6", "Hardswish",
             "Mish", "Softmax", "LogSoftmax", "ZeroPad2d", "ConstantPad2d", "ReflectionPad2d",
             "ReplicationPad2d", "Unflatten", "Conv1d", "MaxPool1d", "AvgPool1d", "BatchNorm1d"]


def test_every_new_kind_is_registered():
    assert set(NEW_KINDS) <= set(REGISTRY)


@pytest.mark.parametrize("kind", NEW_KINDS)
def test_kind_matches_torch_and_refuses_exactly_when_torch_does(kind):
    @EACH
    @given(one_layer(kind))
    def check(case):
        shape, text = case
        assert text.startswith(kind + "(")
        torch_rows = run_in_torch(shape, [text])
        try:
            report = analyze(shape, [text])
        except StudytuiError as exc:
            assert isinstance(torch_rows, Exception), f"calculator refused {text} on {shape} ({exc}); torch accepts"
            return
        assert not isinstance(torch_rows, Exception), f"torch raised {torch_rows!r}; calculator accepted {text} on {shape}"
        row, (out, params, macs) = report.rows[0], torch_rows[0]
        assert (row.output, row.params, row.macs) == (out, params, macs), f"{text} on {shape}"
        if row.maps is not None:
            differences, how = check_receptive_field(report, max_pixels=100_000)
            assert not differences, f"{text} on {shape} ({how}): {differences}"

    check()
