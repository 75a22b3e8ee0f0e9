"""Training recipes for demos/resnet.py: a pydantic model, loaded from demos/configs/*.yaml.

Unknown or mistyped keys are errors with `file:line` (studytui.yamlload.load_model), and
`--set key=value` overrides are validated the same way, so a typo never silently does nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from studytui.errors import StudytuiError


class ResNetRecipe(BaseModel):
    """Everything that defines one ResNet training run on CIFAR-10-sized images."""

    model_config = ConfigDict(extra="forbid")

    name: str = "resnet"
    description: str = ""
    # architecture
    arch: Literal["resnet18", "resnet34", "resnet50", "resnet101"] = "resnet18"
    preact: bool = False  # pre-activation blocks (ResNet v2)
    width: int = Field(64, ge=4)  # planes of the first stage; 64 is the standard ResNet
    zero_init_residual: bool = False  # zero-gamma: every residual branch starts at 0
    drop_path: float = Field(0.0, ge=0.0, lt=1.0)  # stochastic depth, max drop rate
    # optimisation
    epochs: int = Field(30, ge=1)
    batch_size: int = Field(128, ge=1)
    optimizer: Literal["sgd", "adamw"] = "sgd"
    lr: float = Field(0.1, gt=0)
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = Field(5e-4, ge=0)
    scheduler: Literal["step", "cosine", "cosine-warmup", "onecycle"] = "cosine-warmup"
    warmup_epochs: float = Field(2.0, ge=0)
    grad_clip: float = Field(0.0, ge=0)  # max global gradient norm; 0 = off
    amp: Literal["auto", "bf16", "fp16", "off"] = "auto"
    # regularisation and augmentation
    label_smoothing: float = Field(0.0, ge=0, lt=1)
    mixup_alpha: float = Field(0.0, ge=0)
    cutmix_alpha: float = Field(0.0, ge=0)
    randaugment: bool = False
    randaugment_ops: int = 2
    randaugment_magnitude: int = Field(9, ge=0, le=30)
    crop_padding: int = Field(4, ge=0)
    padding_mode: Literal["zeros", "reflect"] = "reflect"
    flip: bool = True


def _configs_dir() -> Path:
    # demos/configs in a checkout, studytui/_data/demos/configs in a wheel (paths.DEMOS_DIR knows)
    from studytui.paths import DEMOS_DIR

    return DEMOS_DIR / "configs"


CONFIGS_DIR = _configs_dir()


def find_config(name_or_path: str) -> Path:
    """A path, or the name of a file in demos/configs/ (with or without .yaml)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    for candidate in (CONFIGS_DIR / name_or_path, CONFIGS_DIR / f"{name_or_path}.yaml"):
        if candidate.is_file():
            return candidate
    known = ", ".join(sorted(p.stem for p in CONFIGS_DIR.glob("*.yaml")))
    raise StudytuiError(f"no config {name_or_path!r} (a file, or one of: {known})")


def load_recipe(name_or_path: str | None, overrides: dict | None = None) -> ResNetRecipe:
    """Load a recipe (defaults when None) and apply `overrides` (key -> value), validating both."""
    from studytui.yamlload import load_model

    recipe = load_model(find_config(name_or_path), ResNetRecipe) if name_or_path else ResNetRecipe()
    if overrides:
        unknown = sorted(set(overrides) - set(ResNetRecipe.model_fields))
        if unknown:
            raise StudytuiError(f"--set: unknown recipe key(s) {', '.join(unknown)}; known: {', '.join(ResNetRecipe.model_fields)}")
        try:
            recipe = ResNetRecipe.model_validate({**recipe.model_dump(), **overrides})
        except ValidationError as exc:
            err = exc.errors()[0]
            raise StudytuiError(f"--set {'.'.join(map(str, err['loc']))}: {err['msg']}") from None
    return recipe
