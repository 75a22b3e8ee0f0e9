"""An offline stand-in for CIFAR-10: procedural 32x32 RGB scenes, one of 10 object classes each.

Used when no CIFAR-10 copy is at hand (no `--data-dir`, no network). It is *not* CIFAR-10 and
its accuracies say nothing about CIFAR-10; the demos print a banner saying so.

The label is the shape of the main object. Everything else varies at random, so that, as with
photos, a small net can fit a few thousand training images long before it has learned what
makes a class, and regularisation and augmentation matter:

  * pose: position, scale, rotation, aspect ratio and a smooth random warp of the outline
    (no two objects of a class are the same polygon);
  * appearance: a random colour with a solid, striped, checked or mottled (noise) fill, a
    shading gradient across the scene, random contrast, defocus blur and sensor noise;
  * background: 1/f ("pink") noise in two random colour directions, the power spectrum of
    natural images: textures like foliage, sand or cloud rather than a flat colour;
  * clutter: smaller distractor objects of any class behind the main one, and sometimes a bar
    in front of it that hides part of the outline.

Colour and texture carry no class information, so a net has to learn shape (a test checks the
class mean colours agree). Every class is unchanged by a horizontal flip up to a rotation, so
flipping is a label-preserving augmentation, as it is for CIFAR-10.

Generation is vectorised with torch and deterministic for a given seed (CPU generator, fixed
chunking): the main object's outline is evaluated at 2x resolution and averaged down
(anti-aliased edges), everything else is drawn at 32x32. A few seconds for 10,000 images on one core.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

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

_SUPER = 2  # outlines at 2x and average-pooled down: anti-aliased edges


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
        if len(idx):
            mask[idx] = _inside(cls, px[idx], py[idx]).float()
    return mask


def _rand(g: torch.Generator, n: int, lo: float, hi: float, dims: int = 3) -> torch.Tensor:
    """n uniform numbers in [lo, hi), shaped N x 1 x 1 (dims=3) or N x 1 x 1 x 1 (dims=4)."""
    return lo + (hi - lo) * torch.rand((n,) + (1,) * (dims - 1), generator=g)


class _Pose:
    """Where an object sits: centre, scale, aspect ratio, rotation and a smooth outline warp.

    `coords(gx, gy)` maps scene coordinates to the object's own unit coordinates, at any
    resolution, so the outline (2x) and the fill texture (1x) line up.
    """

    def __init__(self, n: int, g: torch.Generator, spread: float, scale: tuple[float, float], warp: float):
        self.cx, self.cy = _rand(g, n, -spread, spread), _rand(g, n, -spread, spread)
        self.scale = _rand(g, n, *scale)
        self.aspect = torch.exp(_rand(g, n, -0.25, 0.25))  # 0.78 .. 1.28, area kept
        self.theta = _rand(g, n, 0, 2 * math.pi)
        self.warp = _rand(g, n, 0, warp)
        self.freq = _rand(g, n, 1.5, 3.5)
        self.phase = _rand(g, n, 0, 2 * math.pi, dims=3).expand(n, 1, 2).clone() + torch.tensor([0.0, 1.7])

    def coords(self, gx: torch.Tensor, gy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        dx, dy = (gx - self.cx) / self.scale, (gy - self.cy) / self.scale
        c, s = torch.cos(self.theta), torch.sin(self.theta)
        px = (dx * c + dy * s) * self.aspect
        py = (-dx * s + dy * c) / self.aspect
        # a smooth displacement field: each object's outline is bent a little differently
        wx = self.warp * torch.sin(self.freq * py + self.phase[..., :1])
        wy = self.warp * torch.sin(self.freq * px + self.phase[..., 1:])
        return px + wx, py + wy


def _grid(n: int, res: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel-centre coordinates in [-1, 1], N x res x res (views, no copy)."""
    lin = (torch.arange(res, dtype=torch.float32) + 0.5) / res * 2 - 1
    gy, gx = torch.meshgrid(lin, lin, indexing="ij")
    return gx.expand(n, res, res), gy.expand(n, res, res)


def _pink_noise(n: int, channels: int, size: int, g: torch.Generator, slope: torch.Tensor) -> torch.Tensor:
    """Random fields with a 1/f^slope amplitude spectrum (natural images: slope ~ 1), unit std.

    slope is per image (N x 1 x 1 x 1): low slopes look grainy (sand), high ones cloudy.
    """
    white = torch.randn(n, channels, size, size, generator=g)
    spectrum = torch.fft.rfft2(white)
    fy = torch.fft.fftfreq(size).view(-1, 1)
    fx = torch.fft.rfftfreq(size).view(1, -1)
    radius = torch.sqrt(fx**2 + fy**2).clamp(min=1.0 / size)
    field = torch.fft.irfft2(spectrum / radius**slope, s=(size, size))
    field = field - field.mean(dim=(2, 3), keepdim=True)
    return field / field.std(dim=(2, 3), keepdim=True).clamp(min=1e-6)


def _colour(n: int, g: torch.Generator) -> torch.Tensor:
    return torch.rand(n, 3, 1, 1, generator=g)


def _fill(n: int, px: torch.Tensor, py: torch.Tensor, g: torch.Generator, size: int) -> torch.Tensor:
    """Per-image fill pattern in [0, 1]: solid, stripes at a random angle, checks, or mottled."""
    kind = torch.randint(0, 6, (n, 1, 1), generator=g)  # 0-2 solid, 3 stripes, 4 checks, 5 mottled
    freq = _rand(g, n, 4, 10)
    angle = _rand(g, n, 0, math.pi)
    u = px * torch.cos(angle) + py * torch.sin(angle)
    stripes = (torch.sin(freq * u) > 0).float()
    checks = ((torch.sin(freq * px) > 0) ^ (torch.sin(freq * py) > 0)).float()
    mottled = (_pink_noise(n, 1, size, g, torch.full((n, 1, 1, 1), 1.2))[:, 0] * 0.3 + 0.5).clamp(0, 1)
    solid = torch.ones_like(stripes)
    return torch.where(kind <= 2, solid, torch.where(kind == 3, stripes, torch.where(kind == 4, checks, mottled)))


def make_shapes(n: int, seed: int = 0, size: int = 32, chunk: int = 256):
    """`n` images (uint8, N x 3 x size x size) and labels (int64, balanced classes), from `seed`.

    Same `n` and `seed` give the same images, bit for bit (CPU generator, fixed chunking).
    """
    g = torch.Generator().manual_seed(seed)
    label = torch.arange(n) % len(CLASSES)
    label = label[torch.randperm(n, generator=g)]
    # small chunks keep the intermediate arrays in cache: faster than one big batch; and one
    # thread: these ops are too small to split, and on a busy machine threads wait on each other
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        images = [_render(label[i : i + chunk], size, g) for i in range(0, n, chunk)]
    finally:
        torch.set_num_threads(threads)
    return torch.cat(images) if images else torch.zeros(0, 3, size, size, dtype=torch.uint8), label


def _outline(label: torch.Tensor, pose: _Pose, hi: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """Anti-aliased coverage (N x 1 x H x W, 0..1) of each object's outline."""
    mask = _shape_masks(label, *pose.coords(*hi)).unsqueeze(1)
    return F.avg_pool2d(mask, _SUPER)


def _render(label: torch.Tensor, size: int, g: torch.Generator, distractors: int = 2):
    n = len(label)
    hi = _grid(n, size * _SUPER)
    lo = _grid(n, size)

    # Background: a base colour plus 1/f noise along two random colour directions.
    noise = _pink_noise(n, 2, size, g, _rand(g, n, 0.8, 1.6, dims=4))
    image = _colour(n, g) * 0.7 + 0.15
    image = image + _rand(g, n, 0.04, 0.15, dims=4) * (noise[:, :1] * (0.5 + _colour(n, g)))
    image = image + _rand(g, n, 0.0, 0.08, dims=4) * (noise[:, 1:] * (_colour(n, g) - 0.5))

    # Distractors: smaller objects of any class (so they say nothing about the label), behind.
    for _ in range(distractors):
        present = (torch.rand(n, 1, 1, 1, generator=g) < 0.5).float()
        other = torch.randint(0, len(CLASSES), (n,), generator=g)
        pose = _Pose(n, g, spread=0.85, scale=(0.12, 0.22), warp=0.1)
        alpha = _shape_masks(other, *pose.coords(*lo)).unsqueeze(1) * present  # small: no anti-aliasing
        image = image * (1 - alpha) + _colour(n, g) * alpha

    # The main object: larger, textured, somewhere near the middle.
    pose = _Pose(n, g, spread=0.3, scale=(0.45, 0.75), warp=0.1)
    alpha = _outline(label, pose, hi)
    fg_a = _colour(n, g)
    # keep the object visible: push its colour away from the background where they are close
    bg_mean = image.mean(dim=(2, 3), keepdim=True)
    close = (fg_a - bg_mean).abs().mean(dim=1, keepdim=True) < 0.25
    fg_a = torch.where(close, (1 - bg_mean).clamp(0, 1), fg_a)
    fg_b = 0.5 * fg_a + 0.5 * _colour(n, g)
    tex = _fill(n, *pose.coords(*lo), g, size).unsqueeze(1)
    image = image * (1 - alpha) + (fg_a * tex + fg_b * (1 - tex)) * alpha

    # Occluder: sometimes a bar in front of the object hides part of its outline.
    present = (torch.rand(n, 1, 1, 1, generator=g) < 0.2).float()
    angle = _rand(g, n, 0, math.pi)
    offset = _rand(g, n, -0.3, 0.3)
    dist = (lo[0] - pose.cx) * torch.sin(angle) - (lo[1] - pose.cy) * torch.cos(angle) - offset
    bar = (dist.abs() < _rand(g, n, 0.03, 0.07)).float().unsqueeze(1) * present
    image = image * (1 - bar) + _colour(n, g) * bar

    # Lighting and camera: shading across the scene, contrast, defocus, sensor noise.
    shade_dir = _rand(g, n, 0, 2 * math.pi)
    shade = (lo[0] * torch.cos(shade_dir) + lo[1] * torch.sin(shade_dir)).unsqueeze(1)
    image = image * (1 + _rand(g, n, 0.0, 0.35, dims=4) * shade)
    mean = image.mean(dim=(1, 2, 3), keepdim=True)
    image = mean + (image - mean) * _rand(g, n, 0.7, 1.15, dims=4)
    blurred = F.avg_pool2d(F.pad(image, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
    blur = _rand(g, n, 0.0, 0.5, dims=4)
    image = image * (1 - blur) + blurred * blur
    image = image + _rand(g, n, 0.01, 0.04, dims=4) * torch.randn(image.shape, generator=g)
    return (image.clamp(0, 1) * 255).round().to(torch.uint8)
