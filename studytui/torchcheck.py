"""Check the calculator against real torch layers: shapes, parameters, MACs and receptive fields.

Shapes, parameters and MACs are measured on the meta device (no memory, no arithmetic), MACs with
torch's own FlopCounterMode (FLOPs / 2). Receptive fields are measured empirically on the CPU in
float64: the gradient of one output unit with respect to the input, with every activation made
the identity, max-pooling replaced by sum-pooling over the same windows, all weights positive and
batch norm in eval mode, so that every input pixel the unit depends on gets a non-zero gradient.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from studytui.calc import blocks, norms, seq1d
from studytui.calc import layers as L
from studytui.calc.layers import ConvTranspose2d, Layer, fmt_shape
from studytui.calc.network import Report, analyze
from studytui.errors import StudytuiError
from studytui.twins import ResidualTwin, build, twin

__all__ = ["Verification", "build", "check_receptive_field", "empirical_footprint", "measure", "verify"]


@dataclass
class Verification:
    ok: bool
    differences: list[str] = field(default_factory=list)
    rf_checked: str = ""  # "exact", "clipped" or why it was skipped

    def summary(self) -> str:
        if self.ok:
            return f"verified by torch (shapes, params, MACs; receptive field {self.rf_checked})"
        return "torch disagrees:\n  " + "\n  ".join(self.differences)


def measure(report: Report) -> list[dict]:
    """Per row: the output shape, parameter count and MACs that torch itself reports."""
    from torch.utils.flop_counter import FlopCounterMode

    modules = build([row.layer for row in report.rows], "meta")
    x = torch.empty((1, *report.input), device="meta")
    found = []
    for module in modules:
        module.eval()
        with FlopCounterMode(display=False) as counter:
            x = module(x)
        found.append({"output": tuple(x.shape[1:]),
                      "params": sum(p.numel() for p in module.parameters()),
                      "macs": counter.get_total_flops() // 2})
    return found


MEMORY_BUDGET = 2 * 2**30  # bytes the CPU measurement of a receptive field may allocate


def cpu_bytes(report: Report) -> int:
    """What measuring on the CPU in float64 costs: the weights, and each activation with its gradient."""
    activations = math.prod(report.input) + sum(math.prod(r.output) for r in report.rows)
    return 8 * (report.params + 2 * activations)


def _gib(n: int) -> str:
    return f"{n / 2**30:,.1f} GB"


def verify(report: Report, check_rf: bool = True) -> Verification:
    """Compare every row of `report` with torch; differences are listed row by row.

    Refuses (one line, StudytuiError) a stack whose torch twin would need more than the memory
    budget for its weights alone; shapes, parameters and MACs are then measured on the meta
    device (nothing allocated), and the receptive field on the CPU only within the budget.
    """
    biggest = max(report.rows, key=lambda r: r.params, default=None)
    if biggest is not None and 4 * biggest.params > MEMORY_BUDGET:
        raise StudytuiError(f"--verify: the torch twin of layer {biggest.index + 1} ({biggest.name}) would need "
                            f"{_gib(4 * biggest.params)} for its {biggest.params:,} parameters "
                            f"(budget {_gib(MEMORY_BUDGET)}); nothing was built")
    diffs = []
    for row, got in zip(report.rows, measure(report)):
        for key, mine in (("output", row.output), ("params", row.params), ("macs", row.macs)):
            if got[key] != mine:
                shown = (fmt_shape(mine), fmt_shape(got[key])) if key == "output" else (mine, got[key])
                diffs.append(f"layer {row.index + 1} ({row.name}) {key}: calculator {shown[0]}, torch {shown[1]}")
    rf_note = "not checked"
    if check_rf and cpu_bytes(report) > MEMORY_BUDGET:
        rf_note = (f"not measured: the CPU measurement would need {_gib(cpu_bytes(report))} "
                   f"(budget {_gib(MEMORY_BUDGET)})")
    elif check_rf:
        rf_diff, rf_note = check_receptive_field(report)
        diffs += rf_diff
    return Verification(not diffs, diffs, rf_note)


# -- receptive fields ------------------------------------------------------------------------
class SumPool(nn.Module):
    """Sum over exactly the windows a pooling layer looks at (so every pixel gets a gradient)."""

    def __init__(self, k, s, p, d, channels: int, in_hw: tuple[int, int], out_hw: tuple[int, int]):
        super().__init__()
        self.k, self.s, self.p, self.d, self.channels = k, s, p, d, channels
        # ceil_mode may add a last window that runs past the padding: pad further on the right.
        self.extra = tuple((o - 1) * si + di * (ki - 1) + 1 - (n + 2 * pi)
                           for o, si, di, ki, n, pi in zip(out_hw, s, d, k, in_hw, p))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for p, e in reversed(list(zip(self.p, self.extra))):  # F.pad lists the last axis first
            pads += [p, p + e]
        x = F.pad(x, tuple(pads))
        weight = torch.ones(self.channels, 1, *self.k, dtype=x.dtype)
        conv = F.conv2d if len(self.k) == 2 else F.conv1d
        return conv(x, weight, stride=self.s, dilation=self.d, groups=self.channels)


def linearize(layer: Layer, shape_in: tuple[int, ...]) -> nn.Module:
    """A torch twin of `layer` whose input gradient marks exactly the pixels each output reads."""
    # Statistics of norms count as constants (see calc/norms.py); softmax over channels is
    # pointwise in space, and summing its outputs over channels would cancel every gradient.
    if isinstance(layer, (L._Pointwise, L.Dropout, L._SoftmaxLike, norms.GroupNorm, norms.LayerNorm,
                          norms.InstanceNorm2d)):
        return nn.Identity()
    if isinstance(layer, L._Pool):
        out = layer.output_shape(shape_in)
        return SumPool(layer._k, layer._s, layer._p, layer._d, shape_in[0], shape_in[1:], out[1:])
    if isinstance(layer, seq1d._Pool1d):
        out = layer.output_shape(shape_in)
        return SumPool((layer._k,), (layer._s,), (layer._p,), (layer._d,), shape_in[0], shape_in[1:], out[1:])
    if isinstance(layer, L.AdaptiveMaxPool2d):
        return nn.AdaptiveAvgPool2d(layer.output_size)
    if isinstance(layer, blocks.Sequential):
        return nn.Sequential(*_linear_chain([("", l) for l in layer.layers], shape_in))
    if isinstance(layer, blocks.ResidualBlock):
        a_shape, _ = blocks.chain(layer.pre, shape_in)
        m_shape, _ = blocks.chain(layer.main, a_shape)
        short_in = a_shape if layer.shortcut_taps_pre else shape_in
        seq = lambda named, shape: nn.Sequential(*_linear_chain(named, shape))  # noqa: E731
        return ResidualTwin(seq(layer.pre, shape_in), seq(layer.main, a_shape),
                            seq(layer.shortcut, short_in), seq(layer.post, m_shape),
                            layer.shortcut_taps_pre)
    return twin(layer)


def _linear_chain(named: list[tuple[str, Layer]], shape: tuple[int, ...]) -> list[nn.Module]:
    modules = []
    for _, layer in named:
        modules.append(linearize(layer, shape))
        shape = layer.output_shape(shape)
    return modules


def _positive_weights(module: nn.Module, generator: torch.Generator) -> None:
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.rand(p.shape, generator=generator, dtype=p.dtype) * 0.5 + 0.5)


def empirical_footprint(layers: list[Layer], input_shape: tuple[int, ...],
                        unit: tuple[int, ...]) -> tuple[tuple[int, int] | None, ...]:
    """Per spatial axis, the input (first, last) indices that output unit `unit` depends on, measured."""
    report = analyze(input_shape, layers)
    generator = torch.Generator().manual_seed(0)
    net = nn.Sequential(*(linearize(row.layer, row.input) for row in report.rows)).double().eval()
    _positive_weights(net, generator)
    x = torch.zeros((1, *input_shape), dtype=torch.float64, requires_grad=True)
    out = net(x)
    out[(0, slice(None), *unit)].sum().backward()
    hit = x.grad[0].abs().sum(dim=0) > 0
    spans = []
    for axis in range(hit.dim()):
        others = tuple(a for a in range(hit.dim()) if a != axis)
        idx = torch.nonzero(hit.any(dim=others) if others else hit).flatten()
        spans.append((int(idx.min()), int(idx.max())) if len(idx) else None)
    return tuple(spans)


def check_receptive_field(report: Report, max_pixels: int = 1_000_000) -> tuple[list[str], str]:
    """Compare the calculator's receptive field of the last spatial row with the measured one.

    The input is enlarged (when the layers allow it) until the central output unit's receptive
    field fits inside the image, so the comparison is exact; otherwise the measured interval must
    lie inside the calculator's one clipped to the image. Every output phase is checked (a
    transposed conv gives units of different phase different fields). 2-D and 1-D inputs alike.
    """
    last = max((r.index for r in report.rows if r.maps is not None), default=None)
    if last is None or len(report.input) not in (2, 3):
        return [], "not applicable (no spatial layer)"
    layers = [r.layer for r in report.rows[: last + 1]]
    c, *spatial = report.input
    size = _fitting_size(layers, c, tuple(spatial), max_pixels)
    sub = analyze((c, *size), layers)
    maps, out_hw = sub.rows[-1].maps, sub.rows[-1].output[1:]
    if maps is None:
        return [], "not applicable (not spatial at this size)"
    labels = ("height", "width") if len(size) == 2 else ("length",)
    nothing = tuple(None for _ in size)
    diffs, exact = [], True
    phases = [range(o // 2, min(o // 2 + m.period, o)) for o, m in zip(out_hw, maps)]
    for unit in itertools.product(*phases):
        measured = empirical_footprint(layers, (c, *size), unit)
        wants = [m.interval(u) for m, u in zip(maps, unit)]
        if None in wants:  # a unit with no taps along one axis reads nothing at all
            wants = list(nothing)
        # Near the border the unit may read only zero padding of some layer; borders are
        # ignored by the calculator's convention, so there the measurement must lie inside.
        clipped = [_clip(want, n) for want, n in zip(wants, size)]
        if clipped != wants and measured == nothing:
            exact = False
            continue
        for axis, (want, clip, n, got) in enumerate(zip(wants, clipped, size, measured)):
            u, label = unit[axis], labels[axis]
            if clip == want:
                if got != want:
                    diffs.append(f"receptive field ({label}) of unit {u}: calculator {want}, torch {got}")
            else:
                exact = False
                if got is not None and (clip is None or got[0] < clip[0] or got[1] > clip[1]):
                    diffs.append(f"receptive field ({label}) of unit {u}: calculator {want} (clipped "
                                 f"{clip}), torch {got}")
    where = f"at {fmt_shape((c, *size))}"
    return diffs, (f"exact, measured {where}" if exact else f"clipped by the image, measured {where}")


def _fitting_size(layers: list[Layer], c: int, size: tuple[int, ...], max_pixels: int) -> tuple[int, ...]:
    """The smallest doubling of the input at which the central unit's field fits the image."""
    # A transposed conv's padding crops units that still read real pixels, so near the border a
    # unit can look "inside" yet read cropped units: keep such stacks a field's width away.
    cropped = _has_transposed(layers)
    for _ in range(8):
        sub = analyze((c, *size), layers)
        maps, out_hw = sub.rows[-1].maps, sub.rows[-1].output[1:]
        margins = [m.size + 2 if cropped else 0 for m in maps]
        if all(_inside(m.interval(o // 2), n, margin) for m, o, n, margin in zip(maps, out_hw, size, margins)):
            return size
        bigger = tuple(max(n, min(n * 2, m.size * (4 if cropped else 2) + 8)) for n, m in zip(size, maps))
        if bigger == size or c * math.prod(bigger) > max_pixels:
            return size
        try:  # a larger input must keep the stack valid and spatial (adaptive pools may not)
            larger = analyze((c, *bigger), layers)
            if larger.rows[-1].maps is None or cpu_bytes(larger) > MEMORY_BUDGET:
                return size
        except StudytuiError:
            return size
        size = bigger
    return size


def _clip(interval, n: int):
    if interval is None or interval[1] < 0 or interval[0] > n - 1:
        return None
    return max(interval[0], 0), min(interval[1], n - 1)


def _inside(interval, n: int, margin: int = 0) -> bool:
    return interval is None or (interval[0] >= margin and interval[1] <= n - 1 - margin)


def _has_transposed(layers: list[Layer]) -> bool:
    return any(isinstance(l, ConvTranspose2d) or _has_transposed(l.children()) for l in layers)
