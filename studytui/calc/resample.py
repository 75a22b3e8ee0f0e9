"""Layers that move pixels without weights: Upsample, the padding layers and Unflatten.

None of them has parameters or MACs (FlopCounterMode counts no interpolation either). Their
receptive-field maps: a padding layer shifts the grid by its left/top padding; an upsampling by a
whole factor s gives output phase r of each period the input pixels it interpolates (nearest: one
pixel; bilinear/linear: one or two neighbours, see `_upsample_taps`). A non-integer factor, a size
that is not a whole multiple of the input, or align_corners=True has no periodic grid in whole
pixels: the receptive field ends there (null), as after global pooling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar

from studytui.calc.footprint import AxisMap, _bounded
from studytui.calc.layers import Layer, LayerError, Maps, Shape, _describe, _int, fmt_shape, register

UPSAMPLE_MODES = {"nearest": (1, 2), "linear": (1,), "bilinear": (2,)}  # mode -> spatial dims it takes


def _sizes(value, owner: str, name: str, count: int, number=int) -> tuple:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and isinstance(value, number):
        return (value,) * count
    if isinstance(value, tuple) and len(value) == count and all(
            isinstance(v, number) and not isinstance(v, bool) for v in value):
        return value
    raise LayerError(f"{owner}: {name} must be a number or {count} of them for this input, got {value!r}")


@register
@dataclass(eq=False)
class Upsample(Layer):
    size: int | tuple | None = None
    scale_factor: float | tuple | None = None
    mode: str = "nearest"
    align_corners: bool | None = None
    recompute_scale_factor: bool | None = None

    def validate(self) -> None:
        if self.mode not in UPSAMPLE_MODES:
            raise LayerError(f"Upsample: mode {self.mode!r} is not supported here (use one of "
                             f"{', '.join(UPSAMPLE_MODES)})")
        if self.align_corners is not None and self.mode == "nearest":
            raise LayerError("Upsample: align_corners can only be set with mode 'linear' or 'bilinear'")

    def _out(self, shape: Shape) -> tuple[int, ...]:
        dims = len(shape) - 1
        if dims not in UPSAMPLE_MODES[self.mode]:
            raise LayerError(f"Upsample with mode {self.mode!r} needs a "
                             f"{' or '.join('C x H x W' if d == 2 else 'C x L' for d in UPSAMPLE_MODES[self.mode])}"
                             f" input, gets {_describe(shape)}")
        if (self.size is None) == (self.scale_factor is None):
            raise LayerError("Upsample: give exactly one of size and scale_factor")
        if self.size is not None:
            out = _sizes(self.size, "Upsample", "size", dims)
        else:
            scales = _sizes(self.scale_factor, "Upsample", "scale_factor", dims, number=(int, float))
            if any(s <= 0 for s in scales):
                raise LayerError(f"Upsample: scale_factor must be positive, got {self.scale_factor!r}")
            out = tuple(math.floor(n * s) for n, s in zip(shape[1:], scales))
        if any(o < 1 for o in out):
            raise LayerError(f"Upsample: the output would be {fmt_shape(out)}, which is empty")
        return out

    def output_shape(self, shape: Shape) -> Shape:
        return (shape[0], *self._out(shape))

    def _factors(self, shape: Shape) -> list[int | None]:
        """Whole-number upsampling factor per axis, None where the grid is not whole pixels."""
        out = self._out(shape)
        if self.align_corners:
            return [None] * len(out)
        factors = []
        for axis, (n, o) in enumerate(zip(shape[1:], out)):
            if self.scale_factor is not None and not self.recompute_scale_factor:
                scale = _sizes(self.scale_factor, "Upsample", "scale_factor", len(out), number=(int, float))[axis]
                exact = Fraction(scale)
            else:
                exact = Fraction(o, n)
            factors.append(int(exact) if exact.denominator == 1 and exact >= 1 else None)
        return factors

    def axis_maps(self, shape: Shape) -> Maps:
        maps = []
        for s in self._factors(shape):
            if s is None:
                return None
            _bounded(s)
            taps = tuple(_upsample_taps(self.mode, s, r) for r in range(s))
            maps.append(AxisMap(s, 1, tuple(t[0] for t in taps), tuple(t[-1] for t in taps), taps))
        return tuple(maps)

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        out = self.output_shape(shape)
        how = (f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}: "
               f"floor(n · {self.scale_factor}) per axis")
        steps = super().explain(shape)
        steps["shape"] = [f"Upsample ({self.mode}) {how} → {fmt_shape(out)}"]
        steps["rf"] = ["upsampling by s divides the jump by s; each output reads 1 (nearest) or 2 (linear) inputs"]
        return steps


def _upsample_taps(mode: str, s: int, r: int) -> tuple[int, ...]:
    """Input offsets (from q) that output q·s + r reads. Linear modes sample at (o + ½)/s − ½."""
    if mode == "nearest":
        return (0,)
    offset = Fraction(2 * r + 1 - s, 2 * s)  # where the sample falls, relative to input q
    if offset < 0:
        return (-1, 0)
    return (0,) if offset == 0 else (0, 1)


@dataclass(eq=False)
class _Pad2d(Layer):
    """Pads (left, right, top, bottom); an int pads all four sides alike. Negative values crop."""

    padding: int | tuple
    allow_negative: ClassVar[bool] = True

    def validate(self) -> None:
        owner = type(self).__name__
        pad = self.padding
        if isinstance(pad, int) and not isinstance(pad, bool):
            pad = (pad,) * 4
        if not (isinstance(pad, tuple) and len(pad) == 4 and all(
                isinstance(p, int) and not isinstance(p, bool) for p in pad)):
            raise LayerError(f"{owner}: padding must be an int or (left, right, top, bottom), got {self.padding!r}")
        self._pad = pad

    def output_shape(self, shape: Shape) -> Shape:
        owner = type(self).__name__
        if len(shape) != 3:
            raise LayerError(f"{owner} needs a C x H x W input, gets {_describe(shape)}")
        left, right, top, bottom = self._pad
        self._check(shape[1], top, bottom, "height")
        self._check(shape[2], left, right, "width")
        out = (shape[0], shape[1] + top + bottom, shape[2] + left + right)
        if min(out[1:]) < 1:
            raise LayerError(f"{owner}: cropping leaves an empty output {fmt_shape(out)}")
        return out

    def _check(self, n: int, a: int, b: int, axis: str) -> None:
        """Extra limits of the mode (reflection needs pixels to mirror)."""

    def axis_maps(self, shape: Shape) -> Maps:
        left, _, top, _ = self._pad
        return (AxisMap.window(1, 1, top), AxisMap.window(1, 1, left))

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        out = self.output_shape(shape)
        left, right, top, bottom = self._pad
        steps = super().explain(shape)
        steps["shape"] = [f"H = {shape[1]} + {top} + {bottom} = {out[1]}, W = {shape[2]} + {left} + {right} = {out[2]}"]
        steps["rf"] = ["padding shifts the grid; the receptive field does not grow"]
        return steps


@register
@dataclass(eq=False)
class ZeroPad2d(_Pad2d):
    pass


@register
@dataclass(eq=False)
class ConstantPad2d(_Pad2d):
    padding: int | tuple
    value: float


@register
@dataclass(eq=False)
class ReflectionPad2d(_Pad2d):
    def _check(self, n: int, a: int, b: int, axis: str) -> None:
        if a >= n or b >= n:
            raise LayerError(f"ReflectionPad2d: padding ({max(a, b)}) must be smaller than the input {axis} ({n})")


@register
@dataclass(eq=False)
class ReplicationPad2d(_Pad2d):
    pass


@register
@dataclass(eq=False)
class Unflatten(Layer):
    dim: int
    unflattened_size: tuple
    spatial: ClassVar[bool] = False

    def validate(self) -> None:
        _int(self.dim, "dim", "Unflatten", minimum=-99)
        sizes = self.unflattened_size
        if not isinstance(sizes, tuple) or not sizes or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in sizes):
            raise LayerError(f"Unflatten: unflattened_size must be a tuple of ints, got {sizes!r}")

    def output_shape(self, shape: Shape) -> Shape:
        batched = (2, *shape)
        rank = len(batched)
        if not -rank <= self.dim < rank:
            raise LayerError(f"Unflatten: dim {self.dim} is out of range for a {rank}-D batch")
        dim = self.dim % rank
        if dim == 0:
            raise LayerError("Unflatten: dim=0 would split the batch dimension")
        sizes = list(self.unflattened_size)
        n = batched[dim]
        if sizes.count(-1) > 1 or any(v < -1 for v in sizes):
            raise LayerError(f"Unflatten: sizes {tuple(sizes)} may hold one -1 and otherwise sizes ≥ 0")
        known = math.prod(v for v in sizes if v != -1)
        if -1 in sizes:
            if known == 0 or n % known:
                raise LayerError(f"Unflatten: sizes {tuple(sizes)} do not divide dim {self.dim} ({n})")
            sizes[sizes.index(-1)] = n // known
        elif known != n:
            raise LayerError(f"Unflatten: sizes {tuple(sizes)} multiply to {known}, not to dim {self.dim} ({n})")
        out = (*batched[1:dim], *sizes, *batched[dim + 1:])
        if 0 in out:
            raise LayerError(f"Unflatten: the output {fmt_shape(out)} would be empty")
        return out

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        steps = super().explain(shape)
        steps["shape"] = [f"Unflatten splits dim {self.dim} into {self.unflattened_size}: "
                          f"{fmt_shape(self.output_shape(shape))}"]
        steps["rf"] = ["after Unflatten the units no longer map to input pixels"]
        return steps
