"""Every numeric claim on a card holds.

Shapes, parameters, MACs and receptive fields (`check:` blocks) are recomputed by the calculator and
by real torch layers. Claims the calculator cannot express (activation minima, optimizer and layer
defaults, worked gradients, label-smoothing targets) are listed in FACTS below and recomputed with
torch, and the card must still state them word for word.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from studytui.calc import analyze, analyze_model
from studytui.paths import CARDS_DIR
from studytui.study.deck import load_topic
from studytui.torchcheck import measure

CHECKS = [(topic.topic, card.id, i, check)
          for path in sorted(CARDS_DIR.glob("*.yaml"))
          for topic in [load_topic(path)]
          for card in topic.cards
          for i, check in enumerate(card.checks)]


def _report(check):
    if check.model:
        return analyze_model(check.model, check.input)
    return analyze(check.input, check.layers)


def _claimed(report, check) -> dict:
    row = report.row(check.layer) if check.layer is not None else None
    source = row if row is not None else report
    found = {"output": list(source.output), "params": source.params, "macs": source.macs,
             "rf": None if source.rf is None else list(source.rf),
             "jump": None if source.jump is None else [int(j) for j in source.jump]}
    return {key: found[key] for key, value in check.expect.model_dump().items() if value is not None}


def test_the_deck_has_numeric_checks():
    assert len(CHECKS) >= 50


@pytest.mark.parametrize("topic,card,i,check", CHECKS, ids=[f"{c[1]}[{c[2]}]" for c in CHECKS])
def test_card_claim_matches_calculator_and_torch(topic, card, i, check):
    report = _report(check)
    expected = {k: v for k, v in check.expect.model_dump().items() if v is not None}
    assert _claimed(report, check) == expected
    # The same numbers from torch itself (meta device: shapes, parameters, FlopCounter MACs).
    rows = measure(report)
    picked = [report.row(check.layer).index] if check.layer is not None else range(len(rows))
    if "params" in expected:
        assert sum(rows[j]["params"] for j in picked) == expected["params"]
    if "macs" in expected:
        assert sum(rows[j]["macs"] for j in picked) == expected["macs"]
    if "output" in expected:
        assert list(rows[picked[-1]]["output"]) == expected["output"]


RF_CHECKS = [c for c in CHECKS if c[3].expect.rf is not None and c[3].layers is not None]


@pytest.mark.parametrize("topic,card,i,check", RF_CHECKS, ids=[f"{c[1]}[{c[2]}]" for c in RF_CHECKS])
def test_card_receptive_field_claim_measured_by_gradient(topic, card, i, check):
    from studytui.torchcheck import check_receptive_field

    report = _report(check)
    if check.layer is not None:  # measure the prefix that ends at the claimed layer
        row = report.row(check.layer)
        report = analyze(check.input, check.layers[: row.index + 1])
    differences, how = check_receptive_field(report)
    assert not differences, how


# -- claims the layer calculator cannot check: verified with torch itself --------------------------
# Each entry names a card, strings its text must contain (so editing the claim breaks the test) and
# a check that recomputes the claim with torch. Cards of the whole deck may be listed here.

FACTS: list[tuple[str, tuple[str, ...], object]] = []


def fact(card_id: str, *claims: str):
    def register(check):
        FACTS.append((card_id, claims, check))
        return check
    return register


def card_text() -> dict[str, str]:
    texts = {}
    for path in sorted(CARDS_DIR.glob("*.yaml")):
        for card in load_topic(path).cards:
            texts[card.id] = "\n".join([card.q, card.a or "", card.note or "", *(card.rubric or [])])
    return texts


def derivative(fn, x: float) -> float:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    fn(t).backward()
    return t.grad.item()


def minimum(fn) -> tuple[float, float]:
    xs = torch.linspace(-4, 0, 400_001, dtype=torch.float64)
    ys = fn(xs)
    i = int(ys.argmin())
    return xs[i].item(), ys[i].item()


@fact("loss-ce-initial-value", "2.30")
def _uniform_ce_is_ln10():
    loss = F.cross_entropy(torch.zeros(4, 10), torch.tensor([0, 3, 5, 9]))
    assert round(loss.item(), 2) == 2.30 and math.isclose(loss.item(), math.log(10), rel_tol=1e-6)


@fact("act-sigmoid-tanh-saturation", "0.0066", "0.0099")
def _saturated_derivatives():
    assert round(derivative(torch.sigmoid, 5.0), 4) == 0.0066
    assert round(derivative(torch.tanh, 3.0), 4) == 0.0099


@fact("act-sigmoid-tanh-derivatives", "0.25")
def _sigmoid_slope_at_zero():
    assert derivative(torch.sigmoid, 0.0) == 0.25


@fact("act-tanh-vs-sigmoid", r"2 \sigma(2x) - 1")
def _tanh_is_rescaled_sigmoid():
    x = torch.linspace(-5, 5, 101, dtype=torch.float64)
    assert torch.allclose(torch.tanh(x), 2 * torch.sigmoid(2 * x) - 1)


@fact("act-relu", "gradient 0")
def _relu_gradient_at_zero():
    assert derivative(torch.relu, 0.0) == 0.0


@fact("act-gelu", "−0.17", "−0.75")
def _gelu_minimum():
    x, y = minimum(F.gelu)
    assert round(y, 2) == -0.17 and round(x, 2) == -0.75


@fact("act-silu-swish", "−0.28", "−1.28")
def _silu_minimum():
    x, y = minimum(F.silu)
    assert round(y, 2) == -0.28 and round(x, 2) == -1.28


@fact("act-leaky-prelu", "0.01", "0.25")
def _leaky_and_prelu_defaults():
    assert torch.nn.LeakyReLU().negative_slope == 0.01
    assert torch.nn.PReLU().weight.item() == 0.25


@fact("init-pytorch-default", r"1/(3 n_{in})", r"\pm 1/\sqrt{n_{in}}")
def _default_init_variance():
    torch.manual_seed(0)
    fan_in = 1000
    w = torch.nn.Linear(fan_in, 1000).weight.detach()
    assert w.abs().max() <= 1 / math.sqrt(fan_in)
    assert math.isclose(w.var().item(), 1 / (3 * fan_in), rel_tol=0.02)


@fact("init-fan-in-conv", "576", "0.059")
def _he_std_for_conv():
    torch.manual_seed(0)
    w = torch.nn.Conv2d(64, 64, 3).weight.detach()
    torch.nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert w[0].numel() == 576 and round(math.sqrt(2 / 576), 3) == 0.059
    assert math.isclose(w.std().item(), 0.059, rel_tol=0.03)


@fact("init-he-factor-two", r"\mathrm{Var}(y)/2")
def _relu_halves_second_moment():
    torch.manual_seed(0)
    y = torch.randn(1_000_000, dtype=torch.float64) * 3
    assert math.isclose((torch.relu(y) ** 2).mean().item(), y.var().item() / 2, rel_tol=0.01)


@fact("opt-adam-defaults", "1e-3", "0.9", "0.999", "1e-8")
def _adam_defaults():
    d = torch.optim.Adam([torch.zeros(1, requires_grad=True)]).defaults
    assert (d["lr"], d["betas"], d["eps"]) == (1e-3, (0.9, 0.999), 1e-8)


@fact("opt-adamw-vs-l2", "0.01")
def _adamw_default_decay():
    assert torch.optim.AdamW([torch.zeros(1, requires_grad=True)]).defaults["weight_decay"] == 0.01


@fact("opt-adam-bias-correction", "m = 0.1·g", "≈ η")
def _adam_first_step():
    p = torch.zeros(3, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.01)
    p.grad = torch.tensor([4.0, -0.5, 1e-3])
    opt.step()
    assert torch.allclose(opt.state[p]["exp_avg"], 0.1 * p.grad)
    assert torch.allclose(p.detach().abs(), torch.full((3,), 0.01), rtol=1e-3)  # every first step ≈ lr


@fact("opt-zero-grad-and-loop", "None")
def _zero_grad_sets_none():
    p = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    (p.sum() * 2).backward()
    opt.zero_grad()
    assert p.grad is None


@fact("bp-softmax-ce-example", "(0.7, −0.8, 0.1)")
def _softmax_ce_gradient():
    z = torch.log(torch.tensor([[0.7, 0.2, 0.1]], dtype=torch.float64)).requires_grad_()
    F.cross_entropy(z, torch.tensor([1])).backward()
    assert torch.allclose(z.grad, torch.tensor([[0.7, -0.8, 0.1]], dtype=torch.float64))


@fact("bp-pool-example", "0.4 to the 5", "0.1 to each input")
def _pool_gradients():
    window = torch.tensor([[[[1.0, 5.0], [3.0, 2.0]]]])
    for pool, expected in ((F.max_pool2d, [[0.0, 0.4], [0.0, 0.0]]), (F.avg_pool2d, [[0.1, 0.1], [0.1, 0.1]])):
        x = window.clone().requires_grad_()
        pool(x, 2).backward(torch.tensor([[[[0.4]]]]))
        assert torch.allclose(x.grad[0, 0], torch.tensor(expected))


@fact("bp-conv-1d-example", "g₁x₁ + g₂x₂", "g₁x₂ + g₂x₃", "g₁w₂ + g₂w₁")
def _conv1d_gradients():
    x = torch.tensor([[[2.0, -1.0, 3.0]]], requires_grad=True)
    w = torch.tensor([[[0.5, -2.0]]], requires_grad=True)
    g = torch.tensor([[[0.3, 0.7]]])
    F.conv1d(x, w).backward(g)
    (x1, x2, x3), (w1, w2), (g1, g2) = x.detach()[0, 0], w.detach()[0, 0], g[0, 0]
    assert torch.allclose(w.grad[0, 0], torch.stack([g1 * x1 + g2 * x2, g1 * x2 + g2 * x3]))
    assert torch.isclose(x.grad[0, 0, 1], g1 * w2 + g2 * w1)


@fact("bp-linear-backward", r"(\partial L/\partial Y)^T \cdot X", r"(\partial L/\partial Y) \cdot W")
def _linear_gradients():
    torch.manual_seed(0)
    x = torch.randn(5, 4, dtype=torch.float64, requires_grad=True)
    layer = torch.nn.Linear(4, 3).double()
    g = torch.randn(5, 3, dtype=torch.float64)
    layer(x).backward(g)
    assert torch.allclose(layer.weight.grad, g.T @ x.detach())
    assert torch.allclose(x.grad, g @ layer.weight.detach())
    assert torch.allclose(layer.bias.grad, g.sum(0))


@fact("bp-conv-input-grad", "180°-rotated kernel", "transposed convolution")
def _conv_input_gradient():
    torch.manual_seed(0)
    x = torch.randn(1, 2, 6, 6, dtype=torch.float64, requires_grad=True)
    w = torch.randn(3, 2, 3, 3, dtype=torch.float64)
    g = torch.randn(1, 3, 4, 4, dtype=torch.float64)
    F.conv2d(x, w).backward(g)
    rotated = w.flip(-1, -2).transpose(0, 1)  # (C_in, C_out, k, k), kernel turned by 180°
    assert torch.allclose(x.grad, F.conv2d(F.pad(g, (2, 2, 2, 2)), rotated))
    assert torch.allclose(x.grad, F.conv_transpose2d(g, w))


@fact("bp-conv-weight-grad", "cross-correlation of the layer's input")
def _conv_weight_gradient():
    torch.manual_seed(0)
    x = torch.randn(2, 2, 6, 6, dtype=torch.float64)
    w = torch.randn(3, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    g = torch.randn(2, 3, 4, 4, dtype=torch.float64)
    F.conv2d(x, w).backward(g)
    # correlate each input channel with each output-gradient channel, summing over the batch
    expected = F.conv2d(x.transpose(0, 1), g.transpose(0, 1)).transpose(0, 1)
    assert torch.allclose(w.grad, expected)


@fact("conv-cross-correlation", "not flipped")
def _conv2d_does_not_flip():
    x = torch.arange(9.0).reshape(1, 1, 3, 3)
    w = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])  # picks the top-left tap of each window
    assert torch.equal(F.conv2d(x, w)[0, 0], x[0, 0, :2, :2])


@fact("conv-border-coverage", "9 (interior), 3 (edge), 1 (corner)", "9, 6, 4", "2 (k − 1")
def _windows_per_pixel():
    def windows(padding: int) -> torch.Tensor:
        x = torch.zeros(1, 1, 8, 8, requires_grad=True)
        F.conv2d(x, torch.ones(1, 1, 3, 3), padding=padding).sum().backward()
        return x.grad[0, 0]
    valid, same, full = windows(0), windows(1), windows(2)
    assert (valid[4, 4], valid[0, 4], valid[0, 0]) == (9, 3, 1)
    assert (same[4, 4], same[0, 4], same[0, 0]) == (9, 6, 4)
    assert bool((full == 9).all())


@fact("conv-padding-same-needs-stride1", "Stride 1 only")
def _same_padding_rejects_stride():
    torch.nn.Conv2d(1, 1, 3, padding="same")
    with pytest.raises(ValueError):
        torch.nn.Conv2d(1, 1, 3, stride=2, padding="same")


@fact("norm-bn-formula", "1e-5")
def _bn_eps_default():
    assert torch.nn.BatchNorm2d(4).eps == 1e-5


@fact("norm-running-stats-update", "m = 0.1")
def _bn_running_mean_update():
    bn = torch.nn.BatchNorm2d(1)
    x = torch.full((4, 1, 2, 2), 5.0) + torch.arange(4.0).reshape(4, 1, 1, 1)  # batch mean 6.5
    bn(x)
    assert bn.momentum == 0.1 and math.isclose(bn.running_mean.item(), 0.1 * 6.5, rel_tol=1e-6)


@fact("norm-batch-one-error", "Expected more than 1 value per channel when training")
def _bn_refuses_one_value():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        torch.nn.BatchNorm1d(3)(torch.randn(1, 3))


@fact("reg-dropout", "1/(1 − p)")
def _inverted_dropout():
    torch.manual_seed(0)
    out = F.dropout(torch.ones(10_000), p=0.2, training=True)
    assert set(out.unique().tolist()) == {0.0, 1.25}
    assert torch.equal(F.dropout(torch.ones(5), p=0.2, training=False), torch.ones(5))


@fact("reg-label-smoothing", "0.91", "0.01")
def _smoothed_targets():
    z = torch.zeros(1, 10, dtype=torch.float64, requires_grad=True)  # uniform prediction p = 0.1
    F.cross_entropy(z, torch.tensor([2]), label_smoothing=0.1).backward()
    target = 0.1 - z.grad[0]  # the gradient is p − target
    assert math.isclose(target[2].item(), 0.91) and torch.allclose(target[torch.arange(10) != 2],
                                                                     torch.tensor(0.01, dtype=torch.float64))


@fact("reg-random-resized-crop", "8–100%", "3/4 to 4/3")
def _random_resized_crop_defaults():
    import torchvision.transforms as T

    t = T.RandomResizedCrop(224)
    assert tuple(t.scale) == (0.08, 1.0) and math.isclose(t.ratio[0], 3 / 4) and math.isclose(t.ratio[1], 4 / 3)


@fact("reg-autoaugment-randaugment", "num_ops=2, magnitude=9", "31 bins")
def _randaugment_defaults():
    import torchvision.transforms as T

    t = T.RandAugment()
    assert (t.num_ops, t.magnitude, t.num_magnitude_bins) == (2, 9, 31)


@fact("cal-temperature-accuracy", "keeps their order")
def _temperature_keeps_argmax():
    torch.manual_seed(0)
    logits = torch.randn(100, 10)
    for t in (0.5, 1.7, 10.0):
        assert torch.equal((logits / t).argmax(1), logits.argmax(1))


def test_facts_name_existing_cards_and_their_claims():
    texts = card_text()
    missing = [cid for cid, _, _ in FACTS if cid not in texts]
    assert not missing, f"facts for cards that do not exist: {missing}"
    drifted = [f"{cid}: {claim!r}" for cid, claims, _ in FACTS for claim in claims if claim not in texts[cid]]
    assert not drifted, f"card text no longer states the verified claim: {drifted}"


@pytest.mark.parametrize("card,claims,check", FACTS, ids=[f"{c[0]}:{c[2].__name__.strip('_')}" for c in FACTS])
def test_card_fact_holds_in_torch(card, claims, check):
    check()
