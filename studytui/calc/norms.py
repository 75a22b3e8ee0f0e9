"""Normalisation layers beyond batch norm: GroupNorm, LayerNorm, InstanceNorm2d.

They keep the shape. For receptive fields they count as pointwise, like batch norm in eval mode:
their mean and variance are treated as constants, although GroupNorm, LayerNorm and InstanceNorm
compute them from the whole image (so, strictly, every output reads every pixel of its sample). Their MACs are 0: like torch's FlopCounterMode, the calculator counts only
the multiply-accumulates of convolutions and linear layers; normalising costs a few element-wise
operations per value, which peers such as fvcore or thop add and this tool leaves out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from studytui.calc.layers import (
    Layer, LayerError, Shape, _describe, _flag, _int, affine_steps, fmt_shape, norm_torch_kwargs, register,
)


def _norm_params_steps(layer: Layer, per: str, count: int) -> list[str]:
    if not layer.params():
        return ["no affine γ, β: 0"]
    return [affine_steps(count, layer.bias, layer.params())]


@register
@dataclass(eq=False)
class GroupNorm(Layer):
    num_groups: int
    num_channels: int
    eps: float = 1e-5
    affine: bool = True
    bias: bool = field(default=True, kw_only=True)

    def torch_kwargs(self) -> dict:
        return norm_torch_kwargs(self)

    def validate(self) -> None:
        _flag(self.bias, "bias", "GroupNorm")
        _int(self.num_groups, "num_groups", "GroupNorm")
        _int(self.num_channels, "num_channels", "GroupNorm")
        _flag(self.affine, "affine", "GroupNorm")
        if self.num_channels % self.num_groups:
            raise LayerError(f"GroupNorm: num_channels ({self.num_channels}) must be divisible by num_groups "
                             f"({self.num_groups})")

    def output_shape(self, shape: Shape) -> Shape:
        # torch checks the channel count only against γ/β; without them, any multiple of the groups
        if self.affine and shape[0] != self.num_channels:
            raise LayerError(f"expects {self.num_channels} channels, gets {shape[0]}")
        if shape[0] % self.num_groups:
            raise LayerError(f"GroupNorm: {shape[0]} channels cannot form {self.num_groups} groups")
        return shape

    def params(self) -> int:
        return (2 if self.bias else 1) * self.num_channels if self.affine else 0

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        steps = super().explain(shape)
        steps["params"] = _norm_params_steps(self, "channel", self.num_channels)
        steps["shape"] = [f"statistics over {self.num_groups} groups of {self.num_channels // self.num_groups} "
                          f"channels; the shape stays {fmt_shape(shape)}"]
        return steps


@register
@dataclass(eq=False)
class LayerNorm(Layer):
    normalized_shape: int | tuple
    eps: float = 1e-5
    elementwise_affine: bool = True
    bias: bool = True

    def validate(self) -> None:
        dims = self.normalized_shape
        dims = (dims,) if isinstance(dims, int) and not isinstance(dims, bool) else dims
        if not isinstance(dims, tuple) or not dims or not all(
                isinstance(d, int) and not isinstance(d, bool) for d in dims):
            raise LayerError(f"LayerNorm: normalized_shape must be an int or a tuple of ints, got {self.normalized_shape!r}")
        _flag(self.elementwise_affine, "elementwise_affine", "LayerNorm")
        _flag(self.bias, "bias", "LayerNorm")
        self._dims = dims

    def output_shape(self, shape: Shape) -> Shape:
        n = len(self._dims)
        if len(shape) < n or tuple(shape[-n:]) != self._dims:
            raise LayerError(f"LayerNorm: normalized_shape {fmt_shape(self._dims)} must match the last dims of "
                             f"the input, gets {_describe(shape)}")
        return shape

    def params(self) -> int:
        if not self.elementwise_affine:
            return 0
        return math.prod(self._dims) * (2 if self.bias else 1)

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        steps = super().explain(shape)
        n = math.prod(self._dims)
        if not self.elementwise_affine:
            steps["params"] = ["elementwise_affine=False: no γ, β: 0"]
        else:
            steps["params"] = [f"γ{' and β' if self.bias else ''} per normalised element: "
                               f"{'2·' if self.bias else ''}{n} = {self.params()}"]
        return steps


@register
@dataclass(eq=False)
class InstanceNorm2d(Layer):
    num_features: int
    eps: float = 1e-5
    momentum: float | None = 0.1
    affine: bool = False
    track_running_stats: bool = False
    bias: bool = field(default=True, kw_only=True)

    def torch_kwargs(self) -> dict:
        return norm_torch_kwargs(self)

    def validate(self) -> None:
        _flag(self.bias, "bias", "InstanceNorm2d")
        _int(self.num_features, "num_features", "InstanceNorm2d")
        _flag(self.affine, "affine", "InstanceNorm2d")
        _flag(self.track_running_stats, "track_running_stats", "InstanceNorm2d")

    def output_shape(self, shape: Shape) -> Shape:
        if len(shape) != 3:
            raise LayerError(f"InstanceNorm2d needs a C x H x W input, gets {_describe(shape)}")
        # torch only warns about a channel mismatch without weights or running statistics
        if (self.affine or self.track_running_stats) and shape[0] != self.num_features:
            raise LayerError(f"expects {self.num_features} channels, gets {shape[0]}")
        if not self.track_running_stats and shape[1] * shape[2] == 1:
            raise LayerError("InstanceNorm2d needs more than one pixel per channel (its statistics are per image)")
        return shape

    def params(self) -> int:
        return (2 if self.bias else 1) * self.num_features if self.affine else 0

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        steps = super().explain(shape)
        steps["params"] = _norm_params_steps(self, "channel", self.num_features) if self.affine \
            else ["affine=False (the default): no γ, β: 0"]
        return steps
