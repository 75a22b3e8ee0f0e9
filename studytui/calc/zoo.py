"""Named networks, described as layer stacks for the calculator.

Each model is a list of (stage name, layer) with its default input. Stage names follow the torch
modules' attribute names (torchvision's `conv1 ... layer4, avgpool, fc`), so a report row such as
"layer3" is the same thing as `model.layer3` in torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from studytui.calc.blocks import BasicBlock, Bottleneck, PreActBlock, Sequential
from studytui.calc.layers import (
    AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, Dropout, Flatten, Layer, Linear, MaxPool2d,
    ReLU, Tanh,
)
from studytui.errors import SpecError


@dataclass(frozen=True)
class Model:
    name: str
    input: tuple[int, int, int]
    stages: list[tuple[str, Layer]]
    about: str

    @property
    def names(self) -> list[str]:
        return [n for n, _ in self.stages]

    @property
    def layers(self) -> list[Layer]:
        return [layer for _, layer in self.stages]


def _resnet_stages(block, counts: list[int], stem: str, num_classes: int, preact: bool = False):
    if stem == "imagenet":
        stages = [("conv1", Conv2d(3, 64, 7, stride=2, padding=3, bias=False)), ("bn1", BatchNorm2d(64)),
                  ("relu", ReLU()), ("maxpool", MaxPool2d(3, stride=2, padding=1))]
    else:
        stages = [("conv1", Conv2d(3, 64, 3, stride=1, padding=1, bias=False))]
        if not preact:
            stages += [("bn1", BatchNorm2d(64)), ("relu", ReLU())]
    in_planes = 64
    for i, (planes, count) in enumerate(zip((64, 128, 256, 512), counts)):
        blocks = []
        for j in range(count):
            stride = 2 if (i > 0 and j == 0) else 1
            blocks.append(block(in_planes, planes, stride))
            in_planes = planes * block.expansion
        stages.append((f"layer{i + 1}", Sequential(*blocks)))
    if preact:  # v2 ends with the BN-ReLU that the last block no longer has
        stages += [("bn", BatchNorm2d(in_planes)), ("relu", ReLU())]
    stages += [("avgpool", AdaptiveAvgPool2d(1)), ("flatten", Flatten()),
               ("fc", Linear(in_planes, num_classes))]
    return stages


def _conv_block(cin: int, cout: int, pool: bool = False) -> Sequential:
    layers = [Conv2d(cin, cout, 3, padding=1), BatchNorm2d(cout), ReLU()]
    return Sequential(*layers, *([MaxPool2d(2)] if pool else []))


def _resnet9() -> list[tuple[str, Layer]]:
    from studytui.calc.blocks import Residual

    return [("conv1", _conv_block(3, 64)), ("conv2", _conv_block(64, 128, pool=True)),
            ("res1", Residual(_conv_block(128, 128), _conv_block(128, 128))),
            ("conv3", _conv_block(128, 256, pool=True)), ("conv4", _conv_block(256, 512, pool=True)),
            ("res2", Residual(_conv_block(512, 512), _conv_block(512, 512))),
            ("classifier", Sequential(MaxPool2d(4), Flatten(), Dropout(0.2), Linear(512, 10)))]


def _cnn_cifar() -> list[tuple[str, Layer]]:
    layers = [Conv2d(3, 32, 3, padding=1), ReLU(), Conv2d(32, 64, 3, padding=1), ReLU(), MaxPool2d(2),
              Conv2d(64, 128, 3, padding=1), ReLU(), Conv2d(128, 128, 3, padding=1), ReLU(), MaxPool2d(2),
              Conv2d(128, 256, 3, padding=1), ReLU(), Conv2d(256, 256, 3, padding=1), ReLU(), MaxPool2d(2),
              Flatten(), Linear(256 * 4 * 4, 1024), ReLU(), Linear(1024, 512), ReLU(), Linear(512, 10)]
    return [(f"network.{i}", layer) for i, layer in enumerate(layers)]


def _lenet5() -> list[tuple[str, Layer]]:
    layers = [Conv2d(1, 6, 5), Tanh(), AvgPool2d(2), Conv2d(6, 16, 5), Tanh(), AvgPool2d(2), Flatten(),
              Linear(400, 120), Tanh(), Linear(120, 84), Tanh(), Linear(84, 10)]
    return [(f"{i}", layer) for i, layer in enumerate(layers)]


def _alexnet() -> list[tuple[str, Layer]]:
    features = [Conv2d(3, 64, 11, stride=4, padding=2), ReLU(), MaxPool2d(3, stride=2),
                Conv2d(64, 192, 5, padding=2), ReLU(), MaxPool2d(3, stride=2),
                Conv2d(192, 384, 3, padding=1), ReLU(), Conv2d(384, 256, 3, padding=1), ReLU(),
                Conv2d(256, 256, 3, padding=1), ReLU(), MaxPool2d(3, stride=2)]
    classifier = [Dropout(0.5), Linear(256 * 6 * 6, 4096), ReLU(), Dropout(0.5), Linear(4096, 4096), ReLU(),
                  Linear(4096, 1000)]
    return [(f"features.{i}", l) for i, l in enumerate(features)] + [
        ("avgpool", AdaptiveAvgPool2d((6, 6))), ("flatten", Flatten())] + [
        (f"classifier.{i}", l) for i, l in enumerate(classifier)]


def _vgg16() -> list[tuple[str, Layer]]:
    features, cin = [], 3
    for width in (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"):
        if width == "M":
            features.append(MaxPool2d(2, stride=2))
        else:
            features += [Conv2d(cin, width, 3, padding=1), ReLU()]
            cin = width
    classifier = [Linear(512 * 7 * 7, 4096), ReLU(), Dropout(0.5), Linear(4096, 4096), ReLU(), Dropout(0.5),
                  Linear(4096, 1000)]
    return [(f"features.{i}", l) for i, l in enumerate(features)] + [
        ("avgpool", AdaptiveAvgPool2d((7, 7))), ("flatten", Flatten())] + [
        (f"classifier.{i}", l) for i, l in enumerate(classifier)]


IMAGENET, CIFAR = (3, 224, 224), (3, 32, 32)

_BUILDERS = {
    "resnet18": (IMAGENET, lambda: _resnet_stages(BasicBlock, [2, 2, 2, 2], "imagenet", 1000), "torchvision ResNet-18"),
    "resnet34": (IMAGENET, lambda: _resnet_stages(BasicBlock, [3, 4, 6, 3], "imagenet", 1000), "torchvision ResNet-34"),
    "resnet50": (IMAGENET, lambda: _resnet_stages(Bottleneck, [3, 4, 6, 3], "imagenet", 1000), "torchvision ResNet-50 (v1.5)"),
    "resnet101": (IMAGENET, lambda: _resnet_stages(Bottleneck, [3, 4, 23, 3], "imagenet", 1000), "torchvision ResNet-101"),
    "resnet152": (IMAGENET, lambda: _resnet_stages(Bottleneck, [3, 8, 36, 3], "imagenet", 1000), "torchvision ResNet-152"),
    "resnet18-cifar": (CIFAR, lambda: _resnet_stages(BasicBlock, [2, 2, 2, 2], "cifar", 10), "ResNet-18, 3x3 stem, 10 classes"),
    "resnet34-cifar": (CIFAR, lambda: _resnet_stages(BasicBlock, [3, 4, 6, 3], "cifar", 10), "ResNet-34, 3x3 stem, 10 classes"),
    "resnet50-cifar": (CIFAR, lambda: _resnet_stages(Bottleneck, [3, 4, 6, 3], "cifar", 10), "ResNet-50, 3x3 stem, 10 classes"),
    "preact-resnet18-cifar": (CIFAR, lambda: _resnet_stages(PreActBlock, [2, 2, 2, 2], "cifar", 10, preact=True), "pre-activation ResNet-18, 10 classes"),
    "resnet9": (CIFAR, _resnet9, "ResNet9 / DavidNet of the study material"),
    "cnn-cifar": (CIFAR, _cnn_cifar, "the CNN module's basic 3-block CNN"),
    "lenet5": ((1, 32, 32), _lenet5, "LeNet-5 (tanh, average pooling)"),
    "alexnet": (IMAGENET, _alexnet, "torchvision AlexNet"),
    "vgg16": (IMAGENET, _vgg16, "torchvision VGG-16 (no BN)"),
}

MODEL_NAMES: list[str] = list(_BUILDERS)


def get_model(name: str) -> Model:
    key = name.strip().lower()
    if key not in _BUILDERS:
        raise SpecError(f"unknown model {name!r}; models: {' '.join(MODEL_NAMES)}")
    shape, build, about = _BUILDERS[key]
    return Model(key, shape, build(), about)
