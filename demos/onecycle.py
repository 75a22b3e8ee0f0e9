"""OneCycle: train ResNet9 with a one-cycle learning-rate schedule, live LR/momentum/loss/accuracy.

The one-cycle policy (Leslie Smith) runs one long cycle over the whole training run:

  * warm-up (the first pct_start of the steps): the LR climbs from max_lr/div_factor to max_lr
    while SGD momentum falls from max_momentum to base_momentum;
  * annealing (the rest): the LR falls (cosine) to max_lr/(div_factor*final_div_factor), far
    below where it started, while momentum climbs back.

Why it works: a large LR in the middle is a strong regulariser and crosses flat regions fast;
starting low keeps the first steps (random weights, large gradients) from blowing up; ending
very low settles into the minimum. Momentum moves the other way because LR and momentum both
set the effective step size: when the LR is high, less momentum keeps the steps stable.

Also shown: weight decay (in the optimizer), gradient clipping by value (clip_grad_value_, as in
the study material) and, with --compare, the same run under other schedules on one plot, like
for like: every schedule peaks at the same max_lr (constant and step after the same linear
warm-up as cosine-warmup), so only the shape of the schedule differs.

The plots: the LR axis is logarithmic (the last 10^4 of one-cycle's anneal is invisible on a
linear one), the right axis is SGD's momentum or, with Adam, beta1 (what OneCycleLR cycles
there), and a validation loss far above the training curve (the first epoch at a high LR)
is pinned to the top of the loss panel with its value written next to it.

Lesson: with the same peak LR, the one-cycle shape (low start, high middle, an anneal far below
the start) trains faster and ends better than holding the peak LR. The quick run (ResNet9
narrowed to width 16, 4,000 offline images, 4 epochs) shows the LR/momentum cycle and the
validation accuracy climbing epoch by epoch; run it again with --schedule constant for the
like-for-like baseline (the same warm-up, then the peak LR held), or --compare for all four
schedules in one plot (four times as long). The tiny-mode test checks the mechanism: at the end
of a one-cycle run the net evaluates sanely, while at the held peak LR its validation loss is
several times higher. A full GPU run (real ResNet9, all of CIFAR-10, 8 epochs) is the setting
the study material's accuracy refers to.

    python demos/onecycle.py --quick                      # ~1 min on 2 CPU cores
    python demos/onecycle.py --quick --compare            # onecycle vs constant vs step vs cosine-warmup
    python demos/onecycle.py --data-dir ~/data --full     # real CIFAR-10 on a GPU
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn
from torch.optim.lr_scheduler import LambdaLR, OneCycleLR

from studytui.lab import augment
from studytui.lab.config import apply_mode, demo_parser, out_dir, run_main
from studytui.lab.data import load_data
from studytui.lab.device import pick_device
from studytui.lab.nets import ResNet9, count_parameters
from studytui.lab.plots import plot_comparison, plot_schedule, plot_training
from studytui.lab.progress import Progress, print_summary
from studytui.lab.train import History, accuracy, batch_indices, evaluate, seed_everything, steps_per_epoch

SCHEDULES = ("onecycle", "constant", "step", "cosine-warmup")


def make_scheduler(name: str, optimizer, args, total_steps: int):
    """The LR schedule under test. All of them are stepped once per batch."""
    if name == "onecycle":
        return OneCycleLR(
            optimizer,
            max_lr=args.max_lr,
            total_steps=total_steps,
            pct_start=args.pct_start,  # fraction of the steps spent warming up
            anneal_strategy="cos",
            cycle_momentum=True,  # momentum (Adam: beta1) moves opposite to the LR ...
            base_momentum=0.85,  # ... down to this at the LR peak
            max_momentum=0.95,  # ... up to this at the start and the end
            div_factor=args.div_factor,  # first LR = max_lr / div_factor
            final_div_factor=args.final_div_factor,  # last LR = first LR / final_div_factor
        )
    # Like for like: every schedule peaks at the same max_lr, and the ones without a ramp of
    # their own (constant, step) get the same linear warm-up as cosine-warmup, because at the
    # full max_lr from step 0 they can blow up on random weights. Only the shape differs.
    warm = max(1, int(args.pct_start * total_steps))

    def ramp(step: int) -> float:
        return (step + 1) / warm if step < warm else 1.0

    if name == "constant":
        return LambdaLR(optimizer, ramp)
    if name == "step":  # divide by 10 at 50% and 75% of training
        milestones = [total_steps // 2, total_steps * 3 // 4]
        return LambdaLR(optimizer, lambda step: ramp(step) * 0.1 ** sum(step >= m for m in milestones))
    if name == "cosine-warmup":  # linear warm-up to max_lr, then cosine down to 0

        def factor(step: int) -> float:
            if step < warm:
                return (step + 1) / warm
            return 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total_steps - warm)))

        return LambdaLR(optimizer, factor)
    raise ValueError(name)


def train(schedule: str, data, dev, args, out) -> History:
    """One full training run of ResNet9 under `schedule`; returns its History."""
    gen = seed_everything(args.seed)  # same seed: same init and same batches for every schedule
    model = dev.prepare(ResNet9(num_classes=data.num_classes, width=args.width))
    if args.optimizer == "adam":  # the study material's choice; OneCycleLR then cycles Adam's beta1
        optimizer = torch.optim.Adam(model.parameters(), lr=args.max_lr, weight_decay=args.weight_decay)
    else:
        optimizer = torch.optim.SGD(
            model.parameters(), lr=args.max_lr, momentum=0.9, nesterov=True, weight_decay=args.weight_decay
        )
    steps = steps_per_epoch(len(data.train_y), args.batch_size, drop_last=True)
    total_steps = args.epochs * steps
    scheduler = make_scheduler(schedule, optimizer, args, total_steps)
    criterion = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    history = History()

    with Progress(total_steps, title=schedule) as bar:
        for epoch in range(1, args.epochs + 1):
            model.train()
            start = time.perf_counter()
            for idx in batch_indices(len(data.train_y), args.batch_size, generator=gen, drop_last=True):
                idx = idx.to(data.train_x.device)
                x, y = data.train_x[idx], data.train_y[idx]
                # augmentation on the whole batch, on the device (see studytui/lab/augment.py)
                x = augment.random_crop(x, padding=4, mode="reflect", generator=gen)
                x = augment.random_flip(x, generator=gen)
                x = dev.layout(augment.normalize(x, data.mean, data.std))

                with dev.autocast():
                    logits = model(x)
                    loss = criterion(logits, y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if args.grad_clip:
                    nn.utils.clip_grad_value_(model.parameters(), args.grad_clip)  # cap each gradient entry
                optimizer.step()

                lr = optimizer.param_groups[0]["lr"]  # the LR this step used
                group = optimizer.param_groups[0]
                momentum = group["betas"][0] if "betas" in group else group["momentum"]
                scheduler.step()  # OneCycleLR moves every batch, not every epoch

                loss_v, acc_v = loss.item(), accuracy(logits, y)
                history.log_step(lr=lr, momentum=momentum, loss=loss_v, acc=acc_v)
                bar.step(loss=loss_v, acc=acc_v, lr=lr, momentum=momentum)

            train_time = time.perf_counter() - start
            val_loss, val_acc = evaluate(model, data.test_x, data.test_y, dev, data.mean, data.std)
            recent = history.steps[-steps:]
            history.log_epoch(
                train_loss=sum(r["loss"] for r in recent) / len(recent),
                train_acc=sum(r["acc"] for r in recent) / len(recent),
                val_loss=val_loss,
                val_acc=val_acc,
                time_s=train_time,
            )
            bar.epoch(epoch, f"{schedule} epoch {epoch}/{args.epochs}: val_loss={val_loss:.4f} val_acc={val_acc:.4f} ({train_time:.1f}s)",
                      train_loss=history.epochs[-1]["train_loss"], val_loss=val_loss, val_acc=val_acc)
    history.save(out / f"history_{schedule}.json")
    return history


def main() -> int:
    parser = demo_parser(__doc__)
    parser.add_argument("--schedule", choices=SCHEDULES, default="onecycle", help="LR schedule (default onecycle)")
    parser.add_argument("--compare", action="store_true", help="run every schedule in turn and plot them together")
    parser.add_argument("--max-lr", type=float, help="peak LR of the cycle (default 0.01 for adam, 0.05 for sgd)")
    parser.add_argument("--pct-start", type=float, default=0.25, help="fraction of steps spent warming up (default 0.25)")
    parser.add_argument("--div-factor", type=float, default=25.0, help="first LR = max_lr / div_factor (default 25)")
    parser.add_argument("--final-div-factor", type=float, default=1e4, help="last LR = first LR / this (default 1e4)")
    parser.add_argument("--optimizer", choices=("adam", "sgd"), default="adam", help="adam (as in the study material) or sgd with Nesterov momentum")
    parser.add_argument("--weight-decay", type=float, default=1e-4, help="L2 penalty added by the optimizer (default 1e-4)")
    parser.add_argument("--grad-clip", type=float, default=0.1, help="clip each gradient entry to +-this; 0 = off (default 0.1)")
    parser.add_argument("--label-smoothing", type=float, default=0.0)
    parser.add_argument("--width", type=int, help="ResNet9 base channels (64 = the real ResNet9)")
    args = parser.parse_args()

    dev = pick_device(args.device, compile=args.compile)
    apply_mode(
        args,
        full=dict(epochs=8, batch_size=400, width=64, n_train=None),
        quick=dict(epochs=4, batch_size=128, width=64 if dev.is_cuda else 16, n_train=4000),
        tiny=dict(epochs=2, batch_size=32, width=8, n_train=256),
    )
    if args.max_lr is None:  # Adam and SGD live on different LR scales
        args.max_lr = 0.01 if args.optimizer == "adam" else 0.05
    out = out_dir(args, "onecycle")
    n_test = {"full": None, "quick": 1000, "tiny": 128}[args.mode]
    data = load_data(args.data_dir, args.download, n_train=args.n_train, n_test=n_test, seed=args.seed).to(dev.device)
    print(data.describe())
    print(f"device: {dev.describe()}")
    print(f"model: ResNet9 width {args.width} ({count_parameters(ResNet9(width=args.width)):,} params)"
          + ("" if args.width == 64 else "  [narrowed to fit the CPU; --width 64 is the real ResNet9]"))

    schedules = list(SCHEDULES) if args.compare else [args.schedule]
    if args.compare:
        print(f"like for like: every schedule peaks at max_lr={args.max_lr:g}; constant and step reach it through "
              f"the same {args.pct_start:.0%} linear warm-up as cosine-warmup, one-cycle through its own ramp")
    start = time.perf_counter()
    runs = {name: train(name, data, dev, args, out) for name in schedules}
    elapsed = time.perf_counter() - start

    # OneCycleLR cycles SGD's momentum, or Adam's beta1 (its running average of gradients)
    momentum_label = "Adam β1 (momentum)" if args.optimizer == "adam" else "SGD momentum"
    files = []
    for name, history in runs.items():
        files.append(plot_training(history, out / f"training_{name}.png", title=f"ResNet9, {name} schedule, {data.name}",
                                   momentum_label=momentum_label))
    main_run = runs[schedules[0]]
    files.append(plot_schedule(main_run.series("lr"), main_run.series("momentum"), out / "schedule.png",
                               title=f"{schedules[0]}: LR and {momentum_label} per step", momentum_label=momentum_label))
    if args.compare:
        files.append(plot_comparison(runs, out / "compare.png",
                                     title=f"LR schedules, ResNet9 on {data.name}: every schedule peaks at max_lr={args.max_lr:g} "
                                           f"({args.optimizer})"))
        for name, history in runs.items():
            print(f"  {name:14s} val_acc={history.epochs[-1]['val_acc']:.4f} val_loss={history.epochs[-1]['val_loss']:.4f}")

    final = main_run.epochs[-1]
    print_summary(
        "onecycle",
        {
            "schedule": schedules[0],
            "data": data.name,
            "epochs": args.epochs,
            "val_acc": final["val_acc"],
            "val_loss": final["val_loss"],
            "first_val_acc": main_run.epochs[0]["val_acc"],
            "time_s": elapsed,
            **({f"val_acc_{n}": h.epochs[-1]["val_acc"] for n, h in runs.items()} if args.compare else {}),
        },
        out,
        files,
    )
    return 0


if __name__ == "__main__":
    run_main(main)
