"""Hypothesis strategies: random layer stacks of every kind the calculator knows.

Stacks are built layer by layer from the current shape, mostly valid; `sloppy=True` perturbs
arguments (wrong channels, oversized kernels, bad padding...) so that some stacks are invalid.
"""

from __future__ import annotations

from math import gcd

from hypothesis import strategies as st

from studytui.calc import analyze
from studytui.errors import StudytuiError


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


@st.composite
def pair(draw, lo: int, hi: int):
    if draw(st.booleans()):
        return draw(st.integers(lo, hi))
    return (draw(st.integers(lo, hi)), draw(st.integers(lo, hi)))


@st.composite
def conv(draw, c: int, sloppy: bool):
    cin = c + draw(st.sampled_from([0, 0, 0, 1])) if sloppy else c
    cout = draw(st.integers(1, 8))
    stride = draw(pair(1, 3))
    k = draw(pair(1, 5))
    d = draw(st.sampled_from([1, 1, 1, 2, 3, (1, 2)]))
    if stride == 1 and draw(st.integers(0, 4)) == 0:
        padding = repr(draw(st.sampled_from(["same", "valid"])))
    elif sloppy and draw(st.integers(0, 6)) == 0:
        padding = repr("same")
    else:
        padding = draw(pair(0, 3))
    groups = draw(st.sampled_from(_divisors(gcd(cin, cout)) if not sloppy else [1, 2, 3]))
    bias = draw(st.booleans())
    return (f"Conv2d({cin}, {cout}, kernel_size={k}, stride={stride}, padding={padding}, "
            f"dilation={d}, groups={groups}, bias={bias})")


@st.composite
def conv_transpose(draw, c: int, sloppy: bool):
    cout = draw(st.integers(1, 8))
    s, d = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    k = draw(st.integers(1, 4))
    p = draw(st.integers(0, 2))
    op = draw(st.integers(0, max(s, d) - 1 + (1 if sloppy else 0)))
    groups = draw(st.sampled_from(_divisors(gcd(c, cout))))
    return (f"ConvTranspose2d({c}, {cout}, {k}, stride={s}, padding={p}, output_padding={op}, "
            f"groups={groups}, dilation={d}, bias={draw(st.booleans())})")


@st.composite
def pool(draw, sloppy: bool):
    kind = draw(st.sampled_from(["MaxPool2d", "AvgPool2d"]))
    k = draw(st.integers(1, 4))
    stride = draw(st.sampled_from([None, 1, 2, 3]))
    p = draw(st.integers(0, k // 2 + (1 if sloppy else 0)))
    ceil = draw(st.booleans())
    if kind == "MaxPool2d":
        d = draw(st.integers(1, 2))
        return f"MaxPool2d({k}, stride={stride}, padding={p}, dilation={d}, ceil_mode={ceil})"
    return f"AvgPool2d({k}, stride={stride}, padding={p}, ceil_mode={ceil}, count_include_pad={draw(st.booleans())})"


@st.composite
def block(draw, c: int):
    kind = draw(st.sampled_from(["BasicBlock", "Bottleneck", "PreActBlock", "PreActBottleneck", "Residual"]))
    if kind == "Residual":
        k = draw(st.sampled_from([1, 3, 5]))
        return f"Residual(Conv2d({c}, {c}, {k}, padding={k // 2}), BatchNorm2d({c}), ReLU())"
    planes = draw(st.integers(1, 6))
    return f"{kind}({c}, {planes}, stride={draw(st.integers(1, 2))})"


POINTWISE = ["ReLU()", "LeakyReLU(0.1)", "GELU()", "SiLU()", "Sigmoid()", "Tanh()", "Identity()",
             "Dropout(0.3)", "Dropout2d(0.2)", "ReLU6()", "ELU(alpha=0.5)", "Hardswish()", "Mish()",
             "PReLU()", "Softmax(dim=1)", "LogSoftmax(dim=1)"]


@st.composite
def norm(draw, shape: tuple[int, ...], sloppy: bool, kind: str | None = None):
    """GroupNorm, LayerNorm, InstanceNorm2d (and BatchNorm1d on C x L), sometimes mis-sized."""
    c = shape[0] + (draw(st.sampled_from([0, 0, 0, 1])) if sloppy else 0)
    kind = kind or draw(st.sampled_from(["group", "layer", "instance", "prelu"] if len(shape) == 3 else
                                        ["group", "layer", "bn1d", "prelu"]))
    bias = draw(st.booleans())
    if kind == "group":
        groups = draw(st.sampled_from(_divisors(c) if not sloppy else [1, 2, 3]))
        return f"GroupNorm({groups}, {c}, affine={draw(st.booleans())}, bias={bias})"
    if kind == "layer":
        tail = shape[-draw(st.integers(1, len(shape))):]
        if sloppy and draw(st.booleans()):
            tail = (*tail[:-1], tail[-1] + 1)
        return f"LayerNorm({tail}, elementwise_affine={draw(st.booleans())}, bias={bias})"
    if kind == "bn1d":
        return f"BatchNorm1d({c}, affine={draw(st.booleans())})"
    if kind == "prelu":
        return f"PReLU({draw(st.sampled_from([1, c]))})"
    return (f"InstanceNorm2d({c}, affine={draw(st.booleans())}, "
            f"track_running_stats={draw(st.booleans())}, bias={bias})")


@st.composite
def resample(draw, shape: tuple[int, ...], sloppy: bool, spatial_only: bool, kind: str | None = None):
    """Upsample (nearest/bilinear, scale or size) and the four padding layers."""
    kind = kind or draw(st.sampled_from(["up", "up", "zero", "constant", "reflection", "replication"]))
    if kind == "up":
        mode = draw(st.sampled_from(["nearest", "bilinear"]))
        if draw(st.booleans()):
            scale = draw(st.sampled_from([1, 2, 3, 2.0] + ([] if spatial_only else [1.5, 0.5])))
            return f"Upsample(scale_factor={scale}, mode={mode!r})"
        h, w = shape[1:]
        size = (h * draw(st.integers(1, 3)), w * draw(st.integers(1, 3))) if spatial_only else draw(pair(1, 12))
        corners = draw(st.sampled_from([None, False] + ([] if spatial_only else [True])))
        extra = f", align_corners={corners}" if corners is not None and mode != "nearest" else ""
        return f"Upsample(size={size}, mode={mode!r}{extra})"
    lo = -1 if sloppy or not spatial_only else 0
    pad = draw(st.integers(lo, 3)) if draw(st.booleans()) else tuple(draw(st.integers(lo, 3)) for _ in range(4))
    if kind == "constant":
        return f"ConstantPad2d({pad}, 0.5)"
    return f"{kind.capitalize()}Pad2d({pad})"


@st.composite
def sequence_layer(draw, shape: tuple[int, int], sloppy: bool, kind: str | None = None):
    """Layers of 1-D models on C x L inputs."""
    c = shape[0] + (draw(st.sampled_from([0, 0, 0, 1])) if sloppy else 0)
    kind = kind or draw(st.sampled_from(["conv", "conv", "maxpool", "avgpool", "bn1d", "act", "norm", "up"]))
    if kind == "conv":
        cout = draw(st.integers(1, 8))
        k, s, d = draw(st.integers(1, 5)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
        padding = repr("same") if s == 1 and draw(st.integers(0, 3)) == 0 else draw(st.integers(0, 3))
        groups = draw(st.sampled_from(_divisors(gcd(c, cout))))
        return f"Conv1d({c}, {cout}, {k}, stride={s}, padding={padding}, dilation={d}, groups={groups}, bias={draw(st.booleans())})"
    if kind in ("maxpool", "avgpool"):
        k = draw(st.integers(1, 4))
        p = draw(st.integers(0, k // 2 + (1 if sloppy else 0)))
        stride = draw(st.sampled_from([None, 1, 2, 3]))
        name = "MaxPool1d" if kind == "maxpool" else "AvgPool1d"
        return f"{name}({k}, stride={stride}, padding={p}, ceil_mode={draw(st.booleans())})"
    if kind == "bn1d":
        return f"BatchNorm1d({c})"
    if kind == "norm":
        return draw(norm(shape, sloppy))
    if kind == "up":
        return f"Upsample(scale_factor={draw(st.sampled_from([1, 2, 3]))})"
    return draw(st.sampled_from(POINTWISE))


@st.composite
def unflatten(draw, f: int, sloppy: bool):
    a = draw(st.sampled_from([d for d in _divisors(f) if d > 1] or [1]))
    return f"Unflatten(1, ({a}, {-1 if draw(st.booleans()) else f // a + (1 if sloppy else 0)}))"


@st.composite
def next_layer(draw, shape: tuple[int, ...], sloppy: bool, spatial_only: bool):
    if len(shape) == 3:
        c = shape[0]
        options = ["conv", "conv", "pool", "pool", "bn", "act", "block", "tconv", "adaptive", "norm", "resample"]
        if not spatial_only:
            options += ["flatten", "linear_last"]
        choice = draw(st.sampled_from(options))
        if choice == "conv":
            return draw(conv(c, sloppy))
        if choice == "tconv":
            return draw(conv_transpose(c, sloppy))
        if choice == "pool":
            return draw(pool(sloppy))
        if choice == "bn":
            return f"BatchNorm2d({c + (draw(st.sampled_from([0, 0, 1])) if sloppy else 0)}, affine={draw(st.booleans())})"
        if choice == "act":
            return draw(st.sampled_from(POINTWISE))
        if choice == "norm":
            return draw(norm(shape, sloppy))
        if choice == "resample":
            return draw(resample(shape, sloppy, spatial_only))
        if choice == "block":
            return draw(block(c))
        if choice == "adaptive":
            kind = draw(st.sampled_from(["AdaptiveAvgPool2d", "AdaptiveMaxPool2d"]))
            if spatial_only:  # an even split keeps the output spatial
                h, w = shape[1:]
                size = (draw(st.sampled_from(_divisors(h))), draw(st.sampled_from(_divisors(w))))
                if size[0] == 1 and h > 1 or size[1] == 1 and w > 1:
                    size = (h, w)
            else:
                size = draw(st.sampled_from([1, 2, 3, (2, None), (None, 1)]))
            return f"{kind}({size})"
        if choice == "flatten":
            return "Flatten()"
        return f"Linear({shape[-1] + (draw(st.sampled_from([0, 0, 1])) if sloppy else 0)}, {draw(st.integers(1, 8))})"
    if len(shape) == 2 and draw(st.integers(0, 3)):
        return draw(sequence_layer(shape, sloppy))
    f = shape[-1]
    choice = draw(st.sampled_from(["linear", "linear", "act", "bn1d", "unflatten"] + (["conv"] if sloppy else [])))
    if choice == "unflatten" and len(shape) == 1:
        return draw(unflatten(f, sloppy))

    if choice == "linear":
        return f"Linear({f + (draw(st.sampled_from([0, 0, 1])) if sloppy else 0)}, {draw(st.integers(1, 16))})"
    if choice == "bn1d" and len(shape) in (1, 2):
        return f"BatchNorm1d({shape[0]})"
    if choice == "conv":
        return "Conv2d(3, 4, 3)"
    return draw(st.sampled_from(POINTWISE))


@st.composite
def stacks(draw, sloppy: bool = False, spatial_only: bool = False, max_layers: int = 6, max_hw: int = 20,
           one_d: bool | None = None):
    """(input shape, layer texts). Without `sloppy`, every stack is one the calculator accepts.

    A fifth of the stacks (or all, with one_d=True) are 1-D models on a C x L input.
    """
    if one_d is None:
        one_d = draw(st.integers(0, 4)) == 0
    if one_d:
        start = (draw(st.integers(1, 6)), draw(st.integers(1, max_hw * 2)))
    else:
        start = (draw(st.integers(1, 6)), draw(st.integers(1, max_hw)), draw(st.integers(1, max_hw)))
    shape, layers = start, []
    for _ in range(draw(st.integers(1, max_layers))):
        text = draw(next_layer(shape, sloppy, spatial_only))
        try:
            shape = analyze(shape, [text]).output
        except StudytuiError:
            if sloppy:
                layers.append(text)
                break
            continue  # this layer does not fit here; try another
        layers.append(text)
    return start, layers
