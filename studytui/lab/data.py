"""Image data for the demos, held as whole uint8 tensors (N x 3 x 32 x 32) — no DataLoader.

Three sources, chosen explicitly (never a silent fallback):

    load_data(data_dir=DIR)            CIFAR-10 from an existing copy (torchvision's layout)
    load_data(data_dir=DIR, download=True)   ... fetched through torchvision when online
    load_data(image_folder=PATH)       any ImageFolder tree (PATH/class_name/*.png), resized
    load_data()                        the offline procedural set (see shapes.py: shapes in cluttered,
                                       textured scenes), with a loud banner that it is not CIFAR-10

A missing or broken dataset raises StudytuiError with one line saying what to do.
Holding everything as one tensor on the device makes a batch a slice and augmentation a few
tensor ops (see augment.py): on a GPU this is far faster than decoding PIL images per sample.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import torch

from studytui.errors import StudytuiError

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

OFFLINE_BANNER = """\
################################################################################
##  OFFLINE DATA: made-up cluttered scenes of 10 shape classes (lab.shapes).  ##
##  THIS IS NOT CIFAR-10. The accuracies below say nothing about CIFAR-10.    ##
##  For real CIFAR-10 pass --data-dir DIR (an existing copy) or --download.   ##
################################################################################"""


@dataclass
class ImageData:
    """A train/test split as tensors: images uint8 (N, 3, H, W), labels int64 (N,)."""

    name: str
    classes: list[str]
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    real: bool  # False for the offline shapes set
    mean: tuple[float, float, float] = (0.5, 0.5, 0.5)  # per channel, on the 0..1 scale
    std: tuple[float, float, float] = (0.25, 0.25, 0.25)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def to(self, device: torch.device | str) -> ImageData:
        """The same data on `device` (the whole set fits easily: CIFAR-10 is 180 MB as uint8)."""
        return replace(
            self,
            train_x=self.train_x.to(device),
            train_y=self.train_y.to(device),
            test_x=self.test_x.to(device),
            test_y=self.test_y.to(device),
        )

    def describe(self) -> str:
        return f"{self.name}: {len(self.train_y)} train / {len(self.test_y)} test images, {self.num_classes} classes"


def channel_stats(x: torch.Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and std of uint8 images, on the 0..1 scale (for Normalize)."""
    xf = x[:10_000].float().div_(255)
    mean = xf.mean(dim=(0, 2, 3))
    std = xf.std(dim=(0, 2, 3))
    return tuple(round(v, 4) for v in mean.tolist()), tuple(round(v, 4) for v in std.tolist())


def _subset(x: torch.Tensor, y: torch.Tensor, n: int | None, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A random (seeded) subset of n examples, or everything when n is None or too big."""
    if n is None or n >= len(y):
        return x, y
    idx = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))[:n]
    return x[idx], y[idx]


def _with_stats(data: ImageData) -> ImageData:
    mean, std = channel_stats(data.train_x)
    return replace(data, mean=mean, std=std)


def offline_shapes(n_train: int = 10_000, n_test: int = 2_000, seed: int = 0) -> ImageData:
    """The procedural shapes set; train and test come from different seeds (no overlap)."""
    from studytui.lab.shapes import CLASSES, make_shapes

    train_x, train_y = make_shapes(n_train, seed=2 * seed + 1)
    test_x, test_y = make_shapes(n_test, seed=2 * seed + 2)
    return _with_stats(ImageData("offline-shapes", list(CLASSES), train_x, train_y, test_x, test_y, real=False))


def load_cifar10(root: str | Path, download: bool = False) -> ImageData:
    """CIFAR-10 through torchvision.datasets.CIFAR10 (the 50k/10k split), as uint8 tensors."""
    from torchvision.datasets import CIFAR10

    root = Path(root).expanduser()
    try:
        train = CIFAR10(str(root), train=True, download=download)
        test = CIFAR10(str(root), train=False, download=download)
    except RuntimeError as exc:  # torchvision: "Dataset not found or corrupted..."
        batches = root / "cifar-10-batches-py"
        if batches.is_dir() and any(batches.iterdir()) and not download:
            # the folder is there but torchvision's MD5 check failed: say that, not "missing"
            raise StudytuiError(f"CIFAR-10 under {batches} is incomplete or corrupted (checksums differ): "
                                f"delete the folder and fetch it again (--download)") from None
        hint = "check the path, or add --download" if not download else str(exc).splitlines()[0]
        raise StudytuiError(f"no CIFAR-10 found under {root} (expected {root}/cifar-10-batches-py): {hint}") from None
    except OSError as exc:  # offline, DNS, permission, disk full ...
        raise StudytuiError(f"could not download CIFAR-10 into {root}: {exc}") from None

    def as_tensors(ds):
        x = torch.from_numpy(ds.data).permute(0, 3, 1, 2).contiguous()  # N,H,W,C -> N,C,H,W
        return x, torch.tensor(ds.targets, dtype=torch.long)

    train_x, train_y = as_tensors(train)
    test_x, test_y = as_tensors(test)
    return _with_stats(ImageData("cifar10", list(train.classes), train_x, train_y, test_x, test_y, real=True))


def load_image_folder(path: str | Path, size: int = 32, test_fraction: float = 0.2, seed: int = 0) -> ImageData:
    """Any torchvision ImageFolder tree (one sub-folder per class), resized to size x size.

    Uses PATH/train and PATH/test (or val) when both exist, else splits PATH at random.
    """
    from torchvision.datasets import ImageFolder
    from torchvision.transforms import v2

    path = Path(path).expanduser()
    if not path.is_dir():
        raise StudytuiError(f"--image-folder {path}: not a directory")
    to_tensor = v2.Compose([v2.PILToTensor(), v2.Resize((size, size), antialias=True)])

    def read(folder: Path):
        try:
            ds = ImageFolder(str(folder), transform=to_tensor)
        except (FileNotFoundError, RuntimeError) as exc:
            raise StudytuiError(f"--image-folder {folder}: {str(exc).splitlines()[0]}") from None
        xs, ys = [], []
        for img, label in ds:
            xs.append(img[:3] if img.shape[0] >= 3 else img.expand(3, -1, -1))  # drop alpha, grey -> RGB
            ys.append(label)
        return torch.stack(xs), torch.tensor(ys, dtype=torch.long), ds.classes

    test_dir = next((path / n for n in ("test", "val") if (path / n).is_dir()), None)
    if (path / "train").is_dir() and test_dir is not None:
        train_x, train_y, classes = read(path / "train")
        test_x, test_y, test_classes = read(test_dir)
        if test_classes != classes:
            raise StudytuiError(f"--image-folder {path}: train and {test_dir.name} have different class folders")
    else:
        x, y, classes = read(path)
        perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
        n_test = max(1, int(len(y) * test_fraction))
        train_x, train_y = x[perm[n_test:]], y[perm[n_test:]]
        test_x, test_y = x[perm[:n_test]], y[perm[:n_test]]
    return _with_stats(ImageData(f"folder:{path.name}", classes, train_x, train_y, test_x, test_y, real=True))


def load_data(
    data_dir: str | Path | None = None,
    download: bool = False,
    image_folder: str | Path | None = None,
    n_train: int | None = None,
    n_test: int | None = None,
    seed: int = 0,
    announce: bool = True,
) -> ImageData:
    """Pick the data source from the flags (see the module docstring); subset to n_train/n_test.

    With no real source the offline shapes set is generated (n_train defaults to 10,000) and
    its banner printed (announce=False to skip, e.g. on non-zero DDP ranks).
    """
    if image_folder is not None:
        data = load_image_folder(image_folder, seed=seed)
    elif data_dir is not None or download:
        data = load_cifar10(data_dir if data_dir is not None else "data", download=download)
    else:
        if announce:
            print(OFFLINE_BANNER, flush=True)
        return offline_shapes(n_train or 10_000, n_test or 2_000, seed=0)
    train_x, train_y = _subset(data.train_x, data.train_y, n_train, seed)
    test_x, test_y = _subset(data.test_x, data.test_y, n_test, seed + 1)
    return replace(data, train_x=train_x, train_y=train_y, test_x=test_x, test_y=test_y)


def add_data_args(parser, image_folder: bool = False) -> None:
    """--data-dir / --download (and --image-folder) on an argparse parser."""
    g = parser.add_argument_group("data")
    g.add_argument("--data-dir", metavar="DIR", help="CIFAR-10 root (holding cifar-10-batches-py); default: offline shapes set")
    g.add_argument("--download", action="store_true", help="fetch CIFAR-10 through torchvision into --data-dir (default ./data)")
    if image_folder:
        g.add_argument("--image-folder", metavar="PATH", help="train on an ImageFolder tree (PATH/class/*.png) instead")

