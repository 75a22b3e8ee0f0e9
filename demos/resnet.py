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

The lesson of the quick run: the recipe trains a ResNet-18 from scratch, and its regularisers
are visible at work. On 2 CPU cores (width 8, 4,000 offline images, 5 epochs, about a minute)
validation accuracy stays near 0.10 through the warm-up, then climbs above chance and is
still rising when the run stops; after the first epoch the training loss sits *above* the
validation loss, because it is measured on mixup blends against label-smoothed targets (the
model never sees a clean image with a hard label in training). What each ingredient adds (the ablation of
demos/run_experiments.py) needs the full 30-epoch runs on a GPU: a few CPU epochs cannot
separate a point or two of accuracy, and --full on a GPU is where the recipe reaches its
final accuracy. Zero-gamma init is off in this post-activation recipe because it stalls short
runs (try --set zero_init_residual=true); the pre-activation recipe keeps it.

Runs save a checkpoint every epoch (model, optimizer, scheduler, epoch, RNG states) and
--resume continues it exactly. --export-onnx PATH writes the trained net as ONNX.

Multi-GPU: `torchrun --nproc_per_node=4 demos/resnet.py --config resnet18_cifar --full`
starts one process per GPU; each trains on its own shard of every epoch and
DistributedDataParallel averages the gradients. A plain `python demos/resnet.py` never touches
torch.distributed. The batch size is per GPU, so scale the LR with the number of GPUs.

    python demos/resnet.py --quick                          # resnet18_cifar recipe, width 8, 5 epochs
    python demos/resnet.py --quick --config preact_resnet18 --set mixup_alpha=0 --epochs 3
    python demos/resnet.py --config resnet18_cifar --data-dir ~/data --full --export-onnx r18.onnx
"""

from __future__ import annotations

import json
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
from studytui.lab.ddp import all_reduce_sum, epoch_seed, evaluate_sharded, replica_fingerprints, sync_buffers
from studytui.lab.train import (
    History, StepMeter, batch_indices, current_momentum, load_checkpoint, save_checkpoint, seed_everything,
    steps_per_epoch,
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
    parser.add_argument("--sync-bn", action="store_true", help="DDP: BatchNorm statistics over all ranks' batches (SyncBatchNorm)")
    parser.add_argument("--log-shards", action="store_true", help="DDP: write the example indices each rank trained on (shards_rankR.json)")
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
    say = print if dist.is_main else (lambda *a, **k: None)
    # --quick / --tiny shrink the run (explicit --epochs, --batch-size, --set width=... win)
    args.width = overrides.get("width")
    mode = apply_mode(
        args,
        full=dict(epochs=recipe.epochs, batch_size=recipe.batch_size, width=recipe.width),
        # width 8 on a CPU: small convs cost per call more than per channel, so halving the
        # width gives an extra epoch within the minute, which helps more than the channels
        quick=dict(epochs=min(recipe.epochs, 5), batch_size=64, width=recipe.width if dev.is_cuda else 8, n_train=4000),
        tiny=dict(epochs=min(recipe.epochs, 2), batch_size=16, width=4, n_train=96),
        announce=dist.is_main,
    )
    update = dict(epochs=args.epochs, batch_size=args.batch_size, width=args.width)
    if mode != "full":
        update["warmup_epochs"] = min(recipe.warmup_epochs, 1.0)
    recipe = ResNetRecipe.model_validate({**recipe.model_dump(), **update})
    out = out_dir(args, f"resnet_{recipe.name}", announce=dist.is_main)

    n_test = {"full": None, "quick": 1000, "tiny": 48}[args.mode]
    data = load_data(args.data_dir, args.download, n_train=args.n_train, n_test=n_test, seed=0,
                     announce=dist.is_main).to(dev.device)  # the whole set on the device: a batch is a slice
    say(data.describe())
    say(f"device: {dev.describe()}" + (f" x {dist.world_size} processes (DDP, {'NCCL' if dev.is_cuda else 'gloo'})" if dist.enabled else ""))
    say("recipe:\n" + "\n".join(f"  {k}: {v}" for k, v in recipe.model_dump().items() if k != "description"))

    # ---- model: He init inside nets.py; zero-gamma and drop-path from the recipe ---------
    seed_everything(args.seed)  # same seed on every rank: identical initial weights
    name = f"preact-{recipe.arch}" if recipe.preact else recipe.arch
    model = resnet(int(recipe.arch.removeprefix("resnet")), num_classes=data.num_classes, stem="cifar",
                   preact=recipe.preact, zero_init_residual=recipe.zero_init_residual,
                   drop_path=recipe.drop_path, width=recipe.width)
    say(f"model: {name}, CIFAR stem, width {recipe.width}: {count_parameters(model):,} params")
    if args.sync_bn and dist.enabled:
        if not dev.is_cuda:
            raise StudytuiError("--sync-bn needs GPUs (torch's SyncBatchNorm runs on CUDA only); drop it on CPU")
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    net = dev.prepare(model, compile=False)  # the plain module: evaluation, checkpoints, export
    model = net
    if dist.enabled:
        # DDP averages gradients during backward(); wrap first, compile the wrapper after
        model = nn.parallel.DistributedDataParallel(net, device_ids=[dev.device.index] if dev.is_cuda else None)
    model = dev.compiled(model)

    # ---- optimiser, schedule, loss ----------------------------------------------------------
    # no weight decay on BN parameters and biases: shrinking a BN gamma only changes the scale
    decay = [p for n, p in net.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in net.named_parameters() if p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": recipe.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    if recipe.optimizer == "sgd":
        optimizer = torch.optim.SGD(groups, lr=recipe.lr, momentum=recipe.momentum, nesterov=recipe.nesterov)
    else:
        optimizer = torch.optim.AdamW(groups, lr=recipe.lr)
    steps = steps_per_epoch(len(data.train_y), recipe.batch_size, drop_last=True, world_size=dist.world_size)
    if steps == 0:
        raise StudytuiError(f"batch size {recipe.batch_size} x {dist.world_size} rank(s) is larger than the {len(data.train_y)} training images")
    scheduler = make_scheduler(recipe, optimizer, steps)
    criterion = nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing)  # accepts soft targets too
    scaler = dev.grad_scaler()  # active only for fp16
    history = History()

    # ---- resume -------------------------------------------------------------------------
    checkpoint = out / "checkpoint.pt"
    start_epoch = 1
    if args.resume:
        # map to the CPU: RNG states must stay CPU tensors; weights move with load_state_dict
        state = load_checkpoint(checkpoint, net, optimizer, scheduler, map_location="cpu")
        check_same_recipe(state.get("recipe", {}), recipe.model_dump(), checkpoint)
        start_epoch = state["epoch"] + 1
        saved_world = state.get("world_size", 1)
        if saved_world != dist.world_size:
            # a different world size has a different number of steps per epoch: rebuild the
            # schedule at the same point of training (same epochs done), not the same step
            scheduler = make_scheduler(recipe, optimizer, steps)
            fast_forward(scheduler, state["epoch"] * steps)
            say(f"note: checkpoint from {saved_world} process(es), resuming with {dist.world_size}: "
                f"same epochs, the shards and the global batch size differ")
        history.load_state_dict(state["history"])
        say(f"resumed from {checkpoint} at epoch {start_epoch}")

    def augment_batch(x: torch.Tensor, y: torch.Tensor, gen: torch.Generator):
        """uint8 batch -> (normalised float batch, targets: labels or mixed soft labels)."""
        if recipe.randaugment:
            x = augment.rand_augment(x, recipe.randaugment_ops, recipe.randaugment_magnitude)
        x = augment.random_crop(x, recipe.crop_padding, recipe.padding_mode, generator=gen)
        if recipe.flip:
            x = augment.random_flip(x, generator=gen)
        x = augment.normalize(x, data.mean, data.std)
        use_mixup, use_cutmix = recipe.mixup_alpha > 0, recipe.cutmix_alpha > 0
        if use_mixup and use_cutmix:  # both on: pick one per batch
            coin = torch.rand(1, generator=gen, device=gen.device).item() < 0.5
            use_mixup, use_cutmix = coin, not coin
        if use_mixup:
            return augment.mixup(x, y, recipe.mixup_alpha, data.num_classes, generator=gen)
        if use_cutmix:
            return augment.cutmix(x, y, recipe.cutmix_alpha, data.num_classes, generator=gen)
        return x, y

    # ---- train ----------------------------------------------------------------------------
    last_epoch = min(recipe.epochs, args.stop_after or recipe.epochs)
    start = time.perf_counter()
    with Progress((last_epoch - start_epoch + 1) * steps, title=name, plain=None if dist.is_main else True,
                  lines=10 if dist.is_main else 0) as bar:
        for epoch in range(start_epoch, last_epoch + 1):
            # Every random draw of an epoch comes from (seed, epoch[, rank]), like
            # DistributedSampler.set_epoch: a resumed run, at any world size, needs no saved RNG.
            # The shuffle is the same on every rank (so the shards are disjoint); augmentation,
            # mixup and drop-path draw differently on each rank.
            order_gen = torch.Generator().manual_seed(epoch_seed(args.seed, epoch))
            aug_gen = torch.Generator(device=dev.device).manual_seed(epoch_seed(args.seed, epoch, dist.rank + 1))
            torch.manual_seed(epoch_seed(args.seed, epoch, dist.rank + 1))
            meter = StepMeter(dev.log_every, history, bar if dist.is_main else None)
            model.train()
            epoch_start = time.perf_counter()
            shard = []
            for idx in batch_indices(len(data.train_y), recipe.batch_size, generator=order_gen, drop_last=True,
                                     rank=dist.rank, world_size=dist.world_size):
                if args.log_shards:
                    shard += idx.tolist()
                idx = idx.to(data.train_x.device, non_blocking=True)
                x, targets = augment_batch(data.train_x[idx], data.train_y[idx], aug_gen)
                with dev.autocast():
                    logits = model(dev.layout(x))
                    loss = criterion(logits, targets)
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                if recipe.grad_clip:
                    scaler.unscale_(optimizer)  # clip the true gradients, not the fp16-scaled ones
                    nn.utils.clip_grad_norm_(net.parameters(), recipe.grad_clip)
                scaler.step(optimizer)
                scaler.update()
                lr, momentum = optimizer.param_groups[0]["lr"], current_momentum(optimizer)
                scheduler.step()
                meter.add(loss, logits, targets, lr=lr, momentum=momentum)
            train_loss, train_acc = meter.means()
            seconds = time.perf_counter() - epoch_start
            if args.log_shards:
                (out / f"shards_rank{dist.rank}.json").write_text(json.dumps({"epoch": epoch, "indices": shard}) + "\n")

            # metrics of all ranks: mean train loss/acc, and the test set scored in slices
            sums = all_reduce_sum(torch.tensor([train_loss, train_acc], dtype=torch.float64), dist) / dist.world_size
            train_loss, train_acc = sums.tolist()
            sync_buffers(net, dist)
            val_loss, val_acc = evaluate_sharded(net, data.test_x, data.test_y, dev, data.mean, data.std, dist)
            history.log_epoch(train_loss=train_loss, train_acc=train_acc, val_loss=val_loss, val_acc=val_acc, time_s=seconds)
            line = f"epoch {epoch}/{recipe.epochs}: train_loss={train_loss:.4f} val_loss={val_loss:.4f} val_acc={val_acc:.4f}"
            if args.profile:
                line += f"  {steps * recipe.batch_size * dist.world_size / seconds:,.0f} images/s"
            if dist.is_main:
                bar.epoch(epoch, line, train_loss=train_loss, train_acc=train_acc, val_loss=val_loss, val_acc=val_acc)
                save_checkpoint(checkpoint, net, optimizer, scheduler, epoch=epoch, generator=None,
                                history=history.state_dict(), recipe=recipe.model_dump(), world_size=dist.world_size)
    elapsed = time.perf_counter() - start

    prints = replica_fingerprints(net, dist)  # a collective: every rank takes part
    replicas_differ = float((prints - prints[0]).abs().max())
    if not dist.is_main:
        cleanup_distributed(dist)
        return 0
    if dist.enabled:
        print(f"DDP replicas identical across {dist.world_size} ranks: {'yes' if replicas_differ == 0 else f'NO (max diff {replicas_differ:.3g})'}")
    files = [plot_training(history, out / "training.png", title=f"{name} ({recipe.name}) on {data.name}"),
             history.save(out / "history.json"), checkpoint]
    if args.export_onnx:
        onnx_path = export_onnx(net, Path(args.export_onnx), dev)
        if onnx_path:
            files.append(onnx_path)
    final = history.epochs[-1] if history.epochs else {}
    print_summary(
        "resnet",
        {"recipe": recipe.name, "model": name, "data": data.name, "epochs_done": len(history.epochs),
         "epochs": recipe.epochs, "val_acc": final.get("val_acc"), "val_loss": final.get("val_loss"),
         "train_loss": final.get("train_loss"), "world_size": dist.world_size,
         "replicas_max_diff": replicas_differ, "time_s": elapsed},
        out,
        files,
    )
    cleanup_distributed(dist)
    return 0


def check_same_recipe(saved: dict, now: dict, checkpoint: Path) -> None:
    """A resumed run must continue the same recipe: a changed key is an error, not a surprise."""
    changed = [f"{k} {saved[k]!r} -> {now.get(k)!r}" for k in sorted(saved) if saved[k] != now.get(k)]
    if changed:
        raise StudytuiError(f"--resume: {checkpoint} was trained with another recipe ({'; '.join(changed)}); "
                            f"resume with the same settings, or give a new --out")


def fast_forward(scheduler, steps: int) -> None:
    """Step a freshly built LR schedule `steps` times (no optimizer steps: silence that warning)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for _ in range(steps):
            scheduler.step()


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
