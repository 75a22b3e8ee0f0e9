"""Offline dataset (deterministic, banner, clear errors), ImageFolder loading, augmentation."""

from __future__ import annotations

import pytest
import torch

from studytui.errors import StudytuiError
from studytui.lab import augment
from studytui.lab.data import OFFLINE_BANNER, load_data, load_image_folder
from studytui.lab.shapes import CLASSES, make_shapes
from studytui.lab.train import batch_indices, steps_per_epoch


def test_shapes_deterministic_and_balanced():
    x1, y1 = make_shapes(300, seed=3)
    x2, y2 = make_shapes(300, seed=3)
    x3, _ = make_shapes(300, seed=4)
    assert x1.dtype == torch.uint8 and x1.shape == (300, 3, 32, 32)
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert not torch.equal(x1, x3)
    assert torch.bincount(y1, minlength=10).tolist() == [30] * 10
    assert len(CLASSES) == 10
    # images are not blank: real contrast in every image
    assert (x1.float().amax(dim=(1, 2, 3)) - x1.float().amin(dim=(1, 2, 3))).min() > 60


def test_classes_differ_in_shape_not_colour():
    """Mean colour per class is about the same: colour must not give the label away."""
    x, y = make_shapes(2000, seed=1)
    means = torch.stack([x[y == c].float().mean(dim=(0, 2, 3)) for c in range(10)])
    assert (means.amax(0) - means.amin(0)).max() < 20  # on the 0..255 scale


def test_offline_set_is_memorisable_but_not_by_pixel_templates():
    """Regularisation must matter: a linear model on raw pixels fits 1,000 training scenes
    perfectly and is near chance on new ones (clutter, pose and texture vary; only shape counts)."""
    x, y = make_shapes(1000, seed=1)
    x_new, y_new = make_shapes(500, seed=2)

    def features(images):
        f = images.flatten(1).float() / 255 - 0.5
        return torch.cat([f, torch.ones(len(f), 1)], dim=1)

    a = features(x)
    ridge = torch.linalg.solve(a.T @ a + torch.eye(a.shape[1]), a.T @ torch.nn.functional.one_hot(y, 10).float())
    train_acc = (a @ ridge).argmax(1).eq(y).float().mean().item()
    new_acc = (features(x_new) @ ridge).argmax(1).eq(y_new).float().mean().item()
    assert train_acc > 0.95 and new_acc < 0.2


def test_offline_data_prints_banner(capsys):
    data = load_data(n_train=50, n_test=20)
    out = capsys.readouterr().out
    assert OFFLINE_BANNER in out and "NOT CIFAR-10" in out
    assert not data.real and data.name == "offline-shapes"
    assert len(data.train_y) == 50 and len(data.test_y) == 20
    assert all(0.2 < m < 0.8 for m in data.mean)


def test_missing_cifar_is_one_clear_error(tmp_path):
    with pytest.raises(StudytuiError) as err:
        load_data(data_dir=tmp_path / "nothing")
    msg = str(err.value)
    assert "\n" not in msg and "nothing" in msg and "--download" in msg


def test_image_folder(tmp_path):
    from PIL import Image

    x, y = make_shapes(40, seed=0)
    for i in range(40):
        folder = tmp_path / CLASSES[int(y[i])]
        folder.mkdir(exist_ok=True)
        Image.fromarray(x[i].permute(1, 2, 0).numpy()).resize((48, 40)).save(folder / f"{i}.png")
    data = load_image_folder(tmp_path, seed=0)
    assert data.classes == sorted(CLASSES)
    assert data.train_x.shape[1:] == (3, 32, 32) and data.train_x.dtype == torch.uint8
    assert len(data.train_y) + len(data.test_y) == 40
    with pytest.raises(StudytuiError, match="not a directory"):
        load_image_folder(tmp_path / "missing")


def test_random_crop_zero_and_reflect():
    g = torch.Generator().manual_seed(0)
    x = torch.full((64, 3, 8, 8), 200, dtype=torch.uint8)
    zero = augment.random_crop(x, padding=2, mode="zeros", generator=g)
    assert zero.shape == x.shape and zero.dtype == torch.uint8
    assert (zero == 0).any()  # some crops reach into the black border
    assert (zero[:, :, 2:6, 2:6] == 200).all()  # the centre always stays inside the image
    reflect = augment.random_crop(x, padding=2, mode="reflect", generator=g)
    assert (reflect == 200).all()  # reflect padding invents no new values
    # a crop is a shifted window: the image content moves, it is not rescaled
    img = torch.arange(64, dtype=torch.float32).view(1, 1, 8, 8)
    out = augment.random_crop(img, padding=1, mode="zeros", generator=g)
    padded = torch.nn.functional.pad(img, (1, 1, 1, 1))
    windows = [padded[:, :, i:i + 8, j:j + 8] for i in range(3) for j in range(3)]
    assert any(torch.equal(out, w) for w in windows)
    assert torch.equal(augment.random_crop(img, padding=0), img)


def test_flip_normalize():
    x = torch.arange(24, dtype=torch.float32).view(2, 1, 3, 4)
    assert torch.equal(augment.random_flip(x, p=1.0), x.flip(3))
    assert torch.equal(augment.random_flip(x, p=0.0), x)
    img = torch.randint(0, 256, (8, 3, 4, 4), dtype=torch.uint8)
    norm = augment.normalize(img, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    assert norm.dtype == torch.float32 and norm.min() >= -1 and norm.max() <= 1


def test_mixup_and_cutmix_targets():
    g = torch.Generator().manual_seed(1)
    x = torch.stack([torch.full((3, 8, 8), float(i)) for i in range(4)])
    y = torch.tensor([0, 1, 2, 3])
    mixed, t = augment.mixup(x, y, alpha=0.4, num_classes=4, generator=g)
    assert torch.allclose(t.sum(1), torch.ones(4))
    # each mixed image is constant: lam * i + (1-lam) * j, matching its soft target
    assert torch.allclose(mixed[:, 0, 0, 0], t @ torch.arange(4.0), atol=1e-5)
    cut, t2 = augment.cutmix(x, y, alpha=1.0, num_classes=4, generator=g)
    for i in range(4):
        own = (cut[i] == float(i)).float().mean().item()
        if t2[i].max() < 1:  # pasted from another image: label weight == its pixel share
            assert t2[i, i].item() == pytest.approx(own, abs=1e-6)


def test_rand_augment_per_image():
    x = torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8)
    out = augment.rand_augment(x, num_ops=2, magnitude=9)
    assert out.shape == x.shape and out.dtype == torch.uint8


def test_batch_indices_shards():
    g = torch.Generator().manual_seed(0)
    full = torch.cat(list(batch_indices(103, 10, generator=g)))
    assert sorted(full.tolist()) == list(range(103))
    shards = []
    for rank in range(2):
        g = torch.Generator().manual_seed(0)
        shards.append(torch.cat(list(batch_indices(103, 10, generator=g, rank=rank, world_size=2))))
    assert len(shards[0]) == len(shards[1]) == 51
    assert not set(shards[0].tolist()) & set(shards[1].tolist())
    assert steps_per_epoch(103, 10, drop_last=True, world_size=2) == 5
    assert len(list(batch_indices(103, 10, drop_last=True))) == steps_per_epoch(103, 10, drop_last=True) == 10
