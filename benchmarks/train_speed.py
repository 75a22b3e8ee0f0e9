"""Training throughput of ResNet9: the demos' tensor loop vs a DataLoader loop like the study material's.

  tensor loop     (demos/onecycle.py) the whole dataset is one uint8 tensor on the device; a batch
                  is a slice; crop + flip are batched tensor ops on the device; channels_last and
                  bf16 autocast on CUDA.
  DataLoader loop (the study material) a Dataset hands out PIL images; torchvision transforms
                  RandomCrop(32, padding=4, padding_mode="reflect"), RandomHorizontalFlip,
                  ToTensor, Normalize run per image in DataLoader workers; batches are copied to
                  the device with pin_memory / non_blocking.

Same model, optimizer, batch size and machine, measured in one run; the first steps of each loop
are warm-up and not timed. Prints images/s for both and the ratio.

    python benchmarks/train_speed.py                    # ResNet9 (width 64), offline shapes data
    python benchmarks/train_speed.py --width 16 --steps 20
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F


def make_model(width: int, dev):
    from studytui.lab.nets import ResNet9

    torch.manual_seed(0)
    model = dev.prepare(ResNet9(width=width))
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def sync(dev) -> None:
    if dev.is_cuda:
        torch.cuda.synchronize()


def tensor_loop(data, dev, width: int, batch_size: int, steps: int, warmup: int) -> float:
    """Images/s of the demos' loop: everything stays on the device."""
    from studytui.lab import augment

    model, opt = make_model(width, dev)
    x_all, y_all = data.train_x.to(dev.device), data.train_y.to(dev.device)
    n = len(y_all)
    start = None
    for step in range(warmup + steps):
        if step == warmup:
            sync(dev)
            start = time.perf_counter()
        idx = torch.randint(0, n, (batch_size,), device=dev.device)
        x = augment.random_flip(augment.random_crop(x_all[idx], 4, "reflect"))
        x = dev.layout(augment.normalize(x, data.mean, data.std))
        with dev.autocast():
            loss = F.cross_entropy(model(x), y_all[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    sync(dev)
    return steps * batch_size / (time.perf_counter() - start)


class PILDataset(torch.utils.data.Dataset):
    """Like torchvision.datasets.CIFAR10: HWC uint8 arrays, one PIL image per __getitem__."""

    def __init__(self, images, labels, transform):
        self.images = images.permute(0, 2, 3, 1).numpy()
        self.labels = labels.tolist()
        self.transform = transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i):
        from PIL import Image

        return self.transform(Image.fromarray(self.images[i])), self.labels[i]


def dataloader_loop(data, dev, width: int, batch_size: int, steps: int, warmup: int, workers: int) -> float:
    """Images/s of the study material's loop: per-image PIL transforms in DataLoader workers."""
    import torchvision.transforms as T

    transform = T.Compose([
        T.RandomCrop(32, padding=4, padding_mode="reflect"),
        T.RandomHorizontalFlip(),
        T.ToTensor(),
        T.Normalize(data.mean, data.std),
    ])
    loader = torch.utils.data.DataLoader(
        PILDataset(data.train_x, data.train_y, transform), batch_size=batch_size, shuffle=True,
        num_workers=workers, pin_memory=dev.is_cuda, drop_last=True, persistent_workers=workers > 0,
    )
    model, opt = make_model(width, dev)
    step, start = 0, None
    while step < warmup + steps:
        for x, y in loader:
            if step == warmup:
                sync(dev)
                start = time.perf_counter()
            if step == warmup + steps:
                break
            x, y = dev.layout(x.to(dev.device, non_blocking=True)), y.to(dev.device, non_blocking=True)
            with dev.autocast():
                loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
    sync(dev)
    return steps * batch_size / (time.perf_counter() - start)


def main() -> None:
    from studytui.lab.data import load_data
    from studytui.lab.device import pick_device

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=64, help="ResNet9 base width (64 = the real ResNet9)")
    parser.add_argument("--batch-size", type=int, help="default 512 on CUDA, 128 on CPU")
    parser.add_argument("--steps", type=int, help="timed steps per loop (default 100 on CUDA, 10 on CPU)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers (default 2)")
    parser.add_argument("--data-dir", help="CIFAR-10 root; default: the offline shapes set")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()

    dev = pick_device(args.device)
    batch_size = args.batch_size or (512 if dev.is_cuda else 128)
    steps = args.steps or (100 if dev.is_cuda else 10)
    data = load_data(args.data_dir, n_train=5000 if args.data_dir is None else None, n_test=10, announce=False)
    print(f"ResNet9 width {args.width}, batch {batch_size}, {steps} timed steps, {data.name}, device {dev.describe()}")
    tensors = tensor_loop(data, dev, args.width, batch_size, steps, args.warmup)
    print(f"tensor loop (demos):       {tensors:8.1f} images/s")
    loader = dataloader_loop(data, dev, args.width, batch_size, steps, args.warmup, args.workers)
    print(f"DataLoader loop (material): {loader:8.1f} images/s  ({args.workers} workers)")
    print(f"ratio: {tensors / loader:.2f}x")


if __name__ == "__main__":
    main()
