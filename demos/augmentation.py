"""Augmentation: see crops (zero vs reflect padding), flips, colour jitter, mixup, cutmix; measure the gain.

Augmentation makes new training images from old ones by changes that keep the label: shift the
image a few pixels (pad, then crop at a random place), mirror it, change its colours. The net
sees a slightly different image every epoch, so memorising the training set gets harder and
what it learns has to hold under those changes. Mixup and cutmix go further: they blend two
images (mixup: pixel-wise, cutmix: paste a box) and blend the labels by the same proportion.

Zero vs reflect padding: zero padding adds black bars at the shifted border, which the net can
learn as a feature of "shifted" images; reflect padding fills them with mirrored content.

What you get under --out:
  grid.png       the same few images under each augmentation, one row each
  accuracy.png   train and validation accuracy per epoch, with and without augmentation (same
                 net, same steps, a small training set), and the train - val gap of each.

The lesson: augmentation trades fit to the training set for generalisation. The quick run
trains the same small CNN (with BatchNorm, so it fits fast) on only 600 training images for 20
epochs, once plain and once with crop + flip. The plain net memorises them (train accuracy
1.0 by the last epochs) while its validation accuracy stalls: the gap is most of its train
accuracy. The augmented net never sees the same image twice, fits far less, and its gap stays
small; its validation accuracy keeps rising after the plain net's has stopped and ends level
with it or ahead (by a few points on the offline set: a short run, so the margin is noisy from
seed to seed, while the gap difference is large every time). A longer run (--epochs 60, or
--full on a GPU with 5,000 images and a wider net) turns that into a clear lead.

    python demos/augmentation.py --quick          # about a minute on 2 idle CPU cores
"""

from __future__ import annotations

import time

import torch
from torch import nn

from studytui.lab import augment
from studytui.lab.config import apply_mode, demo_parser, out_dir, run_main
from studytui.lab.data import load_data
from studytui.lab.device import pick_device
from studytui.lab.plots import plt
from studytui.lab.progress import Progress, print_summary
from studytui.lab.train import evaluate, seed_everything, train_epoch


def colour_jitter(x: torch.Tensor, strength: float = 0.4, generator: torch.Generator | None = None) -> torch.Tensor:
    """Random brightness, contrast and saturation per image (uint8 in, uint8 out).

    Each factor is drawn from [1 - strength, 1 + strength], like torchvision's ColorJitter.
    """
    n = x.shape[0]
    f = x.float() / 255

    def factor():
        return (1 + strength * (2 * torch.rand(n, 1, 1, 1, generator=generator) - 1)).to(x.device)

    f = f * factor()  # brightness: scale every pixel
    mean = f.mean(dim=(1, 2, 3), keepdim=True)
    f = mean + (f - mean) * factor()  # contrast: stretch around the image's mean
    grey = f.mean(dim=1, keepdim=True)
    f = grey + (f - grey) * factor()  # saturation: move away from / towards grey
    return (f.clamp(0, 1) * 255).round().to(torch.uint8)


def augmentation_grid(images: torch.Tensor, labels: torch.Tensor, num_classes: int, path, seed: int):
    """One row per augmentation applied to the same images; mixup/cutmix rows show their label weights."""
    gen = torch.Generator().manual_seed(seed)
    x = images.cpu()
    y = labels.cpu()
    rows = {
        "original": x,
        "crop, zero pad 6": augment.random_crop(x, padding=6, mode="zeros", generator=gen),
        "crop, reflect pad 6": augment.random_crop(x, padding=6, mode="reflect", generator=gen),
        "horizontal flip": x.flip(3),
        "colour jitter": colour_jitter(x, generator=gen),
    }
    # alpha=50 puts lam near 0.5 so the blend is easy to see; training uses alpha 0.2 to 1
    mixed, mix_targets = augment.mixup(x.float(), y, alpha=50.0, num_classes=num_classes, generator=gen)
    rows["mixup"] = mixed.round().to(torch.uint8)
    cut, cut_targets = augment.cutmix(x, y, alpha=50.0, num_classes=num_classes, generator=gen)
    rows["cutmix"] = cut
    targets = {"mixup": mix_targets, "cutmix": cut_targets}

    n = x.shape[0]
    fig, axes = plt.subplots(len(rows), n, figsize=(1.5 * n, 1.6 * len(rows)), squeeze=False)
    for r, (name, batch) in enumerate(rows.items()):
        for i in range(n):
            ax = axes[r][i]
            ax.imshow(batch[i].permute(1, 2, 0).numpy(), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if name in targets:  # the two biggest label weights of the soft target
                w, c = targets[name][i].topk(2)
                ax.set_title(f"{w[0]:.2f}·c{int(c[0])} + {w[1]:.2f}·c{int(c[1])}", fontsize=6)
            if i == 0:
                ax.set_ylabel(name, fontsize=8)
    fig.suptitle("the same images under each augmentation")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def small_cnn(width: int, num_classes: int) -> nn.Sequential:
    """Three conv-BN-ReLU-pool stages (32 -> 4) and a linear layer on the flattened 4x4 map.

    BatchNorm makes a short run fit fast: the plain net then memorises its small training set
    within a few epochs, which is the regime where augmentation shows what it is for.
    """
    w1, w2 = width, 2 * width
    return nn.Sequential(
        nn.Conv2d(3, w1, 3, padding=1, bias=False), nn.BatchNorm2d(w1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(w1, w2, 3, padding=1, bias=False), nn.BatchNorm2d(w2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(w2, w2, 3, padding=1, bias=False), nn.BatchNorm2d(w2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(w2 * 4 * 4, num_classes),
    )


def plot_gap(results: dict, path, title: str):
    """Left: train (dashed) and val (solid) accuracy per epoch; right: the final train - val gap."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [2, 1]})
    for (name, r), colour in zip(results.items(), ("tab:red", "tab:blue")):
        epochs = range(1, len(r["curve"]["val_acc"]) + 1)
        left.plot(epochs, r["curve"]["train_acc"], "--", color=colour, label=f"{name}: train")
        left.plot(epochs, r["curve"]["val_acc"], "-", color=colour, label=f"{name}: val")
    left.axhline(0.1, color="grey", linestyle=":", label="chance (10 classes)")
    left.set(xlabel="epoch", ylabel="accuracy", title="fit vs generalisation")
    left.legend(fontsize=8)
    gaps = [r["train_acc"] - r["val_acc"] for r in results.values()]
    right.bar(list(results), gaps, color=["tab:red", "tab:blue"])
    right.set(ylabel="train acc - val acc", title="the gap (smaller = less memorising)")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main() -> int:
    parser = demo_parser(__doc__)
    parser.add_argument("--width", type=int, help="CNN first-stage channels")
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam learning rate (default 2e-3)")
    parser.add_argument("--grid-images", type=int, default=8, help="images per row in grid.png (default 8)")
    args = parser.parse_args()

    dev = pick_device(args.device, compile=args.compile)
    apply_mode(
        args,
        full=dict(epochs=40, batch_size=128, width=64, n_train=5000),
        quick=dict(epochs=20, batch_size=64, width=16, n_train=600),
        tiny=dict(epochs=12, batch_size=16, width=8, n_train=64),  # enough for the plain net to memorise
    )
    out = out_dir(args, "augmentation")
    n_test = {"full": 5000, "quick": 1000, "tiny": 64}[args.mode]
    data = load_data(args.data_dir, args.download, n_train=args.n_train, n_test=n_test, seed=args.seed).to(dev.device)
    print(data.describe())
    print(f"device: {dev.describe()}")

    files = [augmentation_grid(data.train_x[: args.grid_images], data.train_y[: args.grid_images], data.num_classes,
                               out / "grid.png", args.seed)]

    # the training-time pipeline: reflect-padded crop + flip, on the whole batch at once
    def train_augment(x, gen):
        return augment.random_flip(augment.random_crop(x, padding=4, mode="reflect", generator=gen), generator=gen)

    results = {}
    start = time.perf_counter()
    for name, use_aug in (("no augmentation", False), ("crop + flip", True)):
        gen = seed_everything(args.seed)
        model = dev.prepare(small_cnn(args.width, data.num_classes))
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
        steps = args.epochs * (len(data.train_y) // args.batch_size)
        curve = {"train_acc": [], "val_acc": []}
        with Progress(steps, title=name) as bar:
            for epoch in range(args.epochs):
                train_loss, train_acc = train_epoch(model, data, optimizer, dev, batch_size=args.batch_size,
                                                    augment=(lambda x: train_augment(x, gen)) if use_aug else None,
                                                    criterion=nn.CrossEntropyLoss(), generator=gen, progress=bar)
                val_loss, val_acc = evaluate(model, data.test_x, data.test_y, dev, data.mean, data.std)
                curve["train_acc"].append(train_acc)
                curve["val_acc"].append(val_acc)
                bar.epoch(epoch + 1, None, train_loss=train_loss, train_acc=train_acc, val_loss=val_loss, val_acc=val_acc)
        results[name] = dict(train_acc=train_acc, val_acc=val_acc, curve=curve)
        print(f"  {name:16s} train_acc={train_acc:.4f} val_acc={val_acc:.4f} (gap {train_acc - val_acc:+.4f})")

    files.append(plot_gap(results, out / "accuracy.png",
                          title=f"small CNN w{args.width}, {len(data.train_y)} training images, {args.epochs} epochs"))
    print_summary(
        "augmentation",
        {
            "val_acc_plain": results["no augmentation"]["val_acc"],
            "val_acc_aug": results["crop + flip"]["val_acc"],
            "train_acc_plain": results["no augmentation"]["train_acc"],
            "train_acc_aug": results["crop + flip"]["train_acc"],
            "gap_plain": results["no augmentation"]["train_acc"] - results["no augmentation"]["val_acc"],
            "gap_aug": results["crop + flip"]["train_acc"] - results["crop + flip"]["val_acc"],
            "n_train": len(data.train_y),
            "time_s": time.perf_counter() - start,
        },
        out,
        files,
    )
    return 0


if __name__ == "__main__":
    run_main(main)
