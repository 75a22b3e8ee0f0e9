"""The calculator's named models equal torchvision's and studytui's own torch nets (lab.nets):
same parameter count, same output shape per stage, same receptive field measured by gradient."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn
import torchvision

from studytui.calc import analyze, analyze_model, get_model
from studytui.lab import nets
from studytui.torchcheck import SumPool

TORCHVISION = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "alexnet", "vgg16"]
LAB = ["resnet18", "resnet50", "resnet18-cifar", "resnet34-cifar", "resnet50-cifar", "preact-resnet18-cifar",
       "resnet9", "cnn-cifar"]


def stage_shapes(model: nn.Module, names: list[str], input_shape) -> dict[str, tuple[int, ...]]:
    """Output shape of every named submodule during one forward pass (meta device: no compute)."""
    shapes = {}
    modules = dict(model.named_modules())
    hooks = [modules[n].register_forward_hook(lambda m, i, o, n=n: shapes.__setitem__(n, tuple(o.shape[1:])))
             for n in names if n in modules]
    with torch.no_grad():
        model(torch.empty((1, *input_shape), device="meta"))
    for h in hooks:
        h.remove()
    return shapes


@pytest.mark.parametrize("name", TORCHVISION)
def test_named_model_equals_torchvision(name):
    report = analyze_model(name)
    with torch.device("meta"):
        model = getattr(torchvision.models, name)(weights=None).eval()
    assert report.params == sum(p.numel() for p in model.parameters())
    shapes = stage_shapes(model, [r.name for r in report.rows], report.input)
    checked = [r for r in report.rows if r.name in shapes and r.name not in ("relu",)]
    assert len(checked) >= 5
    for row in checked:
        assert shapes[row.name] == row.output, row.name


@pytest.mark.parametrize("name", LAB)
def test_named_model_equals_lab_net(name):
    report = analyze_model(name)
    with torch.device("meta"):
        model = nets.build_model(name).eval()
    assert report.params == sum(p.numel() for p in model.parameters())
    shapes = stage_shapes(model, [r.name for r in report.rows], report.input)
    checked = [r for r in report.rows if r.name in shapes and r.name != "relu"]
    assert len(checked) >= 5, sorted(shapes)
    for row in checked:
        assert shapes[row.name] == row.output, row.name


def _linearized(model: nn.Module) -> nn.Module:
    """ReLU → identity and max-pool → sum over the same windows, weights positive, float64, eval."""
    for parent in list(model.modules()):
        for child_name, child in list(parent.named_children()):
            if isinstance(child, (nn.ReLU, nn.Dropout)):
                setattr(parent, child_name, nn.Identity())
            elif isinstance(child, nn.MaxPool2d):
                k = nn.modules.utils._pair(child.kernel_size)
                s = nn.modules.utils._pair(child.stride)
                p = nn.modules.utils._pair(child.padding)
                setattr(parent, child_name, _LazySumPool(k, s, p))
    model = model.double().eval()
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for prm in model.parameters():
            prm.copy_(torch.rand(prm.shape, generator=g, dtype=prm.dtype) * 0.5 + 0.5)
    return model


class _LazySumPool(nn.Module):
    def __init__(self, k, s, p):
        super().__init__()
        self.k, self.s, self.p = k, s, p

    def forward(self, x):
        n = x.shape[2:]
        out = [(ni + 2 * pi - ki) // si + 1 for ni, pi, ki, si in zip(n, self.p, self.k, self.s)]
        return SumPool(self.k, self.s, self.p, (1, 1), x.shape[1], tuple(n), tuple(out))(x)


class _Stop(Exception):
    pass


@pytest.mark.parametrize("name", ["resnet18", "resnet18-cifar", "preact-resnet18-cifar", "resnet9", "cnn-cifar"])
def test_lab_net_receptive_field_matches_calculator(name):
    """Measured on the real lab net: the gradient of the central unit of the last spatial stage."""
    model_spec = get_model(name)
    last = [r for r in analyze_model(name).rows if r.maps is not None][-1]
    rf = last.rf[0]
    size = max(model_spec.input[1], 2 * rf + 8) if name != "resnet18" else 448
    spatial = model_spec.stages[: last.index + 1]  # the head would not accept a larger input
    report = analyze((3, size, size), [l for _, l in spatial], names=[n for n, _ in spatial])
    row = report.row(last.name)
    model = _linearized(nets.build_model(name))
    captured = {}

    def grab(module, inputs, output):
        captured["y"] = output
        raise _Stop

    dict(model.named_modules())[last.name].register_forward_hook(grab)
    x = torch.zeros((1, 3, size, size), dtype=torch.float64, requires_grad=True)
    with pytest.raises(_Stop):
        model(x)
    y = captured["y"]
    u = y.shape[2] // 2
    y[0, :, u, u].sum().backward()
    hit = x.grad[0].abs().sum(0) > 0
    rows = torch.nonzero(hit.any(1)).flatten()
    want = row.maps[0].interval(u)
    assert 0 <= want[0] and want[1] < size, "input too small for an exact check"
    assert (int(rows.min()), int(rows.max())) == want
    assert want[1] - want[0] + 1 == row.rf[0] == rf
