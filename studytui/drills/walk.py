"""Walk the plain layers inside a stack: the main path of residual blocks, all leaves for counts."""

from __future__ import annotations

from studytui.calc.blocks import Composite, ResidualBlock, Sequential
from studytui.calc.layers import Layer


def main_path(layer: Layer) -> list[Layer]:
    """The plain layers a signal goes through along the main path (shortcuts left out).

    For the blocks of this calculator the main path has the largest receptive field and sets the
    output shape, so mistaken-rule recomputations of shapes and receptive fields follow it.
    """
    if isinstance(layer, Sequential):
        return [leaf for child in layer.layers for leaf in main_path(child)]
    if isinstance(layer, ResidualBlock):
        return [leaf for _, child in layer.pre + layer.main + layer.post for leaf in main_path(child)]
    return [layer]


def leaves(layer: Layer) -> list[Layer]:
    """Every plain layer inside `layer`, shortcuts included (for parameter counts)."""
    if isinstance(layer, Composite):
        return [leaf for child in layer.children() for leaf in leaves(child)]
    return [layer]


def shortcut_leaves(layer: Layer) -> list[Layer]:
    """The plain layers on the projection shortcuts inside `layer`."""
    if isinstance(layer, Sequential):
        return [leaf for child in layer.layers for leaf in shortcut_leaves(child)]
    if isinstance(layer, ResidualBlock):
        return [leaf for _, child in layer.shortcut for leaf in leaves(child)]
    return []
