"""Residual vs plain: the same deep CNN with and without identity skips (gradient norms, loss).

Two networks of the same depth (default 20 conv layers) and width, built from the same pairs of
3x3 convs. The only difference is one line in `Block.forward`:

    plain:     out = relu(f(x))
    residual:  out = relu(f(x) + x)          # f = conv -> relu -> conv

Backpropagation multiplies one Jacobian per block. For the plain block that Jacobian is df/dx;
for the residual block it is I + df/dx (the "+1"). With small weights (PyTorch's default init,
and no BatchNorm here, so nothing rescales the signal) df/dx is well below 1 in size, so the
plain product shrinks geometrically with depth and the first layers get almost no gradient,
while the residual product stays near the identity and the gradient reaches the input intact.

The lesson: depth alone breaks a plain net; the skip makes the same depth trainable. The quick
run shows it outright on the offline set: 300 Adam steps leave the plain 20-layer net at chance
(loss 2.30, val accuracy 0.10) while the residual net's loss falls and its val accuracy climbs
well above chance, and the plain net's first-layer gradient at init is many orders of magnitude smaller
than the residual net's (the README's demo table has the measured numbers). A longer GPU run
(--full) adds the residual net's final accuracy and, with --bn, the milder form of the
problem: BN lets the plain net train, but worse.

What you get under --out:
  grad_norms.png   gradient norm of every conv's weight, by depth, at init and after training
  loss.png         training loss of both nets (the plain net hardly moves: the degradation
                   problem in its most extreme form; with BatchNorm, --bn, it trains but worse)

    python demos/residual_vs_plain.py --quick               # 300 steps per net, about a minute on 2 CPU cores
    python demos/residual_vs_plain.py --quick --depth 32 --bn
"""

from __future__ import annotations

import time

import torch
from torch import nn

from studytui.lab import augment
from studytui.lab.config import apply_mode, demo_parser, out_dir, run_main
from studytui.lab.data import load_data
from studytui.lab.device import pick_device
from studytui.lab.nets import count_parameters
from studytui.lab.plots import plt, smooth
from studytui.lab.progress import Progress, print_summary
from studytui.lab.train import accuracy, batch_indices, evaluate, seed_everything


class Block(nn.Module):
    """Two 3x3 convs; `residual=True` adds the input back before the last ReLU."""

    def __init__(self, width: int, residual: bool, bn: bool):
        super().__init__()
        self.residual = residual
        self.conv1 = nn.Conv2d(width, width, 3, padding=1, bias=not bn)
        self.bn1 = nn.BatchNorm2d(width) if bn else nn.Identity()
        self.conv2 = nn.Conv2d(width, width, 3, padding=1, bias=not bn)
        self.bn2 = nn.BatchNorm2d(width) if bn else nn.Identity()
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        if self.residual:
            out = out + x  # the skip: d(out)/dx = df/dx + I
        return self.relu(out)


class DeepNet(nn.Module):
    """stem conv (3 -> width, 32x32 -> 8x8) + (depth - 2) / 2 blocks + linear = `depth` layers."""

    def __init__(self, depth: int, width: int, residual: bool, bn: bool = False, num_classes: int = 10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(4))  # 8 x 8: cheap on a CPU
        self.blocks = nn.Sequential(*[Block(width, residual, bn) for _ in range((depth - 2) // 2)])
        # flatten, not global average pooling: keeping "where" lets a short CPU run learn something
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(width * 8 * 8, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(self.stem(x)))

    def convs(self) -> list[nn.Conv2d]:
        """Every conv, input side first (the stem conv is layer 1)."""
        return [m for m in self.modules() if isinstance(m, nn.Conv2d)]


def conv_grad_norms(model: DeepNet) -> list[float]:
    """L2 norm of each conv weight's gradient (after a backward pass), input side first."""
    return [conv.weight.grad.norm().item() for conv in model.convs()]


def batch(data, idx, dev, gen, train: bool = True):
    x, y = data.train_x[idx.to(data.train_x.device)], data.train_y[idx.to(data.train_y.device)]
    if train:
        x = augment.random_flip(x, generator=gen)
    return dev.layout(augment.normalize(x, data.mean, data.std)), y


def train(name: str, data, dev, args) -> dict:
    """Train one net; return its loss curve and the per-layer gradient norms at init and at the end."""
    gen = seed_everything(args.seed)  # same seed: same batches for both nets
    model = dev.prepare(DeepNet(args.depth, args.width, residual=(name == "residual"), bn=args.bn))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)  # Adam: rescales tiny gradients, and still the plain net barely moves
    criterion = nn.CrossEntropyLoss()

    # gradient norms at init, on one fixed batch
    probe_x, probe_y = batch(data, torch.arange(min(256, len(data.train_y))), dev, gen, train=False)
    model.zero_grad()
    criterion(model(probe_x), probe_y).backward()
    init_norms = conv_grad_norms(model)

    losses = []
    with Progress(args.steps, title=name) as bar:
        step = 0
        while step < args.steps:
            for idx in batch_indices(len(data.train_y), args.batch_size, generator=gen, drop_last=True):
                if step >= args.steps:
                    break
                x, y = batch(data, idx, dev, gen)
                with dev.autocast():
                    logits = model(x)
                    loss = criterion(logits, y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
                bar.step(loss=loss.item(), acc=accuracy(logits, y))
                step += 1

    model.zero_grad()
    criterion(model(probe_x), probe_y).backward()
    final_norms = conv_grad_norms(model)
    _, val_acc = evaluate(model, data.test_x, data.test_y, dev, data.mean, data.std)
    return {"loss": losses, "init": init_norms, "final": final_norms, "val_acc": val_acc}


def plot_grad_norms(runs: dict, path, depth: int):
    fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
    for ax, when in zip(axes, ("init", "final")):
        for name, run in runs.items():
            # a dead net has gradients of exactly 0; draw them at 1e-12 so they stay on the log axis
            ax.semilogy(range(1, len(run[when]) + 1), [max(v, 1e-12) for v in run[when]], "o-", label=name)
        ax.set(title=f"conv weight gradient norm ({'at init' if when == 'init' else 'after training'})",
               xlabel="conv layer (1 = next to the input)", ylabel="||dL/dW|| (log scale; 0 drawn at 1e-12)")
        ax.legend()
    fig.suptitle(f"{depth}-layer nets: the plain net's gradient fades towards the input")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_losses(runs: dict, path, depth: int):
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, run in runs.items():
        ax.plot(smooth(run["loss"]), label=f"{name} (val acc {run['val_acc']:.3f})")
    ax.set(title=f"training loss, {depth} layers", xlabel="step", ylabel="cross-entropy (smoothed)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main() -> int:
    parser = demo_parser(__doc__)
    parser.add_argument("--depth", type=int, default=20, help="layers counted as in the paper: convs + the final linear (default 20)")
    parser.add_argument("--width", type=int, help="channels of every block")
    parser.add_argument("--bn", action="store_true", help="add BatchNorm after each conv (hides most of the vanishing)")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate (default 3e-3)")
    parser.add_argument("--steps", type=int, help="training steps per net")
    args = parser.parse_args()

    dev = pick_device(args.device, compile=args.compile)
    apply_mode(
        args,
        full=dict(steps=2000, batch_size=128, width=32, n_train=None),
        quick=dict(steps=300, batch_size=64, width=16, n_train=4000),
        tiny=dict(steps=60, batch_size=16, width=8, n_train=128),
    )
    out = out_dir(args, "residual_vs_plain")
    n_test = {"full": None, "quick": 1000, "tiny": 64}[args.mode]
    data = load_data(args.data_dir, args.download, n_train=args.n_train, n_test=n_test, seed=args.seed).to(dev.device)
    print(data.describe())
    print(f"device: {dev.describe()}")
    print(f"model: {args.depth} layers, width {args.width}, {'with' if args.bn else 'no'} BatchNorm, "
          f"{count_parameters(DeepNet(args.depth, args.width, residual=True, bn=args.bn)):,} params (both nets)")

    start = time.perf_counter()
    runs = {name: train(name, data, dev, args) for name in ("plain", "residual")}
    elapsed = time.perf_counter() - start

    files = [plot_grad_norms(runs, out / "grad_norms.png", args.depth), plot_losses(runs, out / "loss.png", args.depth)]
    for name, run in runs.items():
        print(f"  {name:9s} first-layer grad norm at init {run['init'][0]:.3e}, last conv {run['init'][-1]:.3e}, "
              f"final loss {sum(run['loss'][-10:]) / len(run['loss'][-10:]):.4f}, val_acc {run['val_acc']:.4f}")
    print_summary(
        "residual_vs_plain",
        {
            "depth": args.depth,
            "bn": args.bn,
            "plain_first_grad": runs["plain"]["init"][0],
            "residual_first_grad": runs["residual"]["init"][0],
            "plain_loss": sum(runs["plain"]["loss"][-10:]) / len(runs["plain"]["loss"][-10:]),
            "residual_loss": sum(runs["residual"]["loss"][-10:]) / len(runs["residual"]["loss"][-10:]),
            "plain_val_acc": runs["plain"]["val_acc"],
            "residual_val_acc": runs["residual"]["val_acc"],
            "time_s": elapsed,
        },
        out,
        files,
    )
    return 0


if __name__ == "__main__":
    run_main(main)
