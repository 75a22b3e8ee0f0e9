"""Analytic calculator vs building the torch model and recording shapes with hooks.

What torchinfo-style tools do: build the nn.Module, register a forward hook on every module, run
one forward pass on a dummy batch. The calculator reads the same layer definitions and does
arithmetic only. Both run here, in one process, and the numbers must be identical.

    python benchmarks/calc_vs_torch.py
"""

from __future__ import annotations

import random
import time

import torch
import torch.nn as nn
import torchvision

from studytui.calc import analyze, get_model
from studytui.calc.network import pasted_report
from studytui.torchcheck import build


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def torch_summary(layers, input_shape) -> tuple[list[tuple[int, ...]], int]:
    """Build the model, hook every top-level module, run one forward pass: shapes and params."""
    modules = build(layers)
    model = nn.Sequential(*modules).eval()
    shapes = []
    for m in model:
        m.register_forward_hook(lambda mod, i, o: shapes.append(tuple(o.shape[1:])))
    with torch.no_grad():
        model(torch.zeros((1, *input_shape)))
    return shapes, sum(p.numel() for p in model.parameters())


def random_stack(n: int, seed: int = 0) -> list[str]:
    """A deterministic 40-layer stack: conv / BN / ReLU / pooling at 3x64x64."""
    rng, c, size, layers = random.Random(seed), 3, 64, []
    while len(layers) < n:
        out = rng.choice([16, 32, 64])
        layers += [f"Conv2d({c}, {out}, {rng.choice([1, 3, 5])}, padding='same')", f"BatchNorm2d({out})", "ReLU()"]
        c = out
        if size > 16 and rng.random() < 0.3:
            layers.append("MaxPool2d(2)")
            size //= 2
    return layers[:n]


def _layers(built) -> list:
    return built.layers if hasattr(built, "stages") else built


def main() -> None:
    from studytui.calc import REGISTRY, parse_call

    # Every timed run builds fresh layer objects, so nothing cached by an earlier run helps.
    texts = random_stack(40)
    calls = [parse_call(t) for t in texts]
    fresh_stack = lambda: [REGISTRY[c.name].from_call(c) for c in calls]  # noqa: E731
    printout = str(torchvision.models.resnet18())  # what print(model) shows, pasted into `studytui calc -`
    cases = [
        ("resnet50 @ 3x224x224", lambda: get_model("resnet50"), (3, 224, 224), None),
        ("pasted resnet18 printout @ 224", lambda: get_model("resnet18"), (3, 224, 224), printout),
        ("40-layer random stack @ 3x64x64", fresh_stack, (3, 64, 64), texts),
        ("same 40 layers @ 3x224x224", fresh_stack, (3, 224, 224), texts),
    ]
    print("Each run starts from the layer definitions and builds fresh objects: the calculator's")
    print("(then arithmetic) vs torch's nn.Modules (then one forward pass with a hook per layer).")
    print("'from text' also parses the PyTorch syntax with ast (for the printout: print(model) read line by line).")
    print(f"{'case':34s} {'analytic':>9s} {'torch+hooks':>12s} {'ratio':>7s} {'from text':>10s} {'ratio':>6s}  same numbers")
    for label, fresh, shape, text in cases:
        def calculate():
            built = fresh()
            return analyze(shape, _layers(built), names=getattr(built, "names", None))

        report = calculate()
        shapes, params = torch_summary([r.layer for r in report.rows], shape)
        same = shapes == [r.output for r in report.rows] and params == report.params
        t_calc = best_of(calculate, 30)
        t_torch = best_of(lambda: torch_summary(_layers(fresh()), shape), 5)
        if isinstance(text, str):  # a printout: read it, then the same arithmetic
            pasted, _ = pasted_report(shape, text)
            same = same and (pasted.params, pasted.macs, pasted.output) == (report.params, report.macs, report.output)
            t_text = best_of(lambda: pasted_report(shape, text), 30)
            text_cols = f"{t_text * 1e3:8.2f}ms {t_torch / t_text:5.0f}x"
        elif text:
            t_text = best_of(lambda: analyze(shape, text), 30)
            text_cols = f"{t_text * 1e3:8.2f}ms {t_torch / t_text:5.0f}x"
        else:
            text_cols = f"{'(n/a)':>10s} {'':>6s}"
        print(f"{label:34s} {t_calc * 1e3:7.2f}ms {t_torch * 1e3:10.1f}ms {t_torch / t_calc:6.0f}x {text_cols}  {same}")


if __name__ == "__main__":
    main()
