"""ResNet from scratch on CIFAR-10: post- or pre-activation, with the modern training recipe.

The networks are the plain nn.Modules of studytui/lab/nets.py (BasicBlock, Bottleneck,
PreActBlock, ... with a 3x3 CIFAR stem: no 7x7 conv, no max-pool, so layer1 sees all 32x32
pixels). A recipe (demos/configs/*.yaml) switches each technique on or off:

  * He initialisation (always; nets.py) and zero-gamma: the last BN of every residual branch
    starts at gamma = 0 (pre-activation: the last conv's weights), so each block starts as
    the identity and the deep net trains like a shallow one at first;
  * cosine LR with a linear warm-up (or step decay, or OneCycle);
  * label smoothing: CrossEntropyLoss(label_smoothing=eps) aims at 1-eps+eps/K, not at 1;
  * mixup / CutMix: train on blends of two images with blended labels;
  * RandAugment (torchvision.transforms.v2 on uint8 tensors), random crop + flip;
  * stochastic depth (drop_path), gradient clipping by norm, bf16/fp16 autocast.

Runs save a checkpoint every epoch (model, optimizer, scheduler, epoch, RNG states) and
--resume continues it exactly. --export-onnx PATH writes the trained net as ONNX.

Multi-GPU: `torchrun --nproc_per_node=4 demos/resnet.py --config resnet18_cifar --full`
starts one process per GPU; each trains on its own shard of every epoch and
DistributedDataParallel averages the gradients. A plain `python demos/resnet.py` never touches
torch.distributed. The batch size is per GPU, so scale the LR with the number of GPUs.

    python demos/resnet.py --quick                          # resnet18_cifar recipe, narrowed
    python demos/resnet.py --quick --config preact_resnet18 --set mixup_alpha=0 --epochs 3
    python demos/resnet.py --config resnet18_cifar --data-dir ~/data --full --export-onnx r18.onnx
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import torch
from torch import nn
from torch.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, MultiStepLR, OneCycleLR

from studytui.errors import StudytuiError
from studytui.lab import augment
from studytui.lab.config import apply_mode, demo_parser, out_dir, parse_overrides, run_main
from studytui.lab.data import load_data
from studytui.lab.device import cleanup_distributed, pick_device, setup_distributed
from studytui.lab.nets import count_parameters, resnet
from studytui.lab.plots import plot_training
from studytui.lab.progress import Progress, print_summary
from studytui.lab.recipes import ResNetRecipe, load_recipe
from studytui.lab.train import (
    History, accuracy, batch_indices, evaluate, load_checkpoint, save_checkpoint, seed_everything,
    steps_per_epoch, unwrap,
)


def make_scheduler(recipe: ResNetRecipe, optimizer, steps_per_epoch: int):
    """The LR schedule, stepped once per batch."""
    total = recipe.epochs * steps_per_epoch
    if recipe.scheduler == "cosine-warmup":  # linear ramp from ~0 to lr, then cosine to 0
        warmup = int(recipe.warmup_epochs * steps_per_epoch)

        def factor(step: int) -> float:
            if step < warmup:
                return (step + 1) / warmup
            return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))

        return LambdaLR(optimizer, factor)
    if recipe.scheduler == "cosine":
        return CosineAnnealingLR(optimizer, T_max=total)
    if recipe.scheduler == "onecycle":
        return OneCycleLR(optimizer, max_lr=recipe.lr, total_steps=total, pct_start=0.25)
    # step decay: LR / 10 at 50% and 75% of training
    return MultiStepLR(optimizer, milestones=[total // 2, total * 3 // 4], gamma=0.1)


def main() -> int:
    parser = demo_parser(__doc__)
    parser.add_argument("--config", default="resnet18_cifar", help="recipe: a YAML file or a name in demos/configs/")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a recipe key (repeatable)")
    parser.add_argument("--arch", choices=["resnet18", "resnet34", "resnet50", "resnet101"], help="same as --set arch=...")
    parser.add_argument("--preact", action="store_true", default=None, help="pre-activation blocks (--set preact=true)")
    parser.add_argument("--amp", choices=["auto", "bf16", "fp16", "off"], help="mixed precision (--set amp=...)")
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    parser.add_argument("--stop-after", type=int, metavar="N", help="stop after epoch N (the checkpoint stays resumable)")
    parser.add_argument("--export-onnx", metavar="PATH", help="write the trained model as ONNX")
    args = parser.parse_args()

    # ---- recipe: YAML file, then command-line overrides --------------------------------
    overrides = parse_overrides(args.set)
    for flag in ("arch", "preact", "amp"):
        if getattr(args, flag) is not None:
            overrides[flag] = getattr(args, flag)
    dist = setup_distributed()  # no-op unless torchrun started us with WORLD_SIZE > 1
    recipe = load_recipe(args.config, overrides)
    dev = pick_device(f"cuda:{dist.local_rank}" if dist.enabled and torch.cuda.is_available() else args.device,
                      amp=recipe.amp, compile=args.compile)
    # --quick / --tiny shrink the run (explicit --epochs, --batch-size, --set width=... win)
    args.width = overrides.get("width")
    mode = apply_mode(
        args,
        full=dict(epochs=recipe.epochs, batch_size=recipe.batch_size, width=recipe.width),
        quick=dict(epochs=min(recipe.epochs, 4), batch_size=64, width=recipe.width if dev.is_cuda else 16, n_train=4000),
        tiny=dict(epochs=min(recipe.epochs, 2), batch_size=16, width=4, n_train=96),
        announce=dist.is_main,
    )
    update = dict(epochs=args.epochs, batch_size=args.batch_size, width=args.width)
    if mode != "full":
        update["warmup_epochs"] = min(recipe.warmup_epochs, 1.0)
    recipe = ResNetRecipe.model_validate({**recipe.model_dump(), **update})
    out = out_dir(args, f"resnet_{recipe.name}")
    say = print if dist.is_main else (lambda *a, **k: None)

    n_test = {"full": None, "quick": 1000, "tiny": 48}[args.mode]
    data = load_data(args.data_dir, args.download, n_train=args.n_train, n_test=n_test, seed=0,
                     announce=dist.is_main).to(dev.device)
    say(data.describe())
    say(f"device: {dev.describe()}" + (f" x {dist.world_size} processes (DDP)" if dist.enabled else ""))
    say(f"recipe: {recipe.model_dump_json()}")

    # ---- model: He init inside nets.py; zero-gamma and drop-path from the recipe ---------
    gen = seed_everything(args.seed)
    name = f"preact-{recipe.arch}" if recipe.preact else recipe.arch
    model = resnet(int(recipe.arch.removeprefix("resnet")), num_classes=data.num_classes, stem="cifar",
                   preact=recipe.preact, zero_init_residual=recipe.zero_init_residual,
                   drop_path=recipe.drop_path, width=recipe.width)
    say(f"model: {name}, CIFAR stem, width {recipe.width}: {count_parameters(model):,} params")
    model = dev.prepare(model)
    if dist.enabled:
        model = nn.parallel.DistributedDataParallel(model, device_ids=[dev.device.index] if dev.is_cuda else None)

    # ---- optimiser, schedule, loss ----------------------------------------------------------
    # no weight decay on BN parameters and biases: shrinking a BN gamma only changes the scale
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": recipe.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    if recipe.optimizer == "sgd":
        optimizer = torch.optim.SGD(groups, lr=recipe.lr, momentum=recipe.momentum, nesterov=recipe.nesterov)
    else:
        optimizer = torch.optim.AdamW(groups, lr=recipe.lr)
    steps = steps_per_epoch(len(data.train_y), recipe.batch_size, drop_last=True, world_size=dist.world_size)
    if steps == 0:
        raise StudytuiError(f"batch size {recipe.batch_size} is larger than the {len(data.train_y)} training images")
    scheduler = make_scheduler(recipe, optimizer, steps)
    criterion = nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing)  # accepts soft targets too
    scaler = dev.grad_scaler()  # active only for fp16
    history = History()

    # ---- resume -------------------------------------------------------------------------
    checkpoint = out / "checkpoint.pt"
    start_epoch = 1
    if args.resume:
        state = load_checkpoint(checkpoint, model, optimizer, scheduler, generator=gen, map_location=dev.device)
        history.load_state_dict(state["history"])
        start_epoch = state["epoch"] + 1
        say(f"resumed from {checkpoint} at epoch {start_epoch}")

    def augment_batch(x: torch.Tensor, y: torch.Tensor):
        """uint8 batch -> (normalised float batch, targets: labels or mixed soft labels)."""
        if recipe.randaugment:
            x = augment.rand_augment(x, recipe.randaugment_ops, recipe.randaugment_magnitude)
        x = augment.random_crop(x, recipe.crop_padding, recipe.padding_mode, generator=gen)
        if recipe.flip:
            x = augment.random_flip(x, generator=gen)
        x = augment.normalize(x, data.mean, data.std)
        use_mixup, use_cutmix = recipe.mixup_alpha > 0, recipe.cutmix_alpha > 0
        if use_mixup and use_cutmix:  # both on: pick one per batch
            coin = torch.rand(1, generator=gen).item() < 0.5
            use_mixup, use_cutmix = coin, not coin
        if use_mixup:
            return augment.mixup(x, y, recipe.mixup_alpha, data.num_classes, generator=gen)
        if use_cutmix:
            return augment.cutmix(x, y, recipe.cutmix_alpha, data.num_classes, generator=gen)
        return x, y

    # ---- train ----------------------------------------------------------------------------
    last_epoch = min(recipe.epochs, args.stop_after or recipe.epochs)
    start = time.perf_counter()
    with Progress((last_epoch - start_epoch + 1) * steps, title=name, plain=None if dist.is_main else True, lines=10 if dist.is_main else 0) as bar:
        for epoch in range(start_epoch, last_epoch + 1):
            model.train()
            epoch_start = time.perf_counter()
            for idx in batch_indices(len(data.train_y), recipe.batch_size, generator=gen, drop_last=True,
                                     rank=dist.rank, world_size=dist.world_size):
                idx = idx.to(data.train_x.device)
                x, targets = augment_batch(data.train_x[idx], data.train_y[idx])
                with dev.autocast():
                    logits = model(dev.layout(x))
                    loss = criterion(logits, targets)
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                if recipe.grad_clip:
                    scaler.unscale_(optimizer)  # clip the true gradients, not the fp16-scaled ones
                    nn.utils.clip_grad_norm_(model.parameters(), recipe.grad_clip)
                scaler.step(optimizer)
                scaler.update()
                lr = optimizer.param_groups[0]["lr"]
                scheduler.step()

                loss_v, acc_v = loss.item(), accuracy(logits, targets)
                history.log_step(lr=lr, loss=loss_v, acc=acc_v)
                if dist.is_main:
                    bar.step(loss=loss_v, acc=acc_v, lr=lr)

            if dist.is_main:
                val_loss, val_acc = evaluate(model, data.test_x, data.test_y, dev, data.mean, data.std)
                recent = history.steps[-steps:]
                history.log_epoch(train_loss=sum(r["loss"] for r in recent) / len(recent),
                                  train_acc=sum(r["acc"] for r in recent) / len(recent),
                                  val_loss=val_loss, val_acc=val_acc, time_s=time.perf_counter() - epoch_start)
                bar.print(f"epoch {epoch}/{recipe.epochs}: val_loss={val_loss:.4f} val_acc={val_acc:.4f}")
                save_checkpoint(checkpoint, model, optimizer, scheduler, epoch=epoch, generator=gen,
                                history=history.state_dict(), recipe=recipe.model_dump())
    elapsed = time.perf_counter() - start

    if not dist.is_main:
        cleanup_distributed(dist)
        return 0
    files = [plot_training(history, out / "training.png", title=f"{name} ({recipe.name}) on {data.name}"),
             history.save(out / "history.json"), checkpoint]
    if args.export_onnx:
        onnx_path = export_onnx(unwrap(model), Path(args.export_onnx), dev)
        if onnx_path:
            files.append(onnx_path)
    final = history.epochs[-1] if history.epochs else {}
    print_summary(
        "resnet",
        {"recipe": recipe.name, "model": name, "data": data.name, "epochs_done": len(history.epochs),
         "epochs": recipe.epochs, "val_acc": final.get("val_acc"), "val_loss": final.get("val_loss"),
         "time_s": elapsed},
        out,
        files,
    )
    cleanup_distributed(dist)
    return 0


def export_onnx(model: nn.Module, path: Path, dev) -> Path | None:
    """torch.onnx.export of the eval-mode model for N x 3 x 32 x 32 input (N dynamic).

    Needs the `onnx` package. With `onnxscript` too, torch's torch.export-based exporter is used;
    without it, the older TorchScript-based one (dynamo=False), which needs only onnx.
    """
    import importlib.util
    import warnings

    if importlib.util.find_spec("onnx") is None:
        print("ONNX export skipped: the onnx package is not installed (pip install onnx)")
        return None
    use_dynamo = importlib.util.find_spec("onnxscript") is not None
    model = model.float().eval().to("cpu").to(memory_format=torch.contiguous_format)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the TorchScript exporter is marked legacy
        torch.onnx.export(model, (torch.randn(1, 3, 32, 32),), str(path), dynamo=use_dynamo,
                          input_names=["image"], output_names=["logits"],
                          dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    print(f"exported ONNX ({'torch.export' if use_dynamo else 'TorchScript'} exporter): {path}")
    return path


if __name__ == "__main__":
    run_main(main)
