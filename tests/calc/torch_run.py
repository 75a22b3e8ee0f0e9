"""Run a layer stack through real torch layers on the CPU, the way a user would."""

from __future__ import annotations

import warnings

import torch
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode

from studytui.calc.network import to_layer
from studytui.calc.spec import parse_call
from studytui.twins import twin


def run_in_torch(input_shape: tuple[int, ...], layers: list[str]):
    """Per layer (output shape, params, MACs) from torch, or the exception torch raised."""
    rows = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x = torch.zeros((2, *input_shape))
            for text in layers:
                module = _torch_module(text)
                module.eval()
                with FlopCounterMode(display=False) as counter:
                    x = module(x)
                if x.numel() == 0:  # e.g. ConvTranspose2d can return an empty tensor instead of raising
                    raise ValueError(f"{text} gives an empty output {tuple(x.shape)}")
                rows.append((tuple(x.shape[1:]), sum(p.numel() for p in module.parameters()),
                             counter.get_total_flops() // 2 // 2))  # FLOPs -> MACs, per sample
    except Exception as exc:  # noqa: BLE001  (whatever torch raises means "refused")
        return exc
    return rows


def _torch_module(text: str) -> nn.Module:
    """Build the layer with torch's own constructor where torch has one (not our twin)."""
    call = parse_call(text)
    if hasattr(nn, call.name) and call.name not in ("Sequential",) and not any(
            hasattr(a, "name") and hasattr(a, "args") for a in call.args):
        return getattr(nn, call.name)(*call.args, **call.kwargs)
    return twin(to_layer(text))  # our blocks: their twins are built from torch layers
