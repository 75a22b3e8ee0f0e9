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


def lr_axis(ax, lrs: list[float]) -> None:
    """Log scale for a learning-rate axis when every LR is positive: one-cycle ends 10^4 below
    its start, and on a linear axis that whole final anneal looks like zero."""
    if lrs and min(lrs) > 0:
        ax.set_yscale("log")
        ax.set_ylabel("learning rate (log scale)", color="tab:blue")
    else:
        ax.set_ylabel("learning rate", color="tab:blue")


def loss_top(train_losses: list[float]) -> float:
    """Upper y-limit for a loss panel: just above the smoothed training loss.

    A validation loss far above it (the first epoch of a high-LR run, before BN statistics
    settle, can read 7+) would otherwise squash the whole training curve into the bottom strip;
    such points are drawn at the top edge and labelled instead (see plot_training).
    """
    finite = [v for v in smooth(train_losses) if v == v and abs(v) != float("inf")]
    return max(finite) * 1.15 if finite else 1.0


def plot_training(history, path: Path, title: str = "", momentum_label: str = "momentum") -> Path:
    """training_figure() saved as a PNG."""
    return _save(training_figure(history, title, momentum_label), path)


def training_figure(history, title: str = "", momentum_label: str = "momentum"):
    """Three panels: LR (log scale) and momentum per step, loss per step, accuracy per epoch.

    momentum_label: what the right axis of the schedule panel is, e.g. "Adam β1 (momentum)"
    when the optimizer is Adam (OneCycleLR cycles beta1 where SGD has momentum).
    """
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    steps = history.series("step")
    ax = axes[0]
    lrs = history.series("lr")
    ax.plot(steps, lrs, color="tab:blue", label="learning rate")
    ax.set_xlabel("step")
    lr_axis(ax, lrs)
    momentum = history.series("momentum")
    if momentum:
        ax2 = ax.twinx()
        ax2.plot(steps, momentum, color="tab:orange", label=momentum_label)
        ax2.set_ylabel(momentum_label, color="tab:orange")
    ax.set_title("schedule")

    losses = history.series("loss")
    axes[1].plot(steps, losses, alpha=0.3, color="tab:gray", label="per step")
    axes[1].plot(steps, smooth(losses), color="tab:red", label="smoothed")
    val = [(e["epoch"], e["val_loss"]) for e in history.epochs if "val_loss" in e]
    top = loss_top(losses)
    if val:
        per_epoch = max(len(steps) // max(len(history.epochs), 1), 1)
        xs = [e * per_epoch for e, _ in val]
        axes[1].plot(xs, [min(v, top) for _, v in val], "o-", color="tab:green", label="validation")
        for x, (epoch, v) in zip(xs, val):
            if v > top:  # off the scale: pin it to the edge and say its value
                axes[1].annotate(f"epoch {epoch}: {v:.1f} (off scale)", (x, top), xytext=(4, -12),
                                 textcoords="offset points", fontsize=7, color="tab:green")
    if losses:
        axes[1].set_ylim(0, top)
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
    return fig


def plot_schedule(lrs: list[float], momenta: list[float] | None, path: Path, title: str = "schedule",
                  momentum_label: str = "momentum") -> Path:
    """schedule_figure() saved as a PNG."""
    return _save(schedule_figure(lrs, momenta, title, momentum_label), path)


def schedule_figure(lrs: list[float], momenta: list[float] | None, title: str = "schedule", momentum_label: str = "momentum"):
    """LR (left axis, log scale) and momentum (right axis) against the step."""
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(lrs, color="tab:blue")
    ax.set_xlabel("step")
    lr_axis(ax, lrs)
    if momenta:
        ax2 = ax.twinx()
        ax2.plot(momenta, color="tab:orange")
        ax2.set_ylabel(momentum_label, color="tab:orange")
    ax.set_title(title)
    return fig


def plot_comparison(runs: dict, path: Path, title: str = "comparison") -> Path:
    """comparison_figure() saved as a PNG."""
    return _save(comparison_figure(runs, title), path)


def comparison_figure(runs: dict, title: str = "comparison"):
    """Several runs (name -> History) on one figure: LR (log scale), smoothed loss, validation accuracy."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    all_lrs = []
    for name, history in runs.items():
        all_lrs += history.series("lr")
        axes[0].plot(history.series("lr"), label=name)
        axes[1].plot(smooth(history.series("loss")), label=name)
        axes[2].plot(history.series("epoch", "epochs"), history.series("val_acc", "epochs"), "o-", label=name)
    axes[0].set(title="learning rate", xlabel="step")
    lr_axis(axes[0], all_lrs)
    axes[1].set(title="training loss (smoothed)", xlabel="step")
    axes[2].set(title="validation accuracy", xlabel="epoch", ylim=(0, 1))
    for ax in axes:
        ax.legend()
    fig.suptitle(title)
    return fig


def plot_bars(names: list[str], values: list[float], path: Path, ylabel: str, title: str = "",
              chance: float | None = None) -> Path:
    """bars_figure() saved as a PNG."""
    return _save(bars_figure(names, values, ylabel, title, chance), path)


def bars_figure(names: list[str], values: list[float], ylabel: str, title: str = "", chance: float | None = None):
    """One bar per run (e.g. final accuracy of each config); `chance`: a dashed line at the
    accuracy of guessing (1 / number of classes), so a bar near it reads as "learned nothing"."""
    fig, ax = plt.subplots(figsize=(max(5, 1.4 * len(names)), 4))
    bars = ax.bar(names, values, color="tab:blue")
    ax.bar_label(bars, fmt="%.3f")
    if chance is not None:
        ax.axhline(chance, color="tab:red", linestyle="--", label=f"chance ({chance:.2f})")
        ax.set_ylim(0, max(list(values) + [chance]) * 1.3)  # headroom: the legend sits above the bars
        ax.legend(loc="upper right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig


def plot_params_accuracy(results: dict, path: Path, title: str = "") -> Path:
    """params_accuracy_figure() saved as a PNG."""
    return _save(params_accuracy_figure(results, title), path)


def params_accuracy_figure(results: dict, title: str = ""):
    """One point per model: parameters (log x axis) against validation accuracy.

    results: name -> {"params": int, "val_acc": float}. Up and to the left is better: more
    accuracy from fewer parameters.
    """
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, r in results.items():
        ax.scatter([r["params"]], [r["val_acc"]], s=80)
        ax.annotate(f"{name}: {r['params']:,} params, acc {r['val_acc']:.3f}", (r["params"], r["val_acc"]),
                    xytext=(8, 6), textcoords="offset points", fontsize=8)
    ax.set_xscale("log")
    params = [r["params"] for r in results.values()]
    if params:
        ax.set_xlim(min(params) / 4, max(params) * 8)  # room for the labels on the right
    ax.set(xlabel="parameters (log scale)", ylabel="validation accuracy", ylim=(0, 1))
    ax.set_title(title, fontsize=9)
    ax.grid(True, which="major", alpha=0.3)
    return fig


def plot_lr_finder(lrs: list[float], losses: list[float], path: Path, suggestions: dict | None = None,
                   chosen: str | None = None, minimum: int | None = None) -> Path:
    """lr_finder_figure() saved as a PNG."""
    return _save(lr_finder_figure(lrs, losses, suggestions, chosen, minimum), path)


def lr_finder_figure(lrs: list[float], losses: list[float], suggestions: dict | None = None, chosen: str | None = None,
                     minimum: int | None = None):
    """Smoothed loss against the learning rate (log x axis), both rules of thumb marked.

    suggestions: {"steepest": lr, "min/10": lr}; `chosen` names the one the demo uses; `minimum`
    is the index of the minimum the rules used (default: the lowest point). The y-axis shows the
    useful part (the plateau, the descent, the minimum); the blow-up at the end is cut at the
    top, not allowed to set the scale and flatten everything else.
    """
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(lrs, losses, color="tab:blue", label="smoothed loss")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("smoothed loss")
    finite = [v for v in losses if v == v and abs(v) != float("inf")]
    if finite:
        low = min(finite)
        min_i = losses.index(low) if minimum is None else minimum
        high = max(v for v in losses[: min_i + 1] if v in finite)  # the plateau before the minimum
        pad = 0.15 * (high - low) or 0.05 * abs(high) or 0.1
        ax.set_ylim(low - pad, high + 2 * pad)
        ax.plot([lrs[min_i]], [losses[min_i]], "v", color="black",
                label=f"minimum at {lrs[min_i]:.1e}" + ("" if minimum is None else " (before the loss first turns up)"))
    styles = {"steepest": ("tab:orange", "steepest descent"), "min/10": ("tab:red", "minimum / 10")}
    for rule, lr in (suggestions or {}).items():
        colour, name = styles.get(rule, ("tab:purple", rule))
        used = " (used)" if rule == chosen else ""
        ax.axvline(lr, color=colour, linestyle="--" if used else ":", label=f"{name}: {lr:.1e}{used}")
    ax.legend(fontsize=8)
    ax.set_title("LR range test")
    return fig


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


def plot_ablation(runs: dict, rows: list[dict], path: Path, title: str = "cumulative ablation") -> Path:
    """ablation_figure() saved as a PNG."""
    return _save(ablation_figure(runs, rows, title), path)


def ablation_figure(runs: dict, rows: list[dict], title: str = "cumulative ablation"):
    """The cumulative ablation on one figure.

    runs: row label -> History (val_acc per epoch); rows: one dict per row with ingredient,
    val_acc, delta (None for row 0), train_acc, confidence.
    Left: validation accuracy per epoch, one line per row. Middle: what each ingredient added
    to the row above (green up, red down). Right: per row, clean train accuracy, validation
    accuracy and mean confidence: the train-val gap is overfitting, confidence above accuracy
    is over-confidence (what label smoothing and mixup reduce).
    """
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8))
    colours = plt.cm.viridis([i / max(len(runs) - 1, 1) for i in range(len(runs))])
    ax = axes[0]
    for colour, (label, history) in zip(colours, runs.items()):
        ax.plot(history.series("epoch", "epochs"), history.series("val_acc", "epochs"), "o-", color=colour, label=label)
    ax.set(title="validation accuracy per epoch", xlabel="epoch", ylabel="val accuracy", ylim=(0, 1))
    ax.legend(fontsize=7, loc="upper left")

    ax = axes[1]
    added = [r for r in rows if r.get("delta") is not None]
    names = [r["ingredient"] for r in added]
    deltas = [r["delta"] for r in added]
    bars = ax.barh(names, deltas, color=["tab:green" if d >= 0 else "tab:red" for d in deltas])
    ax.bar_label(bars, labels=[f"{d:+.3f}" for d in deltas], fontsize=8, padding=2)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.invert_yaxis()  # first ingredient on top, in the order they were added
    ax.set(title="what each ingredient added (Δ val acc vs the row above)", xlabel="Δ validation accuracy")
    span = max((abs(d) for d in deltas), default=0.05) * 1.35 or 0.05
    ax.set_xlim(-span, span)

    ax = axes[2]
    x = list(range(len(rows)))
    ax.plot(x, [r["train_acc"] for r in rows], "s--", label="train accuracy (clean, eval mode)")
    ax.plot(x, [r["val_acc"] for r in rows], "o-", label="validation accuracy")
    ax.plot(x, [r["confidence"] for r in rows], "^:", label="mean confidence (val)")
    ax.set_xticks(x, [r["ingredient"] for r in rows], rotation=35, ha="right", fontsize=8)
    ax.set(title="overfitting and over-confidence per row", ylim=(0, 1.02))
    ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(title)
    return fig


def plot_receptive_field(maps: list[tuple], box: tuple[int, int, int], path: Path, title: str = "") -> Path:
    """receptive_field_figure() saved as a PNG."""
    return _save(receptive_field_figure(maps, box, title), path)


def receptive_field_figure(maps: list[tuple], box: tuple[int, int, int], title: str = "", decades: float = 12.0):
    """Input-gradient maps side by side on a logarithmic colour scale, the calculator's RF boxed.

    maps: (H x W gradient magnitudes, panel title, effective box (row, col, side) or None);
    box: (top row, left col, side) of the calculator's receptive field.
    A linear scale shows only the bright centre (a field of 25 px looks like 13); on a log
    scale spanning `decades` powers of ten every pixel with real influence is visible, and
    pixels with exactly none stay black.
    """
    from matplotlib.colors import LogNorm

    cmap = plt.get_cmap("inferno").with_extremes(bad="black")  # zero gradient: outside the field
    fig, axes = plt.subplots(1, len(maps), figsize=(5.5 * len(maps), 5), squeeze=False)
    for ax, (grad, panel_title, effective) in zip(axes[0], maps):
        values = grad.float() / grad.max()
        positive = values[values > 0]
        low = max(float(positive.min()) if len(positive) else 1e-6, 10 ** -decades)
        image = ax.imshow(values.numpy(), cmap=cmap, norm=LogNorm(vmin=low, vmax=1.0), interpolation="nearest")
        top, left, side = box
        ax.add_patch(plt.Rectangle((left - 0.5, top - 0.5), side, side, fill=False, color="cyan", linestyle="--",
                                   linewidth=1.5, label=f"calculator RF {side} px"))
        if effective is not None:
            e_top, e_left, e_side = effective
            ax.add_patch(plt.Rectangle((e_left - 0.5, e_top - 0.5), e_side, e_side, fill=False, color="lime",
                                       linewidth=1.5, label=f"effective RF {e_side} px"))
        ax.set_title(panel_title, fontsize=10)
        ax.legend(loc="lower right", fontsize=8)
        fig.colorbar(image, ax=ax, fraction=0.046, label="|gradient| / max (log scale)")
    if title:
        fig.suptitle(title)
    return fig
