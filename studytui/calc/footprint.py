"""Receptive fields along one axis, exactly, for any stack of (transposed) convs and pools.

An `AxisMap` says which input pixels each output unit of a stack depends on, on an infinite line
(image borders ignored, as receptive fields are usually stated). Output unit o = P*q + r reads the
input interval [M*q + lo[r], M*q + hi[r]]. Ordinary convs and pools have period P = 1, so this is
the familiar recursion r_out = r_in + (k - 1)*d*jump, jump_out = jump*s (Araujo et al., Distill
2019); transposed convs need P > 1 because output units of different phase see different inputs.
Multi-path blocks take the union (bounding interval) of their paths, which for aligned paths is
the maximum over paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple
from fractions import Fraction
from math import gcd

Interval = tuple[int, int] | None  # None: the unit depends on no input pixel
MAX_PERIOD = 4096  # output phases a map may hold; beyond it the answer is refused, not computed slowly


class FieldTooIrregular(ValueError):
    """The stack's output grid repeats too rarely (co-prime strides of transposed convs)."""


def _bounded(period: int) -> int:
    if period > MAX_PERIOD:
        raise FieldTooIrregular(f"its output units repeat their receptive fields only every {period:,} "
                                f"pixels (more than {MAX_PERIOD:,} phases to compute)")
    return period


class AxisMap(NamedTuple):  # a tuple: cheap to build, immutable
    period: int
    step: int  # input pixels per period (M)
    lo: tuple[int | None, ...]
    hi: tuple[int | None, ...]
    # For a single layer: the exact input offsets each output phase reads (dilation leaves holes,
    # and a hole can skip exactly the units that read nothing). Stacks keep only lo/hi.
    taps: tuple[Sequence[int], ...] | None = None

    @staticmethod
    def identity() -> "AxisMap":
        return AxisMap(1, 1, (0,), (0,), ((0,),))

    @staticmethod
    def window(kernel: int, stride: int, padding: int, dilation: int = 1) -> "AxisMap":
        """A conv or pool: output o reads o*s - p + j*d for each kernel tap j."""
        taps = range(-padding, -padding + (kernel - 1) * dilation + 1, dilation)  # O(1) to build
        return AxisMap(1, stride, (taps[0],), (taps[-1],), (taps,))

    @staticmethod
    def transposed(kernel: int, stride: int, padding: int, dilation: int = 1) -> "AxisMap":
        """A transposed conv: output o = i*s - p + j*d receives input i for each kernel tap j."""
        _bounded(stride)
        phases = []
        for r in range(stride):
            phases.append(tuple(sorted((r + padding - j * dilation) // stride for j in range(kernel)
                                       if (r + padding - j * dilation) % stride == 0)))
        lo = tuple(t[0] if t else None for t in phases)
        hi = tuple(t[-1] if t else None for t in phases)
        return AxisMap(stride, 1, lo, hi, tuple(phases))

    def interval(self, o: int) -> Interval:
        """The input pixels output unit `o` depends on."""
        q, r = divmod(o, self.period)
        if self.lo[r] is None:
            return None
        return self.step * q + self.lo[r], self.step * q + self.hi[r]

    @property
    def size(self) -> int:
        """Receptive field: the widest interval over all output phases."""
        return max((h - l + 1 for l, h in zip(self.lo, self.hi) if l is not None), default=0)

    @property
    def jump(self) -> Fraction:
        """Effective stride: input pixels between neighbouring output units."""
        return Fraction(self.step, self.period)

    def then(self, layer: "AxisMap") -> "AxisMap":
        """The map of this stack followed by one more `layer` (a map with exact taps)."""
        if layer.taps is None:
            raise ValueError("then() needs a single layer's map (with taps)")
        if self.period == 1 and layer.period == 1:  # the common case, in closed form
            m, l1, h1 = self.step, self.lo[0], self.hi[0]
            if l1 is None or not layer.taps[0]:  # nothing read before, or nothing read now
                return AxisMap(1, m * layer.step, (None,), (None,))
            return AxisMap(1, m * layer.step, (m * layer.lo[0] + l1,), (m * layer.hi[0] + h1,))
        t = self.period // gcd(layer.step, self.period)
        period = _bounded(layer.period * t)
        step = self.step * layer.step * t // self.period
        lo, hi = [], []
        for r in range(period):
            q, phase = divmod(r, layer.period)
            reads = [iv for tap in layer.taps[phase]
                     if (iv := self.interval(layer.step * q + tap)) is not None]
            lo.append(min(iv[0] for iv in reads) if reads else None)
            hi.append(max(iv[1] for iv in reads) if reads else None)
        return AxisMap(period, step, tuple(lo), tuple(hi)).simplified()

    def union(self, other: "AxisMap") -> "AxisMap | None":
        """Both paths summed: the bounding interval of their reads. None if jumps differ."""
        if self.step * other.period != other.step * self.period:
            return None
        period = _bounded(self.period * other.period // gcd(self.period, other.period))
        step = self.step * period // self.period
        lo, hi = [], []
        for r in range(period):
            spans = [iv for iv in (self.interval(r), other.interval(r)) if iv is not None]
            lo.append(min(s[0] for s in spans) if spans else None)
            hi.append(max(s[1] for s in spans) if spans else None)
        return AxisMap(period, step, tuple(lo), tuple(hi)).simplified()

    def simplified(self) -> "AxisMap":
        """The same map with the shortest period (keeps long stacks cheap)."""
        for p in range(1, self.period):
            if self.period % p or (self.step * p) % self.period:
                continue
            m = self.step * p // self.period
            if all(self.interval(r) == _shift(self.interval(r % p), m * (r // p))
                   for r in range(self.period)):
                return AxisMap(p, m, self.lo[:p], self.hi[:p])
        return self


def _shift(iv: Interval, by: int) -> Interval:
    return None if iv is None else (iv[0] + by, iv[1] + by)
