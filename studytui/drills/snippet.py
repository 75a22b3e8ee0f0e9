""""Show me in torch": the few lines of PyTorch that print a problem's answer.

Plain layers become `nn.<Layer>(...)`; residual blocks come from `studytui.lab.nets` (the
readable nn.Modules the demos train); named models from torchvision (ImageNet layouts) or
`studytui.lab.nets.build_model`. The snippet prints exactly what `Problem.answer` holds (a list
for shapes and receptive fields, an int for counts), so a test can run it and compare.
"""

from __future__ import annotations

import ast

from studytui.calc import analyze
from studytui.drills.problem import Problem

LAB_BLOCKS = ("BasicBlock", "Bottleneck", "PreActBlock", "PreActBottleneck")
TORCHVISION_MODELS = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "alexnet", "vgg16")
RESIDUAL_CLASS = '''class Residual(nn.Module):  # y = x + f(x)
    def __init__(self, *layers):
        super().__init__()
        self.f = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.f(x)
'''


def torch_text(text: str) -> str:
    """A layer written for the calculator, as torch code (`nn.` prefixes, nested calls too)."""
    head = text.split("(", 1)[0]
    if text.count("(") <= 1 or head not in ("Sequential", "Residual"):  # no nested call: fast path
        return text if head in LAB_BLOCKS or head == "Residual" else f"nn.{text}"
    tree = ast.parse(text, mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id not in LAB_BLOCKS and node.func.id != "Residual":
                node.func = ast.Attribute(value=ast.Name("nn", ast.Load()), attr=node.func.id, ctx=ast.Load())
    return ast.unparse(tree)


def snippet(p: Problem) -> str:
    if p.model:
        return _model_snippet(p)
    return _stack_snippet(p)


def _header(p: Problem, code_layers: list[str]) -> list[str]:
    lines = ["import torch", "from torch import nn"]
    blocks = sorted({b for b in LAB_BLOCKS if any(f"{b}(" in t for t in code_layers)})
    if blocks:
        lines.append(f"from studytui.lab.nets import {', '.join(blocks)}")
    if any("Residual(" in t for t in code_layers):
        lines += ["", RESIDUAL_CLASS.rstrip()]
    return lines


def _stack_snippet(p: Problem) -> str:
    code = [torch_text(t) for t in p.layers]
    lines = _header(p, code)
    if p.quantity == "rf":
        code = [_pool_for_rf(t) for t in code]
    lines.append("net = nn.Sequential(")
    lines += [f"    {t}," for t in code]
    lines.append(")")
    i = p.layer
    upto = f"net[:{i + 1}]" if i is not None and i < len(p.layers) - 1 else "net"
    c, *hw = p.input
    q = p.quantity
    if q == "shape":
        lines.append(f"x = torch.randn(1, {', '.join(map(str, p.input))})")
        lines.append(f"print(list({upto}(x).shape[1:]))  # C×H×W")
    elif q == "params":
        part = f"net[{i}]" if i is not None else "net"
        lines.append(f"print(sum(p.numel() for p in {part}.parameters()))")
    elif q == "macs":
        lines.insert(2, "from torch.utils.flop_counter import FlopCounterMode")
        lines.append(f"x = torch.randn(1, {', '.join(map(str, p.input))})")
        if i is not None:
            if i > 0:
                lines.append(f"x = net[:{i}](x)  # the input of layer {i + 1}")
            lines.append("with FlopCounterMode(display=False) as counter:")
            lines.append(f"    net[{i}](x)")
        else:
            lines.append("with FlopCounterMode(display=False) as counter:")
            lines.append("    net(x)")
        lines.append("print(counter.get_total_flops() // 2)  # torch counts FLOPs = 2 × MACs")
    else:
        lines += _rf_lines(p, upto)
    return "\n".join(lines) + "\n"


def _pool_for_rf(text: str) -> str:
    # max-pool sends the gradient to one pixel per window; averaging reaches all of them
    return text.replace("nn.MaxPool2d(", "nn.AvgPool2d(")


def _rf_lines(p: Problem, upto: str) -> list[str]:
    size, period = _rf_input(p)
    c = p.input[0]
    lines = [f"net = {upto}.double().eval()",
             "for w in net.parameters():",
             "    nn.init.constant_(w, 0.5)  # positive weights: no gradient cancels out",
             f"x = torch.ones(1, {c}, {size[0]}, {size[1]}, dtype=torch.float64, requires_grad=True)",
             "y = net(x)",
             "span = lambda hit: int(hit.nonzero().max() - hit.nonzero().min() + 1)"]
    if period == (1, 1):
        lines += ["y[0, :, y.shape[2] // 2, y.shape[3] // 2].sum().backward()  # one central unit",
                  "seen = x.grad[0].abs().sum(0) > 0  # the input pixels it depends on",
                  "print([span(seen.any(1)), span(seen.any(0))])  # height, width"]
    else:  # a transposed conv: units of different phase see different inputs; take the largest
        lines += ["rf = [0, 0]",
                  f"for u in range(y.shape[2] // 2, y.shape[2] // 2 + {period[0]}):",
                  f"    for v in range(y.shape[3] // 2, y.shape[3] // 2 + {period[1]}):",
                  "        g, = torch.autograd.grad(y[0, :, u, v].sum(), x, retain_graph=True)",
                  "        seen = g[0].abs().sum(0) > 0",
                  "        rf = [max(rf[0], span(seen.any(1))), max(rf[1], span(seen.any(0)))]",
                  "print(rf)  # height, width"]
    return lines


def _rf_input(p: Problem) -> tuple[tuple[int, int], tuple[int, int]]:
    """An input size at which the central units' receptive fields lie inside the image."""
    layers = [r.layer for r in p.report.rows[: p.row.index + 1]]
    c, h, w = p.input
    size = (h, w)
    for _ in range(10):
        row = analyze((c, *size), layers).rows[-1]
        maps, out = row.maps, row.output[1:]
        ok = True
        for m, o, n in zip(maps, out, size):
            for u in range(o // 2, min(o // 2 + m.period, o)):
                iv = m.interval(u)
                if iv is not None and (iv[0] < 0 or iv[1] > n - 1):
                    ok = False
            if o // 2 + m.period > o:
                ok = False
        if ok:
            return size, (maps[0].period, maps[1].period)
        size = tuple(n * 2 for n in size)
    return size, (maps[0].period, maps[1].period)


def _model_snippet(p: Problem) -> str:
    name = p.model
    lines = ["import torch"]
    if name in TORCHVISION_MODELS:
        lines += [f"from torchvision.models import {name}", f"net = {name}().eval()"]
    else:
        lines += ["from studytui.lab.nets import build_model", f"net = build_model({name!r}).eval()"]
    q = p.quantity
    shape = ", ".join(map(str, p.input))
    if p.layer is None:
        if q == "params":
            lines.append("print(sum(p.numel() for p in net.parameters()))")
        elif q == "shape":
            lines.append(f"print(list(net(torch.randn(1, {shape})).shape[1:]))")
        else:
            lines += ["from torch.utils.flop_counter import FlopCounterMode",
                      "with FlopCounterMode(display=False) as counter:",
                      f"    net(torch.randn(1, {shape}))",
                      "print(counter.get_total_flops() // 2)  # torch counts FLOPs = 2 × MACs"]
        return "\n".join(lines) + "\n"
    lines.append(f"part = net.get_submodule({p.stage!r})")
    if q == "params":
        lines.append("print(sum(p.numel() for p in part.parameters()))")
    elif q == "shape":
        lines += ["seen = {}",
                  "part.register_forward_hook(lambda m, args, out: seen.update(out=out))",
                  f"net(torch.randn(1, {shape}))",
                  "print(list(seen['out'].shape[1:]))"]
    else:
        lines += ["from torch.utils.flop_counter import FlopCounterMode",
                  "seen = {}",
                  "part.register_forward_pre_hook(lambda m, args: seen.update(x=args[0]))",
                  f"net(torch.randn(1, {shape}))  # capture the input of {p.stage}",
                  "with FlopCounterMode(display=False) as counter:",
                  "    part(seen['x'])",
                  "print(counter.get_total_flops() // 2)  # torch counts FLOPs = 2 × MACs"]
    return "\n".join(lines) + "\n"
