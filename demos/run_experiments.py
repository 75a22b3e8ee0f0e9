"""A cumulative ablation: start from a plain CNN, add one ingredient per row, see what each adds.

    row 0  plain CNN      no BatchNorm, no shortcuts, constant LR, no augmentation
    row 1  + BatchNorm
    row 2  + residual     identity shortcuts: row 2 is a ResNet
    row 3  + crop+flip    random crop (reflect padding) and horizontal flip
    row 4  + cosine LR    linear warm-up, then cosine down to 0 (same peak LR as before)
    row 5  + label smoothing 0.1
    row 6  + mixup 0.2
    row 7  + pre-activation blocks
    row 8  + zero-init: the last conv of every residual branch starts at 0 (the block starts as
             the identity; "zero-gamma" in a post-activation net)

Every row trains the same small net (studytui.lab.nets.AblationNet: stem, three stages of
blocks that can be plain or residual, 14 weight layers) from scratch for the same epochs, with
the same optimiser, peak LR, batch size, data and data order: only the row's ingredient differs
from the row above, so the delta column is that ingredient's effect in this run. (An earlier version
compared whole recipes with different schedules and init, which produced a "+66 points for
pre-activation" that was an artifact of the comparison, not of the block.)

Lesson: each ingredient moves the number it is about, measured like for like. What a quick run
(several minutes on 2 CPU cores: nine rows, offline data, 6 epochs per row) can show: BatchNorm takes
the plain net off ln 10 (at this peak LR the plain 14-layer net never starts; the tiny-mode
test checks this direction), crop+flip narrows the gap between clean train accuracy and val
accuracy, the cosine schedule's anneal settles the last epochs, and label smoothing and mixup
lower the validation confidence (the "conf" column), which in so short a run leaves the net
under-confident, so their ECE can rise. Deltas of a point or two between neighbouring rows are
within seed noise at this size; the printed table is the measurement, nothing here is recorded.
What the regularisers and the pre-activation block buy in accuracy, and the study notes' final
numbers, need long runs: --full on real CIFAR-10 with a GPU (30 epochs per row).

What you get under --out:
  ablation.png   validation accuracy per epoch (one line per row), each ingredient's delta,
                 and the train-val gap / confidence per row
  results.md     the table; results.csv the same as CSV; history_ROW.json per row

    python demos/run_experiments.py --quick
    python demos/run_experiments.py --full --data-dir ~/data      # real CIFAR-10, a GPU
"""

from __future__ import annotations

import csv
import json
import math
import time

import torch
from torch import nn
from torch.optim.lr_scheduler import LambdaLR

from studytui.lab import augment
from studytui.lab.ablation import INGREDIENTS, calibration, cumulative, describe_changes
from studytui.lab.config import apply_mode, demo_parser, out_dir, run_main
from studytui.lab.data import load_data
from studytui.lab.device import pick_device
from studytui.lab.nets import AblationNet, count_parameters
from studytui.lab.plots import plot_ablation
from studytui.lab.progress import Progress, print_summary
from studytui.lab.train import History, StepMeter, batch_indices, evaluate, predict, seed_everything, steps_per_epoch


def make_scheduler(schedule: str, optimizer, total_steps: int, warmup_steps: int):
    """Per-step LR factor. Both schedules peak at the same LR, so only the shape differs."""
    if schedule == "constant":
        return LambdaLR(optimizer, lambda step: 1.0)

    def warmup_cosine(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        return 0.5 * (1 + math.cos(math.pi * (step - warmup_steps) / max(1, total_steps - warmup_steps)))

    return LambdaLR(optimizer, warmup_cosine)


def train_row(label: str, recipe, data, dev, args) -> tuple[History, dict]:
    """Train one row's net from scratch; return its history and final metrics."""
    seed_everything(args.seed)
    order_gen = torch.Generator().manual_seed(args.seed)  # same batches, same order, every row
    aug_gen = torch.Generator(device=dev.device).manual_seed(args.seed + 1)
    model = dev.prepare(AblationNet(bn=recipe.bn, residual=recipe.residual, preact=recipe.preact, zero_init=recipe.zero_init,
                                    width=args.width, blocks=args.blocks, num_classes=data.num_classes))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=args.weight_decay)
    steps = steps_per_epoch(len(data.train_y), args.batch_size, drop_last=True)
    scheduler = make_scheduler(recipe.schedule, optimizer, args.epochs * steps, warmup_steps=max(1, steps // 2))
    criterion = nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing)  # accepts mixup's soft targets
    history, diverged = History(), False
    start = time.perf_counter()
    with Progress(args.epochs * steps, title=label) as bar:
        for epoch in range(1, args.epochs + 1):
            meter = StepMeter(dev.log_every, history, bar)
            model.train()
            for idx in batch_indices(len(data.train_y), args.batch_size, generator=order_gen, drop_last=True):
                x, y = data.train_x[idx.to(data.train_x.device)], data.train_y[idx.to(data.train_y.device)]
                if recipe.augment:
                    x = augment.random_crop(x, padding=4, mode="reflect", generator=aug_gen)
                    x = augment.random_flip(x, generator=aug_gen)
                x, targets = augment.normalize(x, data.mean, data.std), y
                if recipe.mixup_alpha:
                    x, targets = augment.mixup(x, y, recipe.mixup_alpha, data.num_classes, generator=aug_gen)
                with dev.autocast():
                    logits = model(dev.layout(x))
                    loss = criterion(logits, targets)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                lr = optimizer.param_groups[0]["lr"]
                scheduler.step()
                meter.add(loss, logits, targets, lr=lr, momentum=0.9)
            train_loss, _ = meter.means()
            diverged = not math.isfinite(train_loss)
            val_loss, val_acc = evaluate(model, data.test_x, data.test_y, dev, data.mean, data.std)
            history.log_epoch(train_loss=train_loss, val_loss=val_loss, val_acc=val_acc)
            bar.epoch(epoch, f"{label} epoch {epoch}/{args.epochs}: train_loss={train_loss:.4f} val_acc={val_acc:.4f}",
                      train_loss=train_loss, val_loss=val_loss, val_acc=val_acc)
            if diverged:
                bar.print(f"{label}: the loss is no longer finite (diverged at this LR); stopping this row")
                break
    # clean train accuracy (eval mode, no augmentation) on as many images as the val set:
    # the train-val gap is the overfitting that augmentation and the regularisers fight
    n = len(data.test_y)
    _, train_acc = evaluate(model, data.train_x[:n], data.train_y[:n], dev, data.mean, data.std)
    confidence, ece = calibration(predict(model, data.test_x, dev, data.mean, data.std), data.test_y)
    final = history.epochs[-1]
    return history, {
        "val_acc": final["val_acc"], "val_loss": final["val_loss"], "train_acc": train_acc,
        "gap": train_acc - final["val_acc"], "confidence": confidence, "ece": ece,
        "diverged": diverged, "time_s": time.perf_counter() - start,
    }


def main() -> int:
    parser = demo_parser(__doc__)
    parser.add_argument("--lr", type=float, default=0.1, help="peak LR, the same for every row (default 0.1)")
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--width", type=int, help="channels of the first stage (x1, x2, x4 over the stages)")
    parser.add_argument("--blocks", type=int, default=2, help="blocks per stage (depth = 2 + 6 x blocks)")
    parser.add_argument("--rows", type=int, help="stop after this many rows (default: all)")
    args = parser.parse_args()
    mode = apply_mode(args,
                      full=dict(epochs=30, batch_size=128, width=64, n_train=None),
                      quick=dict(epochs=6, batch_size=64, width=8, n_train=5000),
                      tiny=dict(epochs=1, batch_size=16, width=4, n_train=64))
    out = out_dir(args, "experiments")
    n_test = {"full": None, "quick": 1000, "tiny": 32}[mode]
    data = load_data(args.data_dir, args.download, n_train=args.n_train, n_test=n_test, seed=0)
    dev = pick_device(args.device, compile=args.compile)
    data = data.to(dev.device)
    rows = cumulative()[: args.rows]

    print(data.describe())
    print(f"device: {dev.describe()}")
    print("common to every row (like for like):")
    print(f"  net: AblationNet, {2 + 6 * args.blocks} weight layers, width {args.width}")
    print(f"  optimiser: SGD, momentum 0.9 (Nesterov), peak LR {args.lr:g}, weight decay {args.weight_decay:g}")
    print(f"  {args.epochs} epochs, batch {args.batch_size}, seed {args.seed}; the same batches in the same order")
    print("rows:")
    print(f"  {rows[0][0]}: no BatchNorm, no shortcuts, constant LR, no augmentation, plain cross-entropy")
    for (_, before), (label, after) in zip(rows, rows[1:]):
        print(f"  {label}: {describe_changes(before, after)}")

    results, histories = [], {}
    for i, (label, recipe) in enumerate(rows):
        print(f"\n=== row {i}: {label}", flush=True)
        history, metrics = train_row(label, recipe, data, dev, args)
        if i == 0:
            params = count_parameters(AblationNet(bn=recipe.bn, residual=recipe.residual, width=args.width, blocks=args.blocks))
            print(f"(row 0 net: {params:,} parameters)")
        delta = metrics["val_acc"] - results[-1]["val_acc"] if results else None
        results.append({"row": i, "ingredient": label, **metrics, "delta": delta})
        histories[label] = history
        history.save(out / f"history_{i}.json")

    header = ["row", "ingredient", "val_acc", "delta", "train_acc", "gap", "confidence", "ece", "time_s"]
    with open(out / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header + ["val_loss", "diverged"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(results)

    def cell(key, value):
        if value is None:
            return "—"
        if key == "delta":
            return f"{value:+.3f}"
        if key == "time_s":
            return f"{value:.0f}"
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    names = {"val_acc": "val acc", "delta": "Δ val acc", "train_acc": "train acc (clean)", "gap": "train-val gap",
             "confidence": "conf", "ece": "ECE", "time_s": "s"}
    table = ["| " + " | ".join(names.get(k, k) for k in header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(cell(k, r[k]) for k in header) + " |" for r in results]
    (out / "results.md").write_text("\n".join(table) + "\n")
    print("\n" + "\n".join(table))
    if any(r["diverged"] for r in results):
        print("(a row whose loss stopped being finite is scored as it stood when it diverged)")

    print("\nwhat each ingredient can show in this short run, and what a full GPU run adds:")
    for ingredient, r in zip(INGREDIENTS, results[1:]):
        print(f"  + {ingredient.key} (Δ {r['delta']:+.3f}): here: {ingredient.quick_shows}; "
              f"full run: {ingredient.full_run_adds}")
    if not data.real:
        print("These numbers come from the offline shapes set, not CIFAR-10; differences of a point or two "
              "between neighbouring rows are within seed noise at this size.")

    files = [plot_ablation(histories, results, out / "ablation.png",
                           title=f"cumulative ablation: {mode} mode, {data.name}, {args.epochs} epochs per row"),
             out / "results.md", out / "results.csv"]
    (out / "rows.json").write_text(json.dumps(results, indent=1) + "\n")
    best = max(results, key=lambda r: r["val_acc"])
    print_summary("run_experiments", {
        "mode": mode, "data": data.name, "rows": len(results), "best": best["ingredient"], "best_val_acc": best["val_acc"],
        "first_val_acc": results[0]["val_acc"], "last_val_acc": results[-1]["val_acc"],
    }, out, files)
    return 0


if __name__ == "__main__":
    run_main(main)
