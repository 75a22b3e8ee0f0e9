"""A basic CNN on CIFAR-10: three conv-conv-pool blocks and an MLP head (about 75% on CIFAR-10).

The network is studytui.lab.nets.CifarCNN, printed below when the demo starts. Each block is
two 3x3 convolutions (padding=1 keeps the size) and a 2x2 max-pool (halves it), so a 32x32 image
becomes 256 maps of 4x4 = 4096 numbers, which three Linear layers turn into 10 class scores.
Most of its 5.85M parameters sit in that first Linear layer (4096 x 1024).

The lesson: this plain stack of convs, ReLUs and pools *learns* (val accuracy climbs far above
the 10% of guessing) — provided it starts well. Without BatchNorm, the initialisation decides:
with PyTorch's default init the signal shrinks layer by layer, every image gets the same class
and the loss sits at ln 10 = 2.303 for good. nets.CifarCNN uses He init (see reset_parameters).
The quick mode trains the same layout at 1/4 width (about 16x cheaper) for 5 epochs on 3,000
offline images, so it learns within about a minute on 2 CPU cores: validation accuracy is
still near 0.10 after the first epoch and then climbs well above it epoch by epoch (the quick
run's numbers are in the README's demo table). The full 5.85M-parameter net is
for a GPU (--full; the study material reports about 75% on real CIFAR-10 after 10 epochs).

Training is the plain recipe of the CNN module: Adam, a fixed LR, cross-entropy, no
augmentation unless --augment. Given more epochs than the quick run's five (which stop while
train and validation accuracy are still close), it overfits: watch train accuracy pull away
from validation accuracy in training.png. Afterwards the demo saves what the net learned:

  filters.png      the 32 first-layer 3x3 filters as colour tiles (edge and colour detectors)
  predictions.png  test images with the predicted and the true class

Any folder of images works too: --image-folder PATH (one sub-folder per class, resized to 32x32;
PATH/train + PATH/test are used when present, else a random 20% is held out).

    python demos/cnn_cifar10.py --quick
    python demos/cnn_cifar10.py --data-dir ~/data --full
    python demos/cnn_cifar10.py --image-folder ~/pictures/pets --epochs 10
"""

from __future__ import annotations

import time

import torch
from torch import nn

from studytui.lab import augment
from studytui.lab.config import apply_mode, demo_parser, out_dir, run_main
from studytui.lab.data import load_data
from studytui.lab.device import pick_device
from studytui.lab.nets import CifarCNN, count_parameters
from studytui.lab.plots import plot_filters, plot_predictions, plot_training
from studytui.lab.progress import Progress, print_summary
from studytui.lab.train import History, evaluate, predict, seed_everything, steps_per_epoch, train_epoch


def main() -> int:
    parser = demo_parser(__doc__, image_folder=True)
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    parser.add_argument("--augment", action="store_true", help="random crop (pad 4) + horizontal flip")
    parser.add_argument("--width", type=float, help="scale every layer (1 = the 5.85M-parameter net; quick mode: 0.25)")
    args = parser.parse_args()

    dev = pick_device(args.device, compile=args.compile)
    apply_mode(
        args,
        full=dict(epochs=10, batch_size=128, n_train=None, width=1.0),
        quick=dict(epochs=5, batch_size=64, n_train=3000, width=0.25),
        tiny=dict(epochs=1, batch_size=32, n_train=128, width=1.0),
    )
    out = out_dir(args, "cnn_cifar10")
    n_test = {"full": None, "quick": 1000, "tiny": 64}[args.mode]
    data = load_data(args.data_dir, args.download, getattr(args, "image_folder", None),
                     n_train=args.n_train, n_test=n_test, seed=args.seed).to(dev.device)
    print(data.describe())
    print(f"device: {dev.describe()}")

    gen = seed_everything(args.seed)
    model = CifarCNN(num_classes=data.num_classes, width=args.width)
    print(model)
    print(f"{count_parameters(model):,} parameters")
    model = dev.prepare(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    criterion = nn.CrossEntropyLoss()

    def crop_and_flip(x: torch.Tensor) -> torch.Tensor:
        return augment.random_flip(augment.random_crop(x, padding=4, mode="reflect", generator=gen), generator=gen)

    history = History()
    steps = steps_per_epoch(len(data.train_y), args.batch_size, drop_last=True)
    start = time.perf_counter()
    with Progress(args.epochs * steps, title="cnn_cifar10") as bar:
        for epoch in range(1, args.epochs + 1):
            train_loss, train_acc = train_epoch(
                model, data, optimizer, dev, args.batch_size, augment=crop_and_flip if args.augment else None,
                criterion=criterion, generator=gen, progress=bar, history=history,
            )
            val_loss, val_acc = evaluate(model, data.test_x, data.test_y, dev, data.mean, data.std)
            history.log_epoch(train_loss=train_loss, train_acc=train_acc, val_loss=val_loss, val_acc=val_acc)
            bar.epoch(epoch, f"epoch {epoch}/{args.epochs}: train_loss={train_loss:.4f} train_acc={train_acc:.4f} "
                             f"val_loss={val_loss:.4f} val_acc={val_acc:.4f}",
                      train_loss=train_loss, train_acc=train_acc, val_loss=val_loss, val_acc=val_acc)
    elapsed = time.perf_counter() - start

    first_conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    preds = predict(model, data.test_x[:24], dev, data.mean, data.std).argmax(1)
    files = [
        plot_training(history, out / "training.png", title=f"CifarCNN on {data.name}"),
        plot_filters(first_conv.weight, out / "filters.png", title="first-layer 3x3 filters"),
        plot_predictions(data.test_x[:24], data.test_y[:24], preds, data.classes, out / "predictions.png"),
        history.save(out / "history.json"),
    ]
    final = history.epochs[-1]
    print_summary("cnn_cifar10", {"data": data.name, "epochs": args.epochs, "train_acc": final["train_acc"],
                                  "val_acc": final["val_acc"], "val_loss": final["val_loss"],
                                  "first_val_acc": history.epochs[0]["val_acc"], "time_s": elapsed}, out, files)
    return 0


if __name__ == "__main__":
    run_main(main)
