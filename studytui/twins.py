"""The torch twin of every calculator layer: the real `torch.nn` module with the same arguments.

The calculator (studytui.calc) is pure arithmetic and never imports torch. Each of its layer
classes names its torch class and constructor arguments (`Layer.torch_name`, `torch_kwargs()`);
this module turns that description into a module. Composite layers are built here from their
parts: `Sequential` as `nn.Sequential`, residual blocks as `ResidualTwin`.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from studytui.calc.blocks import ResidualBlock, Sequential
from studytui.calc.layers import Layer


class ResidualTwin(nn.Module):
    """pre → main(x) + shortcut(x) → post: the torch form of the calculator's residual blocks."""

    def __init__(self, pre: nn.Module, main: nn.Module, shortcut: nn.Module, post: nn.Module,
                 shortcut_taps_pre: bool):
        super().__init__()
        self.pre, self.main, self.shortcut, self.post = pre, main, shortcut, post
        self.shortcut_taps_pre = shortcut_taps_pre

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.pre(x)
        return self.post(self.main(a) + self.shortcut(a if self.shortcut_taps_pre else x))


def twin(layer: Layer) -> nn.Module:
    """The real torch module of `layer` (composites recursively)."""
    if isinstance(layer, Sequential):
        return nn.Sequential(*(twin(child) for child in layer.layers))
    if isinstance(layer, ResidualBlock):
        def seq(named):
            return nn.Sequential(*(twin(child) for _, child in named))

        return ResidualTwin(seq(layer.pre), seq(layer.main), seq(layer.shortcut), seq(layer.post),
                            layer.shortcut_taps_pre)
    return getattr(nn, layer.torch_name)(**layer.torch_kwargs())


def build(layers: list[Layer], device: str | torch.device = "cpu") -> list[nn.Module]:
    """The torch twin of each layer, on `device` ("meta" allocates nothing)."""
    with torch.device(device):
        return [twin(layer) for layer in layers]
