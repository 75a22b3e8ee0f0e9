"""The networks the demos train, written as plain `nn.Module` code you can read top to bottom.

Every net here is also described by the layer calculator (`studytui calc --model NAME`); tests
check that both agree on parameter count, output shape per stage and receptive field. So the
attribute names and the order of the children are part of a contract: keep them.

    CifarCNN       "cnn-cifar": the basic 3-block CNN of the CNN module (5,851,338 params)
    ResNet9        "resnet9": the DavidNet-style ResNet9 of the ResNet module (6,575,370 params)
    BasicBlock     two 3x3 convs + shortcut            (ResNet-18/34)
    Bottleneck     1x1 -> 3x3 -> 1x1 (x4) + shortcut   (ResNet-50/101/152, stride on the 3x3)
    PreActBlock    BN-ReLU-conv twice, nothing after the add (ResNet v2, He et al. 2016)
    PreActBottleneck
    ResNet         stem + 4 stages + global average pool + fc; "imagenet" or "cifar" stem
    AblationNet    a small net whose BN, shortcuts and pre-activation switch on one at a time
                   (the cumulative ablation of demos/run_experiments.py; not a calculator model)

`build_model(name)` builds any of them by the names the calculator uses.
"""

from __future__ import annotations

import torch
from torch import nn

# --------------------------------------------------------------------------------------------
# The basic CNN of the CNN module
# --------------------------------------------------------------------------------------------


class CifarCNN(nn.Module):
    """Three conv-conv-pool blocks (32x32 -> 16 -> 8 -> 4) and a 3-layer MLP head.

    Flatten gives 256 * 4 * 4 = 4096 features; that first Linear holds 4.2M of the 5.85M params,
    which is why CNNs pool before they flatten.
    """

    def __init__(self, num_classes: int = 10, width: float = 1.0):
        super().__init__()
        # width scales every layer (1.0 = the material's net; the CPU quick mode uses 1/4)
        c1, c2, c3, c4 = (max(1, round(c * width)) for c in (32, 64, 128, 256))
        h1, h2 = max(1, round(1024 * width)), max(1, round(512 * width))
        self.network = nn.Sequential(
            nn.Conv2d(3, c1, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c1, c2, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 64 x 16 x 16
            nn.Conv2d(c2, c3, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c3, c3, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 128 x 8 x 8
            nn.Conv2d(c3, c4, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c4, c4, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 256 x 4 x 4
            nn.Flatten(),
            nn.Linear(c4 * 4 * 4, h1),
            nn.ReLU(),
            nn.Linear(h1, h2),
            nn.ReLU(),
            nn.Linear(h2, num_classes),
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """He (Kaiming) initialisation for the ReLU layers, zero biases.

        PyTorch's default init shrinks the signal's variance about 3x per layer; after nine
        layers without BatchNorm the logits barely depend on the image, every image gets the
        same class and the loss sits at ln 10 = 2.303. He init keeps the variance through ReLUs.
        """
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)
        last = self.network[-1]
        nn.init.normal_(last.weight, std=0.01)  # small logits at the start: loss starts near ln 10, not above

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.network(x)


# --------------------------------------------------------------------------------------------
# ResNet9 (DavidNet variant)
# --------------------------------------------------------------------------------------------


def conv_block(in_channels: int, out_channels: int, pool: bool = False) -> nn.Sequential:
    """Conv3x3 (with bias, as in the study material) -> BN -> ReLU, then optionally MaxPool2d(2).

    The conv bias is redundant before BatchNorm (BN subtracts the mean anyway); it is kept so the
    parameter count matches the material's 6,575,370.
    """
    layers = [
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    ]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class ResNet9(nn.Module):
    """ResNet9: 8 conv layers + 1 linear, two residual pairs. 32x32 in, `num_classes` logits out.

    `width` scales every channel count (64 -> 128 -> 256 -> 512 at the default 64). The demos'
    `--quick` mode uses a narrower net to fit 2 CPU cores; the structure is the same.
    """

    def __init__(self, num_classes: int = 10, width: int = 64):
        super().__init__()
        w1, w2, w4, w8 = width, 2 * width, 4 * width, 8 * width
        self.conv1 = conv_block(3, w1)  # w1 x 32 x 32
        self.conv2 = conv_block(w1, w2, pool=True)  # w2 x 16 x 16
        self.res1 = nn.Sequential(conv_block(w2, w2), conv_block(w2, w2))
        self.conv3 = conv_block(w2, w4, pool=True)  # w4 x 8 x 8
        self.conv4 = conv_block(w4, w8, pool=True)  # w8 x 4 x 4
        self.res2 = nn.Sequential(conv_block(w8, w8), conv_block(w8, w8))
        self.classifier = nn.Sequential(
            nn.MaxPool2d(4),  # w8 x 1 x 1
            nn.Flatten(),
            nn.Dropout(0.2),
            nn.Linear(w8, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(x)
        out = self.conv2(out)
        out = self.res1(out) + out  # residual: the pair learns a correction to its input
        out = self.conv3(out)
        out = self.conv4(out)
        out = self.res2(out) + out
        return self.classifier(out)


# --------------------------------------------------------------------------------------------
# Stochastic depth
# --------------------------------------------------------------------------------------------


class DropPath(nn.Module):
    """Stochastic depth: in training, zero a sample's whole residual branch with probability p.

    Surviving branches are scaled by 1/(1-p) so the expected output is unchanged; in eval mode
    (or with p = 0) this is the identity. It has no parameters.
    """

    def __init__(self, p: float = 0.0):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.p == 0.0 or not self.training:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)
        return x * mask / keep

    def extra_repr(self) -> str:
        return f"p={self.p}"


# --------------------------------------------------------------------------------------------
# ResNet blocks: post-activation (ResNet v1) and pre-activation (ResNet v2)
# --------------------------------------------------------------------------------------------


def projection(in_planes: int, out_planes: int, stride: int, with_bn: bool = True) -> nn.Sequential:
    """1x1 conv (stride s) that reshapes x to match the residual branch, optionally with BN."""
    layers: list[nn.Module] = [nn.Conv2d(in_planes, out_planes, 1, stride=stride, bias=False)]
    if with_bn:
        layers.append(nn.BatchNorm2d(out_planes))
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    """x -> conv3x3(stride) -> BN -> ReLU -> conv3x3 -> BN -> (+ shortcut(x)) -> ReLU."""

    expansion = 1

    def __init__(self, in_planes: int, planes: int, stride: int = 1, drop_path: float = 0.0):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        # Identity unless the shape changes; then a 1x1 conv (with the stride) + BN projects x.
        needs_projection = stride != 1 or in_planes != planes
        self.shortcut = projection(in_planes, planes, stride) if needs_projection else nn.Sequential()
        self.drop_path = DropPath(drop_path)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(self.drop_path(branch) + self.shortcut(x))

    def last_norm(self) -> nn.Module:
        return self.bn2


class Bottleneck(nn.Module):
    """x -> 1x1 (reduce) -> 3x3 (stride) -> 1x1 (expand x4), BN after each, ReLU after the add.

    Stride sits on the 3x3 conv (torchvision's "v1.5"); the original paper put it on the first
    1x1, which throws away 3 of every 4 positions before looking at them.
    """

    expansion = 4

    def __init__(self, in_planes: int, planes: int, stride: int = 1, drop_path: float = 0.0):
        super().__init__()
        out_planes = planes * self.expansion
        self.conv1 = nn.Conv2d(in_planes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out_planes, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_planes)
        self.relu = nn.ReLU(inplace=True)
        needs_projection = stride != 1 or in_planes != out_planes
        self.shortcut = projection(in_planes, out_planes, stride) if needs_projection else nn.Sequential()
        self.drop_path = DropPath(drop_path)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out = self.drop_path(out) + self.shortcut(x)
        return self.relu(out)

    def last_norm(self) -> nn.Module:
        return self.bn3


class PreActBlock(nn.Module):
    """BN -> ReLU -> conv3x3(stride) -> BN -> ReLU -> conv3x3, + shortcut; nothing after the add.

    With no ReLU after the addition, an identity shortcut carries x through the whole stage
    untouched. A projection shortcut is a bare 1x1 conv fed by relu(bn1(x)), as in the paper.
    """

    expansion = 1

    def __init__(self, in_planes: int, planes: int, stride: int = 1, drop_path: float = 0.0):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.shortcut = None
        if stride != 1 or in_planes != planes:
            self.shortcut = projection(in_planes, planes, stride, with_bn=False)
        self.drop_path = DropPath(drop_path)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(x))
        shortcut = self.shortcut(out) if self.shortcut is not None else x
        out = self.conv1(out)
        out = self.conv2(self.relu(self.bn2(out)))
        return self.drop_path(out) + shortcut

    def last_conv(self) -> nn.Conv2d:
        return self.conv2


class PreActBottleneck(nn.Module):
    """BN-ReLU-conv1x1 -> BN-ReLU-conv3x3(stride) -> BN-ReLU-conv1x1 (x4), + shortcut."""

    expansion = 4

    def __init__(self, in_planes: int, planes: int, stride: int = 1, drop_path: float = 0.0):
        super().__init__()
        out_planes = planes * self.expansion
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_planes, planes, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out_planes, 1, bias=False)
        self.shortcut = None
        if stride != 1 or in_planes != out_planes:
            self.shortcut = projection(in_planes, out_planes, stride, with_bn=False)
        self.drop_path = DropPath(drop_path)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(x))
        shortcut = self.shortcut(out) if self.shortcut is not None else x
        out = self.conv1(out)
        out = self.conv2(self.relu(self.bn2(out)))
        out = self.conv3(self.relu(self.bn3(out)))
        return self.drop_path(out) + shortcut

    def last_conv(self) -> nn.Conv2d:
        return self.conv3


PRE_ACTIVATION = (PreActBlock, PreActBottleneck)


# --------------------------------------------------------------------------------------------
# The ResNet body
# --------------------------------------------------------------------------------------------


class ResNet(nn.Module):
    """A ResNet: stem, four stages (64, 128, 256, 512 planes; strides 1, 2, 2, 2), pool, fc.

    stem="imagenet": conv7x7/2 + BN + ReLU + maxpool3x3/2 (224 -> 56 before layer1).
    stem="cifar":    conv3x3/1 + BN + ReLU, no maxpool (32 -> 32; 4x4 before the pool).
    Pre-activation blocks get a bare conv stem and a final BN + ReLU after layer4, because each
    of their blocks ends in a conv, not a normalised activation.

    zero_init_residual: make every residual branch output zero at init, so each block with an
    identity shortcut starts as the identity (Goyal et al., "Bag of Tricks"). For post-activation
    blocks this zeroes the last BN's gamma (bn2 / bn3); pre-activation blocks have no BN at the
    end of the branch, so their last conv's weight is zeroed instead.

    drop_path: stochastic depth; the drop probability grows linearly from 0 to `drop_path` with
    block depth (Huang et al. 2016).

    width: planes of the first stage (64 in every standard ResNet; the stages use width x 1, 2,
    4, 8). The demos' --quick mode narrows it to fit a CPU.
    """

    def __init__(
        self,
        block: type[nn.Module],
        num_blocks: list[int],
        num_classes: int = 10,
        stem: str = "cifar",
        zero_init_residual: bool = False,
        drop_path: float = 0.0,
        width: int = 64,
    ):
        super().__init__()
        if stem not in ("cifar", "imagenet"):
            raise ValueError(f"stem must be 'cifar' or 'imagenet', not {stem!r}")
        self.pre_activation = block in PRE_ACTIVATION
        if stem == "imagenet":
            self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
        else:
            self.conv1 = nn.Conv2d(3, width, kernel_size=3, padding=1, bias=False)  # stride 1
        if not self.pre_activation:
            self.bn1 = nn.BatchNorm2d(width)
            self.relu = nn.ReLU(inplace=True)
        if stem == "imagenet":
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

        total = sum(num_blocks)
        rates = iter([drop_path * i / max(total - 1, 1) for i in range(total)])
        self.in_planes = width
        self.layer1 = self._make_layer(block, width, num_blocks[0], 1, rates)
        self.layer2 = self._make_layer(block, 2 * width, num_blocks[1], 2, rates)
        self.layer3 = self._make_layer(block, 4 * width, num_blocks[2], 2, rates)
        self.layer4 = self._make_layer(block, 8 * width, num_blocks[3], 2, rates)
        if self.pre_activation:
            self.bn = nn.BatchNorm2d(8 * width * block.expansion)
            self.relu = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(8 * width * block.expansion, num_classes)

        self.reset_parameters(zero_init_residual)

    def _make_layer(self, block, planes: int, n: int, stride: int, rates) -> nn.Sequential:
        """One stage: the first block carries the stride (and the projection), the rest keep shape."""
        blocks = []
        for i in range(n):
            blocks.append(block(self.in_planes, planes, stride if i == 0 else 1, drop_path=next(rates)))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*blocks)

    def reset_parameters(self, zero_init_residual: bool = False) -> None:
        """He init for convs (fan_out, for ReLU), BN gamma 1 / beta 0, then optional zero-init."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, (BasicBlock, Bottleneck)):
                    nn.init.zeros_(m.last_norm().weight)
                elif isinstance(m, PRE_ACTIVATION):
                    nn.init.zeros_(m.last_conv().weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(x)
        if not self.pre_activation:
            out = self.relu(self.bn1(out))
        if hasattr(self, "maxpool"):
            out = self.maxpool(out)
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.layer3(out)
        out = self.layer4(out)
        if self.pre_activation:
            out = self.relu(self.bn(out))
        out = self.avgpool(out)
        out = self.flatten(out)
        return self.fc(out)


# --------------------------------------------------------------------------------------------
# The cumulative ablation's net (demos/run_experiments.py)
# --------------------------------------------------------------------------------------------


class AblationBlock(nn.Module):
    """Two 3x3 convs with three switches, so one class is every row of the ablation:

        bn=False, residual=False   relu(conv(relu(conv(x))))                  a plain CNN
        bn=True                    ... with BN after each conv
        residual=True              relu(bn(conv(relu(bn(conv(x))))) + shortcut(x))   BasicBlock
        preact=True                conv(relu(bn(conv(relu(bn(x)))))) + shortcut(x)  PreActBlock
    """

    def __init__(self, in_planes: int, planes: int, stride: int, bn: bool, residual: bool, preact: bool):
        super().__init__()
        if preact and not (bn and residual):
            raise ValueError("pre-activation needs bn=True and residual=True")
        self.residual, self.preact = residual, preact
        norm = (lambda c: nn.BatchNorm2d(c)) if bn else (lambda c: nn.Identity())
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=not bn)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=not bn)
        # post-activation normalises each conv's output; pre-activation each conv's input
        self.bn1 = norm(in_planes if preact else planes)
        self.bn2 = norm(planes)
        self.relu = nn.ReLU()
        self.shortcut = None
        if residual and (stride != 1 or in_planes != planes):
            self.shortcut = projection(in_planes, planes, stride, with_bn=bn and not preact)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.preact:
            out = self.relu(self.bn1(x))
            skip = self.shortcut(out) if self.shortcut is not None else x
            out = self.conv2(self.relu(self.bn2(self.conv1(out))))
            return out + skip  # nothing after the addition
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        if self.residual:
            out = out + (self.shortcut(x) if self.shortcut is not None else x)
        return self.relu(out)


class AblationNet(nn.Module):
    """Stem conv + max-pool (32 -> 16), three stages of `blocks` AblationBlocks (width x 1, 2, 4;
    16 -> 8 -> 4), global average pool, linear: 2 + 6 x blocks weight layers (14 at blocks=2).
    He init; zero_init=True also zeroes the end of every residual branch.

    Small on purpose: the ablation trains it once per row, on a CPU within a minute or two.
    """

    def __init__(self, bn: bool = True, residual: bool = True, preact: bool = False, width: int = 16,
                 blocks: int = 2, num_classes: int = 10, zero_init: bool = False):
        super().__init__()
        self.preact = preact
        stem: list[nn.Module] = [nn.Conv2d(3, width, 3, padding=1, bias=not bn)]
        if not preact:  # a pre-activation net normalises at the start of each block instead
            stem += [nn.BatchNorm2d(width) if bn else nn.Identity(), nn.ReLU()]
        self.stem = nn.Sequential(*stem, nn.MaxPool2d(2))
        stages, in_planes = [], width
        for i, planes in enumerate((width, 2 * width, 4 * width)):
            for j in range(blocks):
                stages.append(AblationBlock(in_planes, planes, 2 if (i > 0 and j == 0) else 1, bn, residual, preact))
                in_planes = planes
        self.blocks = nn.Sequential(*stages)
        self.final = nn.Sequential(nn.BatchNorm2d(in_planes), nn.ReLU()) if preact else nn.Identity()
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(in_planes, num_classes))
        for m in self.modules():  # He init everywhere: the plain row fails for lack of BN, not of init
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
        if zero_init:  # every residual branch starts at 0, so every block starts as the identity
            if not residual:
                raise ValueError("zero_init needs residual=True (a plain block would start dead)")
            for block in self.blocks:
                # post-activation: the BN that ends the branch gets gamma 0 ("zero-gamma");
                # pre-activation: the branch ends in a conv, so that conv's weights are zeroed
                nn.init.zeros_(block.conv2.weight if preact or not bn else block.bn2.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.final(self.blocks(self.stem(x))))


# --------------------------------------------------------------------------------------------
# Factories
# --------------------------------------------------------------------------------------------

DEPTHS: dict[int, tuple[str, list[int]]] = {
    18: ("basic", [2, 2, 2, 2]),
    34: ("basic", [3, 4, 6, 3]),
    50: ("bottleneck", [3, 4, 6, 3]),
    101: ("bottleneck", [3, 4, 23, 3]),
    152: ("bottleneck", [3, 8, 36, 3]),
}


def resnet(depth: int, num_classes: int = 1000, stem: str = "imagenet", preact: bool = False, **kwargs) -> ResNet:
    """ResNet-`depth` (18, 34, 50, 101, 152); `preact=True` for pre-activation blocks."""
    if depth not in DEPTHS:
        raise ValueError(f"no ResNet-{depth}; choose one of {sorted(DEPTHS)}")
    kind, num_blocks = DEPTHS[depth]
    if kind == "basic":
        block = PreActBlock if preact else BasicBlock
    else:
        block = PreActBottleneck if preact else Bottleneck
    return ResNet(block, num_blocks, num_classes=num_classes, stem=stem, **kwargs)


def resnet18(num_classes: int = 1000, stem: str = "imagenet", **kwargs) -> ResNet:
    return resnet(18, num_classes, stem, **kwargs)


def resnet34(num_classes: int = 1000, stem: str = "imagenet", **kwargs) -> ResNet:
    return resnet(34, num_classes, stem, **kwargs)


def resnet50(num_classes: int = 1000, stem: str = "imagenet", **kwargs) -> ResNet:
    return resnet(50, num_classes, stem, **kwargs)


def resnet101(num_classes: int = 1000, stem: str = "imagenet", **kwargs) -> ResNet:
    return resnet(101, num_classes, stem, **kwargs)


def resnet152(num_classes: int = 1000, stem: str = "imagenet", **kwargs) -> ResNet:
    return resnet(152, num_classes, stem, **kwargs)


# name -> (builder, default input shape C x H x W); names match `studytui calc --model`.
MODELS: dict[str, tuple] = {
    "resnet18": (lambda **kw: resnet(18, **{"num_classes": 1000, "stem": "imagenet", **kw}), (3, 224, 224)),
    "resnet34": (lambda **kw: resnet(34, **{"num_classes": 1000, "stem": "imagenet", **kw}), (3, 224, 224)),
    "resnet50": (lambda **kw: resnet(50, **{"num_classes": 1000, "stem": "imagenet", **kw}), (3, 224, 224)),
    "resnet101": (lambda **kw: resnet(101, **{"num_classes": 1000, "stem": "imagenet", **kw}), (3, 224, 224)),
    "resnet152": (lambda **kw: resnet(152, **{"num_classes": 1000, "stem": "imagenet", **kw}), (3, 224, 224)),
    "resnet18-cifar": (lambda **kw: resnet(18, **{"num_classes": 10, "stem": "cifar", **kw}), (3, 32, 32)),
    "resnet34-cifar": (lambda **kw: resnet(34, **{"num_classes": 10, "stem": "cifar", **kw}), (3, 32, 32)),
    "resnet50-cifar": (lambda **kw: resnet(50, **{"num_classes": 10, "stem": "cifar", **kw}), (3, 32, 32)),
    "preact-resnet18-cifar": (
        lambda **kw: resnet(18, **{"num_classes": 10, "stem": "cifar", "preact": True, **kw}),
        (3, 32, 32),
    ),
    "resnet9": (lambda **kw: ResNet9(**{"num_classes": 10, **kw}), (3, 32, 32)),
    "cnn-cifar": (lambda **kw: CifarCNN(**{"num_classes": 10, **kw}), (3, 32, 32)),
}


def build_model(name: str, **kwargs) -> nn.Module:
    """Build a network by its calculator name, e.g. build_model("resnet18-cifar").

    Keyword arguments go to the constructor (num_classes=..., zero_init_residual=..., ...).
    """
    if name not in MODELS:
        from studytui.errors import StudytuiError

        raise StudytuiError(f"unknown model {name!r}; choose one of: {', '.join(MODELS)}")
    return MODELS[name][0](**kwargs)


def input_shape(name: str) -> tuple[int, int, int]:
    """The default input (C, H, W) of a named model: 3x224x224 for ImageNet stems, else 3x32x32."""
    if name not in MODELS:
        build_model(name)  # raises the one-line "unknown model" error
    return MODELS[name][1]


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
