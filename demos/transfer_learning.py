"""Transfer learning: freeze the backbone, train a new head, then unfreeze gradually with discriminative LRs.

The recipe for a new task with little data, when a network trained on a big task exists:

  1. Replace the head (the last Linear) with a fresh one sized for the new classes.
  2. Freeze the backbone (requires_grad = False, BN layers kept in eval mode so their running
     statistics stay those of the big task) and train only the head: the new head starts random,
     and its large early gradients would otherwise wreck the pretrained features.
  3. Progressive unfreezing: unfreeze the last stage, then everything, one phase at a time.
  4. Discriminative learning rates (one optimizer param group per stage): early stages hold
     generic features (edges, colours) that need little change, late stages task-specific ones,
     so each stage gets the LR of the stage above it divided by --lr-ratio.

The backbone is torchvision's ResNet-18 with ImageNet weights when they are cached on disk or
can be downloaded. Offline (or with --offline) the demo says so in one loud line and instead
pretrains a small CNN on classes 0-4 of the offline data, then transfers it to classes 5-9, so the
whole workflow still runs. A model trained from scratch on the same target data, for the same
number of epochs, is the baseline.

Lesson: with few target images, features learned on another task are worth more than the same
training budget spent from random weights; the head alone already uses them, and unfreezing the
later stages with smaller LRs lets them adapt. The quick run (offline: pretraining on 2,000
images of classes 0-4 for 8 epochs, then 500 target images) prints the four accuracies: head
only, + last stage, + all stages (6 epochs in total) and from scratch (6 epochs). A tiny run is
too short to pretrain anything useful, so the test checks the mechanism: during the head-only
phase not one backbone weight or BN statistic moves, and the trainable parameter count grows
phase by phase. A full GPU run with the ImageNet ResNet-18 shows the real size of the effect,
and how much less the from-scratch ResNet-18 gets out of 2,500 images.

    python demos/transfer_learning.py --quick              # ~1 min on 2 CPU cores
    python demos/transfer_learning.py --quick --offline    # never touch the network
"""

from __future__ import annotations

import time
from dataclasses import replace

import torch
from torch import nn

from studytui.lab import augment
from studytui.lab.config import apply_mode, demo_parser, out_dir, run_main
from studytui.lab.data import load_data
from studytui.lab.device import pick_device
from studytui.lab.plots import plot_bars
from studytui.lab.progress import Progress, print_summary
from studytui.lab.train import batch_indices, evaluate, seed_everything

# ---------------------------------------------------------------------------------------------
# The two possible backbones, each split into stages (input side first) and a head
# ---------------------------------------------------------------------------------------------


class SmallNet(nn.Module):
    """Three conv-BN-ReLU-pool stages and a linear head: the offline stand-in for ResNet-18."""

    def __init__(self, num_classes: int, width: int = 16):
        super().__init__()

        def stage(cin: int, cout: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                                 nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                                 nn.MaxPool2d(2))

        self.stage1 = stage(3, width)
        self.stage2 = stage(width, 2 * width)
        self.stage3 = stage(2 * width, 4 * width)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(4 * width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.stage3(self.stage2(self.stage1(x)))))

    def stages(self) -> list[list[nn.Module]]:
        return [[self.stage1], [self.stage2], [self.stage3]]


IMAGENET_MEAN = (0.485, 0.456, 0.406)  # torchvision's ImageNet weights were trained on these
IMAGENET_STD = (0.229, 0.224, 0.225)


def resnet18_stages(model: nn.Module) -> list[list[nn.Module]]:
    """torchvision's ResNet-18 as stages: stem, layer1 .. layer4 (the head is model.fc)."""
    return [[model.conv1, model.bn1], [model.layer1], [model.layer2], [model.layer3], [model.layer4]]


def imagenet_resnet18(offline: bool):
    """torchvision ResNet-18 with ImageNet weights, or (None, why) when they cannot be had."""
    if offline:
        return None, "--offline given"
    import socket

    import torchvision
    from torchvision.models import ResNet18_Weights

    url = ResNet18_Weights.IMAGENET1K_V1.url
    cached = torch.hub.get_dir() + "/checkpoints/" + url.rsplit("/", 1)[-1]
    old_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(10)  # fail fast when offline instead of hanging on DNS/connect
    try:
        return torchvision.models.resnet18(weights="IMAGENET1K_V1"), f"ImageNet weights from {cached}"
    except Exception as exc:  # URLError, socket errors, a corrupt cache ...: all mean "not available"
        return None, f"could not load or download {url.rsplit('/', 1)[-1]} ({type(exc).__name__}: {str(exc).splitlines()[0][:80]})"
    finally:
        socket.setdefaulttimeout(old_timeout)


def classes_subset(data, classes: list[int], n_train: int | None = None):
    """Only the images of `classes`, relabelled 0..len(classes)-1; at most n_train training images."""
    def pick(x, y):
        keep = torch.isin(y, torch.tensor(classes, device=y.device))
        new_label = torch.full((int(y.max()) + 1,), -1, dtype=torch.long, device=y.device)
        new_label[torch.tensor(classes, device=y.device)] = torch.arange(len(classes), device=y.device)
        return x[keep], new_label[y[keep]]

    train_x, train_y = pick(data.train_x, data.train_y)
    test_x, test_y = pick(data.test_x, data.test_y)
    if n_train is not None:
        train_x, train_y = train_x[:n_train], train_y[:n_train]
    return replace(data, classes=[data.classes[c] for c in classes], train_x=train_x, train_y=train_y, test_x=test_x, test_y=test_y)


# ---------------------------------------------------------------------------------------------
# Freezing, param groups and the training loop
# ---------------------------------------------------------------------------------------------


def set_trainable(modules: list[nn.Module], trainable: bool) -> None:
    for m in modules:
        for p in m.parameters():
            p.requires_grad = trainable


def param_groups(stages: list[list[nn.Module]], head: nn.Module, unfrozen: int, lr: float, ratio: float) -> list[dict]:
    """Head at `lr`; the last `unfrozen` stages at lr/ratio, lr/ratio^2, ... going towards the input."""
    groups = [{"params": list(head.parameters()), "lr": lr, "name": "head"}]
    for depth, stage in enumerate(reversed(stages[len(stages) - unfrozen:] if unfrozen else []), start=1):
        groups.append({"params": [p for m in stage for p in m.parameters()], "lr": lr / ratio**depth,
                       "name": f"stage -{depth}"})
    return groups


def train_phase(title: str, model, stages, unfrozen: int, data, dev, args, gen, epochs: int | None = None,
                lr_ratio: float | None = None, lr: float | None = None) -> float:
    """Train the head and the last `unfrozen` stages for `epochs` (default args.phase_epochs); returns val accuracy.

    lr_ratio=1 gives every stage the same LR (plain training: pretraining and the baseline).
    """
    epochs = epochs or args.phase_epochs
    frozen = [m for stage in stages[: len(stages) - unfrozen] for m in stage]
    set_trainable([model], True)
    set_trainable(frozen, False)
    groups = param_groups(stages, model.fc, unfrozen, lr or args.lr, args.lr_ratio if lr_ratio is None else lr_ratio)
    optimizer = torch.optim.SGD(groups, momentum=0.9, weight_decay=5e-4)
    print(f"{title}: " + ", ".join(f"{g['name']} lr={g['lr']:.2e}" for g in groups)
          + f"; trainable params {sum(p.numel() for p in model.parameters() if p.requires_grad):,}")
    criterion = nn.CrossEntropyLoss()
    steps = epochs * (len(data.train_y) // args.batch_size)
    with Progress(steps, title=title) as bar:
        for _ in range(epochs):
            model.train()
            for m in frozen:
                m.eval()  # frozen BN keeps the pretrained running statistics
            for idx in batch_indices(len(data.train_y), args.batch_size, generator=gen, drop_last=True):
                idx = idx.to(data.train_x.device)
                x = augment.random_flip(augment.random_crop(data.train_x[idx], 4, "reflect", generator=gen), generator=gen)
                x = dev.layout(augment.normalize(x, data.mean, data.std))
                with dev.autocast():
                    loss = criterion(model(x), data.train_y[idx])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                bar.step(loss=loss.item())
    _, val_acc = evaluate(model, data.test_x, data.test_y, dev, data.mean, data.std)
    bar.print(f"{title}: val_acc={val_acc:.4f}")
    return val_acc


def main() -> int:
    parser = demo_parser(__doc__)
    parser.add_argument("--offline", action="store_true", help="do not try to download ImageNet weights; pretrain the small net instead")
    parser.add_argument("--width", type=int, help="small net base channels (offline path)")
    parser.add_argument("--pretrain-epochs", type=int, help="epochs of pretraining on classes 0-4 (offline path)")
    parser.add_argument("--phase-epochs", type=int, help="epochs of each fine-tuning phase")
    parser.add_argument("--n-target", type=int, help="training images of the target task (few: that is the point)")
    parser.add_argument("--lr", type=float, default=0.02, help="head learning rate (default 0.02)")
    parser.add_argument("--pretrain-lr", type=float, default=0.05, help="learning rate of the offline pretraining (default 0.05)")
    parser.add_argument("--lr-ratio", type=float, default=3.0, help="each stage's LR = the next stage's / this (default 3)")
    args = parser.parse_args()

    dev = pick_device(args.device, compile=args.compile)
    apply_mode(
        args,
        full=dict(epochs=None, batch_size=128, width=32, pretrain_epochs=10, phase_epochs=4, n_target=2500, n_train=None),
        quick=dict(epochs=None, batch_size=64, width=16, pretrain_epochs=8, phase_epochs=2, n_target=500, n_train=4000),
        tiny=dict(epochs=None, batch_size=16, width=4, pretrain_epochs=1, phase_epochs=1, n_target=32, n_train=128),
    )
    out = out_dir(args, "transfer_learning")
    n_test = {"full": None, "quick": 1000, "tiny": 64}[args.mode]
    data = load_data(args.data_dir, args.download, n_train=args.n_train, n_test=n_test, seed=args.seed).to(dev.device)
    print(data.describe())
    print(f"device: {dev.describe()}")
    start = time.perf_counter()
    gen = seed_everything(args.seed)

    source_classes, target_classes = list(range(5)), list(range(5, 10))
    target = classes_subset(data, target_classes, n_train=args.n_target)
    print(f"target task: classes {target.classes}, {len(target.train_y)} train / {len(target.test_y)} test images")

    # 1. a pretrained backbone: ImageNet if we can get it, else pretrain one ourselves
    model, why = imagenet_resnet18(args.offline)
    if model is not None:
        backbone = "resnet18-imagenet"
        print(f"backbone: torchvision ResNet-18, {why}")
        # the pretrained filters expect inputs normalised the way ImageNet was, not by the target
        # data's own statistics; the baseline from scratch below uses the same inputs
        target = replace(target, mean=IMAGENET_MEAN, std=IMAGENET_STD)
        print(f"inputs normalised with ImageNet's mean {IMAGENET_MEAN} / std {IMAGENET_STD}")
        stages = resnet18_stages(model)
        make_scratch = lambda: __import__("torchvision").models.resnet18(num_classes=len(target_classes))  # noqa: E731
    else:
        backbone = "smallnet-pretrained-offline"
        print(f"!!! NO PRETRAINED IMAGENET WEIGHTS ({why}): pretraining a small CNN on classes 0-4 instead, then transferring to 5-9 !!!")
        source = classes_subset(data, source_classes)
        model = dev.prepare(SmallNet(len(source_classes), args.width))
        stages = model.stages()
        source_acc = train_phase("pretrain (classes 0-4)", model, stages, len(stages), source, dev, args, gen,
                                 epochs=args.pretrain_epochs, lr_ratio=1.0, lr=args.pretrain_lr)
        print(f"pretrained on {source.classes}: val_acc={source_acc:.4f}")
        make_scratch = lambda: SmallNet(len(target_classes), args.width)  # noqa: E731
    model = dev.prepare(model)

    # 2. a new head for the new classes
    model.fc = nn.Linear(model.fc.in_features, len(target_classes)).to(dev.device)

    # 3. head only, then progressive unfreezing with discriminative LRs
    results = {}
    before = {k: v.clone() for k, v in model.state_dict().items() if not k.startswith("fc.")}
    results["head only"] = train_phase("head only (backbone frozen)", model, stages, 0, target, dev, args, gen)
    # frozen means frozen: no weight and no BN running statistic of the backbone moved
    backbone_change = max((v.float() - before[k].float()).abs().max().item()
                          for k, v in model.state_dict().items() if k in before)
    print(f"largest change of any backbone weight or BN statistic during the head-only phase: {backbone_change:g}")
    results["+ last stage"] = train_phase("unfreeze last stage", model, stages, 1, target, dev, args, gen)
    results["+ all stages"] = train_phase("unfreeze all stages", model, stages, len(stages), target, dev, args, gen)

    # baseline: the same architecture from random weights, as many epochs as the three phases together
    scratch = dev.prepare(make_scratch())
    scratch_stages = scratch.stages() if isinstance(scratch, SmallNet) else resnet18_stages(scratch)
    results["from scratch"] = train_phase("from scratch (baseline)", scratch, scratch_stages, len(scratch_stages), target, dev, args, gen,
                                          epochs=3 * args.phase_epochs, lr_ratio=1.0)

    for name, acc in results.items():
        print(f"  {name:14s} val_acc={acc:.4f}")
    files = [plot_bars(list(results), list(results.values()), out / "transfer.png", "validation accuracy (target classes)",
                       title=f"{backbone}: {len(target.train_y)} target images", chance=1 / len(target_classes))]
    print_summary(
        "transfer_learning",
        {
            "backbone": backbone,
            "val_acc_head": results["head only"],
            "val_acc_last": results["+ last stage"],
            "val_acc_all": results["+ all stages"],
            "val_acc_scratch": results["from scratch"],
            "head_phase_backbone_change": backbone_change,
            "time_s": time.perf_counter() - start,
        },
        out,
        files,
    )
    return 0


if __name__ == "__main__":
    run_main(main)
