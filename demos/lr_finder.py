"""LR range test: sweep the learning rate exponentially and watch the loss, to choose max_lr.

Lesson: the loss against a growing LR is flat (too small to matter), then falls, reaches a
minimum and blows up; a good max_lr for a schedule such as One Cycle sits on the falling stretch,
below the minimum, never in the blow-up.

Train from fresh weights for a few hundred batches while the LR grows by a constant factor
every step, from --start-lr to --end-lr. Two smoothings of the noisy per-batch loss are used:

  * while sweeping, an exponential moving average (bias-corrected) decides when to stop: as soon
    as it passes 4x the best seen, the run is diverging. It only looks back, so it lags;
  * for the suggestions, a centred moving average over +-(sweep length / 40) steps: it looks
    both ways, so its minimum sits at the LR where the loss really was lowest. (With the EMA's
    lag of about 1/(1-beta) = 50 steps, a 120-step sweep over 8 decades would put the "minimum"
    three decades too far right, in the blow-up.)

Two common rules turn the curve into a max_lr for OneCycle, both printed and marked on the plot:

  * steepest: the LR where the smoothed loss falls fastest (most negative slope against log LR,
              measured over a window of the sweep, on the descent before the minimum);
  * min/10:   the LR at the minimum of the smoothed loss, divided by 10. The minimum itself is
              already at the edge of stability, so backing off by 10x leaves a safety margin.
              "The minimum" is the lowest point before the curve first turns up by more than
              10%: a short sweep can spike and then dip lower at an even larger LR, because the
              net keeps learning between spikes, and that later dip is not a usable LR.

The one --rule picks (default min/10) is printed as the max_lr to use. The plot's y-axis covers
the plateau, the descent and the minimum; the blow-up after it is cut off at the top. The test
itself is a heuristic: it runs on the first few hundred batches, and the best LR for a whole
schedule can differ (often a little higher, since the warm-up of OneCycle tames the start).
The quick run (ResNet9 narrowed to width 16, offline data) shows the shape of the curve and
where the rules land; a full GPU run (real ResNet9, CIFAR-10, 300 steps) gives an LR worth
using for demos/onecycle.py --full.

    python demos/lr_finder.py --quick
    python demos/lr_finder.py --quick --optimizer sgd --end-lr 10
"""

from __future__ import annotations

import json
import math

import torch
from torch import nn

from studytui.lab import augment
from studytui.lab.config import apply_mode, demo_parser, out_dir, run_main
from studytui.lab.data import load_data
from studytui.lab.device import pick_device
from studytui.lab.nets import ResNet9
from studytui.lab.plots import plot_lr_finder
from studytui.lab.progress import Progress, print_summary
from studytui.lab.train import batch_indices, seed_everything


def centred_mean(values: list[float], half: int) -> list[float]:
    """Mean of values[i-half .. i+half] (cut at both ends): smoothing without a lag."""
    out = []
    for i in range(len(values)):
        window = values[max(0, i - half): i + half + 1]
        out.append(sum(window) / len(window))
    return out


def first_minimum(losses: list[float], rise: float = 0.1) -> int:
    """Index of the lowest loss before the curve first turns up: more than `rise` (10%) above the
    lowest value so far. That first turn is where the LR stops being stable; a short sweep can
    dip again after it (the net keeps learning between spikes), but that dip is not a safe LR."""
    best = 0
    for i, value in enumerate(losses):
        if value < losses[best]:
            best = i
        elif value > losses[best] * (1 + rise):
            break
    return best


def suggest(lrs: list[float], losses: list[float]) -> dict:
    """Both rules on a smoothed curve: {"steepest": lr, "min/10": lr}."""
    min_i = first_minimum(losses)
    # slope of the loss against log(lr) over a window of +-w points (about a twentieth of the
    # sweep): a slope between neighbours picks up the wiggles of the first, noisy steps.
    # Only the descent counts: from after those first steps up to the minimum.
    w = max(1, len(lrs) // 20)
    skip = min(len(lrs) // 10, 10)
    best_i, best_slope = min(max(skip, w), max(len(lrs) - 1, 0)), math.inf
    for i in range(max(skip, w), min(min_i, len(lrs) - 1 - w) + 1):
        slope = (losses[i + w] - losses[i - w]) / (math.log(lrs[i + w]) - math.log(lrs[i - w]))
        if slope < best_slope:
            best_i, best_slope = i, slope
    return {"steepest": lrs[best_i], "min/10": lrs[min_i] / 10}


def main() -> int:
    parser = demo_parser(__doc__)
    parser.add_argument("--start-lr", type=float, default=1e-7)
    parser.add_argument("--end-lr", type=float, default=10.0)
    parser.add_argument("--num-iter", type=int, help="steps of the sweep (default depends on the mode)")
    parser.add_argument("--beta", type=float, default=0.98, help="smoothing of the loss (EMA factor, default 0.98)")
    parser.add_argument("--diverge", type=float, default=4.0, help="stop when smoothed loss > this x best (default 4)")
    parser.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    parser.add_argument("--rule", choices=("min/10", "steepest"), default="min/10", help="which suggestion to mark")
    parser.add_argument("--width", type=int, help="ResNet9 base channels (64 = the real ResNet9)")
    args = parser.parse_args()

    dev = pick_device(args.device, compile=args.compile)
    apply_mode(
        args,
        full=dict(num_iter=300, batch_size=256, width=64, n_train=None),
        quick=dict(num_iter=120, batch_size=64, width=64 if dev.is_cuda else 16, n_train=4000),
        tiny=dict(num_iter=12, batch_size=16, width=8, n_train=256),
    )
    out = out_dir(args, "lr_finder")
    data = load_data(args.data_dir, args.download, n_train=args.n_train, n_test=10, seed=args.seed).to(dev.device)
    print(data.describe())
    print(f"device: {dev.describe()}")

    gen = seed_everything(args.seed)
    model = dev.prepare(ResNet9(num_classes=data.num_classes, width=args.width))
    if args.optimizer == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=args.start_lr)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=args.start_lr, momentum=0.9)
    # the LR is multiplied by the same factor every step: start_lr -> end_lr in num_iter steps
    gamma = (args.end_lr / args.start_lr) ** (1 / max(args.num_iter - 1, 1))
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=gamma)
    criterion = nn.CrossEntropyLoss()

    lrs, smoothed, raw = [], [], []
    avg, best = 0.0, math.inf
    stopped = "reached end_lr"

    def batches():  # as many epochs as the sweep needs
        while True:
            yield from batch_indices(len(data.train_y), args.batch_size, generator=gen, drop_last=True)

    model.train()
    with Progress(args.num_iter, title="lr sweep") as bar:
        for step, idx in zip(range(args.num_iter), batches()):
            idx = idx.to(data.train_x.device)
            x = augment.random_flip(augment.random_crop(data.train_x[idx], 4, "reflect", gen), generator=gen)
            x, y = dev.layout(augment.normalize(x, data.mean, data.std)), data.train_y[idx]
            with dev.autocast():
                loss = criterion(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            lr = optimizer.param_groups[0]["lr"]
            scheduler.step()

            loss_v = loss.item()
            avg = args.beta * avg + (1 - args.beta) * loss_v
            smooth = avg / (1 - args.beta ** (step + 1))  # bias correction: avg starts at 0
            lrs.append(lr)
            raw.append(loss_v)
            smoothed.append(smooth)
            best = min(best, smooth)
            bar.step(lr=lr, loss=loss_v, smooth=smooth)
            if not math.isfinite(loss_v) or smooth > args.diverge * best:
                stopped = f"diverged at lr={lr:.2e} (smoothed loss {smooth:.3f} > {args.diverge:g} x best {best:.3f})"
                break
    print(f"sweep stopped: {stopped} after {len(lrs)} steps")

    # the suggestions come from a lag-free smoothing of the raw losses (see the docstring)
    finite = [v if math.isfinite(v) else math.inf for v in raw]  # a NaN at the blow-up counts as "huge"
    centred = centred_mean(finite, half=max(1, args.num_iter // 40))
    rules = suggest(lrs, centred)
    chosen = rules[args.rule]
    print(f"suggested max_lr: steepest descent {rules['steepest']:.2e}, min/10 {rules['min/10']:.2e}")
    print(f"using the {args.rule} rule: max_lr = {chosen:.2e}  (try: python demos/onecycle.py --max-lr {chosen:.2g} --optimizer {args.optimizer})")

    png = plot_lr_finder(lrs, centred, out / "lr_finder.png", suggestions=rules, chosen=args.rule,
                         minimum=first_minimum(centred))
    (out / "lr_finder.json").write_text(
        json.dumps({"lrs": lrs, "loss": raw, "smoothed": centred, "ema": smoothed, "suggestions": rules, "rule": args.rule, "stopped": stopped}) + "\n"
    )
    print_summary(
        "lr_finder",
        {"data": data.name, "steps": len(lrs), "suggested_lr": chosen, "rule": args.rule,
         "steepest_lr": rules["steepest"], "min10_lr": rules["min/10"], "diverged": stopped.startswith("diverged")},
        out,
        [png],
    )
    return 0


if __name__ == "__main__":
    run_main(main)
