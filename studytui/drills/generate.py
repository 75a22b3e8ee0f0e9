"""Generate drill problems from the families in drills/*.yaml, reproducibly.

Problem i of (kind, level, seed) is drawn from its own `random.Random` seeded with the string
"kind:level:seed:i" (Python seeds str through SHA-512, the same on every machine), so a problem
never depends on how many were asked for, and never on global state or `hash()`.

`aimed_problem` draws toward a student's recurring mistakes (see studytui.study.mistakes): it
compares a few alternative draws for the same slot and prefers those whose answer a mistake
would change, keeping the plain draw for a share of the slots; with no mistakes to aim at it is
exactly `problem`.

Stacks are built layer by layer from the running shape: every candidate layer is checked by the
calculator on the shape it receives and redrawn when torch would refuse it, so only valid
problems come out.
"""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from studytui.calc import analyze, analyze_model
from studytui.calc.blocks import BasicBlock, Bottleneck, PreActBlock, PreActBottleneck, Residual
from studytui.calc.layers import (
    AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, ConvTranspose2d, Flatten, Layer, LayerError,
    Linear, MaxPool2d, ReLU,
)
from studytui.drills.diagnose import sensitive_keys
from studytui.drills.families import (
    FAMILIES, KINDS, QUANTITY, FamilyFile, LayerTemplate, LevelSpec, MixedFile, families, worked,
)
from studytui.drills.problem import Problem
from studytui.drills.problems import make_problem, problem_from_worked
from studytui.errors import StudytuiError
from studytui.paths import DRILLS_DIR

MAX_SIDE = 256  # keep generated feature maps a sensible size
MAX_COUNT = 100_000
AIM_DRAWS = 8  # alternative draws compared for one aimed slot
AIM_FLOOR = 0.25  # share of aimed slots that keep the plain draw (the normal mix never vanishes)
AIM_GAIN = 20.0  # how much a draw a mistake would change outweighs one it would not


def generate(kind: str, level: int = 1, seed: int = 0, count: int = 10,
             directory: Path | str = DRILLS_DIR) -> list[Problem]:
    """`count` problems of `kind` (shapes | params | rf | macs | mixed) at `level` (1-3)."""
    return [problem(kind, level, seed, i, directory) for i in range(_check(kind, level, count))]


def _check(kind: str, level: int, count: int) -> int:
    if kind not in KINDS:
        raise StudytuiError(f"unknown drill kind {kind!r}; choose one of {', '.join(KINDS)}")
    if level not in (1, 2, 3):
        raise StudytuiError(f"level must be 1, 2 or 3, got {level}")
    if not 0 <= count <= MAX_COUNT:
        raise StudytuiError(f"count must be between 0 and {MAX_COUNT}, got {count}")
    return count


def problem(kind: str, level: int, seed: int, index: int, directory: Path | str = DRILLS_DIR,
            variant: int = 0) -> Problem:
    """Problem number `index` of (kind, level, seed): the same on every call and machine.
    `variant` > 0: an alternative draw for that slot (its id ends in ~variant)."""
    _check(kind, level, 0)
    rng = random.Random(f"{kind}:{level}:{seed}:{index}" + (f"~{variant}" if variant else ""))
    found = families(directory)
    family = kind
    if kind == "mixed":
        mixed = found["mixed"]
        assert isinstance(mixed, MixedFile)
        family = rng.choice(mixed.mix)
    spec = found[family]
    assert isinstance(spec, FamilyFile)
    drawn = _draw(rng, kind, family, spec.level(level), seed, index)
    drawn.variant = variant
    return drawn


def aimed_problem(kind: str, level: int, seed: int, index: int, aim: Mapping[str, float] | None = None,
                  directory: Path | str = DRILLS_DIR) -> Problem:
    """Problem `index` of (kind, level, seed), drawn toward the mistakes in `aim`.

    `aim`: mistake key -> weight in (0, 1] (studytui.study.mistakes.aim_weights). A draw scores
    1 + AIM_GAIN x (the weights of the aimed mistakes that would change its answer: a student who
    makes one of them gets it wrong); one of AIM_DRAWS draws is picked with chances proportional
    to the scores, except in a share AIM_FLOOR of the slots, which keep the plain draw. The same
    (kind, level, seed, index, aim) gives the same problem; an empty `aim` gives `problem(...)`.
    """
    if not aim:
        return problem(kind, level, seed, index, directory)
    rng = random.Random(f"aim:{kind}:{level}:{seed}:{index}")
    if rng.random() < AIM_FLOOR:
        chosen = problem(kind, level, seed, index, directory)
    else:
        drawn = [problem(kind, level, seed, index, directory, variant=v) for v in range(AIM_DRAWS)]
        scores = [1.0 + AIM_GAIN * aim_score(p, aim) for p in drawn]
        chosen = rng.choices(drawn, weights=scores)[0]
    chosen.aimed = True
    return chosen


def aim_score(p: Problem, aim: Mapping[str, float]) -> float:
    """The summed weights of the aimed mistakes that would change `p`'s answer."""
    prefix = f"{p.quantity}."
    if not any(key.startswith(prefix) for key in aim):
        return 0.0  # no aimed mistake is about this quantity: skip recomputing the candidates
    return sum(aim.get(key, 0.0) for key in sensitive_keys(p))


def worked_problems(kind: str = "mixed", level: int | None = None,
                    directory: Path | str = DRILLS_DIR) -> list[Problem]:
    """The fixed worked problems (from the study material) of a kind, optionally one level."""
    if kind not in KINDS:
        raise StudytuiError(f"unknown drill kind {kind!r}; choose one of {', '.join(KINDS)}")
    chosen = [w for w in worked(directory)
              if (kind == "mixed" or QUANTITY[kind] == w.ask.quantity) and (level is None or w.level == level)]
    return [problem_from_worked(w, kind) for w in chosen]


# -- drawing one problem ----------------------------------------------------------------------
def _draw(rng: random.Random, kind: str, family: str, spec: LevelSpec, seed: int, index: int) -> Problem:
    quantity = QUANTITY[family]
    if spec.models and rng.random() < spec.model_chance:
        return _model_problem(rng, kind, family, spec, seed, index, quantity)
    for _ in range(50):
        layers, shape_in = _stack(rng, spec, allow_head=quantity != "rf")
        report = analyze(shape_in, layers)
        if any(isinstance(l, ConvTranspose2d) for l in layers) and any(
                r.rf is not None and 0 in r.rf for r in report.rows):
            continue  # some units see only padding and bias: no receptive field to ask about
        layer = _ask(rng, spec, report, quantity)
        if layer is False:
            continue
        order = "HxWxC" if (quantity == "shape" and rng.random() < spec.hwc
                            and len(report.rows[layer if layer is not None else -1].output) == 3) else "CxHxW"
        return make_problem(kind=kind, family=family, level=spec.level, seed=seed, index=index,
                            report=report, quantity=quantity, layer=layer, order=order)
    raise StudytuiError(f"could not draw a {family} problem at level {spec.level}: check the ranges in its YAML")


def _ask(rng: random.Random, spec: LevelSpec, report, quantity: str):
    """The 0-based row to ask about, None for the whole stack, or False to redraw the stack."""
    rows = report.rows
    if quantity == "shape":
        candidates = list(range(len(rows)))
    elif quantity == "rf":
        candidates = [r.index for r in rows if r.maps is not None and r.rf != (1, 1)]
        if report.rf is None or report.rf == (1, 1):
            return False
    else:
        candidates = [r.index for r in rows if (r.params if quantity == "params" else r.macs) > 0]
        if not candidates:
            return False
    if len(rows) == 1:
        return None
    if rng.random() < spec.whole:
        return None
    return rng.choice(candidates)


@lru_cache(maxsize=64)
def _model_report(name: str, size: int | None):
    return analyze_model(name, None if size is None else (3, size, size))


def _model_problem(rng, kind, family, spec: LevelSpec, seed, index, quantity) -> Problem:
    question = rng.choice(spec.models)
    stage = rng.choice(question.stages)
    size = rng.choice([None, *question.sizes]) if quantity != "params" else None
    report = _model_report(question.model, size)
    layer = None if stage == "all" else report.row(stage).index
    return make_problem(kind=kind, family=family, level=spec.level, seed=seed, index=index,
                        report=report, quantity=quantity, layer=layer, model=question.model,
                        stage=None if stage == "all" else stage)


# -- drawing a stack ----------------------------------------------------------------------------
def _stack(rng: random.Random, spec: LevelSpec, allow_head: bool) -> tuple[list[Layer], tuple[int, int, int]]:
    while True:
        c = rng.choice(spec.channels)
        h = rng.randint(*spec.size)
        w = rng.randint(*spec.size) if rng.random() < spec.rect_input else h
        shape = (c, h, w)
        depth = rng.randint(*spec.depth)
        layers: list[Layer] = []
        templates = [t for t in spec.layers if t.kind != "head" or allow_head]
        for position in range(depth):
            last = position == depth - 1
            usable = [t for t in templates if t.kind != "head" or (last and len(shape) == 3 and layers)]
            drawn = None
            weights = [t.weight for t in usable]
            for _ in range(8):
                template = rng.choices(usable, weights=weights)[0]
                drawn = _instantiate(rng, template, shape)
                if drawn:
                    break
            if not drawn:
                break
            layers += drawn[0]
            shape = drawn[1]
        if layers:
            return layers, (c, h, w)


def _instantiate(rng: random.Random, t: LayerTemplate, shape) -> tuple[list[Layer], tuple] | None:
    """Layers drawn from template `t` that accept `shape` (and their output), or None."""
    try:
        made = MAKERS[t.kind](rng, t, shape)
        if made is None:
            return None
        out = shape
        for layer in made:
            out = layer.output_shape(out)
        if len(out) == 3 and (max(out[1:]) > MAX_SIDE or min(out[1:]) < 1):
            return None
        return made, out
    except LayerError:
        return None


def _named(layer: Layer, text: str) -> Layer:
    layer.text = text
    return layer


def _args(pairs: list[tuple[str, object, object]]) -> str:
    """Keyword arguments that differ from their defaults, written like PyTorch code."""
    return "".join(f", {name}={value!r}" for name, value, default in pairs if value != default)


def _kernel(rng: random.Random, t: LayerTemplate):
    k = rng.choice(t.kernel)
    if t.rect and rng.random() < t.rect:
        other = rng.choice(t.kernel)
        if other != k:
            return (k, other)
    return k


def _padding(rng: random.Random, t: LayerTemplate, k, d: int, stride: int, allow_strings: bool):
    p = rng.choice(t.padding)
    if p in ("same", "valid") and (not allow_strings or (p == "same" and stride != 1)):
        p = "half"
    if p == "half":
        return tuple(d * (x // 2) for x in k) if isinstance(k, tuple) else d * (k // 2)
    return p


def _conv(rng, t: LayerTemplate, shape):
    if len(shape) != 3:
        return None
    cin = shape[0]
    k, s, d = _kernel(rng, t), rng.choice(t.stride), rng.choice(t.dilation)
    g = rng.choice(t.groups)
    if g == "depthwise":
        g = cin
        cout = cin * rng.choice([1, 1, 2])
    else:
        if cin % g:
            g = 1
        fitting = [c for c in t.out_channels if c % g == 0]
        cout = rng.choice(fitting) if fitting else g * rng.choice(t.out_channels)
    p = _padding(rng, t, k, d, s, allow_strings=True)
    bias = rng.choice(t.bias)
    layer = Conv2d(cin, cout, kernel_size=k, stride=s, padding=p, dilation=d, groups=g, bias=bias)
    text = f"Conv2d({cin}, {cout}, kernel_size={k!r}" + _args(
        [("stride", s, 1), ("padding", p, 0), ("dilation", d, 1), ("groups", g, 1), ("bias", bias, True)]) + ")"
    return [_named(layer, text)]


def _convtranspose(rng, t: LayerTemplate, shape):
    if len(shape) != 3:
        return None
    cin = shape[0]
    k, s, d = _kernel(rng, t), rng.choice(t.stride), rng.choice(t.dilation)
    cout = rng.choice(t.out_channels)
    p = _padding(rng, t, k, d, s, allow_strings=False)
    op = rng.choice([o for o in t.output_padding if o < max(s, d)] or [0])
    bias = rng.choice(t.bias)
    layer = ConvTranspose2d(cin, cout, kernel_size=k, stride=s, padding=p, output_padding=op, bias=bias, dilation=d)
    text = f"ConvTranspose2d({cin}, {cout}, kernel_size={k!r}" + _args(
        [("stride", s, 1), ("padding", p, 0), ("output_padding", op, 0), ("bias", bias, True),
         ("dilation", d, 1)]) + ")"
    return [_named(layer, text)]


def _pool(rng, t: LayerTemplate, shape, cls):
    if len(shape) != 3:
        return None
    k = _kernel(rng, t)
    s = rng.choice(t.pool_stride)
    kmin = min(k) if isinstance(k, tuple) else k
    p = rng.choice(t.padding)
    p = kmin // 2 if p in ("half", "same") else (0 if p == "valid" else min(p, kmin // 2))
    ceil = rng.choice(t.ceil_mode)
    pairs = [("stride", s, None), ("padding", p, 0)]
    if cls is MaxPool2d:
        d = rng.choice(t.dilation)
        pairs.append(("dilation", d, 1))
        layer = MaxPool2d(k, stride=s, padding=p, dilation=d, ceil_mode=ceil)
    else:
        layer = AvgPool2d(k, stride=s, padding=p, ceil_mode=ceil)
    pairs.append(("ceil_mode", ceil, False))
    text = f"{cls.__name__}({k!r}" + _args(pairs) + ")"
    return [_named(layer, text)]


def _batchnorm(rng, t, shape):
    if len(shape) != 3:
        return None
    return [_named(BatchNorm2d(shape[0]), f"BatchNorm2d({shape[0]})")]


def _relu(rng, t, shape):
    return [_named(ReLU(), "ReLU()")]


@lru_cache(maxsize=4096)
def _cached_block(cls, in_planes: int, planes: int, stride: int) -> Layer:
    # Blocks hold several convs each; problems may share one (layers are never mutated).
    layer = cls(in_planes, planes, stride)
    return _named(layer, f"{cls.__name__}({in_planes}, {planes}" + _args([("stride", stride, 1)]) + ")")


def _block(cls):
    def make(rng, t: LayerTemplate, shape):
        if len(shape) != 3 or shape[0] < 4:  # a block straight on an RGB image reads oddly
            return None
        planes, s = rng.choice(t.out_channels), rng.choice(t.stride)
        return [_cached_block(cls, shape[0], planes, s)]
    return make


def _residual(rng, t: LayerTemplate, shape):
    if len(shape) != 3:
        return None
    c = shape[0]
    k, d = rng.choice(t.kernel), rng.choice(t.dilation)
    if k % 2 == 0:
        return None
    p = d * (k // 2)
    conv_text = f"Conv2d({c}, {c}, kernel_size={k}" + _args([("padding", p, 0), ("dilation", d, 1), ("bias", False, True)]) + ")"
    body = [Conv2d(c, c, k, padding=p, dilation=d, bias=False), BatchNorm2d(c), ReLU()]
    texts = [conv_text, f"BatchNorm2d({c})", "ReLU()"]
    if rng.random() < 0.5:  # a second conv half of the time
        body += [Conv2d(c, c, k, padding=p, dilation=d, bias=False), BatchNorm2d(c)]
        texts += [conv_text, f"BatchNorm2d({c})"]
    layer = Residual(*body)
    return [_named(layer, f"Residual({', '.join(texts)})")]


def _head(rng, t: LayerTemplate, shape):
    if len(shape) != 3:
        return None
    c, h, w = shape
    classes = rng.choice(t.classes)
    if rng.random() < t.gap:
        return [_named(AdaptiveAvgPool2d(1), "AdaptiveAvgPool2d(1)"), _named(Flatten(), "Flatten()"),
                _named(Linear(c, classes), f"Linear({c}, {classes})")]
    return [_named(Flatten(), "Flatten()"), _named(Linear(c * h * w, classes), f"Linear({c * h * w}, {classes})")]


MAKERS = {
    "conv": _conv, "convtranspose": _convtranspose,
    "maxpool": lambda rng, t, shape: _pool(rng, t, shape, MaxPool2d),
    "avgpool": lambda rng, t, shape: _pool(rng, t, shape, AvgPool2d),
    "batchnorm": _batchnorm, "relu": _relu,
    "basicblock": _block(BasicBlock), "bottleneck": _block(Bottleneck),
    "preactblock": _block(PreActBlock), "preactbottleneck": _block(PreActBottleneck),
    "residual": _residual, "head": _head,
}

__all__ = ["FAMILIES", "KINDS", "aimed_problem", "generate", "problem", "worked_problems"]
