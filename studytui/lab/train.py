"""The parts of a training loop that every demo shares: batches, evaluation, history, checkpoints.

A demo writes its own loop when the loop is the lesson (demos/onecycle.py shows every line of
a OneCycle step). When it is not, `train_epoch` runs one epoch of plain SGD-style training:

    gen = seed_everything(0)
    for epoch in range(epochs):
        train_loss, train_acc = train_epoch(model, data, optimizer, dev, augment=augment, generator=gen)
        val_loss, val_acc = evaluate(model, data.test_x, data.test_y, dev, data.mean, data.std)
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from studytui.lab.augment import normalize
from studytui.lab.device import Device


def seed_everything(seed: int) -> torch.Generator:
    """Seed python, numpy and torch (CPU and CUDA); return a CPU generator for data order/augment."""
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed % 2**32)
    except ImportError:  # numpy is optional for torch
        pass
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def batch_indices(
    n: int,
    batch_size: int,
    shuffle: bool = True,
    generator: torch.Generator | None = None,
    drop_last: bool = False,
    rank: int = 0,
    world_size: int = 1,
) -> Iterator[torch.Tensor]:
    """Index tensors of the batches of one epoch.

    With world_size > 1 (DDP) every rank draws the same permutation from the same-seeded
    generator and keeps every world_size-th example: the shards are disjoint and equal in size.
    """
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    if world_size > 1:
        order = order[: n - n % world_size][rank::world_size]
    stop = len(order) - len(order) % batch_size if drop_last else len(order)
    for i in range(0, stop, batch_size):
        yield order[i : i + batch_size]


def steps_per_epoch(n: int, batch_size: int, drop_last: bool = False, world_size: int = 1) -> int:
    per_rank = n // world_size if world_size > 1 else n
    return per_rank // batch_size if drop_last else -(-per_rank // batch_size)


def accuracy(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """Top-1 accuracy; `targets` may be labels or (mixup) soft targets, compared by argmax."""
    if targets.dim() > 1:
        targets = targets.argmax(dim=1)
    return (logits.argmax(dim=1) == targets).float().mean().item()


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, dev: Device, mean, std, batch_size: int = 500) -> torch.Tensor:
    """Logits (float32, on the device) for uint8 images x, in eval mode."""
    was_training = model.training
    model.eval()
    outs = []
    for i in range(0, len(x), batch_size):
        xb = dev.layout(normalize(x[i : i + batch_size].to(dev.device), mean, std))
        with dev.autocast():
            outs.append(model(xb).float())
    model.train(was_training)
    return torch.cat(outs)


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, dev: Device, mean, std, batch_size: int = 500) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of the model on images x / labels y, in eval mode."""
    logits = predict(model, x, dev, mean, std, batch_size)
    y = y.to(logits.device)
    return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


def current_momentum(optimizer: torch.optim.Optimizer) -> float | None:
    """SGD's momentum, or Adam's beta1 (its momentum counterpart), of the first param group."""
    group = optimizer.param_groups[0]
    if "betas" in group:
        return float(group["betas"][0])
    return float(group["momentum"]) if "momentum" in group else None


class StepMeter:
    """Per-step loss and accuracy kept on the device and read back every `every` steps.

    `loss.item()` each step makes the CPU wait for the GPU to finish the step (a host sync), so
    the GPU idles while Python queues the next one. Here the values stay tensors and one
    `.tolist()` reads a batch of them; on the CPU there is nothing to wait for (every=1).
    """

    def __init__(self, every: int = 1, history=None, progress=None):
        self.every = max(1, every)
        self.history, self.progress = history, progress
        self.pending: list[tuple[torch.Tensor, dict]] = []
        self.loss_sum = 0.0
        self.correct = 0.0
        self.seen = 0

    def add(self, loss: torch.Tensor, logits: torch.Tensor, targets: torch.Tensor, **host_values) -> None:
        """Record one step; `host_values` (lr, momentum: plain floats) go along unchanged."""
        labels = targets.argmax(1) if targets.dim() > 1 else targets
        correct = (logits.detach().argmax(1) == labels).sum()
        n = len(labels)
        self.pending.append((torch.stack([loss.detach().float() * n, correct.float()]), {"n": n, **host_values}))
        if len(self.pending) >= self.every:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        values = torch.stack([v for v, _ in self.pending]).tolist()  # the one host sync
        for (loss_n, correct), (_, extra) in zip(values, self.pending):
            n = extra.pop("n")
            self.loss_sum += loss_n
            self.correct += correct
            self.seen += n
            row = {"loss": loss_n / n, "acc": correct / n, **{k: v for k, v in extra.items() if v is not None}}
            if self.history is not None:
                self.history.log_step(**row)
            if self.progress is not None:
                self.progress.step(**row)
        self.pending.clear()

    def means(self) -> tuple[float, float]:
        """(mean loss, accuracy) over every step recorded so far."""
        self.flush()
        return self.loss_sum / max(self.seen, 1), self.correct / max(self.seen, 1)


def train_epoch(
    model: nn.Module,
    data,
    optimizer: torch.optim.Optimizer,
    dev: Device,
    batch_size: int = 128,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    criterion: nn.Module | None = None,
    scheduler=None,
    generator: torch.Generator | None = None,
    progress=None,
    history=None,
    max_steps: int | None = None,
) -> tuple[float, float]:
    """One epoch over data.train_x/train_y; returns (mean train loss, train accuracy).

    augment: applied to each uint8 batch (on the device) before normalisation.
    scheduler: stepped after every optimizer step (per-step schedules like OneCycleLR).
    progress / history: a Progress and a History to report each step to.
    """
    criterion = criterion or nn.CrossEntropyLoss()
    model.train()
    meter = StepMeter(dev.log_every, history, progress)
    order = batch_indices(len(data.train_y), batch_size, generator=generator, drop_last=True)
    for step, idx in enumerate(order):
        if max_steps is not None and step >= max_steps:
            break
        idx = idx.to(data.train_x.device, non_blocking=True)
        xb = data.train_x[idx].to(dev.device, non_blocking=True)
        yb = data.train_y[idx].to(dev.device, non_blocking=True)
        if augment is not None:
            xb = augment(xb)
        xb = dev.layout(normalize(xb, data.mean, data.std))
        with dev.autocast():
            logits = model(xb)
            loss = criterion(logits, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        lr, momentum = optimizer.param_groups[0]["lr"], current_momentum(optimizer)
        if scheduler is not None:
            scheduler.step()
        meter.add(loss, logits, yb, lr=lr, momentum=momentum)
    return meter.means()


class History:
    """What happened in a run: one dict per optimizer step and one per epoch. Saved as JSON."""

    def __init__(self) -> None:
        self.steps: list[dict] = []
        self.epochs: list[dict] = []

    def log_step(self, **values) -> None:
        self.steps.append({"step": len(self.steps), **values})

    def log_epoch(self, **values) -> None:
        self.epochs.append({"epoch": len(self.epochs) + 1, **values})

    def series(self, key: str, per: str = "steps") -> list:
        return [row[key] for row in getattr(self, per) if key in row]

    def state_dict(self) -> dict:
        return {"steps": self.steps, "epochs": self.epochs}

    def load_state_dict(self, state: dict) -> None:
        self.steps, self.epochs = list(state["steps"]), list(state["epochs"])

    def save(self, path: Path) -> Path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(self.state_dict()) + "\n")
        return Path(path)


# --------------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------------


def rng_state(generator: torch.Generator | None = None) -> dict:
    """Every random state a run depends on, so a resumed run draws the same numbers."""
    state = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    if generator is not None:
        state["generator"] = generator.get_state()
    return state


def set_rng_state(state: dict, generator: torch.Generator | None = None) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    if generator is not None and "generator" in state:
        generator.set_state(state["generator"])


def unwrap(model: nn.Module) -> nn.Module:
    """The plain module inside DDP and/or torch.compile wrappers (for state_dict / export)."""
    model = getattr(model, "module", model)  # DistributedDataParallel
    return getattr(model, "_orig_mod", model)  # torch.compile


def save_checkpoint(path: Path, model: nn.Module, optimizer=None, scheduler=None, epoch: int = 0, generator=None, **extra) -> Path:
    """Write model, optimizer, scheduler, epoch, RNG states and `extra` (plain data) to `path`.

    Written to a temporary file then renamed, so an interrupted save never leaves a torn file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "model": unwrap(model).state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "epoch": epoch,
        "rng": rng_state(generator),
        **extra,
    }
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)
    return path


def load_checkpoint(path: Path, model: nn.Module, optimizer=None, scheduler=None, generator=None, map_location="cpu") -> dict:
    """Restore what save_checkpoint wrote (weights_only=True: tensors and plain data only).

    Returns the whole state dict (epoch, extra keys) after loading it into the objects given.
    """
    from studytui.errors import StudytuiError

    path = Path(path)
    if not path.is_file():
        raise StudytuiError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # pickle/zip errors have many types; the message is what matters
        raise StudytuiError(f"cannot read checkpoint {path}: {str(exc).splitlines()[0]}") from None
    unwrap(model).load_state_dict(state["model"])
    if optimizer is not None and state.get("optimizer") is not None:
        optimizer.load_state_dict(state["optimizer"])
    if scheduler is not None and state.get("scheduler") is not None:
        scheduler.load_state_dict(state["scheduler"])
    set_rng_state(state["rng"], generator)
    return state
