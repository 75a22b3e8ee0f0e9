"""Name the likely mistake behind a wrong answer, exactly.

Each diagnosis recomputes the problem under one mistaken rule (bias forgotten, padding counted
once, rounding up, jump ignored, FLOPs instead of MACs, ...) and fires only when the user's
answer equals that recomputed value. So a diagnosis is never a guess: it is "your number is what
you get if you ...". Rules that do not change the answer for this problem are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterator, NamedTuple

from studytui.calc.blocks import ResidualBlock, Sequential, _StandardBlock
from studytui.calc.layers import (
    AdaptiveAvgPool2d, AdaptiveMaxPool2d, BatchNorm2d, Conv2d, ConvTranspose2d, Dropout, Flatten,
    Linear, _pool_out, _Pointwise, _Pool,
)
from studytui.drills.problem import Problem
from studytui.drills.walk import leaves, main_path, shortcut_leaves

# Every mistake a diagnosis can name, by its stable key (`<quantity>.<rule>`): the keys are
# written to the drill log, so they are never renamed; the labels are short names for lists.
MISTAKES = {
    "shape.order": "channels in the wrong place (C×H×W vs H×W×C)",
    "shape.hw_swapped": "height and width swapped",
    "shape.batch_dim": "batch dimension included",
    "shape.other_layer": "another layer's output shape",
    "shape.input": "the input shape given back",
    "shape.expansion": "bottleneck ×4 expansion forgotten",
    "shape.dilation": "dilation ignored (shape)",
    "shape.pad_once": "padding counted on one side only",
    "shape.no_pad": "padding left out",
    "shape.ceil": "rounded up instead of down",
    "shape.floor_ceilmode": "ceil_mode=True rounded down",
    "shape.no_plus_one": "the +1 forgotten",
    "shape.pool_stride_1": "pool stride taken as 1",
    "shape.output_padding": "output_padding forgotten",
    "shape.transposed_as_conv": "transposed conv treated as a conv (shape)",
    "shape.channels_kept": "conv channels left unchanged",
    "rf.hw_swapped": "receptive field height and width swapped",
    "rf.one_number": "one number for a field that is not square",
    "rf.other_layer": "another layer's receptive field",
    "rf.kernel": "field grown by k·jump instead of (k−1)·jump",
    "rf.sum_kernels": "kernel sizes added up",
    "rf.jump": "strides ignored (no jump)",
    "rf.own_stride": "a layer's own stride applied to its growth",
    "rf.dilation": "dilation ignored (receptive field)",
    "rf.pools": "pooling layers left out",
    "params.bias_forgotten": "bias forgotten",
    "params.bias_added": "bias counted where bias=False",
    "params.bn_running": "batch norm running stats counted",
    "params.bn_buffers": "batch norm buffers counted",
    "params.bn_left_out": "batch norm left out",
    "params.groups": "groups ignored (parameters)",
    "params.kernel_once": "kernel area counted as k, not kh·kw",
    "params.no_kernel": "kernel size left out",
    "params.shortcut_left_out": "projection shortcut left out",
    "params.projection_counted": "projection counted on an identity shortcut",
    "params.expansion": "bottleneck ×4 expansion forgotten",
    "params.whole_stack": "whole stack counted for one layer",
    "params.other_layer": "another layer's count",
    "params.rounded": "parameter count rounded",
    "macs.flops": "FLOPs given for MACs",
    "macs.rounded": "MAC count rounded",
    "macs.halved": "MACs halved",
    "macs.input_size": "input H×W used instead of output",
    "macs.groups": "groups ignored (MACs)",
    "macs.weights": "weights counted, not MACs",
    "macs.bias": "bias additions counted as MACs",
    "macs.transposed_as_conv": "transposed conv treated as a conv (MACs)",
    "macs.whole_stack": "whole stack counted for one layer",
    "macs.other_layer": "another layer's count",
}


def label(key: str) -> str:
    """A short name for a mistake key (the key itself if it is not known, e.g. from a newer version)."""
    return MISTAKES.get(key, key)


class Candidate(NamedTuple):
    value: object  # the answer this mistake gives (None: the rule does not apply here)
    keys: tuple[str, ...]  # stable names of the mistake, e.g. ("params.bias_forgotten",)
    message: str  # what was done wrong, for people


@dataclass(frozen=True)
class Diagnosis:
    """The mistake(s) that reproduce a wrong answer: text for people, keys for the log."""

    message: str
    keys: tuple[str, ...]


def diagnose(p: Problem, given: tuple[int, ...] | int) -> str | None:
    """The mistaken rule(s) that reproduce `given` (C×H×W for shapes), or None.

    When two different mistakes give the same number, both are named: it is not known which
    one was made."""
    found = diagnosis(p, given)
    return found.message if found else None


def diagnosis(p: Problem, given: tuple[int, ...] | int) -> Diagnosis | None:
    """As `diagnose`, with the stable keys of the named mistakes (at most two messages)."""
    messages: list[str] = []
    keys: list[str] = []
    truth = _truth(p)
    for value, named, message in candidates(p):
        if value is not None and value == given and value != truth and message not in messages:
            messages.append(message)
            keys += [k for k in named if k not in keys]
            if len(messages) == 2:
                break
    return Diagnosis(" — or — ".join(messages), tuple(keys)) if messages else None


def sensitive_keys(p: Problem) -> frozenset[str]:
    """The mistakes that would change this problem's answer: a student who makes one of them
    gets it wrong. (A rule whose mistaken answer equals the truth cannot be caught here.)"""
    truth = _truth(p)
    return frozenset(k for value, named, _ in candidates(p) if value is not None and value != truth for k in named)


def mistaken_answer(p: Problem, key: str):
    """The answer a student who makes mistake `key` gives to `p` (as `p.answer`: a C×H×W tuple,
    an (h, w) pair or an int), or None when that mistake does not change this answer."""
    truth = _truth(p)
    for value, named, _ in candidates(p):
        if named == (key,) and value is not None and value != truth:
            return value
    return None


def _truth(p: Problem):
    return tuple(p.answer) if isinstance(p.answer, list) else p.answer


def candidates(p: Problem) -> Iterator[Candidate]:
    """Every mistaken answer this problem could receive, with its keys (`<quantity>.<rule>`)."""
    prefix = f"{p.quantity}."
    for value, rule, message in _CANDIDATES[p.quantity](p):
        yield Candidate(value, tuple(prefix + r for r in rule.split(",")), message)


# -- shapes -----------------------------------------------------------------------------------
SHAPE_RULES = {
    "dilation": "dilation ignored: a kernel of size k with dilation d spans d·(k−1)+1 pixels",
    "pad_once": "padding counted once: it is added on both sides, so the formula has 2p",
    "no_pad": "padding left out: it is added on both sides before the kernel slides",
    "ceil": "rounded up: conv and pooling outputs round down (floor) unless a pool sets ceil_mode=True",
    "floor_ceilmode": "rounded down: ceil_mode=True makes the pool round up (a partial last window counts)",
    "no_plus_one": "forgot the +1: floor((n + 2p − d(k−1) − 1)/s) + 1 counts the first window position too",
    "pool_stride_1": "pooling stride taken as 1: when stride is not given it defaults to the kernel size",
    "output_padding": "output_padding forgotten: it adds that many rows/columns to a transposed conv's output",
    "transposed_as_conv": "the transposed conv was treated as an ordinary one; it upsamples: "
                          "(n−1)·s − 2p + d(k−1) + output_padding + 1",
    "channels_kept": "channels left unchanged: a conv outputs out_channels feature maps",
}


def _shape_candidates(p: Problem) -> Iterator[Candidate]:
    target = p.row
    truth = tuple(target.output)
    if len(truth) == 3:
        c, h, w = truth
        if p.order == "CxHxW":
            yield (h, w, c), "order", ("order: that is H×W×C (channels last); torch and this question use "
                              "C×H×W (channels first)")
        else:
            yield (w, c, h), "order", ("order: that is C×H×W (channels first); this question asks H×W×C "
                              "(channels last)")
        if h != w:
            yield (c, w, h), "hw_swapped", "height and width swapped: the shape is written with height before width"
    yield (1, *truth), "batch_dim", "batch dimension included: the shape asked for leaves the batch out"
    for row in p.report.rows:
        if row.index != target.index and tuple(row.output) != truth:
            yield tuple(row.output), "other_layer", f"that is the output of layer {row.index + 1} ({row.name}), not the layer asked about"
    if tuple(p.report.input) != truth:
        yield tuple(p.report.input), "input", "that is the input shape: follow it through the layers"
    last_blocks = residual_blocks(target.layer)
    if last_blocks and last_blocks[-1].expansion != 1 and len(truth) == 3:
        b = last_blocks[-1]
        yield (truth[0] // b.expansion, *truth[1:]), "expansion", \
            f"the ×{b.expansion} expansion forgotten: a bottleneck outputs planes·{b.expansion} = {truth[0]} channels"
    for rule, message in SHAPE_RULES.items():
        yield _shape_under(p, rule), rule, message


def _shape_under(p: Problem, rule: str):
    shape = tuple(p.report.input)
    for row in p.report.rows[: p.row.index + 1]:
        shape = _out(row.layer, shape, rule)
        if shape is None:
            return None
    return shape


def _out(layer, shape, rule):
    if shape is None:
        return None
    if isinstance(layer, Sequential):
        for child in layer.layers:
            shape = _out(child, shape, rule)
        return shape
    if isinstance(layer, ResidualBlock):
        for _, child in layer.pre + layer.main + layer.post:
            shape = _out(child, shape, rule)
        return shape
    if len(shape) == 3 and isinstance(layer, (Conv2d, ConvTranspose2d, _Pool)):
        sides = [_side(layer, shape[1 + a], a, rule) for a in (0, 1)]
        if any(s is None or s < 1 for s in sides):
            return None
        channels = layer.out_channels if not isinstance(layer, _Pool) else shape[0]
        if rule == "channels_kept" and isinstance(layer, Conv2d):
            channels = shape[0]
        return (channels, *sides)
    try:
        return layer.output_shape(shape)
    except Exception:  # the mistaken shape no longer fits this layer
        return None


def _floor_div(a: int, b: int) -> int:
    return a // b


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _side(layer, n: int, a: int, rule: str) -> int | None:
    k, s, d = layer._k[a], layer._s[a], layer._d[a]
    if rule == "dilation":
        d = 1
    if isinstance(layer, ConvTranspose2d):
        p, op = layer._p[a], layer._op[a]
        if rule == "output_padding":
            op = 0
        if rule == "pad_once":
            return (n - 1) * s - p + d * (k - 1) + op + 1
        if rule == "no_pad":
            p = 0
        if rule == "transposed_as_conv":
            return (n + 2 * p - d * (k - 1) - 1) // s + 1
        return (n - 1) * s - 2 * p + d * (k - 1) + op + 1
    if isinstance(layer, Conv2d):
        total = layer._total_pad(a)
        if layer.padding != "same":
            total = {"pad_once": total // 2, "no_pad": 0}.get(rule, total)
        num = n + total - d * (k - 1) - 1
        if num < 0:
            return None
        if rule == "no_plus_one":
            return num // s
        return (_ceil_div if rule == "ceil" else _floor_div)(num, s) + 1
    # pooling
    p = layer._p[a]
    if rule == "pool_stride_1" and layer.stride is None:
        s = 1
    total = {"pad_once": p, "no_pad": 0}.get(rule, 2 * p)
    num = n + total - d * (k - 1) - 1
    if num < 0:
        return None
    if rule == "no_plus_one":
        return num // s
    if layer.ceil_mode and rule != "floor_ceilmode":
        return _ceil_div(num, s) + 1 if total != 2 * p else _pool_out(n, k, s, p, d, True)
    return (_ceil_div if rule == "ceil" else _floor_div)(num, s) + 1


# -- receptive fields ------------------------------------------------------------------------
RF_RULES = {
    "kernel": "the field grew by k·jump per layer; each window adds only (k−1)·d·jump (the "
              "centre pixel is already counted)",
    "sum_kernels": "the kernel sizes were added up; each window adds (k−1)·d·jump, starting from r = 1",
    "jump": "strides ignored: after a stride-s layer, every later layer's growth is multiplied by the jump",
    "own_stride": "a layer's own stride was applied to its own growth; its stride only scales the layers after it",
    "dilation": "dilation ignored: a dilated kernel adds (k−1)·d·jump",
    "pools": "pooling layers left out: a pool is a window too and adds (k−1)·jump",
}


def _rf_candidates(p: Problem) -> Iterator[Candidate]:
    truth = tuple(p.answer)
    if truth[0] != truth[1]:
        yield (truth[1], truth[0]), "hw_swapped", "height and width swapped: the answer is height×width"
        one = (f"one number for a field that is not square: it is {truth[0]}x{truth[1]} (height x width), "
               "because the kernels or strides differ along the two axes")
        yield (truth[0], truth[0]), "one_number", one
        yield (truth[1], truth[1]), "one_number", one
    for row in p.report.rows:
        if row.rf is not None and row.index != p.row.index and tuple(row.rf) != truth:
            yield tuple(row.rf), "other_layer", f"that is the receptive field after layer {row.index + 1} ({row.name})"
    for rule, message in RF_RULES.items():
        yield _rf_under(p, rule), rule, message


def _rf_under(p: Problem, rule: str):
    plain = [leaf for row in p.report.rows[: p.row.index + 1] for leaf in main_path(row.layer)]
    result = []
    for a in (0, 1):
        r, j = Fraction(0 if rule == "sum_kernels" else 1), Fraction(1)
        for leaf in plain:
            if isinstance(leaf, (_Pointwise, Dropout, BatchNorm2d)):
                continue
            if not isinstance(leaf, (Conv2d, _Pool)):
                return None  # transposed convs and adaptive pools: no simple textbook rule
            k, s, d = leaf._k[a], leaf._s[a], leaf._d[a]
            if rule == "pools" and isinstance(leaf, _Pool):
                continue
            if rule == "dilation":
                d = 1
            if rule in ("kernel", "sum_kernels"):
                r += k * d * j
            elif rule == "jump":
                r += (k - 1) * d
            elif rule == "own_stride":
                r += (k - 1) * d * j * s
            else:
                r += (k - 1) * d * j
            j *= s
        if r.denominator != 1:
            return None
        result.append(int(r))
    return tuple(result)


# -- parameters -----------------------------------------------------------------------------
def _scope(p: Problem) -> list:
    rows = [p.report.rows[p.layer]] if p.layer is not None else p.report.rows
    return rows


def _sum_over_leaves(p: Problem, fn: Callable[[object], int]) -> int:
    return sum(fn(leaf) for row in _scope(p) for leaf in leaves(row.layer))


def _params_candidates(p: Problem) -> Iterator[Candidate]:
    truth = p.answer
    has_bias = lambda l: isinstance(l, (Conv2d, ConvTranspose2d, Linear)) and l.bias  # noqa: E731
    no_bias = lambda l: isinstance(l, (Conv2d, ConvTranspose2d, Linear)) and not l.bias  # noqa: E731
    out = lambda l: l.out_features if isinstance(l, Linear) else l.out_channels  # noqa: E731
    bn = lambda l: isinstance(l, BatchNorm2d) and l.track_running_stats  # noqa: E731
    bias_total = _sum_over_leaves(p, lambda l: out(l) if has_bias(l) else 0)
    yield truth - bias_total, "bias_forgotten", "bias forgotten: each output channel (or unit) has one bias"
    yield truth + _sum_over_leaves(p, lambda l: out(l) if no_bias(l) else 0), "bias_added", \
        "bias added where there is none (bias=False, as convs before batch norm usually have)"
    running = _sum_over_leaves(p, lambda l: 2 * l.num_features if bn(l) else 0)
    yield truth + running, "bn_running", ("batch norm's running mean and variance counted: they are buffers, "
                            "only γ and β are learned (2 per channel)")
    yield truth + running + _sum_over_leaves(p, lambda l: 1 if bn(l) else 0), "bn_buffers", \
        "batch norm's buffers counted (running mean, variance and num_batches_tracked): only γ and β are parameters"
    yield truth - _sum_over_leaves(p, lambda l: l.params() if isinstance(l, BatchNorm2d) else 0), "bn_left_out", \
        "batch norm left out: it learns γ and β, 2 parameters per channel"
    yield truth + _sum_over_leaves(p, _groups_extra_params), "groups", \
        "groups ignored: each filter only sees in_channels/groups input channels"
    groups_extra = _sum_over_leaves(p, _groups_extra_params)
    yield (truth - bias_total + groups_extra if bias_total and groups_extra else None), "groups,bias_forgotten", \
        "groups ignored and bias forgotten"
    yield truth + _sum_over_leaves(p, _kernel_once_delta), "kernel_once", \
        "kernel area counted as k instead of kh·kw"
    yield truth - _sum_over_leaves(p, lambda l: l.params() - (out(l) if has_bias(l) else 0) - _no_kernel_weights(l)
                                   if isinstance(l, (Conv2d, ConvTranspose2d)) else 0), "no_kernel", \
        "kernel size left out: each filter has (in_channels/groups)·kh·kw weights"
    shortcut = sum(l.params() for row in _scope(p) for l in shortcut_leaves(row.layer))
    yield truth - shortcut, "shortcut_left_out", "the projection shortcut (1x1 conv + batch norm) was left out"
    blocks = [b for row in _scope(p) for b in residual_blocks(row.layer)]
    identity = [b for b in blocks if isinstance(b, _StandardBlock) and not b.shortcut]
    yield (truth + sum(_projection_params(b) for b in identity) if identity else None), "projection_counted", \
        ("a projection shortcut counted where the shortcut is the identity: input and output already "
         "have the same shape, so nothing is learned there")
    expanded = [b for b in blocks if isinstance(b, _StandardBlock) and b.expansion != 1]
    yield (truth + sum(_unexpanded(b).params() - b.params() for b in expanded) if expanded else None), "expansion", \
        "the ×4 expansion forgotten: a bottleneck's last 1x1 conv (and its shortcut) outputs planes·4 channels"
    yield from _other_scope(p, lambda row: row.params, p.report.params)
    yield from _rounded(truth)


def _rounded(truth: int) -> Iterator[Candidate]:
    """The exact count rounded to 1-3 significant digits (2.3k for 2,304; 1.06M for 1,064,960)."""
    digits = len(str(abs(truth)))
    for keep in (3, 2, 1):
        if digits > keep:
            rounded = round(truth, keep - digits)
            yield rounded, "rounded", (f"rounded: {rounded:,} is {truth:,} to {keep} significant digit{'s' * (keep > 1)}; "
                            "counts are exact, so give every digit (k and M only when they are exact)")


def residual_blocks(layer) -> list[ResidualBlock]:
    """The residual blocks inside `layer` (itself included)."""
    if isinstance(layer, Sequential):
        return [b for child in layer.layers for b in residual_blocks(child)]
    return [layer] if isinstance(layer, ResidualBlock) else []


def _projection_params(block: _StandardBlock) -> int:
    """What a 1x1 conv (+ BN when the block family has one) shortcut would have had."""
    out = block.out_planes
    return block.in_planes * out + (2 * out if not block.shortcut_taps_pre and not block.pre else 0)


def _unexpanded(block: _StandardBlock) -> _StandardBlock:
    """The same block with planes output channels instead of planes·expansion."""
    cls = type(f"Unexpanded{type(block).__name__}", (type(block),), {"expansion": 1})
    return cls(block.in_planes, block.planes, block.stride)


def _groups_extra_params(l) -> int:
    if isinstance(l, Conv2d) and l.groups > 1:
        kh, kw = l._k
        return l.out_channels * l.in_channels * kh * kw - l.out_channels * (l.in_channels // l.groups) * kh * kw
    if isinstance(l, ConvTranspose2d) and l.groups > 1:
        kh, kw = l._k
        return l.in_channels * l.out_channels * kh * kw - l.in_channels * (l.out_channels // l.groups) * kh * kw
    return 0


def _kernel_once_delta(l) -> int:
    if isinstance(l, (Conv2d, ConvTranspose2d)) and l._k[0] == l._k[1] and l._k[0] > 1:
        weights = l.params() - (l.out_channels if l.bias else 0)
        return weights // l._k[0] - weights
    return 0


def _no_kernel_weights(l) -> int:
    kh, kw = l._k
    weights = l.params() - (l.out_channels if l.bias else 0)
    return weights // (kh * kw)


def _other_scope(p: Problem, value_of, whole: int) -> Iterator[Candidate]:
    if p.layer is not None and len(p.report.rows) > 1:
        yield whole, "whole_stack", "that is the total of the whole stack; the question asks about one layer"
    for row in p.report.rows:
        if p.layer is None or row.index != p.layer:
            yield value_of(row), "other_layer", (f"that is layer {row.index + 1} ({row.name}) alone"
                                  + ("; the question asks about the whole stack" if p.layer is None else ""))


# -- MACs ------------------------------------------------------------------------------------
def leaf_io(layer, shape) -> list[tuple[object, tuple, tuple]]:
    """(plain layer, its input shape, its output shape) for every plain layer, shortcuts included."""
    if isinstance(layer, Sequential):
        found = []
        for child in layer.layers:
            found += leaf_io(child, shape)
            shape = child.output_shape(shape)
        return found
    if isinstance(layer, ResidualBlock):
        _, *ios = layer._paths(shape)
        found = []
        for named, io in zip((layer.pre, layer.main, layer.shortcut, layer.post), ios):
            for (_, child), (a, _b) in zip(named, io):
                found += leaf_io(child, a)
        return found
    return [(layer, shape, layer.output_shape(shape))]


def _macs_under(p: Problem, fn) -> int:
    rows = _scope(p)
    return sum(fn(leaf, a, b) for row in rows for leaf, a, b in leaf_io(row.layer, row.input))


def _conv_macs(rule: str):
    def macs(l, shape, out) -> int:
        if isinstance(l, Conv2d):
            kh, kw = l._k
            cin = l.in_channels if rule == "groups" else l.in_channels // l.groups
            positions = shape[1] * shape[2] if rule == "input_size" else out[1] * out[2]
            if rule == "weights":
                return l.out_channels * cin * kh * kw
            extra = l.out_channels * out[1] * out[2] if rule == "bias" and l.bias else 0
            return l.out_channels * positions * cin * kh * kw + extra
        if isinstance(l, ConvTranspose2d):
            kh, kw = l._k
            cout = l.out_channels if rule == "groups" else l.out_channels // l.groups
            if rule == "transposed_as_conv":
                return out[0] * out[1] * out[2] * (l.in_channels // l.groups) * kh * kw
            if rule == "weights":
                return l.in_channels * cout * kh * kw
            return shape[0] * shape[1] * shape[2] * cout * kh * kw
        if isinstance(l, Linear):
            extra = l.out_features if rule == "bias" and l.bias else 0
            return l.macs(shape, out) + extra
        return l.macs(shape, out) if not isinstance(l, (AdaptiveAvgPool2d, AdaptiveMaxPool2d, Flatten)) else 0
    return macs


MAC_RULES = {
    "input_size": "used the input's H×W; a conv does its work once per OUTPUT position (H_out·W_out)",
    "groups": "groups ignored: each filter only sees in_channels/groups input channels",
    "weights": "that is the number of weights; each weight is used once at every output position",
    "bias": "bias additions counted: they are additions, not multiply-accumulates",
    "transposed_as_conv": "a transposed conv multiplies each INPUT pixel by the kernel: "
                          "C_in·H_in·W_in·(C_out/groups)·kh·kw",
}


def _macs_candidates(p: Problem) -> Iterator[Candidate]:
    truth = p.answer
    yield 2 * truth, "flops", "that is FLOPs: one multiply-accumulate counts as 2 FLOPs (a multiply and an add)"
    yield from _rounded(truth)
    if truth % 2 == 0:
        yield truth // 2, "halved", "halved: MACs are already FLOPs/2, do not divide again"
    for rule, message in MAC_RULES.items():
        yield _macs_under(p, _conv_macs(rule)), rule, message
    yield from _other_scope(p, lambda row: row.macs, p.report.macs)


_CANDIDATES = {"shape": _shape_candidates, "rf": _rf_candidates, "params": _params_candidates,
               "macs": _macs_candidates}
