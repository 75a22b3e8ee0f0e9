"""The layer calculator: shapes, parameters, MACs and receptive fields, verified against torch.

    >>> from studytui.calc import analyze
    >>> analyze("3x32x32", ["Conv2d(3, 16, 3, padding=1)"]).params
    448
"""

from studytui.calc.layers import REGISTRY, Layer, LayerError, fmt_shape
from studytui.calc.network import Report, Row, analyze
from studytui.calc.spec import parse_call, parse_shape
from studytui.calc.zoo import MODEL_NAMES, Model, get_model


def analyze_model(name: str, input_shape=None) -> Report:
    """Report for a named model (see MODEL_NAMES), rows = its top-level stages."""
    model = get_model(name)
    shape = parse_shape(input_shape) if input_shape is not None else model.input
    return analyze(shape, model.layers, names=model.names)


__all__ = ["REGISTRY", "Layer", "LayerError", "MODEL_NAMES", "Model", "Report", "Row", "analyze",
           "analyze_model", "fmt_shape", "get_model", "parse_call", "parse_shape"]
