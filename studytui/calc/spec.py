"""Parse layers written in PyTorch constructor syntax, safely.

`Conv2d(3, 16, kernel_size=3, padding=1)` is read with `ast` and only literal arguments are
accepted (numbers, strings, booleans, None, tuples/lists of those, and nested layer calls for
blocks such as `Sequential(...)`). Nothing is ever evaluated.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from studytui.errors import SpecError

MAX_SPEC_CHARS = 4000


@dataclass(frozen=True)
class Call:
    """A parsed constructor call: `name(*args, **kwargs)` plus its source text."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    text: str = ""


def parse_call(text: str) -> Call:
    """Parse one layer written like PyTorch code, e.g. "MaxPool2d(2, stride=2)"."""
    source = text.strip()
    if not source:
        raise SpecError("empty layer: write it like PyTorch, e.g. Conv2d(3, 16, kernel_size=3)")
    if len(source) > MAX_SPEC_CHARS:
        raise SpecError(f"layer text is too long ({len(source)} characters)")
    if source.startswith("nn."):
        source = source[3:]
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise SpecError(f"cannot parse {text!r}: {exc.msg} at column {exc.offset}") from None
    node = tree.body
    if isinstance(node, ast.Name):  # "ReLU" without parentheses is a common shorthand
        return Call(node.id, (), {}, source)
    return _call(node, source)


def _call(node: ast.AST, source: str) -> Call:
    if not isinstance(node, ast.Call):
        raise SpecError(f"expected a layer call like Conv2d(3, 16, 3), got {_snippet(node, source)!r}")
    name = _func_name(node.func, source)
    args = tuple(_value(a, source) for a in node.args)
    kwargs = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise SpecError(f"{name}: **kwargs are not allowed, name each argument")
        kwargs[kw.arg] = _value(kw.value, source)
    return Call(name, args, kwargs, ast.get_source_segment(source, node) or source)


def _func_name(func: ast.AST, source: str) -> str:
    # Accept `Conv2d(...)`, `nn.Conv2d(...)` and `torch.nn.Conv2d(...)`, nothing else.
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        parts = []
        cur: ast.AST = func
        while isinstance(cur, ast.Attribute):
            parts.append(cur.attr)
            cur = cur.value
        if isinstance(cur, ast.Name):
            parts.append(cur.id)
            dotted = ".".join(reversed(parts))
            if dotted.startswith(("nn.", "torch.nn.")):
                return parts[0]
    raise SpecError(f"not a layer name: {_snippet(func, source)!r}")


def _value(node: ast.AST, source: str):
    """A literal argument value, or a nested layer call (for blocks)."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (int, float, str, bool)) or node.value is None:
            return node.value
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _value(node.operand, source)
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return -inner if isinstance(node.op, ast.USub) else inner
    elif isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_value(e, source) for e in node.elts)
    elif isinstance(node, ast.Call):
        return _call(node, source)
    raise SpecError(f"only literal arguments are allowed, not {_snippet(node, source)!r}")


def _snippet(node: ast.AST, source: str) -> str:
    text = ast.get_source_segment(source, node) or type(node).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def parse_shape(text: str | int | tuple | list) -> tuple[int, ...]:
    """Read an input shape: "3x32x32", "3,32,32", "3 × 32 × 32", [3, 32, 32] or 512 (a vector)."""
    if isinstance(text, int):
        dims = [text]
    elif isinstance(text, (tuple, list)):
        dims = list(text)
    else:
        cleaned = text.strip().strip("()[]")
        for sep in ("×", "*", ",", "X"):
            cleaned = cleaned.replace(sep, "x")
        parts = [p.strip() for p in cleaned.split("x")]
        try:
            dims = [int(p) for p in parts if p != ""]
        except ValueError:
            raise SpecError(f"input shape must look like 3x32x32 (C x H x W), got {text!r}") from None
    if len(dims) not in (1, 3) or not all(isinstance(d, int) and not isinstance(d, bool) for d in dims):
        raise SpecError(f"input shape must be C x H x W (like 3x32x32) or one number, got {text!r}")
    if any(d < 1 for d in dims):
        raise SpecError(f"input sizes must be positive, got {text!r}")
    return tuple(dims)
