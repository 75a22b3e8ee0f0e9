"""PNG figures for the demos (matplotlib, Agg backend: no display needed).

Each function takes plain lists/tensors and a path, writes one PNG and returns the path.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)


def _save(fig, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def smooth(values: list[float], beta: float = 0.9) -> list[float]:
    """Exponential moving average with bias correction (what the LR finder plots too)."""
    out, avg = [], 0.0
    for i, v in enumerate(values, start=1):
        avg = beta * avg + (1 - beta) * v
        out.append(avg / (1 - beta**i))
    return out


def plot_training(history, path: Path, title: str = "") -> Path:
    """Three panels: LR (and momentum) per step, loss per step, accuracy per epoch."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    steps = history.series("step")
    ax = axes[0]
    ax.plot(steps, history.series("lr"), color="tab:blue", label="learning rate")
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate", color="tab:blue")
    momentum = history.series("momentum")
    if momentum:
        ax2 = ax.twinx()
        ax2.plot(steps, momentum, color="tab:orange", label="momentum")
        ax2.set_ylabel("momentum", color="tab:orange")
    ax.set_title("schedule")

    losses = history.series("loss")
    axes[1].plot(steps, losses, alpha=0.3, color="tab:gray", label="per step")
    axes[1].plot(steps, smooth(losses), color="tab:red", label="smoothed")
    val = [(e["epoch"], e["val_loss"]) for e in history.epochs if "val_loss" in e]
    if val:
        per_epoch = max(len(steps) // max(len(history.epochs), 1), 1)
        axes[1].plot([e * per_epoch for e, _ in val], [v for _, v in val], "o-", color="tab:green", label="validation")
    axes[1].set_xlabel("step")
    axes[1].set_title("loss")
    axes[1].legend()

    epochs = history.series("epoch", "epochs")
    for key, style in (("train_acc", "s--"), ("val_acc", "o-")):
        values = history.series(key, "epochs")
        if values:
            axes[2].plot(epochs[: len(values)], values, style, label=key.replace("_", " "))
    axes[2].set_xlabel("epoch")
    axes[2].set_ylim(0, 1)
    axes[2].set_title("accuracy")
    axes[2].legend()
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def plot_schedule(lrs: list[float], momenta: list[float] | None, path: Path, title: str = "schedule") -> Path:
    """LR (left axis) and momentum (right axis) against the step."""
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(lrs, color="tab:blue")
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate", color="tab:blue")
    if momenta:
        ax2 = ax.twinx()
        ax2.plot(momenta, color="tab:orange")
        ax2.set_ylabel("momentum", color="tab:orange")
    ax.set_title(title)
    return _save(fig, path)


def plot_comparison(runs: dict, path: Path, title: str = "comparison") -> Path:
    """Several runs (name -> History) on one figure: LR, smoothed loss, validation accuracy."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for name, history in runs.items():
        axes[0].plot(history.series("lr"), label=name)
        axes[1].plot(smooth(history.series("loss")), label=name)
        axes[2].plot(history.series("epoch", "epochs"), history.series("val_acc", "epochs"), "o-", label=name)
    axes[0].set(title="learning rate", xlabel="step")
    axes[1].set(title="training loss (smoothed)", xlabel="step")
    axes[2].set(title="validation accuracy", xlabel="epoch", ylim=(0, 1))
    for ax in axes:
        ax.legend()
    fig.suptitle(title)
    return _save(fig, path)


def plot_bars(names: list[str], values: list[float], path: Path, ylabel: str, title: str = "") -> Path:
    """One bar per run (e.g. final accuracy of each config)."""
    fig, ax = plt.subplots(figsize=(max(5, 1.4 * len(names)), 4))
    bars = ax.bar(names, values, color="tab:blue")
    ax.bar_label(bars, fmt="%.3f")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return _save(fig, path)


def plot_lr_finder(lrs: list[float], losses: list[float], path: Path, suggestion: float | None = None, label: str = "") -> Path:
    """Smoothed loss against the learning rate (log x axis), with the suggested LR marked."""
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(lrs, losses)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("smoothed loss")
    if suggestion is not None:
        ax.axvline(suggestion, color="tab:red", linestyle="--", label=f"suggested {suggestion:.2e} {label}")
        ax.legend()
    ax.set_title("LR range test")
    return _save(fig, path)


def plot_filters(weight, path: Path, title: str = "first-layer filters") -> Path:
    """Conv filters (out, 3, k, k) as small RGB tiles, each min-max scaled."""
    w = weight.detach().float().cpu()
    n = w.shape[0]
    cols = 8
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.9, rows * 0.9))
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            f = w[i]
            f = (f - f.min()) / (f.max() - f.min() + 1e-8)
            ax.imshow(f.permute(1, 2, 0).numpy() if f.shape[0] == 3 else f[0].numpy(), interpolation="nearest")
    fig.suptitle(title)
    return _save(fig, path)


def plot_predictions(images, labels, preds, classes: list[str], path: Path, n: int = 24) -> Path:
    """A grid of test images titled "predicted (true)", green when right and red when wrong."""
    images = images[:n].cpu()
    cols = 8
    rows = -(-len(images) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.4, rows * 1.6))
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i].permute(1, 2, 0).numpy())
            ok = int(preds[i]) == int(labels[i])
            ax.set_title(f"{classes[int(preds[i])]}\n({classes[int(labels[i])]})", fontsize=7, color="green" if ok else "red")
    fig.suptitle("predicted (true)")
    return _save(fig, path)
