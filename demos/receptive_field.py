"""Receptive field: measure it from the input gradient of one unit and compare with the calculator.

The receptive field (RF) of a unit is the set of input pixels that can change its value. The
calculator (`studytui calc --model NAME`) computes it layer by layer with the recursion

    rf_out = rf_in + (kernel - 1) * dilation * jump_in,      jump_out = jump_in * stride

(residual blocks: the widest of their paths). Here we measure it: take the unit at the centre of
a layer's output, backpropagate from it to the input, and look where the gradient is non-zero.

  * theoretical RF: make the net linear and positive (ReLU -> identity, max-pool -> avg-pool,
    |weights|, BN in eval, float64) so no path can cancel another: every pixel the unit can see
    gets a non-zero gradient, and its extent must equal the calculator's number.
  * effective RF (Luo et al. 2016): the real net, random weights. The gradient is roughly
    Gaussian and concentrates in the centre: most of the influence comes from a region much
    smaller than the theoretical RF, because the centre pixels have many more paths to the unit.

The plot uses a logarithmic colour scale, so the whole theoretical field is visible (on a linear
scale only its bright centre shows), with the calculator's RF drawn as a dashed box and the
effective RF as a solid one.

Lesson: the calculator's number is exactly the set of pixels a unit can see (the test checks
the measured extent equals it), and the pixels that matter at init are a much smaller central
blob. Nothing is trained, so the quick run already shows all of it in seconds; a GPU adds
nothing but speed (training, which this demo does not do, is known to widen the effective RF).

    python demos/receptive_field.py --model resnet18-cifar --layer layer2
    python demos/receptive_field.py --model resnet9 --layer res1
"""

from __future__ import annotations

import copy
import time

import torch
from torch import nn

from studytui.calc import analyze_model
from studytui.errors import StudytuiError
from studytui.lab.config import apply_mode, demo_parser, out_dir, run_main
from studytui.lab.nets import MODELS, build_model
from studytui.lab.plots import plot_receptive_field
from studytui.lab.progress import print_summary
from studytui.lab.train import seed_everything


class _Stop(Exception):
    """Raised by the hook: we only need the forward pass up to the chosen layer."""


def layer_output(model: nn.Module, layer: str, x: torch.Tensor) -> torch.Tensor:
    """The output of submodule `layer` (a name from model.named_modules()) for input x."""
    captured = {}

    def hook(module, inputs, output):
        captured["out"] = output
        raise _Stop

    handle = model.get_submodule(layer).register_forward_hook(hook)
    try:
        model(x)
    except _Stop:
        pass
    finally:
        handle.remove()
    return captured["out"]


def input_gradient(model: nn.Module, layer: str, size: int) -> torch.Tensor:
    """|d(centre unit of `layer`, summed over channels) / d(input)|, summed over colour: H x W."""
    dtype = next(model.parameters()).dtype
    x = torch.randn(1, 3, size, size, dtype=dtype, requires_grad=True)
    out = layer_output(model, layer, x)
    _, _, h, w = out.shape
    out[0, :, h // 2, w // 2].sum().backward()
    return x.grad[0].abs().sum(0)


def linearised(model: nn.Module) -> nn.Module:
    """ReLU -> identity, max-pool -> avg-pool, weights -> |weights|, float64: no cancellation."""
    model = copy.deepcopy(model).double().eval()

    def swap(parent: nn.Module):
        for name, child in parent.named_children():
            if isinstance(child, nn.ReLU):
                setattr(parent, name, nn.Identity())
            elif isinstance(child, nn.MaxPool2d):
                setattr(parent, name, nn.AvgPool2d(child.kernel_size, child.stride, child.padding))
            else:
                swap(child)

    swap(model)
    with torch.no_grad():
        for p in model.parameters():
            p.abs_().add_(1e-3)  # strictly positive: every tap contributes
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.zero_()
                m.running_var.fill_(1.0)
    return model


def extent(grad: torch.Tensor, threshold: float = 0.0) -> tuple[int, int]:
    """Height and width of the bounding box of the pixels where grad > threshold."""
    rows = (grad > threshold).any(dim=1).nonzero().flatten()
    cols = (grad > threshold).any(dim=0).nonzero().flatten()
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def effective_size(grad: torch.Tensor, centre: tuple[int, int], mass: float = 0.95) -> int:
    """Side of the smallest square around `centre` (row, col) holding `mass` of the gradient's total."""
    h, w = grad.shape
    cy, cx = centre
    total = grad.sum()
    for r in range(max(h, w)):
        box = grad[max(cy - r, 0) : cy + r + 1, max(cx - r, 0) : cx + r + 1]
        if box.sum() >= mass * total:
            return 2 * r + 1
    return max(h, w)


def main() -> int:
    parser = demo_parser(__doc__)
    parser.add_argument("--model", default="resnet18-cifar", help=f"a model name as in `studytui calc --model` ({', '.join(MODELS)})")
    parser.add_argument("--layer", default="layer2", help="a stage name from `studytui calc --model NAME` (default layer2)")
    parser.add_argument("--size", type=int, help="input side in pixels (default: large enough to hold the whole RF)")
    parser.add_argument("--mass", type=float, default=0.95, help="fraction of gradient mass that defines the effective RF (default 0.95)")
    args = parser.parse_args()
    apply_mode(args, full={}, quick={}, tiny={}, announce=False)  # one forward/backward: the same in every mode
    out = out_dir(args, "receptive_field")
    seed_everything(args.seed)

    if args.model not in MODELS:
        raise StudytuiError(f"--model {args.model!r}: unknown; choose one of {', '.join(MODELS)}")
    report = analyze_model(args.model)
    row = report.row(args.layer)  # SpecError (a StudytuiError) lists the names when it is wrong
    if row.rf is None:
        raise StudytuiError(f"--layer {args.layer}: not a spatial layer (no receptive field); pick a conv stage")
    rf_calc = row.rf[0]
    jump = row.jump[0]
    native = MODELS[args.model][1][1]
    # the RF must fit inside the image, or the border clips it and the measurement is smaller
    size = args.size or max(native, int(rf_calc) + 4 * int(jump) + 8)
    print(f"model {args.model}, layer {args.layer}: calculator says RF {rf_calc} px, jump {jump} px; input {size}x{size}")

    model = build_model(args.model).eval()  # random weights, BN in eval (running stats 0 / 1)
    start = time.perf_counter()
    theory = input_gradient(linearised(model), args.layer, size)
    rf_measured = extent(theory)
    real = input_gradient(model.double(), args.layer, size)
    rows = (theory > 0).any(dim=1).nonzero().flatten()  # the theoretical RF's box: rows[0]..rows[-1]
    cols = (theory > 0).any(dim=0).nonzero().flatten()
    centre = ((int(rows[0]) + int(rows[-1])) // 2, (int(cols[0]) + int(cols[-1])) // 2)
    erf = effective_size(real, centre, args.mass)
    print(f"measured RF (positive linear net): {rf_measured[0]} x {rf_measured[1]} px; calculator: {rf_calc} x {rf_calc}")
    print(f"effective RF of the real net (random weights, {args.mass:.0%} of |gradient|): {erf} x {erf} px")
    if rf_measured[0] != rf_calc:
        print(f"note: measured {rf_measured[0]} != calculator {rf_calc}; if the RF touches the border, pass a larger --size")

    # log colour scale: a linear one shows only the bright centre and hides how far the field reaches
    calc_box = (int(rows[0]), int(cols[0]), rf_calc)
    erf_box = (centre[0] - erf // 2, centre[1] - erf // 2, erf)
    path = plot_receptive_field(
        [(theory, f"theoretical RF: {rf_measured[0]} px (calculator {rf_calc})", None),
         (real, f"effective RF: {args.mass:.0%} of the gradient in {erf} px", erf_box)],
        calc_box, out / f"rf_{args.model}_{args.layer}.png",
        title=f"|d unit / d input| for the centre unit of {args.model}.{args.layer} (log colour scale)")

    print_summary(
        "receptive_field",
        {
            "model": args.model,
            "layer": args.layer,
            "size": size,
            "rf_calc": rf_calc,
            "rf_measured": rf_measured[0],
            "erf": erf,
            "time_s": time.perf_counter() - start,
        },
        out,
        [path],
    )
    return 0


if __name__ == "__main__":
    run_main(main)
