"""Composite layers: Sequential, and residual blocks built from the layers of the registry.

A residual block is: pre-layers, then a main path and a shortcut path that are added, then
post-layers. BasicBlock and Bottleneck (post-activation, He et al. 2016) and their
pre-activation versions (He et al., "Identity Mappings", 2016) are spelled out here layer by
layer, so the calculator counts exactly what the torch modules contain.
"""

from __future__ import annotations

from dataclasses import dataclass

from studytui.calc.footprint import FieldTooIrregular
from studytui.calc.layers import (
    BatchNorm2d, Conv2d, Layer, LayerError, Maps, ReLU, Shape, _int, build_layer, fmt_shape, identity_maps,
    register,
)
from studytui.calc.spec import Call


def chain(named: list[tuple[str, Layer]], shape: Shape) -> tuple[Shape, list[tuple[Shape, Shape]]]:
    """Run `shape` through the layers; returns the output and each layer's (input, output)."""
    io = []
    for name, layer in named:
        try:
            out = layer.output_shape(shape)
        except LayerError as exc:
            raise LayerError(f"{name}: {exc}") from None
        io.append((shape, out))
        shape = out
    return shape, io


def chain_maps(named: list[tuple[str, Layer]], io: list[tuple[Shape, Shape]], start: Maps) -> Maps:
    maps = start
    for (_, layer), (shape, _) in zip(named, io):
        maps = layer.extend(maps, shape)
    return maps




def _as_layer(value, owner: str) -> Layer:
    if isinstance(value, Layer):
        return value
    if isinstance(value, Call):
        return build_layer(value)
    raise LayerError(f"{owner} takes layers as arguments, got {value!r}")


class Composite(Layer):
    """A layer made of named sub-layers."""

    def named(self) -> list[tuple[str, Layer]]:
        raise NotImplementedError

    def children(self) -> list[Layer]:
        return [layer for _, layer in self.named()]

    def params(self) -> int:
        return sum(layer.params() for layer in self.children())

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        """Step by step through the parts: each layer's numbers, then the total."""
        out = self.output_shape(shape)
        steps: dict[str, list[str]] = {"shape": [], "params": [], "macs": [], "rf": []}
        seen: dict[str, str] = {}
        for label, layer, a, b in self.parts(shape):
            key = f"{layer.canonical()} on {fmt_shape(a)}"
            if key in seen and layer.children():  # a repeated block: say so instead of repeating it
                for q in ("shape", "params", "macs"):
                    steps[q].append(f"{label}: the same as {seen[key]}")
                continue
            seen[key] = label
            inner = layer.explain(a)
            head = f"{label} {layer.canonical()}"
            steps["shape"].append(f"{head}: {fmt_shape(a)} → {fmt_shape(b)}" if a != b else f"{head}: keeps {fmt_shape(a)}")
            if a != b:  # how the shape changed: the formula, or the block's own steps
                steps["shape"] += ["  " + line for line in inner["shape"]]
            for q, value in (("params", layer.params()), ("macs", layer.macs(a, b))):
                if value:
                    steps[q].append(f"{head}: {value:,}")
                    steps[q] += ["  " + line for line in inner[q]]
        for q, total in (("params", self.params()), ("macs", self.macs(shape, out))):
            terms = [f"{v:,}" for v in self._totals(shape, q)]
            steps[q].append(f"total = {' + '.join(terms)} = {total:,}" if len(terms) > 1 else f"total = {total:,}")
        steps["shape"].append(f"output: {fmt_shape(out)}")
        steps["rf"] = ["the largest receptive field over its paths"]
        return steps

    def parts(self, shape: Shape) -> list[tuple[str, Layer, Shape, Shape]]:
        """(label, layer, input shape, output shape) of each part, in the order they run."""
        rows, a = [], shape
        for name, layer in self.named():
            b = layer.output_shape(a)
            rows.append((name, layer, a, b))
            a = b
        return rows

    def _totals(self, shape: Shape, quantity: str) -> list[int]:
        values = [layer.params() if quantity == "params" else layer.macs(a, b)
                  for _, layer, a, b in self.parts(shape)]
        return [v for v in values if v]


@register
@dataclass(eq=False, init=False)
class Sequential(Composite):
    def __init__(self, *layers):
        self.layers = [_as_layer(x, "Sequential") for x in layers]
        self.text = ""

    def canonical(self) -> str:
        return f"Sequential({', '.join(l.name for l in self.layers)})"

    def named(self) -> list[tuple[str, Layer]]:
        return [(str(i), layer) for i, layer in enumerate(self.layers)]

    def parts(self, shape: Shape) -> list[tuple[str, Layer, Shape, Shape]]:
        _, io = self._walk(shape)
        return [(f"[{i}]", layer, a, b) for i, (layer, (a, b)) in enumerate(zip(self.layers, io))]

    def _walk(self, shape: Shape):
        # Shapes, MACs and maps all need the same walk; a block is immutable, so keep it.
        memo = self.__dict__.setdefault("_memo", {})
        if shape not in memo:
            memo[shape] = chain(self.named(), shape)
        return memo[shape]

    def output_shape(self, shape: Shape) -> Shape:
        return self._walk(shape)[0]

    def macs(self, shape: Shape, out: Shape) -> int:
        _, io = self._walk(shape)
        return sum(layer.macs(a, b) for layer, (a, b) in zip(self.layers, io))

    def axis_maps(self, shape: Shape) -> Maps:
        return self.extend(identity_maps(shape), shape)

    def extend(self, maps: Maps, shape: Shape) -> Maps:
        _, io = self._walk(shape)
        return chain_maps(self.named(), io, maps)


class ResidualBlock(Composite):
    """pre → (main + shortcut) → post. Subclasses fill the four lists in `_build`."""

    expansion = 1
    pre: list[tuple[str, Layer]]
    main: list[tuple[str, Layer]]
    shortcut: list[tuple[str, Layer]]
    post: list[tuple[str, Layer]]
    shortcut_taps_pre = False  # pre-activation blocks project the pre-activated input

    def named(self) -> list[tuple[str, Layer]]:
        short = [(f"shortcut.{n}", layer) for n, layer in self.shortcut]
        return self.pre + self.main + short + self.post

    def _paths(self, shape: Shape):
        memo = self.__dict__.setdefault("_memo", {})  # immutable block: walk each shape once
        if shape not in memo:
            memo[shape] = self._walk_paths(shape)
        return memo[shape]

    def _walk_paths(self, shape: Shape):
        a, pre_io = chain(self.pre, shape)
        main_out, main_io = chain(self.main, a)
        short_in = a if self.shortcut_taps_pre else shape
        short_out, short_io = chain([(f"shortcut.{n}", l) for n, l in self.shortcut], short_in)
        if main_out != short_out:
            raise LayerError(f"the main path gives {fmt_shape(main_out)} but the shortcut gives "
                             f"{fmt_shape(short_out)}; they cannot be added")
        out, post_io = chain(self.post, main_out)
        return out, pre_io, main_io, short_io, post_io

    def output_shape(self, shape: Shape) -> Shape:
        return self._paths(shape)[0]

    def parts(self, shape: Shape) -> list[tuple[str, Layer, Shape, Shape]]:
        _, pre_io, main_io, short_io, post_io = self._paths(shape)
        out = []
        for where, named, io in (("before the add:", self.pre, pre_io), ("main path:", self.main, main_io),
                                 ("shortcut:", self.shortcut, short_io), ("after the add:", self.post, post_io)):
            out += [(f"{where} {name}", layer, a, b) for (name, layer), (a, b) in zip(named, io)]
        return out

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        steps = super().explain(shape)
        out = self.output_shape(shape)
        short_in = self._paths(shape)[1][-1][1] if self.shortcut_taps_pre and self.pre else shape
        if self.shortcut:
            why = []
            if getattr(self, "stride", 1) != 1:
                why.append(f"stride {self.stride} halves H and W" if self.stride == 2 else f"stride {self.stride}")
            if short_in[0] != out[0]:
                why.append(f"channels change {short_in[0]} → {out[0]}")
            note = (f"shortcut: a projection (1x1 conv{' + BN' if len(self.shortcut) > 1 else ''}) because "
                    f"{' and '.join(why) or 'the shapes differ'}; its parameters count")
        else:
            note = f"shortcut: the identity (the input {fmt_shape(short_in)} already has the output shape): no parameters"
        expand = (f"expansion ×{self.expansion}: the last 1x1 conv gives planes·{self.expansion} = "
                  f"{out[0]} channels" if self.expansion != 1 else "")
        for q in ("shape", "params"):
            steps[q].insert(0, note)
            if expand:
                steps[q].insert(0, expand)
        steps["shape"].insert(-1, f"add: main path {fmt_shape(out)} + shortcut {fmt_shape(out)} (shapes must match)")
        return steps

    def macs(self, shape: Shape, out: Shape) -> int:
        _, *ios = self._paths(shape)
        lists = (self.pre, self.main, self.shortcut, self.post)
        return sum(l.macs(a, b) for named, io in zip(lists, ios) for (_, l), (a, b) in zip(named, io))

    def axis_maps(self, shape: Shape) -> Maps:
        return self.extend(identity_maps(shape), shape)

    def extend(self, maps: Maps, shape: Shape) -> Maps:
        # Each path is extended from the running map layer by layer, so every step composes
        # a single layer's exact taps (see footprint.AxisMap.then).
        if maps is None:
            return None
        _, pre_io, main_io, short_io, post_io = self._paths(shape)
        pre = chain_maps(self.pre, pre_io, maps)
        main = chain_maps(self.main, main_io, pre)
        short = chain_maps(self.shortcut, short_io, pre if self.shortcut_taps_pre else maps)
        if main is None or short is None:
            return None
        try:
            both = tuple(m.union(s) for m, s in zip(main, short))
        except FieldTooIrregular as exc:
            raise LayerError(f"receptive field not computable: {exc}") from None
        if None in both:
            return None
        return chain_maps(self.post, post_io, both)


@register
@dataclass(eq=False, init=False)
class Residual(ResidualBlock):
    """`Residual(layer, ...)`: y = x + f(x), the bare residual connection."""

    def __init__(self, *layers):
        body = [_as_layer(x, "Residual") for x in layers]
        if not body:
            raise LayerError("Residual needs at least one layer: Residual(Conv2d(...), ...)")
        self.pre, self.shortcut, self.post = [], [], []
        self.main = [(str(i), layer) for i, layer in enumerate(body)]
        self.text = ""

    def canonical(self) -> str:
        return f"Residual({', '.join(l.name for _, l in self.main)})"


def _conv(cin: int, cout: int, k: int, stride: int = 1) -> Conv2d:
    return Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False)


@dataclass(eq=False)
class _StandardBlock(ResidualBlock):
    in_planes: int
    planes: int
    stride: int = 1

    def validate(self) -> None:
        owner = type(self).__name__
        _int(self.in_planes, "in_planes", owner)
        _int(self.planes, "planes", owner)
        _int(self.stride, "stride", owner)
        self.out_planes = self.planes * self.expansion
        self.project = self.stride != 1 or self.in_planes != self.out_planes
        self._build()

    def canonical(self) -> str:
        extra = f", stride={self.stride}" if self.stride != 1 else ""
        return f"{type(self).__name__}({self.in_planes}, {self.planes}{extra})"


@register
@dataclass(eq=False)
class BasicBlock(_StandardBlock):
    """3x3 conv-BN-ReLU, 3x3 conv-BN, add the shortcut, ReLU (ResNet-18/34)."""

    def _build(self) -> None:
        i, p, s = self.in_planes, self.planes, self.stride
        self.pre = []
        self.main = [("conv1", _conv(i, p, 3, s)), ("bn1", BatchNorm2d(p)), ("relu", ReLU()),
                     ("conv2", _conv(p, p, 3)), ("bn2", BatchNorm2d(p))]
        self.shortcut = [("0", _conv(i, p, 1, s)), ("1", BatchNorm2d(p))] if self.project else []
        self.post = [("relu_out", ReLU())]


@register
@dataclass(eq=False)
class Bottleneck(_StandardBlock):
    """1x1 reduce, 3x3 (carries the stride), 1x1 expand x4, add, ReLU (ResNet-50/101/152)."""

    expansion = 4

    def _build(self) -> None:
        i, p, s, o = self.in_planes, self.planes, self.stride, self.out_planes
        self.pre = []
        self.main = [("conv1", _conv(i, p, 1)), ("bn1", BatchNorm2d(p)), ("relu1", ReLU()),
                     ("conv2", _conv(p, p, 3, s)), ("bn2", BatchNorm2d(p)), ("relu2", ReLU()),
                     ("conv3", _conv(p, o, 1)), ("bn3", BatchNorm2d(o))]
        self.shortcut = [("0", _conv(i, o, 1, s)), ("1", BatchNorm2d(o))] if self.project else []
        self.post = [("relu_out", ReLU())]


@register
@dataclass(eq=False)
class PreActBlock(_StandardBlock):
    """BN-ReLU-3x3, BN-ReLU-3x3, plus the shortcut; nothing after the add (ResNet v2)."""

    shortcut_taps_pre = True

    def _build(self) -> None:
        i, p, s = self.in_planes, self.planes, self.stride
        self.pre = [("bn1", BatchNorm2d(i)), ("relu1", ReLU())]
        self.main = [("conv1", _conv(i, p, 3, s)), ("bn2", BatchNorm2d(p)), ("relu2", ReLU()),
                     ("conv2", _conv(p, p, 3))]
        self.shortcut = [("0", _conv(i, p, 1, s))] if self.project else []
        self.post = []
        # An identity shortcut carries the raw input, a projection the pre-activated one.
        self.shortcut_taps_pre = self.project


@register
@dataclass(eq=False)
class PreActBottleneck(_StandardBlock):
    """BN-ReLU-1x1, BN-ReLU-3x3 (stride), BN-ReLU-1x1 x4, plus the shortcut (ResNet v2)."""

    expansion = 4

    def _build(self) -> None:
        i, p, s, o = self.in_planes, self.planes, self.stride, self.out_planes
        self.pre = [("bn1", BatchNorm2d(i)), ("relu1", ReLU())]
        self.main = [("conv1", _conv(i, p, 1)), ("bn2", BatchNorm2d(p)), ("relu2", ReLU()),
                     ("conv2", _conv(p, p, 3, s)), ("bn3", BatchNorm2d(p)), ("relu3", ReLU()),
                     ("conv3", _conv(p, o, 1))]
        self.shortcut = [("0", _conv(i, o, 1, s))] if self.project else []
        self.post = []
        self.shortcut_taps_pre = self.project
