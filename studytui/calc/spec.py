"""Parse layers written in PyTorch constructor syntax, safely.

`Conv2d(3, 16, kernel_size=3, padding=1)` is read with `ast`; arguments may be numbers, strings,
booleans, None, tuples/lists of those, nested layer calls (for blocks such as `Sequential(...)`)
and constant integer arithmetic as tutorials write it (`Linear(16 * 5 * 5, 120)`, `padding=3 // 2`).
Nothing is ever evaluated: the arithmetic is done here on whole numbers, within bounds (no huge
powers, no deep nesting), so hostile text fails fast with a one-line error.
"""

from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass, field

from studytui.errors import SpecError

MAX_SPEC_CHARS = 4000
MAX_NESTING = 40  # brackets, calls and operators inside one layer
MAX_NUMBER = 10**18  # larger results of arithmetic are refused (no layer is that big)
# Arguments torch's constructors take that change no shape or count: accepted and ignored.
IGNORED_KWARGS = ("device", "dtype")

_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
               ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
           ast.Div: "/", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
           ast.LShift: "<<", ast.RShift: ">>"}


@dataclass(frozen=True)
class Call:
    """A parsed constructor call: `name(*args, **kwargs)` plus its source text."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    text: str = ""


def nesting_depth(text: str) -> int:
    """The deepest bracket nesting of `text` (strings are not special: a safe over-estimate)."""
    depth = deepest = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    return deepest


_LONG_UNARY_RUN = re.compile(r"(?:[-+~]\s*){%d,}" % MAX_NESTING)


def parse_expression(source: str, what: str = "layer") -> ast.AST:
    """`ast.parse` in eval mode, refusing input whose nesting would exhaust Python's parser."""
    check_nesting(source, what)
    try:
        return ast.parse(source, mode="eval").body
    except SyntaxError as exc:
        raise SpecError(f"cannot parse {_short(source)!r}: {exc.msg} at column {exc.offset}") from None
    except (RecursionError, MemoryError):
        raise SpecError(f"{what} text is nested too deeply to read") from None


def check_nesting(source: str, what: str = "layer") -> None:
    if nesting_depth(source) > MAX_NESTING or _LONG_UNARY_RUN.search(source):
        raise SpecError(f"{what} text is nested too deeply (more than {MAX_NESTING} levels)")


def parse_call(text: str) -> Call:
    """Parse one layer written like PyTorch code, e.g. "MaxPool2d(2, stride=2)"."""
    source = text.strip()
    if source.endswith(","):  # copied out of a Sequential(...) listing
        source = source[:-1].rstrip()
    if not source:
        raise SpecError("empty layer: write it like PyTorch, e.g. Conv2d(3, 16, kernel_size=3)")
    if len(source) > MAX_SPEC_CHARS:
        raise SpecError(f"layer text is too long ({len(source)} characters)")
    if source.startswith("nn."):
        source = source[3:]
    node = parse_expression(source)
    return call_from_node(node, source)


def call_from_node(node: ast.AST, source: str) -> Call:
    """The Call of an already parsed expression (its text is sliced out of `source`)."""
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = _func_name(node, source)
        raise SpecError(f"{name} is a class, not a layer: write {name}() with parentheses")
    return _call(node, source, 0)


def _call(node: ast.AST, source: str, depth: int) -> Call:
    if not isinstance(node, ast.Call):
        raise SpecError(f"expected a layer call like Conv2d(3, 16, 3), got {_snippet(node, source)!r}")
    name = _func_name(node.func, source)
    args = tuple(_value(a, source, depth + 1) for a in node.args)
    kwargs = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise SpecError(f"{name}: **kwargs are not allowed, name each argument")
        if kw.arg in IGNORED_KWARGS:
            _ignored_value(kw, name, source)
            continue
        kwargs[kw.arg] = _value(kw.value, source, depth + 1)
    text = ast.get_source_segment(source, node) or source
    return Call(name, args, kwargs, _drop_ignored(text, node, source))


def _ignored_value(kw: ast.keyword, owner: str, source: str) -> None:
    # device='cpu' or dtype=torch.float16: say nothing about sizes, but must still be plain names.
    value = kw.value
    while isinstance(value, ast.Attribute):
        value = value.value
    if not (isinstance(value, ast.Name) or isinstance(value, ast.Constant) and isinstance(value.value, str)):
        raise SpecError(f"{owner}: {kw.arg} must be a name like 'cpu' or torch.float16, "
                        f"not {_snippet(kw.value, source)!r}")


def _drop_ignored(text: str, node: ast.Call, source: str) -> str:
    """The call's text without its ignored keywords (they would confuse the table)."""
    if not any(kw.arg in IGNORED_KWARGS for kw in node.keywords):
        return text
    kept = [ast.get_source_segment(source, a) or "" for a in node.args]
    kept += [ast.get_source_segment(source, kw) or "" for kw in node.keywords if kw.arg not in IGNORED_KWARGS]
    head = ast.get_source_segment(source, node.func) or ""
    return f"{head}({', '.join(kept)})"


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


def _value(node: ast.AST, source: str, depth: int = 0):
    """A literal argument value, constant integer arithmetic, or a nested layer call (for blocks)."""
    if depth > MAX_NESTING:
        raise SpecError(f"layer text is nested too deeply (more than {MAX_NESTING} levels)")
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (int, float, str, bool)) or node.value is None:
            return node.value
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _value(node.operand, source, depth + 1)
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return -inner if isinstance(node.op, ast.USub) else inner
    elif isinstance(node, ast.BinOp):
        return _arithmetic(node, source, depth)
    elif isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_value(e, source, depth + 1) for e in node.elts)
    elif isinstance(node, ast.Call):
        return _call(node, source, depth)
    raise SpecError(f"only literal arguments are allowed, not {_snippet(node, source)!r}")


def _arithmetic(node: ast.BinOp, source: str, depth: int) -> int:
    """`16 * 5 * 5`, `64 * 2`, `3 // 2`, `2 ** 5`: whole numbers only, bounded."""
    op = type(node.op)
    shown = _snippet(node, source)
    if op not in _ARITHMETIC:
        hint = " (use // for whole-number division)" if op is ast.Div else ""
        raise SpecError(f"only + - * // % ** are allowed in arguments, not {_SYMBOL.get(op, '?')!r} in {shown!r}{hint}")
    left, right = _value(node.left, source, depth + 1), _value(node.right, source, depth + 1)
    for v in (left, right):
        if isinstance(v, bool) or not isinstance(v, int):
            raise SpecError(f"arithmetic is allowed on whole numbers only: {shown!r}")
    if op in (ast.FloorDiv, ast.Mod) and right == 0:
        raise SpecError(f"division by zero in {shown!r}")
    if op is ast.Pow:
        if right < 0:
            raise SpecError(f"negative powers are not whole numbers: {shown!r}")
        if abs(left) > 1 and right * (abs(left).bit_length() - 1) > MAX_NUMBER.bit_length():
            raise SpecError(f"{shown!r} is too large")
    result = _ARITHMETIC[op](left, right)
    if abs(result) > MAX_NUMBER:
        raise SpecError(f"{shown!r} is too large (more than {MAX_NUMBER:.0e})")
    return result


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _snippet(node: ast.AST, source: str) -> str:
    text = ast.get_source_segment(source, node) or type(node).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def parse_shape(text: str | int | tuple | list) -> tuple[int, ...]:
    """Read an input shape: "3x32x32", "3,32,32", "3 × 32 × 32", [3, 32, 32], 3x100 (C x L) or 512."""
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
    if len(dims) not in (1, 2, 3) or not all(isinstance(d, int) and not isinstance(d, bool) for d in dims):
        raise SpecError(f"input shape must be C x H x W (like 3x32x32), C x L (like 3x100) or one number, got {text!r}")
    if any(d < 1 for d in dims):
        raise SpecError(f"input sizes must be positive, got {text!r}")
    return tuple(dims)
