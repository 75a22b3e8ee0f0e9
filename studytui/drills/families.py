"""Drill families and worked problems, as described in drills/*.yaml.

A family file says, per level, which layer kinds a generated stack may hold, the ranges of their
arguments, how deep the stack is and what is asked. A worked file lists fixed problems (input,
layers or a named model, what is asked); their answers are computed by the calculator, never
written in the file. Both are validated with pydantic (unknown fields are errors) through
`studytui.yamlload.load_model`, so every problem is reported as `file:line: message`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from studytui.calc import Report, analyze, analyze_model, get_model, parse_shape
from studytui.errors import StudytuiError
from studytui.paths import DRILLS_DIR
from studytui.yamlload import YamlFileError, load_model, parse_yaml

FAMILIES = ("shapes", "params", "rf", "macs")
KINDS = (*FAMILIES, "mixed")
QUANTITY = {"shapes": "shape", "params": "params", "rf": "rf", "macs": "macs"}
FAMILY_OF = {v: k for k, v in QUANTITY.items()}
ORDERS = ("CxHxW", "HxWxC")

LayerKind = Literal[
    "conv", "convtranspose", "maxpool", "avgpool", "batchnorm", "relu",
    "basicblock", "bottleneck", "preactblock", "preactbottleneck", "residual", "head",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LayerTemplate(Strict):
    """One kind of layer a generated stack may contain, with the values its arguments take.

    Every list is a bag to draw from (repeat a value to make it likelier). `padding` may hold
    "half" (k//2 · dilation, keeps the size at stride 1) and "same"/"valid" (torch's strings).
    """

    kind: LayerKind
    weight: float = Field(1.0, gt=0)
    kernel: list[int] = Field(default_factory=lambda: [3], min_length=1)
    stride: list[int] = Field(default_factory=lambda: [1], min_length=1)
    padding: list[Union[int, Literal["half", "same", "valid"]]] = Field(default_factory=lambda: [0], min_length=1)
    dilation: list[int] = Field(default_factory=lambda: [1], min_length=1)
    groups: list[Union[int, Literal["depthwise"]]] = Field(default_factory=lambda: [1], min_length=1)
    bias: list[bool] = Field(default_factory=lambda: [True], min_length=1)
    out_channels: list[int] = Field(default_factory=lambda: [16], min_length=1)
    ceil_mode: list[bool] = Field(default_factory=lambda: [False], min_length=1)
    output_padding: list[int] = Field(default_factory=lambda: [0], min_length=1)
    pool_stride: list[Union[int, None]] = Field(default_factory=lambda: [None], min_length=1)
    rect: float = Field(0.0, ge=0, le=1, description="chance of a non-square kernel")
    gap: float = Field(0.5, ge=0, le=1, description="head: chance of global average pooling before Flatten")
    classes: list[int] = Field(default_factory=lambda: [10], min_length=1)

    @field_validator("kernel", "stride", "dilation", "out_channels", "classes")
    @classmethod
    def _positive(cls, values: list[int]) -> list[int]:
        if any(v < 1 for v in values):
            raise ValueError("values must be at least 1")
        return values


class ModelQuestion(Strict):
    """Whole-network questions: a named model and the stages that may be asked about ("all": the
    whole network)."""

    model: str
    stages: list[str] = Field(min_length=1)
    sizes: list[int] = Field(default_factory=list, description="other square input sizes to use")

    @model_validator(mode="after")
    def _known(self) -> "ModelQuestion":
        try:
            report = analyze_model(self.model)
        except StudytuiError as exc:
            raise ValueError(str(exc)) from None
        names = [r.name for r in report.rows]
        bad = [s for s in self.stages if s not in names and s != "all"]
        if bad:
            raise ValueError(f"{self.model} has no stage {bad[0]!r}; stages: {', '.join(names)}")
        return self


class LevelSpec(Strict):
    level: Literal[1, 2, 3]
    depth: tuple[int, int] = (1, 1)
    channels: list[int] = Field(default_factory=lambda: [3], min_length=1)
    size: tuple[int, int] = (8, 64)
    rect_input: float = Field(0.0, ge=0, le=1, description="chance that H != W")
    layers: list[LayerTemplate] = Field(min_length=1)
    whole: float = Field(0.5, ge=0, le=1, description="chance of asking about the whole stack")
    hwc: float = Field(0.0, ge=0, le=1, description="chance of asking for a shape as H×W×C")
    models: list[ModelQuestion] = Field(default_factory=list)
    model_chance: float = Field(0.0, ge=0, le=1)

    @model_validator(mode="after")
    def _ranges(self) -> "LevelSpec":
        if not 1 <= self.depth[0] <= self.depth[1] <= 12:
            raise ValueError(f"depth must be [min, max] with 1 <= min <= max <= 12, got {list(self.depth)}")
        if not 1 <= self.size[0] <= self.size[1] <= 512:
            raise ValueError(f"size must be [min, max] with 1 <= min <= max <= 512, got {list(self.size)}")
        if self.model_chance and not self.models:
            raise ValueError("model_chance needs a list of models")
        return self


class FamilyFile(Strict):
    """drills/<family>.yaml: a generated family at levels 1, 2 and 3."""

    family: Literal["shapes", "params", "rf", "macs"]
    title: str
    about: str = ""
    levels: list[LevelSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_level_once(self) -> "FamilyFile":
        seen = [spec.level for spec in self.levels]
        if sorted(seen) != sorted(set(seen)):
            raise ValueError("each level may appear only once")
        return self

    def level(self, n: int) -> LevelSpec:
        for spec in self.levels:
            if spec.level == n:
                return spec
        raise StudytuiError(f"family {self.family!r} has no level {n}")


class MixedFile(Strict):
    """drills/mixed.yaml: draws each problem from one of the other families."""

    family: Literal["mixed"]
    title: str
    about: str = ""
    mix: list[Literal["shapes", "params", "rf", "macs"]] = Field(min_length=1)


class Ask(Strict):
    quantity: Literal["shape", "params", "rf", "macs"]
    layer: Union[int, str, None] = None  # 0-based index, a model stage name, or None: the whole stack


class WorkedProblem(Strict):
    """A fixed problem; the answer and the steps come from the calculator."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    level: Literal[1, 2, 3] = 1
    prompt: str = Field(min_length=10)
    input: Union[str, list[int], None] = None
    layers: list[str] = Field(default_factory=list)
    model: str | None = None
    ask: Ask
    order: Literal["CxHxW", "HxWxC"] = "CxHxW"
    note: str = ""
    source: str = ""

    @model_validator(mode="after")
    def _computable(self) -> "WorkedProblem":
        if bool(self.layers) == bool(self.model):
            raise ValueError("give either layers or model")
        try:
            report = worked_report(self)
            key = self.ask.layer
            if key is not None:
                report.row(key)
            if self.ask.quantity == "rf":
                row = report.rows[-1] if key is None else report.row(key)
                if row.rf is None and report.rf is None:
                    raise StudytuiError("asks a receptive field where the output is not spatial")
        except StudytuiError as exc:
            raise ValueError(str(exc)) from None
        return self


def worked_report(w: WorkedProblem) -> Report:
    """The calculator's report of a worked problem's stack or named model."""
    if w.model:
        model = get_model(w.model)
        shape = parse_shape(w.input) if w.input is not None else model.input
        return analyze(shape, model.layers, names=model.names)
    if w.input is None:
        raise StudytuiError("a worked problem with layers needs an input shape")
    return analyze(parse_shape(w.input), list(w.layers))


class WorkedFile(Strict):
    """drills/worked.yaml: fixed problems from the study material."""

    title: str
    worked: list[WorkedProblem] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "WorkedFile":
        ids = [w.id for w in self.worked]
        dup = next((i for i in ids if ids.count(i) > 1), None)
        if dup:
            raise ValueError(f"duplicate worked problem id {dup!r}")
        return self


DrillFile = Union[FamilyFile, MixedFile, WorkedFile]


def load_family_file(path: Path | str) -> DrillFile:
    """Load and validate one drills/*.yaml file (family, mixed or worked problems).

    Raises studytui.yamlload.YamlFileError with `file:line: message` lines.
    """
    path = Path(path)
    data, _ = parse_yaml(path)
    if not isinstance(data, dict):
        raise YamlFileError(path, [(1, "a drill file is a mapping with 'family' or 'worked'")])
    if "worked" in data:
        return load_model(path, WorkedFile)
    if data.get("family") == "mixed":
        return load_model(path, MixedFile)
    if "family" not in data:
        raise YamlFileError(path, [(1, "missing field 'family' (or 'worked' for fixed problems)")])
    return load_model(path, FamilyFile)


@lru_cache(maxsize=8)
def _load_dir(directory: str) -> tuple[dict[str, DrillFile], tuple[WorkedProblem, ...]]:
    families: dict[str, DrillFile] = {}
    worked: list[WorkedProblem] = []
    for path in sorted(Path(directory).glob("*.yaml")):
        loaded = load_family_file(path)
        if isinstance(loaded, WorkedFile):
            worked += loaded.worked
        else:
            if loaded.family in families:
                raise StudytuiError(f"{path}: family {loaded.family!r} is defined twice")
            families[loaded.family] = loaded
    return families, tuple(worked)


def families(directory: Path | str = DRILLS_DIR) -> dict[str, DrillFile]:
    """Every family of `directory` by name (cached)."""
    found = _load_dir(str(directory))[0]
    missing = [k for k in KINDS if k not in found]
    if missing:
        raise StudytuiError(f"{directory}: no drill file for {', '.join(missing)}")
    return found


def worked(directory: Path | str = DRILLS_DIR) -> tuple[WorkedProblem, ...]:
    """Every fixed worked problem of `directory`."""
    return _load_dir(str(directory))[1]
