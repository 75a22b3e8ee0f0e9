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
             "Dropout(0.3)", "Dropout2d(0.2)"]


@st.composite
def next_layer(draw, shape: tuple[int, ...], sloppy: bool, spatial_only: bool):
    if len(shape) == 3:
        c = shape[0]
        options = ["conv", "conv", "pool", "pool", "bn", "act", "block", "tconv", "adaptive"]
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
    f = shape[-1]
    choice = draw(st.sampled_from(["linear", "linear", "act", "bn1d"] + (["conv"] if sloppy else [])))
    if choice == "linear":
        return f"Linear({f + (draw(st.sampled_from([0, 0, 1])) if sloppy else 0)}, {draw(st.integers(1, 16))})"
    if choice == "bn1d" and len(shape) in (1, 2):
        return f"BatchNorm1d({shape[0]})"
    if choice == "conv":
        return "Conv2d(3, 4, 3)"
    return draw(st.sampled_from(POINTWISE))


@st.composite
def stacks(draw, sloppy: bool = False, spatial_only: bool = False, max_layers: int = 6, max_hw: int = 20):
    """(input shape, layer texts). Without `sloppy`, every stack is one the calculator accepts."""
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
