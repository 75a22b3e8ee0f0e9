"""Walk a stack of layers: per-layer output shape, parameters, MACs and receptive field."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

# Importing a layer module registers its layer kinds (see layers.register).
import studytui.calc.blocks  # noqa: F401  (Sequential, Residual and the residual blocks)
import studytui.calc.norms  # noqa: F401  (GroupNorm, LayerNorm, InstanceNorm2d)
import studytui.calc.resample  # noqa: F401  (Upsample, padding layers, Unflatten)
import studytui.calc.seq1d  # noqa: F401  (Conv1d, MaxPool1d, AvgPool1d)
from studytui.calc.layers import Layer, LayerError, Maps, Shape, build_layer, identity_maps
from studytui.calc.paste import read_pasted, with_assumed_flatten
from studytui.calc.spec import Call, parse_call, parse_shape
from studytui.errors import ShapeError, SpecError


@dataclass
class Row:
    """One layer (or one stage of a named model) of a report."""

    index: int
    name: str
    layer: Layer
    input: Shape
    output: Shape
    params: int
    macs: int
    maps: Maps  # cumulative receptive-field maps up to this layer's output; None if not spatial

    @property
    def rf(self) -> tuple[int, ...] | None:
        return None if self.maps is None else tuple(m.size for m in self.maps)

    @property
    def jump(self) -> tuple[Fraction, Fraction] | None:
        return None if self.maps is None else tuple(m.jump for m in self.maps)


@dataclass
class Report:
    input: Shape
    rows: list[Row] = field(default_factory=list)

    @property
    def output(self) -> Shape:
        return self.rows[-1].output if self.rows else self.input

    @property
    def params(self) -> int:
        return sum(r.params for r in self.rows)

    @property
    def macs(self) -> int:
        return sum(r.macs for r in self.rows)

    def _last_spatial(self) -> Row | None:
        return next((r for r in reversed(self.rows) if r.maps is not None), None)

    @property
    def rf(self) -> tuple[int, ...] | None:
        row = self._last_spatial()
        return row.rf if row else None

    @property
    def jump(self) -> tuple[Fraction, Fraction] | None:
        row = self._last_spatial()
        return row.jump if row else None

    def row(self, key: int | str) -> Row:
        """A row by 0-based index or by name (e.g. a model stage such as "layer3")."""
        if isinstance(key, int):
            if not -len(self.rows) <= key < len(self.rows):
                raise SpecError(f"no layer {key}: the stack has {len(self.rows)} layers")
            return self.rows[key]
        for row in self.rows:
            if row.name == key:
                return row
        raise SpecError(f"no layer named {key!r}; names: {', '.join(r.name for r in self.rows)}")

    def to_json(self) -> dict:
        """The `studytui calc --json` schema of the design document."""
        return {"input": list(self.input),
                "layers": [{"name": r.name, "output": list(r.output), "params": r.params,
                            "macs": r.macs, "rf": _pair(r.rf), "jump": _pair(r.jump)} for r in self.rows],
                "output": list(self.output), "params": self.params, "macs": self.macs,
                "rf": _pair(self.rf), "jump": _pair(self.jump)}


def _pair(values) -> list | None:
    if values is None:
        return None
    return [int(v) if Fraction(v).denominator == 1 else float(v) for v in values]


def to_layer(item: str | Call | Layer) -> Layer:
    if isinstance(item, Layer):
        return item
    if isinstance(item, str):
        item = parse_call(item)
    return build_layer(item)


def analyze(input_shape, layers, names: list[str] | None = None) -> Report:
    """Walk `layers` (strings in PyTorch syntax, parsed calls or Layer objects) over `input_shape`.

    Raises SpecError/ShapeError with a one-line message naming the layer (1-based) and why.
    """
    shape = parse_shape(input_shape) if not isinstance(input_shape, tuple) else input_shape
    report = Report(input=shape)
    maps: Maps = identity_maps(shape)
    for i, item in enumerate(layers):
        label = names[i] if names else None
        try:
            layer = to_layer(item)
        except SpecError as exc:
            raise SpecError(f"layer {i + 1}: {exc}") from None
        name = label or layer.name
        try:
            out = layer.output_shape(shape)
            maps = layer.extend(maps, shape)
        except LayerError as exc:
            raise ShapeError(f"layer {i + 1} ({name}){_verb(exc)}") from None
        report.rows.append(Row(i, name, layer, shape, out, layer.params(), layer.macs(shape, out), maps))
        shape = out
    return report


def _verb(exc: Exception) -> str:
    # "expects 32 input channels, gets 16" reads well after the layer name; others after a colon.
    msg = str(exc)
    return f" {msg}" if msg.startswith(("expects", "needs")) else f": {msg}"


def pasted_report(input_shape, text: str) -> tuple[Report, list[str]]:
    """The report of pasted text (print(model) output or PyTorch code), and notes on what was assumed.

    Row names are the printed attribute names (`conv1`, `layer1`) where there are any; a Linear
    that meets a spatial input of exactly its size gets the flatten that forward() must do.
    """
    shape = parse_shape(input_shape) if not isinstance(input_shape, tuple) else input_shape
    pasted = with_assumed_flatten(shape, read_pasted(text), lambda s, layer: layer.output_shape(s))
    names = [_row_name(name, layer) for name, layer in pasted.rows]
    return analyze(shape, pasted.layers, names=names), pasted.notes


def _row_name(name: str, layer: Layer) -> str:
    if not name or name.isdigit():
        return layer.name
    return name if layer.children() else f"{name}: {layer.canonical()}"
