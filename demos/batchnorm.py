"""BatchNorm: activation scale by depth, high-LR training with vs without BN, train vs eval, folding.

Lesson: BN gives every layer inputs of unit scale, whatever the weights do, and that is what
lets a deeper net train at a high learning rate; in eval mode it is a fixed per-channel affine
map that folds into the conv before it.

BatchNorm2d normalises each channel with the mean and variance of the current batch (in
training) and then applies a learned scale gamma and shift beta:

    y = gamma * (x - mean) / sqrt(var + eps) + beta

Five things to see, in order:

  0. Scale by depth, at initialisation: the std of every conv layer's output for one batch.
     With PyTorch's default init and ReLUs each plain layer hands on a smaller signal than it
     got, so after six convs the output barely depends on the image; with BN every layer's
     output has std 1. This is deterministic and is what the tiny-mode test checks.  -> activations.png
  1. Stability: the same 6-conv CNN at a high learning rate (SGD, lr 0.1, momentum 0.9), with
     and without BN, same init seed and batches. Without BN the net typically never starts: the
     loss sits at ln 10 = 2.303 (the same prediction for every image). With BN the same LR
     trains. The demo prints which way each run went. A tiny run (60 steps) is too short for
     either net to learn, so the test checks part 0 instead; the quick run (300 steps) shows
     the difference in loss and val accuracy.  -> loss.png
  2. Train vs eval mode: in training BN uses the batch's own statistics, in eval the running
     averages, so the same input gives different outputs (and one example's output depends on
     the rest of its batch in train mode).
  3. Running statistics: running_mean <- (1 - momentum) * running_mean + momentum * batch_mean,
     an exponential average that converges to the data's channel statistics.  -> running_stats.png
  4. Folding for inference: in eval mode BN is a fixed affine map per channel, so it can be
     merged into the conv before it (W' = W * gamma / sqrt(var + eps), b' = (b - mean) *
     gamma / sqrt(var + eps) + beta): one layer fewer, same outputs up to float rounding.

A full GPU run (--full: 1500 steps, width 32, all of CIFAR-10) adds the accuracy gap after real
training; the strong form on a 14-layer net is row 1 of demos/run_experiments.py.

    python demos/batchnorm.py --quick          # ~1 min on 2 CPU cores
"""

from __future__ import annotations

import copy
import math
import time

import torch
from torch import nn

from studytui.lab import augment
from studytui.lab.config import apply_mode, demo_parser, out_dir, run_main
from studytui.lab.data import load_data
from studytui.lab.device import pick_device
from studytui.lab.plots import plt, smooth
from studytui.lab.progress import Progress, print_summary
from studytui.lab.train import accuracy, batch_indices, evaluate, seed_everything, unwrap


def small_cnn(width: int, bn: bool, num_classes: int = 10, convs_per_stage: int = 2) -> nn.Sequential:
    """Three stages of `convs_per_stage` conv(-BN)-ReLU layers and a pool each, then a linear head."""
    layers: list[nn.Module] = []
    cin = 3
    for cout in (width, 2 * width, 4 * width):
        for _ in range(convs_per_stage):
            layers.append(nn.Conv2d(cin, cout, 3, padding=1))
            if bn:
                layers.append(nn.BatchNorm2d(cout))
            layers.append(nn.ReLU())
            cin = cout
        layers.append(nn.MaxPool2d(2))
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, num_classes)]
    return nn.Sequential(*layers)


def train(bn: bool, data, dev, args) -> tuple[nn.Module, list[float], float]:
    """Train at the high LR; returns (model, losses per step, val accuracy). A NaN loss stops it."""
    gen = seed_everything(args.seed)
    model = dev.prepare(small_cnn(args.width, bn, convs_per_stage=args.convs_per_stage))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    losses: list[float] = []
    title = "with BN" if bn else "without BN"
    with Progress(args.steps, title=title) as bar:
        while len(losses) < args.steps:
            for idx in batch_indices(len(data.train_y), args.batch_size, generator=gen, drop_last=True):
                if len(losses) >= args.steps:
                    break
                idx = idx.to(data.train_x.device)
                x = dev.layout(augment.normalize(augment.random_flip(data.train_x[idx], generator=gen), data.mean, data.std))
                y = data.train_y[idx]
                with dev.autocast():
                    logits = model(x)
                    loss = criterion(logits, y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
                bar.step(loss=loss.item(), acc=accuracy(logits, y))
                if not math.isfinite(losses[-1]):
                    bar.print(f"{title}: loss is {losses[-1]} at step {len(losses)}: diverged")
                    losses += [float("nan")] * (args.steps - len(losses))
    _, val_acc = evaluate(model, data.test_x, data.test_y, dev, data.mean, data.std)
    return model, losses, val_acc


def relu_input_stds(model: nn.Module, x: torch.Tensor) -> list[float]:
    """The standard deviation of what each ReLU receives (a conv's output, after BN when there is
    one), for one batch in train mode: the scale each layer hands to the next."""
    probe = copy.deepcopy(model).train()  # a copy: probing must not move the real BN's running statistics
    stds: list[float] = []
    for m in probe.modules():
        if isinstance(m, nn.ReLU):
            m.register_forward_pre_hook(lambda _m, inp: stds.append(inp[0].float().std().item()))
    with torch.no_grad():
        probe(x)
    return stds


def outcome(losses: list[float], val_acc: float, classes: int = 10) -> str:
    """Which way a run at a high LR went: blew up, never started, or trained."""
    if not all(math.isfinite(v) for v in losses):
        return "blew up: the loss became inf/NaN"
    tail = losses[-max(1, len(losses) // 5):]
    mean_tail = sum(tail) / len(tail)
    if abs(mean_tail - math.log(classes)) < 0.02 and val_acc < 1.5 / classes:
        return (f"never started: loss {mean_tail:.3f} = ln {classes} (the same prediction for every image), "
                f"val acc {val_acc:.3f} = chance")
    return f"trained: loss {losses[0]:.3f} -> {mean_tail:.3f} (mean of the last steps), val acc {val_acc:.3f}"


def running_stats_demo(data, dev, steps: int, batch_size: int, gen) -> tuple[list[float], float]:
    """Feed raw images (0..1 scale) to a fresh BatchNorm2d(3) in train mode; track running_mean[0]."""
    bn = nn.BatchNorm2d(3, momentum=0.1).to(dev.device)  # running stats start at mean 0, var 1
    true_mean = data.train_x.float().div(255).mean(dim=(0, 2, 3))
    trace = []
    for idx in batch_indices(len(data.train_y), batch_size, generator=gen, drop_last=True):
        bn(data.train_x[idx.to(data.train_x.device)].float() / 255)  # updates running_mean / running_var
        trace.append(bn.running_mean[0].item())
        if len(trace) >= steps:
            break
    gap = (bn.running_mean - true_mean).abs().max().item()
    return trace, gap, true_mean[0].item()


def fold_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """A conv that computes bn(conv(x)) in eval mode: BN's per-channel affine map moved into W and b."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)  # gamma / sigma, one per output channel
    fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                      conv.dilation, conv.groups, bias=True).to(conv.weight.device)
    bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    with torch.no_grad():
        fused.weight.copy_(conv.weight * scale.view(-1, 1, 1, 1))
        fused.bias.copy_((bias - bn.running_mean) * scale + bn.bias)
    return fused


def fold_all(model: nn.Sequential) -> nn.Sequential:
    """The same network with every Conv2d -> BatchNorm2d pair replaced by one folded Conv2d."""
    layers, children = [], list(model)
    i = 0
    while i < len(children):
        if isinstance(children[i], nn.Conv2d) and i + 1 < len(children) and isinstance(children[i + 1], nn.BatchNorm2d):
            layers.append(fold_bn(children[i], children[i + 1]))
            i += 2
        else:
            layers.append(copy.deepcopy(children[i]))
            i += 1
    return nn.Sequential(*layers)


def main() -> int:
    parser = demo_parser(__doc__)
    parser.add_argument("--lr", type=float, default=0.1, help="the (high) SGD learning rate of part 1, momentum 0.9 (default 0.1)")
    parser.add_argument("--width", type=int, help="channels of the first stage")
    parser.add_argument("--steps", type=int, help="training steps per net")
    parser.add_argument("--convs-per-stage", type=int, default=2, help="conv layers in each of the 3 stages (default 2: 6 convs)")
    args = parser.parse_args()

    dev = pick_device(args.device, amp="off", compile=args.compile)  # fp32: folding is compared exactly
    apply_mode(
        args,
        full=dict(steps=1500, batch_size=128, width=32, n_train=None),
        quick=dict(steps=300, batch_size=64, width=16, n_train=4000),
        tiny=dict(steps=4, batch_size=16, width=4, n_train=128),
    )
    out = out_dir(args, "batchnorm")
    n_test = {"full": None, "quick": 1000, "tiny": 64}[args.mode]
    data = load_data(args.data_dir, args.download, n_train=args.n_train, n_test=n_test, seed=args.seed).to(dev.device)
    print(data.describe())
    print(f"device: {dev.describe()}")
    start = time.perf_counter()

    # 0. at initialisation: the scale each layer hands to the next, without and with BN
    probe = augment.normalize(data.test_x[:64], data.mean, data.std)
    seed_everything(args.seed)
    stds_plain = relu_input_stds(small_cnn(args.width, False, convs_per_stage=args.convs_per_stage).to(dev.device), probe)
    seed_everything(args.seed)
    stds_bn = relu_input_stds(small_cnn(args.width, True, convs_per_stage=args.convs_per_stage).to(dev.device), probe)
    print("std of each conv layer's output at initialisation (what its ReLU receives):")
    print("  layer      " + " ".join(f"{i + 1:>7d}" for i in range(len(stds_plain))))
    print("  without BN " + " ".join(f"{v:7.4f}" for v in stds_plain))
    print("  with BN    " + " ".join(f"{v:7.4f}" for v in stds_bn))
    print(f"  without BN the signal shrinks {stds_plain[0] / stds_plain[-1]:.0f}x from the first conv to the last; "
          f"with BN every layer gets unit scale")
    fig, ax = plt.subplots(figsize=(7, 4))
    layers = range(1, len(stds_plain) + 1)
    ax.plot(layers, stds_plain, "o-", label="without BN")
    ax.plot(layers, stds_bn, "s-", label="with BN")
    ax.set(yscale="log", xlabel="conv layer", ylabel="std of its output (log scale)",
           title="activation scale by depth at initialisation (PyTorch default init)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "activations.png", dpi=110)
    plt.close(fig)

    # 1. the same net at a high LR, without and with BN
    _, losses_plain, acc_plain = train(False, data, dev, args)
    model, losses_bn, acc_bn = train(True, data, dev, args)
    model = unwrap(model)  # the plain nn.Sequential inside torch.compile's wrapper (--compile)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(smooth([l if math.isfinite(l) else 10.0 for l in losses_plain]), label=f"without BN (val acc {acc_plain:.3f})")
    ax.plot(smooth(losses_bn), label=f"with BN (val acc {acc_bn:.3f})")
    curves = [v for line in ax.get_lines() for v in line.get_ydata() if math.isfinite(v)]
    ax.axhline(math.log(10), color="gray", linestyle=":", label="ln 10 = guessing (chance)")
    # the range the curves use (a blow-up is cut at 5), so a slow start is not a flat line at the bottom
    ax.set(title=f"SGD at lr={args.lr}", xlabel="step", ylabel="training loss (smoothed)",
           ylim=(max(0.0, min(curves) - 0.15), min(5.0, max(curves) + 0.15)))
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "loss.png", dpi=110)
    plt.close(fig)

    for name, losses, acc in (("without BN", losses_plain, acc_plain), ("with BN", losses_bn, acc_bn)):
        print(f"{name}: {outcome(losses, acc)}")

    # 2. train vs eval mode on the same batch
    x = augment.normalize(data.test_x[: args.batch_size], data.mean, data.std)
    with torch.no_grad():
        model.train()
        out_train = model(x)  # batch statistics (this also nudges the running stats; fine for a demo)
        model.eval()
        out_eval = model(x)  # running statistics
    mode_diff = (out_train - out_eval).abs().max().item()
    print(f"train vs eval mode, same batch: logits differ by up to {mode_diff:.4f}")

    # 3. running statistics converge to the data's channel mean
    trace, stats_gap, true_mean = running_stats_demo(data, dev, steps=max(20, args.steps // 2), batch_size=args.batch_size,
                                                     gen=torch.Generator().manual_seed(args.seed))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(trace, label="running_mean (red channel)")
    ax.axhline(true_mean, color="tab:red", linestyle="--", label=f"data mean {true_mean:.3f}")
    ax.set(title="BatchNorm2d running mean, momentum 0.1", xlabel="batch", ylabel="value")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "running_stats.png", dpi=110)
    plt.close(fig)
    print(f"running_mean after {len(trace)} batches: max gap to the data's channel means {stats_gap:.4f}")

    # 4. fold every BN into its conv and compare, in eval mode, float32
    model.eval()
    folded = fold_all(model).eval()
    with torch.no_grad():
        x = dev.layout(augment.normalize(data.test_x[:256], data.mean, data.std))
        fold_diff = (model(x) - folded(x)).abs().max().item()
    n_bn = sum(isinstance(m, nn.BatchNorm2d) for m in model)
    print(f"folded {n_bn} BatchNorm layers into their convs: {len(model)} -> {len(folded)} layers, "
          f"max |logit difference| = {fold_diff:.2e}")

    print_summary(
        "batchnorm",
        {
            "lr": args.lr,
            # std of the first conv's output / std of the last's, at init: >> 1 = the signal fades with depth
            "act_shrink_no_bn": stds_plain[0] / stds_plain[-1],
            "act_shrink_bn": stds_bn[0] / stds_bn[-1],
            "act_std_last_bn": stds_bn[-1],
            "loss_no_bn": losses_plain[-1],
            "loss_bn": losses_bn[-1],
            "val_acc_no_bn": acc_plain,
            "val_acc_bn": acc_bn,
            "train_eval_diff": mode_diff,
            "running_mean_gap": stats_gap,
            "fold_max_diff": fold_diff,
            "time_s": time.perf_counter() - start,
        },
        out,
        [out / "activations.png", out / "loss.png", out / "running_stats.png"],
    )
    return 0


if __name__ == "__main__":
    run_main(main)
