"""An offline stand-in for CIFAR-10: procedural 32x32 RGB images of 10 shape classes.

Used when no CIFAR-10 copy is at hand (no `--data-dir`, no network). It is *not* CIFAR-10 and
its accuracies say nothing about CIFAR-10; the demos print a banner saying so.

Each image is one shape drawn at a random position, size and rotation, filled with a random
colour and texture (solid, stripes or checks), on a background with its own colour, a gradient,
clutter (small blobs and bars of other colours) and pixel noise. Colour and texture carry no
class information, so a net has to learn shape. Every class is unchanged by a horizontal flip
(up to a rotation), so flipping is a label-preserving augmentation, as it is for CIFAR-10.

Generation is vectorised with torch and deterministic for a given seed (CPU generator), about
a second for 10,000 images.
"""

from __future__ import annotations

import math

import torch

CLASSES = [
    "disk",
    "square",
    "triangle",
    "plus",
    "ring",
    "star",
    "crescent",
    "frame",
    "bars",
    "tee",
]

_SUPER = 2  # render at 2x and average-pool down: anti-aliased edges


def _inside(cls: int, px: torch.Tensor, py: torch.Tensor) -> torch.Tensor:
    """Inside-mask of shape `cls`, in the shape's own rotated unit coordinates."""
    r = torch.sqrt(px**2 + py**2)
    ax, ay = px.abs(), py.abs()
    name = CLASSES[cls]
    if name == "disk":
        return r < 0.9
    if name == "square":
        return torch.maximum(ax, ay) < 0.75
    if name == "triangle":  # equilateral: inside three half-planes
        return (py > -0.5) & (py < 1.0 - math.sqrt(3) * ax * 0.95)
    if name == "plus":
        return ((ax < 0.28) & (ay < 0.95)) | ((ay < 0.28) & (ax < 0.95))
    if name == "ring":
        return (r < 0.95) & (r > 0.55)
    if name == "star":  # five points
        return r < 0.55 + 0.4 * torch.cos(5 * torch.atan2(py, px))
    if name == "crescent":  # a disk with an offset disk cut out
        return (r < 0.95) & (torch.sqrt((px - 0.5) ** 2 + py**2) > 0.75)
    if name == "frame":  # hollow square
        return (torch.maximum(ax, ay) < 0.9) & (torch.maximum(ax, ay) > 0.55)
    if name == "bars":  # two parallel bars, "="
        return ((ay - 0.45).abs() < 0.2) & (ax < 0.9)
    if name == "tee":
        return ((py - 0.6).abs() < 0.25) & (ax < 0.9) | (ax < 0.25) & (py < 0.85) & (py > -0.95)
    raise ValueError(cls)


def _shape_masks(label: torch.Tensor, px: torch.Tensor, py: torch.Tensor) -> torch.Tensor:
    """Float inside-mask (N x H x W) of each image's own shape."""
    mask = torch.zeros_like(px)
    for cls in range(len(CLASSES)):
        idx = (label == cls).nonzero().flatten()
        mask[idx] = _inside(cls, px[idx], py[idx]).float()
    return mask


def _texture(n: int, x: torch.Tensor, y: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Per-image fill pattern in [0, 1]: solid, stripes at a random angle, or checks."""
    kind = (torch.randint(0, 5, (n, 1, 1), generator=g) - 2).clamp(min=0)  # 3/5 solid, 1/5 each pattern
    freq = 4 + 6 * torch.rand(n, 1, 1, generator=g)
    angle = math.pi * torch.rand(n, 1, 1, generator=g)
    u = x * torch.cos(angle) + y * torch.sin(angle)
    stripes = (torch.sin(freq * u) > 0).float()
    checks = ((torch.sin(freq * x) > 0) ^ (torch.sin(freq * y) > 0)).float()
    solid = torch.ones_like(stripes)
    return torch.where(kind == 0, solid, torch.where(kind == 1, stripes, checks))


def _random_colours(n: int, g: torch.Generator) -> torch.Tensor:
    return torch.rand(n, 3, 1, 1, generator=g)


def make_shapes(n: int, seed: int = 0, size: int = 32, chunk: int = 256):
    """`n` images (uint8, N x 3 x size x size) and labels (int64, balanced classes), from `seed`.

    Same `n` and `seed` give the same images, bit for bit (CPU generator, fixed chunking).
    """
    g = torch.Generator().manual_seed(seed)
    label = torch.arange(n) % len(CLASSES)
    label = label[torch.randperm(n, generator=g)]
    # small chunks keep the intermediate arrays in cache: about 3x faster than one big batch
    images = [_render(label[i : i + chunk], size, g) for i in range(0, n, chunk)]
    return torch.cat(images) if images else torch.zeros(0, 3, size, size, dtype=torch.uint8), label


def _render(label: torch.Tensor, size: int, g: torch.Generator, clutter: int = 2, noise: float = 0.05):
    n = len(label)
    hi = size * _SUPER
    lin = (torch.arange(hi, dtype=torch.float32) + 0.5) / hi * 2 - 1  # pixel centres in [-1, 1]
    gy, gx = torch.meshgrid(lin, lin, indexing="ij")
    gx, gy = gx.expand(n, hi, hi), gy.expand(n, hi, hi)

    # Random pose: centre, scale and rotation of the shape.
    cx = (torch.rand(n, 1, 1, generator=g) - 0.5) * 0.6
    cy = (torch.rand(n, 1, 1, generator=g) - 0.5) * 0.6
    scale = 0.45 + 0.3 * torch.rand(n, 1, 1, generator=g)
    theta = 2 * math.pi * torch.rand(n, 1, 1, generator=g)
    dx, dy = (gx - cx) / scale, (gy - cy) / scale
    px = dx * torch.cos(theta) + dy * torch.sin(theta)
    py = -dx * torch.sin(theta) + dy * torch.cos(theta)
    mask = _shape_masks(label, px, py).unsqueeze(1)  # N x 1 x H x W

    # Background: a colour with a linear gradient; foreground: colour A/B textured fill.
    bg = _random_colours(n, g)
    grad_dir = 2 * math.pi * torch.rand(n, 1, 1, 1, generator=g)
    gradient = 0.25 * (gx.unsqueeze(1) * torch.cos(grad_dir) + gy.unsqueeze(1) * torch.sin(grad_dir))
    image = (bg + gradient * (torch.rand(n, 3, 1, 1, generator=g) - 0.5)).expand(n, 3, hi, hi).clone()
    fg_a = _random_colours(n, g)
    # keep the shape visible: push colour A away from the background where they are close
    close = (fg_a - bg).abs().mean(dim=1, keepdim=True) < 0.3
    fg_a = torch.where(close, 1 - bg, fg_a)
    fg_b = 0.5 * fg_a + 0.5 * _random_colours(n, g)
    tex = _texture(n, px, py, g).unsqueeze(1)
    fill = fg_a * tex + fg_b * (1 - tex)

    # Clutter: small blobs and short bars in random colours, drawn behind the shape.
    for _ in range(clutter):
        present = (torch.rand(n, 1, 1, 1, generator=g) < 0.6).float()
        ox = (torch.rand(n, 1, 1, generator=g) - 0.5) * 1.8
        oy = (torch.rand(n, 1, 1, generator=g) - 0.5) * 1.8
        rad = 0.04 + 0.08 * torch.rand(n, 1, 1, generator=g)
        a = math.pi * torch.rand(n, 1, 1, generator=g)
        ux = (gx - ox) * torch.cos(a) + (gy - oy) * torch.sin(a)
        uy = -(gx - ox) * torch.sin(a) + (gy - oy) * torch.cos(a)
        is_bar = torch.rand(n, 1, 1, generator=g) < 0.5
        blob = (ux**2 + uy**2) < rad**2
        bar = (ux.abs() < 2.5 * rad) & (uy.abs() < 0.03 + 0.2 * rad)
        m = torch.where(is_bar, bar, blob).unsqueeze(1).float() * present
        image = image * (1 - m) + _random_colours(n, g) * m

    image = image * (1 - mask) + fill * mask
    image = torch.nn.functional.avg_pool2d(image, _SUPER)
    image = image + noise * torch.randn(image.shape, generator=g)
    return (image.clamp(0, 1) * 255).round().to(torch.uint8)
