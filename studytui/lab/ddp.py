"""What data-parallel training (DDP, one process per GPU or CPU rank) needs besides the wrapper.

    dist = setup_distributed()                          # device.py: rank / world size from torchrun
    for epoch ...:
        gen = epoch_generator(seed, epoch, dist.rank)   # same shuffle everywhere, own augment draws
        for idx in batch_indices(n, bs, generator=order_gen, rank=dist.rank, world_size=dist.world_size):
            ...                                         # DDP averages the gradients in backward()
        sync_buffers(model, dist)                       # BN running stats: rank 0's, everywhere
        val_loss, val_acc = evaluate_sharded(unwrap(model), x, y, dev, mean, std, dist)

Every rank runs the same collectives in the same order: a collective called on one rank only
(evaluating through the DDP wrapper on rank 0, say) waits for the others forever, or fails when
they have already left. Evaluation therefore runs on the *unwrapped* module, each rank on its own
slice of the test set, and the sums are all-reduced: every rank gets the same numbers.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from studytui.lab.augment import normalize
from studytui.lab.device import Device, Distributed


def epoch_seed(seed: int, epoch: int, rank: int = 0) -> int:
    """A seed per (run seed, epoch, rank): a resumed run redraws exactly what it would have."""
    return (seed * 1_000_003 + epoch) * 1_009 + rank


def all_reduce_sum(t: torch.Tensor, dist: Distributed) -> torch.Tensor:
    """Sum `t` over the ranks, in place (nothing to do in a single process)."""
    if dist.enabled:
        import torch.distributed as tdist

        tdist.all_reduce(t, op=tdist.ReduceOp.SUM)
    return t


def sync_buffers(model: nn.Module, dist: Distributed) -> None:
    """Copy rank 0's buffers (BatchNorm running mean/var) to every rank.

    DDP broadcasts them before each forward, but the last batch of an epoch updates each rank's
    copy with its own data: after this, evaluation and the checkpoint see one set of statistics.
    """
    if not dist.enabled:
        return
    import torch.distributed as tdist

    for buffer in model.buffers():
        tdist.broadcast(buffer, src=0)


@torch.no_grad()
def evaluate_sharded(model: nn.Module, x: torch.Tensor, y: torch.Tensor, dev: Device, mean, std,
                     dist: Distributed, batch_size: int = 500) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) over all of x/y: each rank scores x[rank::world], then the
    sums are all-reduced. Pass the unwrapped module (no DDP collectives inside forward)."""
    was_training = model.training
    model.eval()
    xs, ys = x[dist.rank :: dist.world_size], y[dist.rank :: dist.world_size]
    totals = torch.zeros(3, dtype=torch.float64, device=dev.device)  # loss sum, correct, count
    for i in range(0, len(ys), batch_size):
        xb = dev.layout(normalize(xs[i : i + batch_size].to(dev.device, non_blocking=True), mean, std))
        yb = ys[i : i + batch_size].to(dev.device, non_blocking=True)
        with dev.autocast():
            logits = model(xb).float()
        totals[0] += F.cross_entropy(logits, yb, reduction="sum")
        totals[1] += (logits.argmax(1) == yb).sum()
        totals[2] += len(yb)
    model.train(was_training)
    loss_sum, correct, count = all_reduce_sum(totals, dist).tolist()  # the one host sync
    return loss_sum / max(count, 1), correct / max(count, 1)


def replica_fingerprints(model: nn.Module, dist: Distributed) -> torch.Tensor:
    """Per-tensor (sum, sum of squares) of the parameters, one row per rank (world x 2P).

    Equal rows = identical replicas (DDP keeps them so: same start, same averaged gradients).
    """
    params = [p.detach().double() for p in model.parameters()]
    mine = torch.stack([torch.stack([p.sum(), (p * p).sum()]) for p in params]).flatten()
    if not dist.enabled:
        return mine.unsqueeze(0)
    import torch.distributed as tdist

    gathered = [torch.empty_like(mine) for _ in range(dist.world_size)]
    tdist.all_gather(gathered, mine)
    return torch.stack(gathered)
