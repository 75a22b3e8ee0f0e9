"""The demos' figures (checked as matplotlib objects, not pixels) and the cumulative ablation."""

from __future__ import annotations

import csv
import json
import math
import sys
from dataclasses import fields

import pytest

torch = pytest.importorskip("torch")

from matplotlib.colors import LogNorm  # noqa: E402

from studytui.lab import plots  # noqa: E402
from studytui.lab.ablation import (  # noqa: E402
    BASELINE, INGREDIENTS, Ingredient, Recipe, calibration, changed_fields, cumulative, describe_changes,
)
from studytui.lab.train import History  # noqa: E402
from studytui.lab.procs import run_group  # noqa: E402
from studytui.paths import DEMOS_DIR, PROJECT_ROOT  # noqa: E402


def run(args: list[str]):
    """A demo in its own process group (killed whole on timeout), one torch thread, Agg plots."""
    import os

    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    return run_group(args, timeout=600, cwd=PROJECT_ROOT, env=env)


def demo(name: str, *args: str):
    proc = run([sys.executable, str(DEMOS_DIR / f"{name}.py"), *args])
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def result_line(stdout: str, name: str) -> str:
    lines = [line for line in stdout.splitlines() if line.startswith(f"RESULT {name}")]
    assert len(lines) == 1, stdout[-2000:]
    return lines[0]


def close(fig):
    plots.plt.close(fig)


def one_cycle_history(epochs: int = 3, steps: int = 30, first_val_loss: float = 7.7) -> History:
    """A history shaped like a one-cycle run: LR up then down by 10^4, loss falling, a bad first val loss."""
    history = History()
    total = epochs * steps
    for i in range(total):
        pct = i / (total - 1)
        lr = 0.01 * (pct / 0.25 if pct < 0.25 else 10 ** (-4 * (pct - 0.25) / 0.75))
        history.log_step(lr=max(lr, 1e-6), momentum=0.95 - 0.1 * min(pct / 0.25, 1), loss=2.3 - 1.2 * pct, acc=0.1 + 0.6 * pct)
    for e in range(1, epochs + 1):
        history.log_epoch(train_loss=2.0, train_acc=0.3, val_loss=first_val_loss if e == 1 else 1.5 - 0.2 * e, val_acc=0.2 * e)
    return history


# ---- plots -------------------------------------------------------------------------------------


def test_training_figure_log_lr_adam_beta1_and_clipped_val_loss():
    fig = plots.training_figure(one_cycle_history(), momentum_label="Adam β1 (momentum)")
    schedule, loss, _ = fig.axes[:3]
    assert schedule.get_yscale() == "log"  # the final 10^4 anneal is visible
    twin = [ax for ax in fig.axes if ax not in (schedule, loss) and ax.bbox.bounds == schedule.bbox.bounds]
    assert twin and twin[0].get_ylabel() == "Adam β1 (momentum)"
    # the loss panel is scaled by the training curve, not by the 7.7 outlier, which is labelled
    top = loss.get_ylim()[1]
    assert 2.3 < top < 3.0
    val_line = next(line for line in loss.get_lines() if line.get_label() == "validation")
    assert max(val_line.get_ydata()) <= top
    assert any("7.7 (off scale)" in t.get_text() for t in loss.texts)
    close(fig)


def test_training_figure_keeps_a_linear_axis_when_an_lr_is_zero():
    history = one_cycle_history()
    history.steps[-1]["lr"] = 0.0  # cosine to exactly 0: a log axis cannot show it
    fig = plots.training_figure(history)
    assert fig.axes[0].get_yscale() == "linear"
    close(fig)


def test_schedule_and_comparison_use_log_lr_axes():
    history = one_cycle_history()
    fig = plots.schedule_figure(history.series("lr"), history.series("momentum"), momentum_label="SGD momentum")
    assert fig.axes[0].get_yscale() == "log" and fig.axes[1].get_ylabel() == "SGD momentum"
    close(fig)
    fig = plots.comparison_figure({"a": history, "b": one_cycle_history()}, title="peak 0.01")
    assert fig.axes[0].get_yscale() == "log"
    close(fig)


def test_lr_finder_figure_marks_both_rules_and_cuts_the_blow_up():
    lrs = [1e-6 * 10 ** (i / 10) for i in range(70)]  # 1e-6 .. ~8
    # plateau at 2.3, descent to 1.0 near lr 1e-2, then a blow-up to 40
    losses = [2.3 - 1.3 / (1 + math.exp(-(math.log10(lr) + 3.5) * 3)) for lr in lrs]
    losses = [v + (40 * (math.log10(lr) + 1) if lr > 0.1 else 0) for v, lr in zip(losses, lrs)]
    rules = {"steepest": 3e-4, "min/10": 1e-2}
    fig = plots.lr_finder_figure(lrs, losses, rules, chosen="min/10")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    low, high = ax.get_ylim()
    assert high < 3.0 and low < min(losses)  # the useful range, not the blow-up to 40
    labels = [line.get_label() for line in ax.get_lines()]
    assert any(label.startswith("steepest descent: 3.0e-04") for label in labels)
    assert any(label.startswith("minimum / 10: 1.0e-02") and label.endswith("(used)") for label in labels)
    close(fig)


def test_receptive_field_figure_is_log_scaled_with_both_boxes():
    grad = torch.zeros(21, 21)
    ys, xs = torch.meshgrid(torch.arange(21.0), torch.arange(21.0), indexing="ij")
    inside = ((ys - 10).abs() <= 6) & ((xs - 10).abs() <= 6)
    grad[inside] = torch.exp(-((ys - 10) ** 2 + (xs - 10) ** 2) / 4)[inside]
    fig = plots.receptive_field_figure([(grad, "theory", None), (grad, "real", (7, 7, 7))], box=(4, 4, 13))
    first, second = fig.axes[:2]  # the colour bars come after the panels
    norm = first.images[0].norm
    assert isinstance(norm, LogNorm)
    # the faintest pixel of the field (exp(-18) ~ 1.5e-8) is above the colour floor: visible
    assert norm.vmin <= float(grad[inside].min() / grad.max())
    boxes = [(p.get_x(), p.get_y(), p.get_width(), p.get_label()) for p in first.patches]
    assert boxes == [(3.5, 3.5, 13, "calculator RF 13 px")]
    assert [p.get_label() for p in second.patches] == ["calculator RF 13 px", "effective RF 7 px"]
    close(fig)


def test_bars_chance_line_and_params_scatter():
    fig = plots.bars_figure(["head", "all"], [0.4, 0.5], "val acc", chance=0.2)
    ax = fig.axes[0]
    chance = [line for line in ax.get_lines() if line.get_label().startswith("chance")]
    assert chance and list(chance[0].get_ydata()) == [0.2, 0.2]
    close(fig)
    fig = plots.params_accuracy_figure({"MLP": {"params": 1_840_000, "val_acc": 0.22}, "CNN": {"params": 19_000, "val_acc": 0.46}})
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and len(ax.collections) == 2
    assert ax.get_xlim()[0] < 19_000 and ax.get_xlim()[1] > 1_840_000
    close(fig)


# ---- the cumulative ablation ------------------------------------------------------------------


def test_each_row_is_the_row_above_plus_one_ingredient():
    rows = cumulative()
    assert rows[0] == ("plain CNN", BASELINE) and len(rows) == len(INGREDIENTS) + 1
    assert not BASELINE.bn and not BASELINE.residual and BASELINE.schedule == "constant"
    for ((_, before), (label, after)), ingredient in zip(zip(rows, rows[1:]), INGREDIENTS):
        assert label == f"+ {ingredient.key}"
        assert changed_fields(before, after) == {k: (getattr(before, k), v) for k, v in ingredient.changes.items()}
    # cumulative: nothing switched on is switched off again, the last row has everything
    last = rows[-1][1]
    for ingredient in INGREDIENTS:
        assert all(getattr(last, k) == v for k, v in ingredient.changes.items())
    assert {f.name for f in fields(Recipe)} == {k for i in INGREDIENTS for k in i.changes}  # every switch is used


def test_cumulative_rejects_an_ingredient_that_changes_nothing_or_is_unknown():
    with pytest.raises(ValueError, match="changes nothing"):
        cumulative((Ingredient("BN", {"bn": True}, "", ""), Ingredient("BN again", {"bn": True}, "", "")))
    with pytest.raises(ValueError, match="unknown recipe fields"):
        cumulative((Ingredient("typo", {"batchnorm": True}, "", ""),))
    assert describe_changes(Recipe(), Recipe(bn=True, label_smoothing=0.1)) == "bn: off -> on; label_smoothing: 0 -> 0.1"


def test_calibration_confidence_and_ece():
    labels = torch.tensor([0, 1, 2, 3])
    sure_right = torch.eye(4) * 20  # ~100% confident, all right: ECE ~ 0
    conf, ece = calibration(sure_right, labels)
    assert conf == pytest.approx(1.0, abs=1e-6) and ece == pytest.approx(0.0, abs=1e-6)
    sure_wrong = torch.roll(torch.eye(4) * 20, 1, dims=1)  # ~100% confident, all wrong: ECE ~ 1
    assert calibration(sure_wrong, labels)[1] == pytest.approx(1.0, abs=1e-6)
    uniform = torch.zeros(4, 4)  # 25% confident; argmax picks class 0, right once in 4: calibrated
    conf, ece = calibration(uniform, labels)
    assert conf == pytest.approx(0.25) and ece == pytest.approx(0.0, abs=1e-6)


def test_run_experiments_tiny_one_row_per_ingredient(tmp_path):
    proc = demo("run_experiments", "--tiny", "--out", str(tmp_path), "--progress-json", str(tmp_path / "p.jsonl"))
    rows = list(csv.DictReader(open(tmp_path / "results.csv")))
    assert [r["ingredient"] for r in rows] == [label for label, _ in cumulative()]
    assert rows[0]["delta"] == "" and all(r["delta"] for r in rows[1:])
    for before, after in zip(rows, rows[1:]):  # the delta is the difference to the row above
        assert float(after["delta"]) == pytest.approx(float(after["val_acc"]) - float(before["val_acc"]))
    # like for like: every row trained the same number of steps at the same peak LR
    histories = [json.loads((tmp_path / f"history_{i}.json").read_text()) for i in range(len(rows))]
    assert len({len(h["steps"]) for h in histories}) == 1
    assert len({max(s["lr"] for s in h["steps"]) for h in histories}) == 1
    # the recipe is printed line by line, not as one JSON blob; the table and the notes follow
    assert "  + residual: residual: off -> on" in proc.stdout and "peak LR 0.1" in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines() if "->" in line) < 120
    n = len(INGREDIENTS) + 1
    assert f"| {n - 1} | + zero-init |" in proc.stdout and "full run:" in proc.stdout
    assert f"rows={n}" in result_line(proc.stdout, "run_experiments")
    assert (tmp_path / "ablation.png").stat().st_size > 5000
    events = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert [e["demo"] for e in events if e["event"] == "start"] == [label for label, _ in cumulative()]
    assert events[-1]["event"] == "result" and events[-1]["rows"] == n


def test_ablation_batchnorm_row_trains_where_the_plain_row_never_starts(tmp_path):
    """The first ingredient's direction, in a run small enough for a test: rows 0 and 1 only,
    512 images, 8 epochs. At the shared peak LR 0.1 the plain 14-layer net never leaves ln 10
    (the loss of one prediction for every image); with BN the same net, LR and batches trains.
    Seeds 0-3: plain 2.305-2.317 in every epoch, BN's last epoch 1.94-2.12. The later rows'
    effects (regularisers, schedule) need the quick run or longer: see the demo's docstring."""
    demo("run_experiments", "--tiny", "--rows", "2", "--epochs", "8", "--n-train", "512", "--batch-size", "32",
         "--width", "8", "--out", str(tmp_path))
    plain, bn = (json.loads((tmp_path / f"history_{i}.json").read_text())["epochs"] for i in (0, 1))
    assert all(abs(e["train_loss"] - math.log(10)) < 0.03 for e in plain)
    assert bn[-1]["train_loss"] < plain[-1]["train_loss"] - 0.1


def test_run_experiments_bad_flag_is_one_line():
    proc = run([sys.executable, str(DEMOS_DIR / "run_experiments.py"), "--tiny", "--rows", "x"])
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "--rows" in proc.stderr


def test_ablation_figure_one_line_per_row_and_signed_deltas():
    runs, rows = {}, []
    for i, (label, _) in enumerate(cumulative()[:4]):
        h = History()
        for e in (1, 2):
            h.log_epoch(val_acc=0.1 * i + 0.05 * e)
        runs[label] = h
        rows.append({"ingredient": label, "val_acc": 0.1 * i + 0.1, "delta": None if i == 0 else (0.1 if i != 2 else -0.05),
                     "train_acc": 0.5, "confidence": 0.4})
    fig = plots.ablation_figure(runs, rows)
    curves, deltas, mech = fig.axes
    assert [line.get_label() for line in curves.get_lines()] == list(runs)
    colours = [bar.get_facecolor() for bar in deltas.patches]
    assert len(colours) == 3 and colours[1] != colours[0]  # the negative delta is drawn differently
    assert [t.get_text() for t in mech.get_xticklabels()] == list(runs)
    close(fig)



def test_ablation_net_switches():
    from torch import nn

    from studytui.lab.nets import AblationBlock, AblationNet

    x = torch.randn(2, 3, 32, 32)
    for kw in ({"bn": False, "residual": False}, {"bn": True, "residual": False}, {"bn": True, "residual": True},
               {"bn": True, "residual": True, "preact": True}):
        net = AblationNet(width=4, blocks=2, **kw)
        assert net(x).shape == (2, 10)
        assert any(isinstance(m, nn.BatchNorm2d) for m in net.modules()) == kw["bn"]
        assert sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in net.modules()) - (2 if kw["residual"] else 0) == 14
    # with the branch's convs zeroed, a residual block passes its input through and a plain one does not
    h = torch.rand(2, 4, 8, 8)  # non-negative: what a ReLU before the block gives
    for residual, preact in ((True, False), (True, True), (False, False)):
        block = AblationBlock(4, 4, 1, bn=False if not preact else True, residual=residual, preact=preact).eval()
        with torch.no_grad():
            block.conv1.weight.zero_(), block.conv2.weight.zero_()
            for conv in (block.conv1, block.conv2):
                if conv.bias is not None:
                    conv.bias.zero_()
        expected = h if residual else torch.zeros_like(h)
        assert torch.allclose(block(h), expected), (residual, preact)
    with pytest.raises(ValueError, match="pre-activation needs"):
        AblationBlock(4, 4, 1, bn=False, residual=True, preact=True)
    # zero-init: every block of the net starts as the identity (pre-act) / relu of its input (post-act)
    for preact in (False, True):
        net = AblationNet(width=4, blocks=2, preact=preact, zero_init=True).eval()
        for block in net.blocks:
            if block.shortcut is None:
                h = torch.rand(2, block.conv1.in_channels, 8, 8)
                assert torch.allclose(block(h), h), preact
        h = torch.rand(2, 4, 8, 8)
        assert not torch.allclose(AblationNet(width=4, blocks=2, preact=preact).eval().blocks[0](h), h)
    with pytest.raises(ValueError, match="zero_init needs residual"):
        AblationNet(bn=True, residual=False, zero_init=True)


# ---- onecycle --compare and batchnorm's verdict (functions of the demo files) -----------------


def demo_module(name: str) -> dict:
    import runpy

    return runpy.run_path(str(DEMOS_DIR / f"{name}.py"), run_name=f"demo_{name}")


def test_onecycle_compare_schedules_peak_at_the_same_lr():
    import argparse
    import warnings

    make_scheduler = demo_module("onecycle")["make_scheduler"]
    args = argparse.Namespace(max_lr=0.02, pct_start=0.25, div_factor=25.0, final_div_factor=1e4)
    peaks, firsts = {}, {}
    for name in ("onecycle", "constant", "step", "cosine-warmup"):
        optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=args.max_lr, momentum=0.9)
        scheduler = make_scheduler(name, optimizer, args, total_steps=40)
        lrs = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # stepping the schedule without training
            for _ in range(40):
                lrs.append(optimizer.param_groups[0]["lr"])
                scheduler.step()
        peaks[name], firsts[name] = max(lrs), lrs[0]
    assert all(p == pytest.approx(0.02) for p in peaks.values()), peaks  # like for like
    assert all(f < 0.02 / 5 for f in firsts.values()), firsts  # none starts at the peak


def test_batchnorm_names_how_a_run_went():
    outcome = demo_module("batchnorm")["outcome"]
    assert outcome([2.3, 5.0, float("nan")], 0.1).startswith("blew up")
    assert outcome([2.5] + [math.log(10)] * 20, 0.1).startswith("never started")
    assert outcome([2.3, 2.0, 1.6, 1.4, 1.3], 0.45).startswith("trained")


def test_lr_finder_steepest_rule_ignores_early_wiggles():
    suggest = demo_module("lr_finder")["suggest"]
    lrs = [1e-7 * 10 ** (i * 8 / 119) for i in range(120)]
    # a plateau with a sharp wiggle at step 14 (noise), the real descent centred at 1e-3, a minimum at ~1
    losses = [3.0 - 1.0 / (1 + math.exp(-(math.log10(lr) + 3) * 2)) for lr in lrs]
    losses[14] -= 0.08
    losses[-5:] = [v + 3 * (k + 1) for k, v in enumerate(losses[-5:])]  # the blow-up
    rules = suggest(lrs, losses)
    assert 1e-4 < rules["steepest"] < 1e-2
    min_i = min(range(len(losses)), key=losses.__getitem__)
    assert rules["min/10"] == pytest.approx(lrs[min_i] / 10)


def test_lr_finder_minimum_is_the_one_before_the_first_spike():
    """A short sweep can spike, then dip lower at an even larger LR (the net keeps learning between
    spikes): the minimum/10 rule must use the minimum before the spike, not the later dip."""
    module = demo_module("lr_finder")
    lrs = [1e-6 * 10 ** (i / 10) for i in range(70)]  # 1e-6 .. ~8
    losses = [3.0 - 0.6 / (1 + math.exp(-(math.log10(lr) + 4) * 3)) for lr in lrs]  # falls to 2.4 by 1e-3
    spike = next(i for i, lr in enumerate(lrs) if lr > 0.1)
    losses[spike:spike + 3] = [3.2, 3.3, 3.1]  # unstable at 0.1 ...
    losses[spike + 5] = 2.2  # ... then lower than ever at ~0.3, just before the blow-up
    losses[-3:] = [6.0, 12.0, 40.0]
    first = module["first_minimum"](losses)
    assert lrs[first] < 0.1 and first < spike
    assert module["suggest"](lrs, losses)["min/10"] == pytest.approx(lrs[first] / 10)
    # the centred mean has no lag: a step in the data stays where it is
    assert module["centred_mean"]([0, 0, 0, 1, 1, 1], 1) == pytest.approx([0, 0, 1 / 3, 2 / 3, 1, 1])
