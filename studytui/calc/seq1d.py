"""1-D layers for C x L inputs (signals, sequences): Conv1d, MaxPool1d, AvgPool1d.

The formulas are the 2-D ones along a single axis; the receptive field has one axis (length).
BatchNorm1d (in layers.py) takes C x L inputs as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from studytui.calc.footprint import AxisMap
from studytui.calc.layers import (
    PADDING_MODES, Layer, LayerError, Maps, Shape, _describe, _flag, _int, _pool_out, fmt_shape, register,
)


def _one(value, name: str, owner: str) -> int:
    """An int, or torch's printed 1-tuple form such as kernel_size=(3,)."""
    if isinstance(value, tuple) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, int):
        raise LayerError(f"{owner}: {name} must be an int, got {value!r}")
    return value


def _need_sequence(shape: Shape, owner: str) -> tuple[int, int]:
    if len(shape) != 2:
        raise LayerError(f"{owner} needs a C x L input, gets {_describe(shape)}")
    return shape  # type: ignore[return-value]


@register
@dataclass(eq=False)
class Conv1d(Layer):
    in_channels: int
    out_channels: int
    kernel_size: int | tuple
    stride: int | tuple = 1
    padding: int | tuple | str = 0
    dilation: int | tuple = 1
    groups: int = 1
    bias: bool = True
    padding_mode: str = "zeros"

    def validate(self) -> None:
        owner = "Conv1d"
        _int(self.in_channels, "in_channels", owner)
        _int(self.out_channels, "out_channels", owner)
        _int(self.groups, "groups", owner)
        self._k = _int(_one(self.kernel_size, "kernel_size", owner), "kernel_size", owner)
        self._s = _int(_one(self.stride, "stride", owner), "stride", owner)
        self._d = _int(_one(self.dilation, "dilation", owner), "dilation", owner)
        _flag(self.bias, "bias", owner)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise LayerError(f"{owner}: in_channels ({self.in_channels}) and out_channels ({self.out_channels}) "
                             f"must be divisible by groups ({self.groups})")
        if self.padding_mode not in PADDING_MODES:
            raise LayerError(f"{owner}: padding_mode must be one of {', '.join(PADDING_MODES)}")
        if isinstance(self.padding, str):
            if self.padding not in ("same", "valid"):
                raise LayerError(f"{owner}: padding must be an int, 'same' or 'valid', got {self.padding!r}")
            if self.padding == "same" and self._s != 1:
                raise LayerError(f"{owner}: padding='same' is not supported for strided convolutions (torch refuses it)")
            self._p = 0 if self.padding == "valid" else self._d * (self._k - 1) // 2
            self._total = 0 if self.padding == "valid" else self._d * (self._k - 1)
        else:
            self._p = _int(_one(self.padding, "padding", owner), "padding", owner, minimum=0)
            self._total = 2 * self._p

    def output_shape(self, shape: Shape) -> Shape:
        c, n = _need_sequence(shape, "Conv1d")
        if c != self.in_channels:
            raise LayerError(f"expects {self.in_channels} input channels, gets {c}")
        padded, span = n + self._total, self._d * (self._k - 1) + 1
        if padded < span:
            raise LayerError(f"padded input {padded} is smaller than the kernel {span}: output would be empty")
        return (self.out_channels, (padded - span) // self._s + 1)

    def params(self) -> int:
        return self.out_channels * (self.in_channels // self.groups) * self._k + (self.out_channels if self.bias else 0)

    def macs(self, shape: Shape, out: Shape) -> int:
        return out[0] * out[1] * (self.in_channels // self.groups) * self._k

    def axis_maps(self, shape: Shape) -> Maps:
        return (AxisMap.window(self._k, self._s, self._p, self._d),)

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        out = self.output_shape(shape)
        cin_g = self.in_channels // self.groups
        keff = f"{self._d}·({self._k}−1)" if self._d > 1 else f"({self._k}−1)"
        return {"shape": [f"L_out = floor(({shape[1]} + {self._total} − {keff} − 1)/{self._s}) + 1 = {out[1]}",
                          f"channels = out_channels = {self.out_channels} → {fmt_shape(out)}"],
                "params": [f"weights = out_channels · in_channels/groups · k = {self.out_channels}·{cin_g}·{self._k} "
                           f"= {self.out_channels * cin_g * self._k}",
                           f"bias = {self.out_channels}" if self.bias else "bias=False: no bias terms",
                           f"total = {self.params()}"],
                "macs": [f"MACs = C_out·L_out · (C_in/groups)·k = {out[0]}·{out[1]} · {cin_g}·{self._k} = "
                         f"{self.macs(shape, out)}"],
                "rf": [f"rf grows by (k−1)·d·jump = ({self._k}−1)·{self._d}·jump; jump multiplies by {self._s}"]}


class _Pool1d(Layer):
    def _setup(self, dilation) -> None:
        owner = type(self).__name__
        self._k = _int(_one(self.kernel_size, "kernel_size", owner), "kernel_size", owner)
        self._s = self._k if self.stride is None else _int(_one(self.stride, "stride", owner), "stride", owner)
        self._p = _int(_one(self.padding, "padding", owner), "padding", owner, minimum=0)
        self._d = _int(_one(dilation, "dilation", owner), "dilation", owner)
        _flag(self.ceil_mode, "ceil_mode", owner)
        if self._p > self._k // 2:
            raise LayerError(f"{owner}: padding ({self._p}) must be at most half the kernel size ({self._k}), "
                             "as torch requires")

    def output_shape(self, shape: Shape) -> Shape:
        c, n = _need_sequence(shape, type(self).__name__)
        size = _pool_out(n, self._k, self._s, self._p, self._d, self.ceil_mode)
        if size < 1:
            raise LayerError(f"output length would be {size}: input {n} is too small for kernel {self._k}")
        return (c, size)

    def axis_maps(self, shape: Shape) -> Maps:
        return (AxisMap.window(self._k, self._s, self._p, self._d),)

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        out = self.output_shape(shape)
        rounding = "ceil" if self.ceil_mode else "floor"
        return {"shape": [f"L_out = {rounding}(({shape[1]} + 2·{self._p} − {self._d}·({self._k}−1) − 1)/{self._s}) + 1 "
                          f"= {out[1]}; channels kept: {fmt_shape(out)}"],
                "params": [f"{type(self).__name__} has no parameters: 0"],
                "macs": ["pooling does no multiply-accumulates (only conv/linear count): 0"],
                "rf": [f"rf grows by (k−1)·jump = ({self._k}−1)·jump; jump multiplies by {self._s}"]}


@register
@dataclass(eq=False)
class MaxPool1d(_Pool1d):
    kernel_size: int | tuple
    stride: int | tuple | None = None
    padding: int | tuple = 0
    dilation: int | tuple = 1
    return_indices: bool = False
    ceil_mode: bool = False

    def validate(self) -> None:
        self._setup(self.dilation)
        if self.return_indices:
            raise LayerError("MaxPool1d: return_indices=True returns a tuple; a layer stack needs a tensor")


@register
@dataclass(eq=False)
class AvgPool1d(_Pool1d):
    kernel_size: int | tuple
    stride: int | tuple | None = None
    padding: int | tuple = 0
    ceil_mode: bool = False
    count_include_pad: bool = True

    def validate(self) -> None:
        self._setup(1)
        _flag(self.count_include_pad, "count_include_pad", "AvgPool1d")
