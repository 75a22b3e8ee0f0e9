"""Read a model the way people paste it: `print(model)` output or the PyTorch code that builds it.

Accepted, in any mix a file or stdin may hold:
- `print(model)` output: `(conv1): Conv2d(...)` lines, nested containers, printed defaults; a
  torchvision `BasicBlock`/`Bottleneck` (with its `downsample`) becomes the calculator's block;
- code: `nn.Sequential(...)` over many lines with trailing commas, one layer per line (a trailing
  comma is fine), `self.conv1 = nn.Conv2d(...)` assignments (taken in order), a whole
  `nn.Module` class. When the class has a `forward`, its calls (`self.conv1(x)`, `F.relu`,
  `F.max_pool2d`, `torch.flatten`, `x.view`) give the order and the functional layers.

Everything is read with `ast` or line by line and never evaluated. The result is a list of
(name, layer) rows plus notes about what was assumed (the forward order, a flatten).
"""

from __future__ import annotations

import ast
import math
import re
import textwrap
from dataclasses import dataclass, field

from studytui.calc.blocks import BasicBlock, Bottleneck, Sequential
from studytui.calc.layers import (
    AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Flatten, Layer, LayerError, Linear, _Pointwise, build_layer,
)
from studytui.calc.spec import Call, call_from_node, check_nesting, parse_call
from studytui.errors import SpecError

MAX_PASTE_CHARS = 400_000
MAX_ROWS = 5_000
ORDER_NOTE = "note: layers are taken in the order they are defined; the forward order is assumed to be the same"


@dataclass
class Pasted:
    """Rows read from pasted text: (name, layer) pairs and what was assumed along the way."""

    rows: list[tuple[str, Layer]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [n for n, _ in self.rows]

    @property
    def layers(self) -> list[Layer]:
        return [layer for _, layer in self.rows]

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def read_pasted(text: str) -> Pasted:
    """Rows of a pasted model or layer list (see the module docstring for what is accepted)."""
    if len(text) > MAX_PASTE_CHARS:
        raise SpecError(f"pasted text is too long ({len(text)} characters, at most {MAX_PASTE_CHARS})")
    text = textwrap.dedent(text.expandtabs(4).replace("\r\n", "\n")).strip("\n")
    text = "\n".join(_strip_prompt(line) for line in text.splitlines())
    if not text.strip():
        raise SpecError("nothing to read: the pasted text is empty")
    if _PRINTED_CHILD.search(text):
        pasted = _read_printout(text)
    else:
        pasted = _read_code(text)
    if not pasted.rows:
        raise SpecError("no layers found in the pasted text (write them like nn.Conv2d(3, 16, 3))")
    if len(pasted.rows) > MAX_ROWS:
        raise SpecError(f"too many layers ({len(pasted.rows)}, at most {MAX_ROWS})")
    return pasted


def _strip_prompt(line: str) -> str:
    return line[4:] if line.startswith((">>> ", "... ")) else line


# -- print(model) output ----------------------------------------------------------------------
_PRINTED_CHILD = re.compile(r"^\s*\(([\w.\-]+)\):\s", re.MULTILINE)
_PRINTED_LINE = re.compile(r"^(?:\((?P<attr>[\w.\-]+)\):\s*)?(?P<body>.*?)\s*$")


@dataclass
class _Node:
    attr: str
    kind: str  # the class name
    line: int
    text: str = ""  # a leaf's constructor text
    children: list["_Node"] = field(default_factory=list)

    @property
    def is_container(self) -> bool:
        return not self.text


def _read_printout(text: str) -> Pasted:
    root = _Node("", "", 0)
    stack = [root]
    for number, raw in enumerate(text.splitlines(), start=1):
        body_match = _PRINTED_LINE.match(raw.strip())
        attr, body = body_match["attr"] or "", body_match["body"]
        if not body:
            continue
        if body == ")":
            if len(stack) == 1:
                raise SpecError(f"line {number}: a ')' closes nothing")
            stack.pop()
            continue
        if body.startswith("print(") or body.startswith("#"):
            continue
        opening = re.fullmatch(r"([A-Za-z_][\w.]*)\(", body)
        if opening:
            node = _Node(attr, opening[1].rsplit(".", 1)[-1], number)
            stack[-1].children.append(node)
            stack.append(node)
            if len(stack) > 40:
                raise SpecError(f"line {number}: containers are nested too deeply")
            continue
        if not re.match(r"[A-Za-z_][\w.]*\(.*\)$", body):
            raise SpecError(f"line {number}: cannot read {_short(body)!r} (expected '(name): Layer(...)')")
        name = body.split("(", 1)[0].rsplit(".", 1)[-1]
        stack[-1].children.append(_Node(attr, name, number, text=body))
    if len(stack) > 1:
        raise SpecError(f"line {stack[-1].line}: {stack[-1].kind}( is never closed")
    pasted = Pasted()
    tops = root.children
    if len(tops) == 1 and tops[0].is_container and tops[0].kind not in _BLOCKS:
        top = tops[0]
        if top.kind != "Sequential":
            pasted.note(ORDER_NOTE)
        tops = top.children
    for node in tops:
        pasted.rows.append((node.attr or node.kind, _printed_layer(node, pasted)))
    return pasted


def _printed_layer(node: _Node, pasted: Pasted) -> Layer:
    where = f"line {node.line}"
    if not node.is_container:
        try:
            return build_layer(parse_call(node.text))
        except SpecError as exc:
            raise SpecError(f"{where}: {exc}") from None
    if node.kind in _BLOCKS:
        return _BLOCKS[node.kind](node)
    if node.kind != "Sequential":
        pasted.note(ORDER_NOTE)
    if not node.children:
        raise SpecError(f"{where}: {node.kind}( holds no layers")
    return Sequential(*(_printed_layer(child, pasted) for child in node.children))


def _leaf(node: _Node, attr: str) -> Layer | None:
    child = next((c for c in node.children if c.attr == attr), None)
    if child is None:
        return None
    if child.is_container:
        raise SpecError(f"line {child.line}: {node.kind}.{attr} should be one layer")
    return build_layer(parse_call(child.text))


def _torchvision_block(node: _Node) -> Layer:
    """A printed torchvision BasicBlock/Bottleneck as the calculator's block, checked layer by layer."""
    where = f"line {node.line}"
    try:
        conv1 = _leaf(node, "conv1")
        if not isinstance(conv1, Conv2d):
            raise SpecError(f"{where}: {node.kind} without a conv1 is not torchvision's {node.kind}")
        cls = BasicBlock if node.kind == "BasicBlock" else Bottleneck
        if cls is BasicBlock:
            planes, stride = conv1.out_channels, conv1._s[0]
        else:
            conv3 = _leaf(node, "conv3")
            conv2 = _leaf(node, "conv2")
            if not isinstance(conv3, Conv2d) or not isinstance(conv2, Conv2d):
                raise SpecError(f"{where}: a Bottleneck needs conv1, conv2 and conv3")
            planes, stride = conv3.out_channels // cls.expansion, conv2._s[0]
        block = cls(conv1.in_channels, planes, stride)
    except LayerError as exc:
        raise SpecError(f"{where}: {exc}") from None
    expected = dict(block.main)
    for child in node.children:
        if child.attr == "downsample":
            continue
        if child.attr.startswith("relu"):
            continue
        mine = expected.get(child.attr)
        theirs = _leaf(node, child.attr)
        if mine is None or not _same_layer(mine, theirs):
            raise SpecError(f"line {child.line}: {child.attr} = {child.text} is not what torchvision's "
                            f"{node.kind}({block.in_planes}, {block.planes}, stride={block.stride}) has "
                            f"({mine.canonical() if mine else 'no such layer'})")
    down = next((c for c in node.children if c.attr == "downsample"), None)
    if bool(down) != block.project:
        need = "a projection shortcut (downsample)" if block.project else "an identity shortcut (no downsample)"
        raise SpecError(f"line {node.line}: {node.kind}({block.in_planes}, {block.planes}, stride={block.stride}) "
                        f"needs {need}")
    if down is not None:
        short = [build_layer(parse_call(c.text)) for c in down.children if not c.is_container]
        if len(short) != len(block.shortcut) or not all(
                _same_layer(m, t) for (_, m), t in zip(block.shortcut, short)):
            raise SpecError(f"line {down.line}: this downsample is not the 1x1 conv + BN shortcut of "
                            f"torchvision's {node.kind}")
    return block


def _same_layer(mine: Layer, theirs: Layer) -> bool:
    if type(mine) is not type(theirs):
        return False
    if isinstance(mine, Conv2d):
        key = lambda c: (c.in_channels, c.out_channels, c._k, c._s, c._p, c._d, c.groups, c.bias)  # noqa: E731
        return key(mine) == key(theirs)
    if isinstance(mine, BatchNorm2d):
        return (mine.num_features, mine.affine) == (theirs.num_features, theirs.affine)
    return True


_BLOCKS = {"BasicBlock": _torchvision_block, "Bottleneck": _torchvision_block}


# -- code --------------------------------------------------------------------------------------
_FUNCTIONAL = {  # what forward() may call instead of a module, as the layer it stands for
    "relu": "ReLU()", "relu6": "ReLU6()", "gelu": "GELU()", "silu": "SiLU()", "sigmoid": "Sigmoid()",
    "tanh": "Tanh()", "elu": "ELU()", "hardswish": "Hardswish()", "mish": "Mish()",
    "leaky_relu": "LeakyReLU()", "dropout": "Dropout()",
}


def _read_code(text: str) -> Pasted:
    check_nesting(text, "pasted")
    try:
        module = ast.parse(text, mode="exec")
    except SyntaxError as exc:
        raise SpecError(f"line {exc.lineno}: cannot read this as PyTorch code: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise SpecError("pasted text is nested too deeply to read") from None
    pasted = Pasted()
    _statements(module.body, text, pasted, {})
    return pasted


def _statements(body: list[ast.stmt], source: str, pasted: Pasted, attrs: dict[str, Layer]) -> None:
    for stmt in body:
        if isinstance(stmt, ast.ClassDef):
            _module_class(stmt, source, pasted)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _statements(stmt.body, source, pasted, attrs)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
            if stmt.value is not None and _is_layer_call(stmt.value):
                name = _target_name(target)
                layer = _layer_at(stmt.value, source)
                if isinstance(target, ast.Attribute):
                    pasted.note(ORDER_NOTE)
                    attrs[name] = layer
                _add(pasted, name, layer)
        elif isinstance(stmt, ast.Expr):
            values = stmt.value.elts if isinstance(stmt.value, ast.Tuple) else [stmt.value]
            for value in values:
                if _is_layer_call(value):
                    _add(pasted, "", _layer_at(value, source))
                elif not _harmless(value):
                    raise SpecError(f"line {value.lineno}: {_short(ast.get_source_segment(source, value) or '')!r} "
                                    "is not a layer (write it like nn.Conv2d(3, 16, 3))")


def _harmless(value: ast.AST) -> bool:
    """print(model) and super().__init__() lines are skipped; any other expression is a mistake."""
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    if isinstance(func, ast.Name):
        return func.id == "print"
    root = func
    while isinstance(root, (ast.Attribute, ast.Call)):
        root = root.value if isinstance(root, ast.Attribute) else root.func
    return isinstance(root, ast.Name) and root.id == "super"


def _add(pasted: Pasted, name: str, layer: Layer) -> None:
    # A lone Sequential is the model itself: its layers are the rows.
    if isinstance(layer, Sequential) and not pasted.rows and name in ("", "model", "net", "self"):
        pasted.rows += [("", child) for child in layer.layers]
        return
    pasted.rows.append((name, layer))


def _module_class(cls: ast.ClassDef, source: str, pasted: Pasted) -> None:
    """An nn.Module class: its layers from __init__, in forward's order when forward is readable."""
    init = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
    forward = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "forward"), None)
    attrs: dict[str, Layer] = {}
    found = Pasted()
    if init is not None:
        _statements(init.body, source, found, attrs)
    order = _forward_order(forward, attrs, source) if forward is not None else None
    if order is None:
        pasted.rows += found.rows
        for note in found.notes:
            pasted.note(note)
        return
    pasted.rows += order
    pasted.note("note: the order of the layers is read from forward()")


def _forward_order(forward: ast.FunctionDef, attrs: dict[str, Layer], source: str):
    """The layers forward() applies, in order; None when it does something we cannot follow."""
    rows: list[tuple[str, Layer]] = []

    def visit(node: ast.AST) -> bool:
        if not isinstance(node, ast.Call):
            return isinstance(node, (ast.Name, ast.Constant, ast.Tuple))
        func = node.func
        # innermost call first: F.max_pool2d(F.relu(self.conv1(x)), 2) is conv1, relu, pool
        if node.args and not visit(node.args[0]):
            return False
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            if func.attr not in attrs:
                return False
            rows.append((func.attr, attrs[func.attr]))
            return True
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in _FUNCTIONAL:
            rows.append((name, build_layer(parse_call(_FUNCTIONAL[name]))))
            return True
        if name in ("max_pool2d", "avg_pool2d"):
            kind = "MaxPool2d" if name == "max_pool2d" else "AvgPool2d"
            args = ", ".join(ast.get_source_segment(source, a) or "" for a in node.args[1:])
            kwargs = ", ".join(ast.get_source_segment(source, k) or "" for k in node.keywords)
            text = f"{kind}({', '.join(t for t in (args, kwargs) if t)})"
            rows.append((name, build_layer(parse_call(text))))
            return True
        if name in ("flatten", "view", "reshape"):
            rows.append((name, Flatten()))
            return True
        return False

    for stmt in forward.body:
        if isinstance(stmt, ast.Return):
            value = stmt.value
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            value = stmt.value
        else:
            return None
        if value is not None and not visit(value):
            return None
    return rows or None


def _is_layer_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return isinstance(node, (ast.Name, ast.Attribute)) and _looks_like_layer(node)
    return _looks_like_layer(node.func)


def _looks_like_layer(func: ast.AST) -> bool:
    if isinstance(func, ast.Attribute):
        root = func
        while isinstance(root, ast.Attribute):
            root = root.value
        return isinstance(root, ast.Name) and root.id in ("nn", "torch") and func.attr[:1].isupper()
    return isinstance(func, ast.Name) and func.id[:1].isupper()


def _layer_at(node: ast.AST, source: str) -> Layer:
    try:
        return build_layer(call_from_node(node, source))
    except SpecError as exc:
        raise SpecError(f"line {node.lineno}: {exc}") from None


def _target_name(target: ast.AST) -> str:
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Name):
        return target.id
    return ""


def _short(text: str) -> str:
    return text if len(text) <= 50 else text[:47] + "..."


# -- shapes: the flatten that forward() does and print(model) does not show ---------------------
def with_assumed_flatten(shape: tuple[int, ...], pasted: Pasted, analyze_one) -> Pasted:
    """Insert what forward() does and print(model) hides before a Linear that meets a spatial input:
    a flatten (when the Linear takes all C·H·W values) or global average pooling and a flatten
    (when it takes C: torchvision's MobileNet/MNASNet pool in forward).

    `analyze_one(shape, layer)` is the layer's output shape (raising SpecError if it refuses).
    """
    out = Pasted(notes=list(pasted.notes))
    for i, (name, layer) in enumerate(pasted.rows):
        try:
            next_shape = analyze_one(shape, layer)
        except SpecError:
            first = _first_leaf(layer)
            if not (isinstance(first, Linear) and len(shape) > 1 and first.in_features != shape[-1]):
                out.rows += pasted.rows[i:]  # the analysis reports this layer's error in its own words
                return out
            if first.in_features == math.prod(shape):
                out.rows.append(("flatten", Flatten()))
                out.note(f"note: a flatten is assumed before {name or first.name} "
                         "(forward flattens; the printed model does not show it)")
            elif len(shape) == 3 and first.in_features == shape[0]:
                out.rows += [("avgpool", AdaptiveAvgPool2d(1)), ("flatten", Flatten())]
                out.note(f"note: global average pooling and a flatten are assumed before {name or first.name} "
                         "(forward does them; the printed model does not show them)")
            else:
                out.rows += pasted.rows[i:]
                return out
            shape = (first.in_features,)
            try:
                next_shape = analyze_one(shape, layer)
            except SpecError:
                out.rows += pasted.rows[i:]
                return out
        out.rows.append((name, layer))
        shape = next_shape
    return out


def _first_leaf(layer: Layer) -> Layer:
    """The first layer that changes the numbers (dropout and activations before it do not)."""
    while isinstance(layer, Sequential) and layer.layers:
        layer = next((c for c in layer.layers if not isinstance(c, (_Pointwise, Dropout))), layer.layers[0])
    return layer


__all__ = ["Call", "Pasted", "read_pasted", "with_assumed_flatten"]
