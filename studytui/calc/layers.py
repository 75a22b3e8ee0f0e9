"""The layer registry: one class per layer kind, the single definition of each.

Each class takes its PyTorch constructor arguments (same names, same order, same defaults), and
knows its output shape, parameter count, MACs, receptive-field map and how to build its real
`torch.nn` twin. The calculator and its torch verification both read these classes, so they
cannot drift apart. Shapes exclude the batch dimension: (C, H, W) for images, (F,) for vectors.

Messages of `LayerError` name no layer index; the network walk adds "layer 3 (Conv2d(...))".
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
from dataclasses import dataclass, fields
from typing import ClassVar

from studytui.calc.footprint import AxisMap, FieldTooIrregular
from studytui.errors import SpecError

Shape = tuple[int, ...]
Maps = tuple[AxisMap, ...] | None  # one receptive-field map per spatial axis (H, W or L); None: not spatial


class LayerError(SpecError):
    """This layer cannot take this input (torch would raise)."""


REGISTRY: dict[str, type["Layer"]] = {}


def register(cls: type["Layer"]) -> type["Layer"]:
    REGISTRY[cls.__name__] = cls
    return cls


def identity_maps(shape: Shape) -> Maps:
    """The maps of no layer at all: one per spatial axis of a C x H x W or C x L input."""
    return tuple(AxisMap.identity() for _ in shape[1:]) if len(shape) in (2, 3) else None


def fmt_shape(shape: Shape) -> str:
    return "x".join(str(d) for d in shape)


def _pair(value, name: str, owner: str) -> tuple[int, int]:
    if isinstance(value, bool) or not isinstance(value, (int, tuple)):
        raise LayerError(f"{owner}: {name} must be an int or a pair of ints, got {value!r}")
    if isinstance(value, int):
        return (value, value)
    if len(value) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise LayerError(f"{owner}: {name} must be an int or a pair of ints, got {value!r}")
    return tuple(value)


def _positive(pair: tuple[int, int], name: str, owner: str) -> None:
    if min(pair) < 1:
        raise LayerError(f"{owner}: {name} must be at least 1, got {pair if pair[0] != pair[1] else pair[0]}")


def _int(value, name: str, owner: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LayerError(f"{owner}: {name} must be an int, got {value!r}")
    if value < minimum:
        raise LayerError(f"{owner}: {name} must be at least {minimum}, got {value}")
    return value


def _flag(value, name: str, owner: str) -> bool:
    if not isinstance(value, bool):
        raise LayerError(f"{owner}: {name} must be True or False, got {value!r}")
    return value


def _need_image(shape: Shape, owner: str) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise LayerError(f"{owner} needs a C x H x W input, gets {_describe(shape)}")
    return shape  # type: ignore[return-value]


def _describe(shape: Shape) -> str:
    if len(shape) == 1:
        return f"a flat vector of {shape[0]}"
    return fmt_shape(shape)


@dataclass(eq=False)
class Layer:
    """Base class. Subclasses are dataclasses whose fields are torch's constructor arguments."""

    spatial: ClassVar[bool] = True  # False: output units no longer map to input pixels

    def __post_init__(self) -> None:
        self.text = ""
        self.validate()

    # -- construction ----------------------------------------------------------------
    @classmethod
    def from_call(cls, call) -> "Layer":
        """Bind a parsed call's arguments like Python would (and like torch's signature)."""
        try:
            layer = cls(*call.args, **call.kwargs)
        except TypeError:
            try:  # binding again says what is wrong with the arguments, in Python's words
                _signature(cls).bind(*call.args, **call.kwargs)
            except TypeError as exc:
                raise LayerError(f"{cls.__name__}: {_signature_problem(exc)}") from None
            raise
        layer.text = call.text
        return layer

    def validate(self) -> None:
        """Check constructor arguments the way torch's constructor would."""

    @property
    def name(self) -> str:
        return self.text or self.canonical()

    def canonical(self) -> str:
        """Constructor text with non-default arguments, e.g. Conv2d(3, 16, kernel_size=3)."""
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.default is dataclasses.MISSING:
                parts.append(repr(value))
            elif value != f.default:
                parts.append(f"{f.name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    # -- the numbers -----------------------------------------------------------------
    def output_shape(self, shape: Shape) -> Shape:
        return shape

    def params(self) -> int:
        return 0

    def macs(self, shape: Shape, out: Shape) -> int:
        return 0

    def axis_maps(self, shape: Shape) -> Maps:
        """Receptive-field maps of this layer for input `shape` (None: not spatial any more)."""
        return identity_maps(shape) if self.spatial else None

    def extend(self, maps: Maps, shape: Shape) -> Maps:
        """The stack's receptive-field maps after this layer, given the maps before it."""
        if maps is None:
            return None
        if self.spatial and type(self).axis_maps is Layer.axis_maps:
            return maps  # pointwise (activations, BN, dropout): the field does not change
        try:
            step = self.__dict__.get("_step")
            if step is None or step[0] != shape:  # a layer's own map depends on the input at most
                step = (shape, self.axis_maps(shape))
                self._step = step
            if step[1] is None:
                return None
            return tuple(before.then(own) for before, own in zip(maps, step[1]))
        except FieldTooIrregular as exc:
            raise LayerError(f"receptive field not computable: {exc}") from None

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        """Worked steps per quantity ("shape", "params", "macs", "rf") for drills."""
        out = self.output_shape(shape)
        return {"shape": [f"{type(self).__name__} keeps the shape: {fmt_shape(out)}"],
                "params": [f"{type(self).__name__} has no parameters: 0"],
                "macs": ["no multiply-accumulates counted (only conv/linear count): 0"],
                "rf": ["does not change the receptive field"]}

    def children(self) -> list["Layer"]:
        return []

    # -- torch twin (built by studytui.twins; the calculator never imports torch) --------
    @property
    def torch_name(self) -> str:
        """The `torch.nn` class of this layer's twin."""
        return type(self).__name__

    def torch_kwargs(self) -> dict:
        """The twin's constructor arguments: by default exactly this layer's fields."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def build_layer(call) -> "Layer":
    """The Layer for a parsed call; unknown names get a suggestion."""
    cls = REGISTRY.get(call.name)
    if cls is None:
        import difflib

        close = difflib.get_close_matches(call.name, REGISTRY, n=1, cutoff=0.6)
        if not close:
            close = [k for k in REGISTRY if k.lower() == call.name.lower()]
        hint = f" (did you mean {close[0]}?)" if close else f"; known layers: {', '.join(sorted(REGISTRY))}"
        raise LayerError(f"unknown layer {call.name!r}{hint}")
    return cls.from_call(call)


@functools.cache
def _signature(cls: type) -> inspect.Signature:
    return inspect.signature(cls)


def _signature_problem(exc: TypeError) -> str:
    msg = str(exc)
    return msg.replace("__init__() ", "").replace("'", "").replace(
        "missing a required argument:", "missing required argument").strip()


# ---------------------------------------------------------------------------------------
# Convolutions
# ---------------------------------------------------------------------------------------
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _conv_common(layer, owner: str, transposed: bool) -> None:
    _int(layer.in_channels, "in_channels", owner)
    _int(layer.out_channels, "out_channels", owner)
    _int(layer.groups, "groups", owner)
    layer._k = _pair(layer.kernel_size, "kernel_size", owner)
    layer._s = _pair(layer.stride, "stride", owner)
    layer._d = _pair(layer.dilation, "dilation", owner)
    _positive(layer._k, "kernel_size", owner)
    _positive(layer._s, "stride", owner)
    _positive(layer._d, "dilation", owner)
    _flag(layer.bias, "bias", owner)
    if layer.in_channels % layer.groups:
        raise LayerError(f"{owner}: in_channels ({layer.in_channels}) must be divisible by groups ({layer.groups})")
    if layer.out_channels % layer.groups:
        raise LayerError(f"{owner}: out_channels ({layer.out_channels}) must be divisible by groups ({layer.groups})")
    if layer.padding_mode not in PADDING_MODES:
        raise LayerError(f"{owner}: padding_mode must be one of {', '.join(PADDING_MODES)}")
    if transposed and layer.padding_mode != "zeros":
        raise LayerError(f"{owner}: only padding_mode='zeros' is supported for ConvTranspose2d")


def _window_out(n: int, k: int, s: int, p: int, d: int) -> int:
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


@register
@dataclass(eq=False)
class Conv2d(Layer):
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
        owner = "Conv2d"
        _conv_common(self, owner, transposed=False)
        if isinstance(self.padding, str):
            if self.padding not in ("same", "valid"):
                raise LayerError(f"{owner}: padding must be an int, a pair, 'same' or 'valid', got {self.padding!r}")
            if self.padding == "same" and self._s != (1, 1):
                raise LayerError(f"{owner}: padding='same' is not supported for strided convolutions (torch refuses it)")
            if self.padding == "valid":
                self._p = (0, 0)
            else:  # torch pads the extra pixel of an odd total on the bottom/right
                self._p = tuple(d * (k - 1) // 2 for k, d in zip(self._k, self._d))
        else:
            self._p = _pair(self.padding, "padding", owner)
            if min(self._p) < 0:
                raise LayerError(f"{owner}: padding must not be negative, got {self.padding}")

    def _total_pad(self, axis: int) -> int:
        if self.padding == "same":
            return self._d[axis] * (self._k[axis] - 1)
        return 2 * self._p[axis]

    def output_shape(self, shape: Shape) -> Shape:
        c, h, w = _need_image(shape, "Conv2d")
        if c != self.in_channels:
            raise LayerError(f"expects {self.in_channels} input channels, gets {c}")
        out = []
        for axis, n in enumerate((h, w)):
            k, s, d = self._k[axis], self._s[axis], self._d[axis]
            padded = n + self._total_pad(axis)
            if padded < d * (k - 1) + 1:
                raise LayerError(
                    f"padded input {padded} is smaller than the {'dilated ' if d > 1 else ''}kernel "
                    f"{d * (k - 1) + 1} ({'height' if axis == 0 else 'width'}): output would be empty")
            out.append((padded - d * (k - 1) - 1) // s + 1)
        return (self.out_channels, *out)

    def params(self) -> int:
        kh, kw = self._k
        return self.out_channels * (self.in_channels // self.groups) * kh * kw + (self.out_channels if self.bias else 0)

    def macs(self, shape: Shape, out: Shape) -> int:
        kh, kw = self._k
        return out[0] * out[1] * out[2] * (self.in_channels // self.groups) * kh * kw

    def axis_maps(self, shape: Shape) -> Maps:
        return tuple(AxisMap.window(self._k[a], self._s[a], self._p[a], self._d[a]) for a in (0, 1))

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        out = self.output_shape(shape)
        steps = []
        for axis, label in ((0, "H"), (1, "W")):
            n, k, s, d = shape[1 + axis], self._k[axis], self._s[axis], self._d[axis]
            tp = self._total_pad(axis)
            pad = f"{tp}" if self.padding == "same" else f"2·{self._p[axis]}"
            keff = f"{d}·({k}−1)" if d > 1 else f"({k}−1)"
            steps.append(f"{label}_out = floor(({n} + {pad} − {keff} − 1)/{s}) + 1 = {out[1 + axis]}")
        if self.padding == "same":
            steps.insert(0, "padding='same' keeps H and W at stride 1")
        steps.append(f"channels = out_channels = {self.out_channels} → {fmt_shape(out)}")
        kh, kw = self._k
        cin_g = self.in_channels // self.groups
        group_note = f" (in_channels/groups = {self.in_channels}/{self.groups})" if self.groups > 1 else ""
        weights = self.out_channels * cin_g * kh * kw
        params = [f"weights = out_channels · in_channels/groups · kh · kw = {self.out_channels}·{cin_g}·{kh}·{kw} = {weights}{group_note}"]
        params.append(f"bias = {self.out_channels}" if self.bias else "bias=False: no bias terms")
        params.append(f"total = {self.params()}")
        macs = [f"MACs = C_out·H_out·W_out · (C_in/groups)·kh·kw = {out[0]}·{out[1]}·{out[2]} · {cin_g}·{kh}·{kw} = {self.macs(shape, out)}"]
        k, s, d = self._k[0], self._s[0], self._d[0]
        rf = [f"rf grows by (k−1)·d·jump = ({k}−1)·{d}·jump per axis; jump multiplies by stride {s}"]
        return {"shape": steps, "params": params, "macs": macs, "rf": rf}


@register
@dataclass(eq=False)
class ConvTranspose2d(Layer):
    in_channels: int
    out_channels: int
    kernel_size: int | tuple
    stride: int | tuple = 1
    padding: int | tuple = 0
    output_padding: int | tuple = 0
    groups: int = 1
    bias: bool = True
    dilation: int | tuple = 1
    padding_mode: str = "zeros"

    def validate(self) -> None:
        owner = "ConvTranspose2d"
        _conv_common(self, owner, transposed=True)
        if isinstance(self.padding, str):
            raise LayerError(f"{owner}: padding must be an int or a pair (no 'same'/'valid' for transposed convs)")
        self._p = _pair(self.padding, "padding", owner)
        self._op = _pair(self.output_padding, "output_padding", owner)
        if min(self._p) < 0 or min(self._op) < 0:
            raise LayerError(f"{owner}: padding and output_padding must not be negative")
        for op, s, d in zip(self._op, self._s, self._d):
            if not (op < s or op < d):
                raise LayerError(f"{owner}: output_padding ({op}) must be smaller than either stride ({s}) or dilation ({d})")

    def output_shape(self, shape: Shape) -> Shape:
        c, h, w = _need_image(shape, "ConvTranspose2d")
        if c != self.in_channels:
            raise LayerError(f"expects {self.in_channels} input channels, gets {c}")
        out = []
        for axis, n in enumerate((h, w)):
            k, s, p, d, op = self._k[axis], self._s[axis], self._p[axis], self._d[axis], self._op[axis]
            size = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
            if size < 1:
                raise LayerError(f"output {'height' if axis == 0 else 'width'} would be {size}: padding {p} is too large")
            out.append(size)
        return (self.out_channels, *out)

    def params(self) -> int:
        kh, kw = self._k
        return self.in_channels * (self.out_channels // self.groups) * kh * kw + (self.out_channels if self.bias else 0)

    def macs(self, shape: Shape, out: Shape) -> int:
        kh, kw = self._k
        return shape[0] * shape[1] * shape[2] * (self.out_channels // self.groups) * kh * kw

    def axis_maps(self, shape: Shape) -> Maps:
        return tuple(AxisMap.transposed(self._k[a], self._s[a], self._p[a], self._d[a]) for a in (0, 1))

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        out = self.output_shape(shape)
        steps = []
        for axis, label in ((0, "H"), (1, "W")):
            n, k, s, p, d, op = (shape[1 + axis], self._k[axis], self._s[axis], self._p[axis],
                                 self._d[axis], self._op[axis])
            steps.append(f"{label}_out = ({n}−1)·{s} − 2·{p} + {d}·({k}−1) + {op} + 1 = {out[1 + axis]}")
        steps.append(f"channels = out_channels = {self.out_channels} → {fmt_shape(out)}")
        kh, kw = self._k
        cout_g = self.out_channels // self.groups
        params = [f"weights = in_channels · out_channels/groups · kh · kw = {self.in_channels}·{cout_g}·{kh}·{kw} = {self.in_channels * cout_g * kh * kw}",
                  f"bias = {self.out_channels}" if self.bias else "bias=False: no bias terms",
                  f"total = {self.params()}"]
        macs = [f"MACs = C_in·H_in·W_in · (C_out/groups)·kh·kw = {shape[0]}·{shape[1]}·{shape[2]} · {cout_g}·{kh}·{kw} = {self.macs(shape, out)}"]
        return {"shape": steps, "params": params, "macs": macs,
                "rf": [f"a transposed conv divides the jump by its stride {self._s[0]}"]}


# ---------------------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------------------
def _pool_out(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """torch's pooling_output_shape, including its ceil_mode rule."""
    numerator = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = numerator // s + 1
    if ceil_mode and (out - 1) * s >= n + p:  # the last window must start inside the input
        out -= 1
    return out


class _Pool(Layer):
    def _setup(self, owner: str, dilation) -> None:
        self._k = _pair(self.kernel_size, "kernel_size", owner)
        self._s = self._k if self.stride is None else _pair(self.stride, "stride", owner)
        self._p = _pair(self.padding, "padding", owner)
        self._d = _pair(dilation, "dilation", owner)
        _positive(self._k, "kernel_size", owner)
        _positive(self._s, "stride", owner)
        _positive(self._d, "dilation", owner)
        _flag(self.ceil_mode, "ceil_mode", owner)
        if min(self._p) < 0:
            raise LayerError(f"{owner}: padding must not be negative")
        for k, p in zip(self._k, self._p):
            if p > k // 2:
                raise LayerError(f"{owner}: padding ({p}) must be at most half the kernel size ({k}), as torch requires")

    def output_shape(self, shape: Shape) -> Shape:
        c, h, w = _need_image(shape, type(self).__name__)
        out = []
        for axis, n in enumerate((h, w)):
            size = _pool_out(n, self._k[axis], self._s[axis], self._p[axis], self._d[axis], self.ceil_mode)
            if size < 1:
                raise LayerError(f"output {'height' if axis == 0 else 'width'} would be {size}: input {n} is too small for kernel {self._k[axis]}")
            out.append(size)
        return (c, *out)

    def axis_maps(self, shape: Shape) -> Maps:
        return tuple(AxisMap.window(self._k[a], self._s[a], self._p[a], self._d[a]) for a in (0, 1))

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        out = self.output_shape(shape)
        rounding = "ceil" if self.ceil_mode else "floor"
        steps = []
        for axis, label in ((0, "H"), (1, "W")):
            n, k, s, p, d = shape[1 + axis], self._k[axis], self._s[axis], self._p[axis], self._d[axis]
            keff = f"{d}·({k}−1)" if d > 1 else f"({k}−1)"
            steps.append(f"{label}_out = {rounding}(({n} + 2·{p} − {keff} − 1)/{s}) + 1 = {out[1 + axis]}")
        if self.stride is None:
            steps.insert(0, f"stride defaults to kernel_size = {self.kernel_size}")
        steps.append(f"pooling keeps the channels: {fmt_shape(out)}")
        return {"shape": steps, "params": [f"{type(self).__name__} has no parameters: 0"],
                "macs": ["pooling does no multiply-accumulates (only conv/linear count): 0"],
                "rf": [f"rf grows by (k−1)·jump = ({self._k[0]}−1)·jump; jump multiplies by stride {self._s[0]}"]}


@register
@dataclass(eq=False)
class MaxPool2d(_Pool):
    kernel_size: int | tuple
    stride: int | tuple | None = None
    padding: int | tuple = 0
    dilation: int | tuple = 1
    return_indices: bool = False
    ceil_mode: bool = False

    def validate(self) -> None:
        self._setup("MaxPool2d", self.dilation)
        if self.return_indices:
            raise LayerError("MaxPool2d: return_indices=True returns a tuple; a layer stack needs a tensor")


@register
@dataclass(eq=False)
class AvgPool2d(_Pool):
    kernel_size: int | tuple
    stride: int | tuple | None = None
    padding: int | tuple = 0
    ceil_mode: bool = False
    count_include_pad: bool = True  # changes the averages, never the shape
    divisor_override: int | None = None

    def validate(self) -> None:
        self._setup("AvgPool2d", 1)
        _flag(self.count_include_pad, "count_include_pad", "AvgPool2d")
        if self.divisor_override is not None:
            _int(self.divisor_override, "divisor_override", "AvgPool2d")


class _Adaptive(Layer):
    def _setup(self) -> None:
        owner = type(self).__name__
        size = self.output_size
        if isinstance(size, int) and not isinstance(size, bool) or size is None:
            size = (size, size)
        if not isinstance(size, tuple) or len(size) != 2 or not all(
                v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in size):
            raise LayerError(f"{owner}: output_size must be an int, a pair, or contain None, got {self.output_size!r}")
        if any(v is not None and v < 1 for v in size):
            raise LayerError(f"{owner}: output_size must be at least 1, got {self.output_size!r}")
        self._size = size

    def _out_hw(self, h: int, w: int) -> tuple[int, int]:
        return tuple(n if v is None else v for v, n in zip(self._size, (h, w)))

    def output_shape(self, shape: Shape) -> Shape:
        c, h, w = _need_image(shape, type(self).__name__)
        return (c, *self._out_hw(h, w))

    def axis_maps(self, shape: Shape) -> Maps:
        # Uniform windows only when the size divides evenly; a 1x1 output is global pooling.
        _, h, w = shape
        maps = []
        for n, out in zip((h, w), self._out_hw(h, w)):
            if out == 1 and n > 1 or n % out:
                return None
            maps.append(AxisMap.window(n // out, n // out, 0))
        return tuple(maps)

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        out = self.output_shape(shape)
        return {"shape": [f"adaptive pooling outputs the requested size whatever the input: {fmt_shape(out)}"],
                "params": [f"{type(self).__name__} has no parameters: 0"],
                "macs": ["pooling does no multiply-accumulates: 0"],
                "rf": ["global pooling ends the spatial layout (receptive field no longer per pixel)"]}


@register
@dataclass(eq=False)
class AdaptiveAvgPool2d(_Adaptive):
    output_size: int | tuple | None

    def validate(self) -> None:
        self._setup()


@register
@dataclass(eq=False)
class AdaptiveMaxPool2d(_Adaptive):
    output_size: int | tuple | None
    return_indices: bool = False

    def validate(self) -> None:
        self._setup()
        if self.return_indices:
            raise LayerError("AdaptiveMaxPool2d: return_indices=True returns a tuple; a layer stack needs a tensor")


# ---------------------------------------------------------------------------------------
# Normalization, activations, regularization
# ---------------------------------------------------------------------------------------
def norm_torch_kwargs(layer: "Layer") -> dict:
    """A norm's twin arguments; `bias` only when it is not the default (older torch lacks it)."""
    kwargs = {f.name: getattr(layer, f.name) for f in fields(layer)}
    if kwargs.get("bias", True) is True:
        kwargs.pop("bias", None)
    return kwargs


def affine_steps(channels: int, bias: bool, total: int) -> str:
    if bias:
        return f"γ and β per channel: 2·{channels} = {total}"
    return f"γ per channel (bias=False: no β): {channels} = {total}"


@register
@dataclass(eq=False)
class BatchNorm2d(Layer):
    num_features: int
    eps: float = 1e-5
    momentum: float | None = 0.1
    affine: bool = True
    track_running_stats: bool = True
    bias: bool = dataclasses.field(default=True, kw_only=True)  # torch >= 2.6: β can be left out

    def validate(self) -> None:
        _int(self.num_features, "num_features", "BatchNorm2d")
        _flag(self.affine, "affine", "BatchNorm2d")
        _flag(self.track_running_stats, "track_running_stats", "BatchNorm2d")
        _flag(self.bias, "bias", "BatchNorm2d")

    def torch_kwargs(self) -> dict:
        return norm_torch_kwargs(self)

    def output_shape(self, shape: Shape) -> Shape:
        c, _, _ = _need_image(shape, "BatchNorm2d")
        if c != self.num_features:
            raise LayerError(f"expects {self.num_features} channels, gets {c}")
        return shape

    def params(self) -> int:
        return (2 if self.bias else 1) * self.num_features if self.affine else 0

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        steps = super().explain(shape)
        steps["params"] = ([affine_steps(self.num_features, self.bias, self.params())] if self.affine
                           else ["affine=False: no γ, β: 0"])
        if self.track_running_stats:
            steps["params"].append(f"running mean/var ({2 * self.num_features} numbers) are buffers, not parameters")
        return steps


@register
@dataclass(eq=False)
class BatchNorm1d(BatchNorm2d):
    def output_shape(self, shape: Shape) -> Shape:
        if len(shape) not in (1, 2):
            raise LayerError(f"BatchNorm1d needs a vector (F) or (C, L) input, gets {_describe(shape)}")
        if shape[0] != self.num_features:
            raise LayerError(f"expects {self.num_features} features, gets {shape[0]}")
        return shape


@dataclass(eq=False)
class _Pointwise(Layer):
    """Activations: same shape, no parameters, receptive field unchanged."""


@register
@dataclass(eq=False)
class ReLU(_Pointwise):
    inplace: bool = False


@register
@dataclass(eq=False)
class LeakyReLU(_Pointwise):
    negative_slope: float = 0.01
    inplace: bool = False


@register
@dataclass(eq=False)
class GELU(_Pointwise):
    approximate: str = "none"

    def validate(self) -> None:
        if self.approximate not in ("none", "tanh"):
            raise LayerError("GELU: approximate must be 'none' or 'tanh'")


@register
@dataclass(eq=False)
class SiLU(_Pointwise):
    inplace: bool = False


@register
@dataclass(eq=False)
class Sigmoid(_Pointwise):
    pass


@register
@dataclass(eq=False)
class Tanh(_Pointwise):
    pass


@register
@dataclass(eq=False)
class Identity(_Pointwise):
    pass


@register
@dataclass(eq=False)
class ReLU6(_Pointwise):
    inplace: bool = False


@register
@dataclass(eq=False)
class ELU(_Pointwise):
    alpha: float = 1.0
    inplace: bool = False


@register
@dataclass(eq=False)
class Hardswish(_Pointwise):
    inplace: bool = False


@register
@dataclass(eq=False)
class Mish(_Pointwise):
    inplace: bool = False


@register
@dataclass(eq=False)
class PReLU(_Pointwise):
    """One learnable slope, or one per channel (dim 1 of the batched input)."""

    num_parameters: int = 1
    init: float = 0.25

    def validate(self) -> None:
        _int(self.num_parameters, "num_parameters", "PReLU", minimum=0)

    def output_shape(self, shape: Shape) -> Shape:
        channels = shape[0]  # dim 1 of the batched input is the channel (or feature) dim
        if self.num_parameters != 1 and self.num_parameters != channels:
            raise LayerError(f"PReLU: {self.num_parameters} slopes need {self.num_parameters} channels, gets {channels}")
        return shape

    def params(self) -> int:
        return self.num_parameters

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        steps = super().explain(shape)
        steps["params"] = [f"one learnable slope per {'channel' if self.num_parameters > 1 else 'layer'}: {self.params()}"]
        return steps


@dataclass(eq=False)
class _SoftmaxLike(Layer):
    """Softmax along `dim`: same shape; over a spatial dim every unit reads the whole axis."""

    dim: int | None = None

    def validate(self) -> None:
        if self.dim is not None:
            _int(self.dim, "dim", type(self).__name__, minimum=-99)

    def _dim(self, shape: Shape) -> int:
        rank = len(shape) + 1  # with the batch
        if self.dim is None:  # torch's implicit choice (with a deprecation warning)
            return 0 if rank in (0, 1, 3) else 1
        if not -rank <= self.dim < rank:
            raise LayerError(f"{type(self).__name__}: dim {self.dim} is out of range for a {rank}-D batch")
        return self.dim % rank

    def output_shape(self, shape: Shape) -> Shape:
        self._dim(shape)
        return shape

    def extend(self, maps: Maps, shape: Shape) -> Maps:
        if maps is None or self._dim(shape) >= 2:  # normalising over H, W or L mixes whole rows
            return None
        return maps

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        steps = super().explain(shape)
        steps["rf"] = ["softmax over channels keeps the receptive field; over a spatial axis it ends it"]
        return steps


@register
@dataclass(eq=False)
class Softmax(_SoftmaxLike):
    pass


@register
@dataclass(eq=False)
class LogSoftmax(_SoftmaxLike):
    pass


@register
@dataclass(eq=False)
class Dropout(_Pointwise):
    p: float = 0.5
    inplace: bool = False

    def validate(self) -> None:
        if isinstance(self.p, bool) or not isinstance(self.p, (int, float)) or not 0 <= self.p <= 1:
            raise LayerError(f"{type(self).__name__}: p must be a probability between 0 and 1, got {self.p!r}")


@register
@dataclass(eq=False)
class Dropout2d(Dropout):
    pass


# ---------------------------------------------------------------------------------------
# Flatten and Linear
# ---------------------------------------------------------------------------------------
@register
@dataclass(eq=False)
class Flatten(Layer):
    start_dim: int = 1
    end_dim: int = -1
    spatial: ClassVar[bool] = False

    def validate(self) -> None:
        _int(self.start_dim, "start_dim", "Flatten", minimum=-99)
        _int(self.end_dim, "end_dim", "Flatten", minimum=-99)

    def output_shape(self, shape: Shape) -> Shape:
        batched = (2, *shape)  # torch sees a batch dimension first
        rank = len(batched)
        start = self.start_dim % rank if -rank <= self.start_dim < rank else None
        end = self.end_dim % rank if -rank <= self.end_dim < rank else None
        if start is None or end is None:
            raise LayerError(f"Flatten: dims ({self.start_dim}, {self.end_dim}) are out of range for a {rank}-D batch")
        if start == 0:
            raise LayerError("Flatten: start_dim=0 would merge the batch dimension")
        if start > end:
            raise LayerError("Flatten: start_dim must not come after end_dim")
        merged = math.prod(batched[start:end + 1])
        return (*batched[1:start], merged, *batched[end + 1:])

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        out = self.output_shape(shape)
        steps = super().explain(shape)
        steps["shape"] = [f"Flatten multiplies the dimensions: {'·'.join(map(str, shape))} = {out[0]}" if len(out) == 1
                          else f"Flatten → {fmt_shape(out)}"]
        steps["rf"] = ["after Flatten the output is no longer spatial"]
        return steps


@register
@dataclass(eq=False)
class Linear(Layer):
    in_features: int
    out_features: int
    bias: bool = True
    spatial: ClassVar[bool] = False

    def validate(self) -> None:
        _int(self.in_features, "in_features", "Linear")
        _int(self.out_features, "out_features", "Linear")
        _flag(self.bias, "bias", "Linear")

    def output_shape(self, shape: Shape) -> Shape:
        if shape[-1] != self.in_features:
            hint = " (add Flatten() first?)" if len(shape) == 3 else ""
            raise LayerError(f"expects {self.in_features} input features, gets {_describe(shape) if len(shape) == 1 else f'{shape[-1]} (last dim of {fmt_shape(shape)})'}{hint}")
        return (*shape[:-1], self.out_features)

    def params(self) -> int:
        return self.in_features * self.out_features + (self.out_features if self.bias else 0)

    def macs(self, shape: Shape, out: Shape) -> int:
        return math.prod(shape[:-1]) * self.in_features * self.out_features

    def explain(self, shape: Shape) -> dict[str, list[str]]:
        out = self.output_shape(shape)
        w = self.in_features * self.out_features
        return {"shape": [f"Linear maps {self.in_features} features to {self.out_features}: {fmt_shape(out)}"],
                "params": [f"weights = in·out = {self.in_features}·{self.out_features} = {w}",
                           f"bias = {self.out_features}" if self.bias else "bias=False: no bias terms",
                           f"total = {self.params()}"],
                "macs": [f"MACs = in·out = {self.in_features}·{self.out_features} = {self.macs(shape, out)}"
                         + (f" per position ×{math.prod(shape[:-1])}" if len(shape) > 1 else "")],
                "rf": ["after Linear the output is no longer spatial"]}
