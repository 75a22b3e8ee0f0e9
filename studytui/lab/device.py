"""Where the demos run: CUDA when there is one (bf16/fp16 autocast, channels_last), else the CPU.

    dev = pick_device()                   # or pick_device("cpu", amp="off", compile=True)
    model = dev.prepare(model)            # .to(device), channels_last on CUDA, torch.compile
    with dev.autocast():                  # bf16 on CUDA, a no-op on CPU by default
        loss = criterion(model(x), y)

Multi-GPU: `setup_distributed()` initialises torch.distributed only when torchrun set
WORLD_SIZE > 1; a plain `python demo.py` never touches it.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import torch
from torch import nn

AMP_CHOICES = ("auto", "bf16", "fp16", "off")


@dataclass
class Device:
    """The device and the speed settings that go with it."""

    device: torch.device
    amp_dtype: torch.dtype | None = None  # autocast dtype, None = full fp32
    channels_last: bool = False  # NHWC layout: faster convs on tensor cores (CUDA only, see pick_device)
    compile: bool = False

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def log_every(self) -> int:
        """Steps between reads of the loss back to the host: 1 on the CPU (free), 25 on a GPU,
        so the GPU is not made to wait for Python every step (see train.StepMeter)."""
        return 25 if self.is_cuda else 1

    def autocast(self):
        """Context manager for the forward pass: mixed precision if enabled, else nothing."""
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def grad_scaler(self) -> torch.amp.GradScaler:
        """A GradScaler, enabled only for fp16 (bf16 has fp32's range and needs none)."""
        return torch.amp.GradScaler(self.device.type, enabled=self.amp_dtype == torch.float16)

    def prepare(self, model: nn.Module, compile: bool | None = None) -> nn.Module:
        """Move the model to the device, in channels_last layout on CUDA, compiled if asked.

        With DDP, pass compile=False here, wrap in DistributedDataParallel, then call
        `dev.compiled(ddp_model)`: compiling the wrapper lets DDP overlap communication with
        the backward pass.
        """
        model = model.to(self.device)
        if self.channels_last:
            model = model.to(memory_format=torch.channels_last)
        return torch.compile(model) if (self.compile if compile is None else compile) else model

    def compiled(self, model: nn.Module) -> nn.Module:
        return torch.compile(model) if self.compile else model

    def layout(self, x: torch.Tensor) -> torch.Tensor:
        """Put an image batch in the layout the model expects."""
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def describe(self) -> str:
        if self.is_cuda:
            name = torch.cuda.get_device_name(self.device)
        else:
            name = f"cpu, {torch.get_num_threads()} threads"
        amp = {None: "fp32", torch.bfloat16: "bf16 autocast", torch.float16: "fp16 autocast"}[self.amp_dtype]
        extras = [amp] + (["channels_last"] if self.channels_last else []) + (["compiled"] if self.compile else [])
        return f"{self.device} ({name}; {', '.join(extras)})"


def pick_device(name: str = "auto", amp: str = "auto", compile: bool = False) -> Device:
    """CUDA if present (or asked for), else CPU with one torch thread per core.

    amp: "auto" = bf16 on Ampere+ GPUs, fp16 on older ones, fp32 on CPU; "bf16", "fp16" or "off".
    """
    from studytui.errors import StudytuiError

    if amp not in AMP_CHOICES:
        raise StudytuiError(f"--amp must be one of {', '.join(AMP_CHOICES)}, not {amp!r}")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise StudytuiError("--device cuda asked for, but torch sees no CUDA GPU")
    device = torch.device(name)
    if device.type == "cuda":
        if device.index is None:
            device = torch.device("cuda", torch.cuda.current_device())
        torch.backends.cudnn.benchmark = True  # fixed input sizes: let cuDNN pick the fastest kernels
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    else:
        torch.set_num_threads(cpu_threads())
    dtype = {"auto": _auto_amp(device), "bf16": torch.bfloat16, "fp16": torch.float16, "off": None}[amp]
    # channels_last on CUDA only: on CPU a 1x1 stride-2 conv's backward in NHWC hangs (2 threads)
    # or crashes (1 thread) with torch 2.14, and oneDNN gains little for nets this small anyway
    return Device(device=device, amp_dtype=dtype, channels_last=device.type == "cuda", compile=compile)


def cpu_threads() -> int:
    """Torch threads for this process: $OMP_NUM_THREADS when set (torchrun sets 1 per rank),
    else one per core this process may use."""
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1)


def _auto_amp(device: torch.device) -> torch.dtype | None:
    """bf16 where the GPU has bf16 tensor cores (Ampere, sm_80, and newer), fp16 + GradScaler on
    older GPUs (T4, V100, P100), fp32 on the CPU."""
    if device.type != "cuda":
        return None
    major, _ = torch.cuda.get_device_capability(device)
    return torch.bfloat16 if major >= 8 else torch.float16


@dataclass
class Distributed:
    """This process's place in a torchrun job (rank 0 of 1 when run plainly)."""

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def setup_distributed() -> Distributed:
    """Join the process group when launched by `torchrun --nproc_per_node=N` (WORLD_SIZE > 1).

    NCCL on GPUs (one per process, chosen by LOCAL_RANK), gloo on CPU. Returns Distributed().
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Distributed()
    import torch.distributed as dist

    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
        dist.init_process_group("nccl")
    else:
        dist.init_process_group("gloo")
    return Distributed(rank=dist.get_rank(), local_rank=local_rank, world_size=dist.get_world_size())


def cleanup_distributed(d: Distributed) -> None:
    if d.enabled:
        import torch.distributed as dist

        dist.destroy_process_group()
