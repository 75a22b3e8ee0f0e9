"""Models pasted the way people copy them, each giving the numbers of the real torch model.

The snippets are written for this test (tutorial-style LeNet, a CIFAR CNN, an MNIST lab CNN, a
MobileNet block); the ResNet-18 printout is produced by torchvision in the test itself. Each is
read by the calculator (studytui.calc.network.pasted_report) and compared with the module that
the same code builds in torch: total parameters, output shape, and MACs from FlopCounterMode.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
import torch.nn as nn
import torch.nn.functional as F  # noqa: F401  (the pasted classes use it)
import torchvision
from torch.utils.flop_counter import FlopCounterMode

from studytui.calc.network import pasted_report
from studytui.errors import StudytuiError

LENET_SEQUENTIAL = """
model = nn.Sequential(
    nn.Conv2d(1, 6, 5),
    nn.ReLU(),
    nn.MaxPool2d(2, 2),
    nn.Conv2d(6, 16, 5),
    nn.ReLU(),
    nn.MaxPool2d(2, 2),
    nn.Flatten(),
    nn.Linear(16 * 5 * 5, 120),
    nn.ReLU(),
    nn.Linear(120, 84),
    nn.ReLU(),
    nn.Linear(84, 10),
)
"""

LENET_CLASS = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x
"""

CIFAR_CNN = """
self.features = nn.Sequential(
    nn.Conv2d(3, 32, kernel_size=3, padding=1), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
    nn.Conv2d(32, 64, kernel_size=3, padding=3 // 2), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
    nn.MaxPool2d(2),
    nn.Conv2d(64, 64 * 2, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(inplace=True),
    nn.MaxPool2d(2),
    nn.Conv2d(128, 256, 3, padding=1, bias=False), nn.BatchNorm2d(256), nn.ReLU(inplace=True),
    nn.AdaptiveAvgPool2d(1),
)
self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(256, 10))
"""

MNIST_LAB_CNN = """
nn.Conv2d(1, 32, 3, padding=1),
nn.ReLU(),
nn.MaxPool2d(2),
nn.Conv2d(32, 64, 3, padding=1, device='cpu', dtype=torch.float32),
nn.ReLU(),
nn.MaxPool2d(2),
nn.Flatten(),
nn.Linear(64 * 7 * 7, 128),
nn.ReLU(),
nn.Dropout(0.25),
nn.Linear(128, 10),
"""

MOBILENET_BLOCK = """
nn.Sequential(
    nn.Conv2d(32, 32, 3, stride=2, padding=1, groups=32, bias=False),  # depthwise
    nn.BatchNorm2d(32),
    nn.ReLU6(inplace=True),
    nn.Conv2d(32, 64, 1, bias=False),  # pointwise
    nn.BatchNorm2d(64),
    nn.ReLU6(inplace=True),
)
"""

SEGMENTATION_HEAD = """
nn.Sequential(
    nn.ReflectionPad2d(1), nn.Conv2d(16, 16, 3), nn.GroupNorm(4, 16), nn.Hardswish(),
    nn.Upsample(scale_factor=2, mode='bilinear'), nn.ZeroPad2d((0, 1, 0, 1)),
    nn.Conv2d(16, 8, 2), nn.InstanceNorm2d(8, affine=True), nn.Mish(), nn.Conv2d(8, 3, 1),
    nn.LogSoftmax(dim=1),
)
"""

SIGNAL_1D = """
nn.Conv1d(2, 16, 7, padding=3), nn.BatchNorm1d(16), nn.ELU(),
nn.MaxPool1d(2),
nn.Conv1d(16, 32, 5, padding='same'), nn.PReLU(32), nn.AvgPool1d(2),
nn.Flatten(), nn.LayerNorm(32 * 25), nn.Linear(32 * 25, 4), nn.Softmax(dim=1),
"""


def torch_numbers(model: nn.Module, input_shape: tuple[int, ...]) -> tuple[int, tuple[int, ...], int]:
    model.eval()
    with torch.device("meta"), FlopCounterMode(display=False) as counter:
        out = model.to("meta")(torch.empty((1, *input_shape)))
    return sum(p.numel() for p in model.parameters()), tuple(out.shape[1:]), counter.get_total_flops() // 2


def build_code(code: str) -> nn.Module:
    """What the pasted code builds in torch (the test's own snippets only, run as the user would)."""
    scope = {"nn": nn, "torch": torch, "F": F}
    if "class Net" in code:
        exec(code, scope)  # noqa: S102  (our fixed snippet, the same text the calculator reads)
        return scope["Net"]()
    if code.lstrip().startswith("self."):
        holder = nn.Module()
        exec(code.replace("self.", "holder."), {**scope, "holder": holder})  # noqa: S102
        return nn.Sequential(*holder.children())
    if code.lstrip().startswith("model ="):
        exec(code, scope)  # noqa: S102
        return scope["model"]
    return nn.Sequential(*eval(f"[{code}]", scope))  # noqa: S307  (our fixed snippet)


@pytest.mark.parametrize("code, input_shape", [
    (LENET_SEQUENTIAL, (1, 32, 32)), (LENET_CLASS, (3, 32, 32)), (CIFAR_CNN, (3, 32, 32)),
    (MNIST_LAB_CNN, (1, 28, 28)), (MOBILENET_BLOCK, (32, 56, 56)), (SEGMENTATION_HEAD, (16, 20, 20)),
    (SIGNAL_1D, (2, 100)),
], ids=["lenet-sequential", "lenet-class", "cifar-cnn", "mnist-lab-cnn", "mobilenet-block",
        "segmentation-head", "signal-1d"])
def test_pasted_code_gives_torch_numbers(code, input_shape):
    report, _ = pasted_report(input_shape, code)
    params, output, macs = torch_numbers(build_code(code), input_shape)
    assert (report.params, report.output, report.macs) == (params, output, macs)


def test_class_paste_follows_forward_and_says_so():
    report, notes = pasted_report((3, 32, 32), LENET_CLASS)
    kinds = [type(r.layer).__name__ for r in report.rows]
    assert kinds == ["Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d", "Flatten",
                     "Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert any("forward()" in n for n in notes)


def test_assignments_note_the_assumed_order():
    _, notes = pasted_report((3, 32, 32), CIFAR_CNN)
    assert any("forward order is assumed" in n for n in notes)


@pytest.fixture(scope="module")
def resnet18_printout() -> str:
    return str(torchvision.models.resnet18())


def test_printed_resnet18_is_read_block_by_block(resnet18_printout):
    report, notes = pasted_report((3, 224, 224), resnet18_printout)
    params, output, macs = torch_numbers(torchvision.models.resnet18(), (3, 224, 224))
    assert (report.params, report.output, report.macs) == (params, output, macs)
    assert [r.name for r in report.rows][4:8] == ["layer1", "layer2", "layer3", "layer4"]
    blocks = report.row("layer2").layer.layers
    assert [type(b).__name__ for b in blocks] == ["BasicBlock", "BasicBlock"]
    assert blocks[0].project and not blocks[1].project  # downsample read as the projection shortcut
    assert any("flatten is assumed before fc" in n for n in notes)


def test_printed_resnet50_bottlenecks_match_torch():
    model = torchvision.models.resnet50()
    report, _ = pasted_report((3, 64, 64), str(model))
    assert (report.params, report.output, report.macs) == torch_numbers(model, (3, 64, 64))


def test_printed_sequential_with_defaults_matches_torch():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
                          nn.Upsample(scale_factor=2.0), nn.ConstantPad2d(1, 0.0), nn.GroupNorm(2, 8),
                          nn.Identity(),
                          nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(8, 2))
    report, _ = pasted_report((3, 16, 16), str(model))
    assert (report.params, report.output, report.macs) == torch_numbers(model, (3, 16, 16))


def test_a_changed_block_is_refused_with_its_line(resnet18_printout):
    lines = resnet18_printout.splitlines()
    at = next(i for i, line in enumerate(lines) if "(conv2): Conv2d(64, 64" in line)
    lines[at] = lines[at].replace("kernel_size=(3, 3)", "kernel_size=(5, 5)")
    with pytest.raises(StudytuiError, match=rf"line {at + 1}: conv2 = .* is not what torchvision's BasicBlock"):
        pasted_report((3, 224, 224), "\n".join(lines))


@pytest.mark.parametrize("text, message", [
    ("nn.ReLU", "ReLU is a class, not a layer: write ReLU() with parentheses"),
    ("nn.Conv2d(3, 8, 3)\nnn.Linear(10 / 2, 3)", "line 2: only + - * // % ** are allowed"),
    ("Sequential(\n  (0): Conv2d(3, 8, 3)\n", "line 1: Sequential( is never closed"),
    ("  (0): Conv2d(3, 8, 3)\n  (1): what is this\n", "line 2: cannot read 'what is this'"),
    ("x = 3\nos.system('true')", "is not a layer (write it like nn.Conv2d"),
])
def test_bad_pastes_are_one_clear_line(text, message):
    with pytest.raises(StudytuiError) as info:
        pasted_report((3, 16, 16), text)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_cli_reads_a_printout_from_stdin_and_a_file(tmp_path, resnet18_printout):
    path = tmp_path / "model.txt"
    path.write_text(resnet18_printout)
    by_file = subprocess.run([sys.executable, "-m", "studytui", "calc", "--input", "3x224x224", "--file", str(path),
                              "--json"], capture_output=True, text=True)
    by_stdin = subprocess.run([sys.executable, "-m", "studytui", "calc", "--input", "3x224x224", "-", "--json"],
                              input=resnet18_printout, capture_output=True, text=True)
    named = subprocess.run([sys.executable, "-m", "studytui", "calc", "--model", "resnet18", "--json"],
                           capture_output=True, text=True)
    import json

    got = [json.loads(r.stdout) for r in (by_file, by_stdin, named)]
    assert all(g["params"] == got[2]["params"] and g["macs"] == got[2]["macs"] and g["rf"] == got[2]["rf"]
               for g in got[:2])
    assert "flatten is assumed" in by_file.stderr


@pytest.mark.parametrize("name, hidden", [("alexnet", "a flatten is assumed"), ("vgg16", "a flatten is assumed"),
                                          ("mobilenet_v2", "global average pooling and a flatten are assumed")])
def test_other_torchvision_printouts_match_torch(name, hidden):
    """What forward() does and the printout hides is assumed, said in a note, and the numbers agree."""
    model = getattr(torchvision.models, name)()
    report, notes = pasted_report((3, 224, 224), str(model))
    assert (report.params, report.output, report.macs) == torch_numbers(model, (3, 224, 224))
    assert any(hidden in n for n in notes)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="nn.Conv2d(3, 8)ReLU\n  ():=self.x10456#,*/+-'[]SequentialBasicBlock", max_size=160))
def test_pasted_text_only_ever_raises_its_own_error(text):
    try:
        pasted_report((3, 16, 16), text)
    except StudytuiError:
        pass


_PRINTOUT = str(torchvision.models.resnet18())


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(_PRINTOUT.splitlines()) - 1), st.sampled_from(["drop", "digit", "paren", "indent"]),
       st.integers(0, 9))
def test_a_damaged_printout_is_read_or_refused_in_one_line(at, how, digit):
    lines = _PRINTOUT.splitlines()
    if how == "drop":
        del lines[at]
    elif how == "digit":
        lines[at] = re.sub(r"\d", str(digit), lines[at], count=1)
    elif how == "paren":
        lines[at] = lines[at].replace(")", "", 1)
    else:
        lines[at] = lines[at].strip()
    try:
        pasted_report((3, 224, 224), "\n".join(lines))
    except StudytuiError as exc:
        assert "\n" not in str(exc)
