"""Training plumbing: the loss falls, schedules have the right shape, checkpoints restore exactly."""

from __future__ import annotations

import importlib.util
import math
import random

import pytest
import torch
import torch.nn.functional as F

from studytui.errors import StudytuiError
from studytui.lab.augment import normalize
from studytui.lab.device import pick_device
from studytui.lab.nets import ResNet9, build_model
from studytui.lab.progress import Progress, format_metrics, print_summary
from studytui.lab.recipes import CONFIGS_DIR, ResNetRecipe, load_recipe
from studytui.lab.shapes import make_shapes
from studytui.lab.train import History, evaluate, load_checkpoint, save_checkpoint, seed_everything
from studytui.paths import DEMOS_DIR
from studytui.yamlload import YamlFileError


def _demo_module(name: str):
    spec = importlib.util.spec_from_file_location(f"demo_{name}", DEMOS_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_loss_falls_on_a_fixed_batch():
    seed_everything(0)
    x, y = make_shapes(32, seed=5)
    xb = normalize(x, (0.5,) * 3, (0.25,) * 3)
    model = ResNet9(width=8)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(25):
        loss = F.cross_entropy(model(xb), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_onecycle_schedule_shape():
    """Starts at max_lr/div, peaks after pct_start, ends near max_lr/(div*final_div); momentum inverse."""
    onecycle = _demo_module("onecycle")

    class Args:
        max_lr, pct_start, div_factor, final_div_factor = 0.4, 0.3, 25.0, 1e4

    model = torch.nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    total = 100
    sched = onecycle.make_scheduler("onecycle", opt, Args, total)
    lrs, moms = [], []
    for _ in range(total):
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["momentum"])
        opt.step()
        sched.step()
    assert lrs[0] == pytest.approx(0.4 / 25)
    peak = max(range(total), key=lrs.__getitem__)
    assert abs(peak - 0.3 * total) <= 1 and lrs[peak] == pytest.approx(0.4, rel=1e-3)
    assert lrs[-1] == pytest.approx(0.4 / 25 / 1e4, rel=1e-2)
    assert moms[0] == pytest.approx(0.95) and moms[peak] == pytest.approx(0.85, abs=1e-3) and moms[-1] == pytest.approx(0.95, abs=1e-3)
    assert all(a <= b for a, b in zip(lrs[:peak], lrs[1:peak + 1]))  # rises, then
    assert all(a >= b for a, b in zip(lrs[peak:], lrs[peak + 1:]))  # falls
    assert max(moms[:peak]) > moms[peak] == min(moms)  # momentum is lowest where the LR peaks


def test_baseline_schedules():
    onecycle = _demo_module("onecycle")

    class Args:
        max_lr, pct_start, div_factor, final_div_factor = 1.0, 0.2, 25.0, 1e4

    def run(name):
        opt = torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=1.0, momentum=0.9)
        sched = onecycle.make_scheduler(name, opt, Args, 100)
        out = []
        for _ in range(100):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return out

    # like for like: constant and step share cosine-warmup's 20-step ramp to the same peak
    constant = run("constant")
    assert constant[0] == pytest.approx(0.05) and constant[19] == pytest.approx(1.0) and set(constant[19:]) == {1.0}
    step = run("step")
    assert step[:20] == constant[:20]
    assert step[40] == pytest.approx(1.0) and step[60] == pytest.approx(0.1) and step[90] == pytest.approx(0.01)
    cos = run("cosine-warmup")
    assert cos[0] == pytest.approx(0.05) and max(cos) == pytest.approx(1.0) and cos[-1] < 0.01


def test_checkpoint_restores_everything(tmp_path):
    gen = seed_everything(1)
    model = build_model("resnet18-cifar", width=4)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    model(torch.randn(4, 3, 32, 32)).sum().backward()
    opt.step()
    sched.step()
    history = History()
    history.log_step(loss=1.5)
    history.log_epoch(val_acc=0.5)
    path = save_checkpoint(tmp_path / "c.pt", model, opt, sched, epoch=3, generator=gen, history=history.state_dict())
    expected = (random.random(), torch.rand(3), torch.rand(3, generator=gen))

    random.seed(99)
    torch.manual_seed(99)
    gen2 = torch.Generator().manual_seed(99)
    model2 = build_model("resnet18-cifar", width=4)
    opt2 = torch.optim.SGD(model2.parameters(), lr=0.1, momentum=0.9)
    sched2 = torch.optim.lr_scheduler.OneCycleLR(opt2, max_lr=0.1, total_steps=10)
    state = load_checkpoint(path, model2, opt2, sched2, generator=gen2)
    assert state["epoch"] == 3 and state["history"]["epochs"][0]["val_acc"] == 0.5
    for a, b in zip(model.state_dict().values(), model2.state_dict().values()):
        assert torch.equal(a, b)
    assert sched2.last_epoch == sched.last_epoch and opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    assert torch.equal(opt2.state_dict()["state"][0]["momentum_buffer"], opt.state_dict()["state"][0]["momentum_buffer"])
    assert random.random() == expected[0]
    assert torch.equal(torch.rand(3), expected[1]) and torch.equal(torch.rand(3, generator=gen2), expected[2])


def test_bad_checkpoint_is_one_line(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_text("not a checkpoint")
    model = ResNet9(width=4)
    with pytest.raises(StudytuiError, match="cannot read checkpoint"):
        load_checkpoint(bad, model)
    with pytest.raises(StudytuiError, match="no checkpoint"):
        load_checkpoint(tmp_path / "none.pt", model)


def test_evaluate_counts_correct():
    dev = pick_device("cpu")
    x, y = make_shapes(20, seed=2)

    class Oracle(torch.nn.Module):  # "predicts" from a lookup so accuracy is known exactly
        def __init__(self):
            super().__init__()
            self.calls = 0

        def forward(self, xb):
            out = F.one_hot(y[self.calls:self.calls + len(xb)], 10).float() * 10
            self.calls += len(xb)
            return out

    loss, acc = evaluate(Oracle(), x, y, dev, (0.5,) * 3, (0.25,) * 3, batch_size=7)
    assert acc == 1.0 and loss < 0.01


def test_recipes_load_and_reject_unknown_keys(tmp_path):
    configs = sorted(CONFIGS_DIR.glob("*.yaml"))
    assert {"resnet18_cifar", "resnet18_baseline", "preact_resnet18"} <= {p.stem for p in configs}
    for path in configs:
        assert isinstance(load_recipe(str(path)), ResNetRecipe)
    assert load_recipe("preact_resnet18").preact is True
    bad = tmp_path / "bad.yaml"
    bad.write_text("arch: resnet18\nlearning_rate: 0.1\n")
    with pytest.raises(YamlFileError) as err:
        load_recipe(str(bad))
    assert f"{bad}:2:" in str(err.value) and "learning_rate" in str(err.value)
    assert load_recipe("resnet18_cifar", {"epochs": 3, "mixup_alpha": 0}).epochs == 3
    with pytest.raises(StudytuiError, match="unknown recipe key"):
        load_recipe("resnet18_cifar", {"epoch": 3})
    with pytest.raises(StudytuiError, match="arch"):
        load_recipe("resnet18_cifar", {"arch": "resnet7"})


def test_progress_plain_lines_and_summary(tmp_path, capsys):
    with Progress(20, title="t", plain=True, lines=4) as bar:
        for i in range(20):
            bar.step(loss=1.0 / (i + 1), lr=1e-3)
        bar.print("epoch done")
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[2] for line in out if line.startswith("t step")] == ["5/20", "10/20", "15/20", "20/20"]
    assert "epoch done" in out
    print_summary("x", {"val_acc": 0.5, "lr": 0.0001}, tmp_path)
    assert capsys.readouterr().out.strip() == "RESULT x: val_acc=0.5000 lr=1.00e-04"
    assert (tmp_path / "summary.json").is_file()
    assert format_metrics({"loss": math.inf}) == "loss=inf"


def test_pick_device_cpu():
    dev = pick_device("cpu", amp="off")
    assert dev.device.type == "cpu" and dev.amp_dtype is None
    with dev.autocast():
        pass
    with pytest.raises(StudytuiError):
        pick_device("cpu", amp="fp8")
    if not torch.cuda.is_available():
        with pytest.raises(StudytuiError, match="no CUDA"):
            pick_device("cuda")


def test_step_meter_reads_back_in_batches_with_the_same_numbers():
    """StepMeter(every=3) (the GPU setting: no host sync per step) logs what every=1 logs."""
    import torch

    from studytui.lab.train import History, StepMeter

    g = torch.Generator().manual_seed(0)
    steps = [(torch.rand((), generator=g), torch.randn(8, 4, generator=g), torch.randint(0, 4, (8,), generator=g))
             for _ in range(7)]
    logs = []
    for every in (1, 3):
        history = History()
        meter = StepMeter(every, history)
        for i, (loss, logits, y) in enumerate(steps):
            meter.add(loss, logits, y, lr=0.1 * i, momentum=None)
            if every == 3:  # read back only at multiples of 3 (and at the end)
                assert len(history.steps) == (i + 1) // 3 * 3
        means = meter.means()
        logs.append((history.steps, means))
    assert logs[0] == logs[1] and len(logs[0][0]) == 7
    assert "momentum" not in logs[0][0][0] and logs[0][0][2]["lr"] == 0.2
    assert abs(logs[0][1][0] - sum(float(loss) for loss, _, _ in steps) / 7) < 1e-6
