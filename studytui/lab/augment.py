"""Augmentation on whole batches of tensors, on whatever device the batch lives on.

The study material augments one PIL image at a time in DataLoader workers
(`transforms.RandomCrop(32, padding=4, padding_mode="reflect")`, `RandomHorizontalFlip()`).
These functions do the same thing to a whole (N, C, H, W) batch with a few tensor ops, so on a
GPU augmentation costs next to nothing and needs no worker processes.

    x = random_crop(x, padding=4, mode="reflect")   # shift each image by up to 4 px
    x = random_flip(x)                              # mirror half of the images
    x = normalize(x, data.mean, data.std)           # uint8 -> float, zero mean / unit std
    x, targets = mixup(x, y, alpha=0.2, num_classes=10)    # soft targets for CrossEntropyLoss
    x, targets = cutmix(x, y, alpha=1.0, num_classes=10)

Every function takes an optional torch.Generator so a run is reproducible from its seed. The
randoms are drawn on the generator's device (a CUDA generator on a GPU: no host round trip per
batch) and used on the batch's device.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F


def _rng_device(x: torch.Tensor, generator: torch.Generator | None) -> torch.device:
    """Where to draw randoms: the generator's device, else the batch's."""
    return generator.device if generator is not None else x.device


def random_crop(x: torch.Tensor, padding: int = 4, mode: str = "zeros", generator: torch.Generator | None = None) -> torch.Tensor:
    """Pad every image by `padding` pixels ("zeros" or "reflect") and cut a random HxW window.

    Vectorised: one index grid per image instead of a Python loop.
    """
    if padding <= 0:
        return x
    n, c, h, w = x.shape
    pad_mode = {"zeros": "constant", "reflect": "reflect"}[mode]
    # F.pad's reflect mode needs floats; uint8 images go through float and back exactly
    padded = F.pad(x.float() if mode == "reflect" and not x.is_floating_point() else x, (padding,) * 4, mode=pad_mode)
    padded = padded.to(x.dtype)
    rng = _rng_device(x, generator)
    dy = torch.randint(0, 2 * padding + 1, (n,), device=rng, generator=generator).to(x.device, non_blocking=True)
    dx = torch.randint(0, 2 * padding + 1, (n,), device=rng, generator=generator).to(x.device, non_blocking=True)
    rows = (dy[:, None] + torch.arange(h, device=x.device))[:, :, None]  # N x H x 1
    cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, :]  # N x 1 x W
    batch = torch.arange(n, device=x.device)[:, None, None]
    # advanced indexing on dims 0, 2, 3 gives N x H x W x C; move channels back
    return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2).contiguous()


def random_flip(x: torch.Tensor, p: float = 0.5, generator: torch.Generator | None = None) -> torch.Tensor:
    """Mirror each image left-right with probability p."""
    flip = (torch.rand(x.shape[0], device=_rng_device(x, generator), generator=generator) < p).to(x.device, non_blocking=True)
    return torch.where(flip[:, None, None, None], x.flip(3), x)


def normalize(x: torch.Tensor, mean, std) -> torch.Tensor:
    """uint8 (0..255) images -> float32, standardised per channel with mean/std on the 0..1 scale."""
    mean_t, std_t = _stats_tensors(tuple(mean), tuple(std), x.device)
    return (x.float() / 255 - mean_t) / std_t


@functools.lru_cache(maxsize=16)
def _stats_tensors(mean: tuple, std: tuple, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """mean/std as 1xCx1x1 tensors on `device`, built once (not one host->device copy per batch)."""
    return (torch.tensor(mean, device=device).view(1, -1, 1, 1), torch.tensor(std, device=device).view(1, -1, 1, 1))


def rand_augment(x: torch.Tensor, num_ops: int = 2, magnitude: int = 9) -> torch.Tensor:
    """torchvision's RandAugment on a uint8 batch, a fresh random policy for every image.

    (v2 transforms given a batch draw one policy for the whole batch, so this loops; it is the
    one per-image cost in the pipeline.)
    """
    from torchvision.transforms import v2

    op = v2.RandAugment(num_ops=num_ops, magnitude=magnitude)
    return torch.stack([op(img) for img in x])


def one_hot(y: torch.Tensor, num_classes: int) -> torch.Tensor:
    return F.one_hot(y, num_classes).float()


def sample_lambda(alpha: float, generator: torch.Generator | None = None) -> float:
    """lam ~ Beta(alpha, alpha): the mixing weight of mixup and cutmix (seeded by `generator`)."""
    import numpy as np

    seed = int(torch.randint(0, 2**62, (1,), generator=generator, device=generator.device if generator is not None else "cpu"))
    return float(np.random.default_rng(seed).beta(alpha, alpha))


def mixup(x: torch.Tensor, y: torch.Tensor, alpha: float, num_classes: int, generator: torch.Generator | None = None):
    """Blend each image with another from the batch: x' = lam*x_i + (1-lam)*x_j, same for labels.

    Returns (mixed images, soft targets). nn.CrossEntropyLoss accepts class probabilities as the
    target, and cross-entropy is linear in the target, so this equals the material's
    lam*CE(out, y_i) + (1-lam)*CE(out, y_j).
    """
    lam = sample_lambda(alpha, generator)
    perm = torch.randperm(x.shape[0], generator=generator, device=_rng_device(x, generator)).to(x.device)
    targets = one_hot(y, num_classes)
    return lam * x + (1 - lam) * x[perm], lam * targets + (1 - lam) * targets[perm]


def cutmix(x: torch.Tensor, y: torch.Tensor, alpha: float, num_classes: int, generator: torch.Generator | None = None):
    """Paste a random box from another image of the batch; labels mix by the box's area.

    The box has area (1 - lam) of the image; after clipping at the border lam is recomputed from
    the area actually pasted, so the label weights match the pixels.
    """
    n, _, h, w = x.shape
    lam = sample_lambda(alpha, generator)
    perm = torch.randperm(n, generator=generator, device=_rng_device(x, generator)).to(x.device)
    cut = (1 - lam) ** 0.5
    bh, bw = int(h * cut), int(w * cut)
    cy, cx = (int(v) for v in torch.randint(0, 1 << 30, (2,), generator=generator, device=_rng_device(x, generator)).cpu() % torch.tensor([h, w]))
    y0, y1 = max(cy - bh // 2, 0), min(cy + bh // 2, h)
    x0, x1 = max(cx - bw // 2, 0), min(cx + bw // 2, w)
    mixed = x.clone()
    mixed[:, :, y0:y1, x0:x1] = x[perm, :, y0:y1, x0:x1]
    lam = 1 - (y1 - y0) * (x1 - x0) / (h * w)
    targets = one_hot(y, num_classes)
    return mixed, lam * targets + (1 - lam) * targets[perm]
