"""The demo networks: exact parameter counts, output shapes per stage, init and zero-gamma."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from studytui.lab import nets
from studytui.lab.nets import MODELS, ResNet9, build_model, count_parameters

TORCHVISION_COUNTS = {
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "resnet101": 44_549_160,
    "resnet152": 60_192_808,
}


@pytest.mark.parametrize("name", list(TORCHVISION_COUNTS))
def test_imagenet_resnets_match_torchvision(name):
    ours = build_model(name)
    theirs = getattr(torchvision.models, name)()
    assert count_parameters(ours) == count_parameters(theirs) == TORCHVISION_COUNTS[name]
    # same tensors, same shapes, in the same order (names differ only for the shortcut)
    ours_shapes = [tuple(t.shape) for t in ours.state_dict().values()]
    theirs_shapes = [tuple(t.shape) for t in theirs.state_dict().values()]
    assert sorted(ours_shapes) == sorted(theirs_shapes)


@pytest.mark.parametrize(
    "name, params",
    [
        ("resnet9", 6_575_370),
        ("cnn-cifar", 5_851_338),
        ("resnet18-cifar", 11_173_962),
        ("preact-resnet18-cifar", 11_172_170),
    ],
)
def test_cifar_parameter_counts(name, params):
    assert count_parameters(build_model(name)) == params


@pytest.mark.parametrize("name", list(MODELS))
def test_forward_output_shape(name):
    model = build_model(name).eval()
    c, h, w = nets.input_shape(name)
    if h == 224:  # the ImageNet nets end in a global pool: a smaller input keeps the test fast
        h = w = 64
    with torch.no_grad():
        out = model(torch.randn(2, c, h, w))
    assert out.shape == (2, 1000 if h == 64 else 10)


def _stage_shapes(model: nn.Module, shape) -> dict[str, tuple]:
    shapes = {}
    hooks = [m.register_forward_hook(lambda mod, i, o, n=n: shapes.__setitem__(n, tuple(o.shape[1:])))
             for n, m in model.named_children()]
    with torch.no_grad():
        model.eval()(torch.randn(1, *shape))
    for h in hooks:
        h.remove()
    return shapes


def test_resnet18_imagenet_stage_shapes():
    shapes = _stage_shapes(build_model("resnet18"), (3, 224, 224))
    assert list(shapes) == ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
                            "avgpool", "flatten", "fc"]
    assert shapes["conv1"] == (64, 112, 112)
    assert shapes["maxpool"] == (64, 56, 56)
    assert shapes["layer2"] == (128, 28, 28)
    assert shapes["layer4"] == (512, 7, 7)
    assert shapes["flatten"] == (512,)


def test_resnet50_and_preact_stage_shapes():
    r50 = _stage_shapes(build_model("resnet50-cifar"), (3, 32, 32))
    assert r50["layer1"] == (256, 32, 32) and r50["layer4"] == (2048, 4, 4) and r50["fc"] == (10,)
    pre = _stage_shapes(build_model("preact-resnet18-cifar"), (3, 32, 32))
    assert list(pre) == ["conv1", "layer1", "layer2", "layer3", "layer4", "bn", "relu", "avgpool", "flatten", "fc"]
    assert pre["layer3"] == (256, 8, 8)


def test_resnet9_and_cnn_stage_shapes():
    r9 = _stage_shapes(ResNet9(), (3, 32, 32))
    assert list(r9) == ["conv1", "conv2", "res1", "conv3", "conv4", "res2", "classifier"]
    assert r9["conv2"] == (128, 16, 16) and r9["res2"] == (512, 4, 4) and r9["classifier"] == (10,)
    cnn = build_model("cnn-cifar")
    assert isinstance(cnn.network[15], nn.Flatten) and cnn.network[16].in_features == 4096


def test_resnet9_residual_is_used():
    """res1 adds its input: zeroing res1's last BN makes res1(x) + x == x + relu(0) = x."""
    model = ResNet9().eval()
    x = torch.randn(1, 128, 16, 16)
    nn.init.zeros_(model.res1[1][1].weight)
    nn.init.zeros_(model.res1[1][1].bias)
    with torch.no_grad():
        assert torch.equal(model.res1(x) + x, x)


@pytest.mark.parametrize("name, block_path", [
    ("resnet18-cifar", "layer1.1"),
    ("resnet50-cifar", "layer1.1"),
    ("preact-resnet18-cifar", "layer2.1"),
])
def test_zero_init_residual_makes_identity_blocks(name, block_path):
    model = build_model(name, zero_init_residual=True).eval()
    block = model.get_submodule(block_path)
    c = block.conv1.in_channels
    x = torch.randn(2, c, 8, 8)
    if not model.pre_activation:
        x = x.relu()  # post-activation blocks see (and return) ReLU outputs
    with torch.no_grad():
        assert torch.allclose(block(x), x)
    plain = build_model(name).eval().get_submodule(block_path)
    with torch.no_grad():
        assert not torch.allclose(plain(x), x)


def test_zero_init_targets_last_bn_or_last_conv():
    post = build_model("resnet50-cifar", zero_init_residual=True)
    assert all(float(b.bn3.weight.detach().abs().sum()) == 0 for b in post.modules() if isinstance(b, nets.Bottleneck))
    assert all(float(b.bn2.weight.detach().abs().sum()) > 0 for b in post.modules() if isinstance(b, nets.Bottleneck))
    pre = build_model("preact-resnet18-cifar", zero_init_residual=True)
    assert all(float(b.conv2.weight.detach().abs().sum()) == 0 for b in pre.modules() if isinstance(b, nets.PreActBlock))


def test_he_init_and_bn_init():
    model = build_model("resnet18-cifar")
    conv = model.layer3[0].conv2  # 256 -> 256, 3x3: fan_out = 256 * 9
    assert abs(conv.weight.std().item() - (2 / (256 * 9)) ** 0.5) < 0.002
    assert torch.all(model.bn1.weight == 1) and torch.all(model.bn1.bias == 0)


def test_projection_shortcuts():
    block = nets.BasicBlock(64, 128, stride=2)
    assert isinstance(block.shortcut[0], nn.Conv2d) and isinstance(block.shortcut[1], nn.BatchNorm2d)
    assert len(nets.BasicBlock(64, 64).shortcut) == 0
    pre = nets.PreActBlock(64, 128, stride=2)
    assert len(pre.shortcut) == 1 and pre.shortcut[0].stride == (2, 2)  # bare conv, no BN
    assert nets.PreActBlock(64, 64).shortcut is None
    assert nets.Bottleneck(64, 64).shortcut[0].out_channels == 256  # 64 != 4*64 -> projection
    assert nets.Bottleneck(64, 64, stride=2).conv2.stride == (2, 2)  # v1.5: stride on the 3x3


def test_drop_path():
    dp = nets.DropPath(0.5)
    x = torch.ones(1000, 4)
    assert torch.equal(dp.eval()(x), x)
    out = dp.train()(x)
    dropped = (out.sum(dim=1) == 0).float().mean().item()
    assert 0.4 < dropped < 0.6 and set(out.unique().tolist()) <= {0.0, 2.0}
    model = build_model("resnet18-cifar", drop_path=0.2)
    rates = [b.drop_path.p for b in model.modules() if isinstance(b, nets.BasicBlock)]
    assert rates[0] == 0.0 and rates[-1] == pytest.approx(0.2) and rates == sorted(rates)
    assert count_parameters(model) == 11_173_962  # no parameters added


def test_width_scales_resnet_and_unknown_model():
    assert count_parameters(build_model("resnet18-cifar", width=16)) < count_parameters(build_model("resnet18-cifar")) / 10
    from studytui.errors import StudytuiError

    with pytest.raises(StudytuiError, match="unknown model"):
        build_model("resnet7")


def test_cifar_cnn_he_init_learns_where_default_init_sits_at_ln10():
    """The cnn_cifar10 lesson's precondition: with He init the plain 9-layer CNN (no BN) fits a
    batch; with PyTorch's default init its logits barely depend on the image (loss stays ln 10)."""
    import math

    import torch
    from torch import nn

    from studytui.lab.augment import normalize
    from studytui.lab.data import offline_shapes
    from studytui.lab.nets import CifarCNN

    torch.manual_seed(0)
    data = offline_shapes(32, 8)
    x, y = normalize(data.train_x, data.mean, data.std), data.train_y

    def fit(model: nn.Module) -> tuple[float, float]:
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        spread = model(x).std(dim=0).mean().item()  # how much the logits vary between images
        for _ in range(15):
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return spread, loss.item()

    torch.manual_seed(1)
    he_spread, he_loss = fit(CifarCNN(width=0.25))
    torch.manual_seed(1)
    default = CifarCNN(width=0.25)
    for m in default.modules():  # back to PyTorch's own initialisation
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            m.reset_parameters()
    default_spread, default_loss = fit(default)
    print(f"spread he={he_spread:.3g} default={default_spread:.3g}; loss he={he_loss:.3f} default={default_loss:.3f}")
    assert default_spread < 1e-2 * he_spread  # default init: (almost) the same logits for every image
    assert he_loss < default_loss and he_loss < 0.8 * math.log(10)  # He init starts learning at once
