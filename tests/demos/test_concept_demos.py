"""The concept demos run end to end in --tiny mode and show their lesson's direction.

All the demos start at once (one subprocess each) when the first test asks for its result: most
of a tiny run is importing torch and generating data, so running them side by side keeps the
whole file short. Each test then checks its demo's exit code, its PNGs and the direction of its
lesson, read from summary.json or the demo's JSON output. The runs are seeded (the default
seed 0) and single-threaded, so the numbers are the same run after run; the settings below are
the smallest that show each effect with a wide margin.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from studytui.lab.procs import kill_group

ROOT = Path(__file__).resolve().parents[2]
DEMOS = {
    "residual_vs_plain": [],
    "batchnorm": [],
    "augmentation": [],
    "receptive_field": ["--model", "resnet18-cifar", "--layer", "layer2"],
    "transfer_learning": ["--offline"],
    "mlp_vs_cnn": [],
    # a sweep long enough for the loss to fall before it blows up
    "lr_finder": ["--num-iter", "50", "--start-lr", "1e-4", "--end-lr", "10", "--batch-size", "32"],
}
TIMEOUT_S = 1200  # generous: on a busy shared machine; a normal run takes well under a minute


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Start every demo with --tiny; return name -> (process, out dir). Waited on lazily."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    started = {}
    for name, extra in DEMOS.items():
        out = tmp_path_factory.mktemp(name)
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "demos" / f"{name}.py"), "--tiny", "--out", str(out), *extra],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,  # a timeout kills the demo and anything it started
        )
        started[name] = (proc, out)
    yield started
    for proc, _ in started.values():
        kill_group(proc)


def finished(runs, name: str) -> tuple[str, Path, dict]:
    """(output text, out dir, summary.json) of a demo that exited 0 and saved its PNGs."""
    proc, out = runs[name]
    try:
        text, _ = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise
    assert proc.returncode == 0, f"{name} exited {proc.returncode}:\n{text[-3000:]}"
    assert "Traceback" not in text
    assert re.search(rf"^RESULT {name}: ", text, re.M), text[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    saved = [Path(line.split(" ", 1)[1]) for line in text.splitlines() if line.startswith("saved ")]
    assert saved, f"{name} saved no files"
    for path in saved:
        assert path.suffix == ".png" and path.is_file() and path.stat().st_size > 1000, path
    return text, out, summary


def test_residual_trains_where_plain_does_not(runs):
    text, out, summary = finished(runs, "residual_vs_plain")
    assert (out / "grad_norms.png").is_file() and (out / "loss.png").is_file()
    # the skip's identity term keeps the gradient alive down to the first conv
    assert summary["residual_first_grad"] > 100 * summary["plain_first_grad"]
    # and so, in the same 60 steps on the same batches, only the residual net's loss falls:
    # the plain 20-layer net stays at ln 10 = 2.303, the loss of a uniform guess
    assert summary["plain_loss"] > 2.25
    assert summary["residual_loss"] < summary["plain_loss"] - 0.3


def test_batchnorm_keeps_every_layer_at_unit_scale_and_folds_into_conv(runs):
    text, out, summary = finished(runs, "batchnorm")
    assert (out / "running_stats.png").is_file() and (out / "activations.png").is_file()
    # the mechanism (a tiny run is too short for the loss difference, see the demo's docstring):
    # at init, without BN each conv hands on a smaller signal, so the 6th conv's output is a small
    # fraction of the 1st's; with BN every conv's output has std 1
    assert summary["act_shrink_no_bn"] > 5
    assert summary["act_shrink_bn"] == pytest.approx(1.0, abs=0.05)
    assert summary["act_std_last_bn"] == pytest.approx(1.0, abs=0.05)
    assert summary["fold_max_diff"] < 1e-4
    assert summary["train_eval_diff"] > 0  # batch statistics vs running statistics
    printed = float(re.search(r"max \|logit difference\| = (\S+)", text).group(1))
    assert printed == pytest.approx(summary["fold_max_diff"], rel=0.01)


def test_augmentation_narrows_the_train_val_gap(runs):
    text, out, summary = finished(runs, "augmentation")
    from PIL import Image

    with Image.open(out / "grid.png") as grid:
        width, height = grid.size
    assert height > 500 and width > 500  # seven rows of eight images
    # 64 training images, 12 epochs: the plain net memorises them, the augmented one cannot
    assert summary["train_acc_plain"] > 0.9
    assert summary["train_acc_aug"] < summary["train_acc_plain"] - 0.2
    assert summary["gap_aug"] < summary["gap_plain"] - 0.2


def test_receptive_field_matches_calculator(runs):
    text, out, summary = finished(runs, "receptive_field")
    from studytui.calc import analyze_model

    expected = analyze_model("resnet18-cifar").row("layer2").rf[0]
    assert summary["rf_calc"] == expected == 25
    assert summary["rf_measured"] == expected
    assert re.search(rf"measured RF \(positive linear net\): {expected} x {expected} px", text)
    assert 0 < summary["erf"] <= expected  # the effective RF sits inside the theoretical one


def test_transfer_learning_offline_fallback(runs):
    text, out, summary = finished(runs, "transfer_learning")
    assert "!!! NO PRETRAINED IMAGENET WEIGHTS (--offline given)" in text
    assert summary["backbone"] == "smallnet-pretrained-offline"
    head_only = re.search(r"head only \(backbone frozen\): head lr=\S+; trainable params (\d[\d,]*)", text)
    all_stages = re.search(r"unfreeze all stages: .*trainable params (\d[\d,]*)", text)
    # freezing shows: only the new head trains at first, everything at the end
    assert int(head_only.group(1).replace(",", "")) < int(all_stages.group(1).replace(",", ""))
    # and a frozen backbone stays put, BN running statistics included (a tiny run is too short to
    # pretrain useful features, so the accuracy direction is left to the quick run: see the docstring)
    assert summary["head_phase_backbone_change"] == 0.0


def test_cnn_beats_the_mlp_with_far_fewer_parameters(runs):
    text, out, summary = finished(runs, "mlp_vs_cnn")
    assert summary["mlp_params"] > 10 * summary["cnn_params"]
    # same data, steps, optimiser: the CNN generalises better (seeds 0-3 gave a lead of 0.09-0.15)
    assert summary["cnn_val_acc"] > summary["mlp_val_acc"] + 0.05
    assert re.search(rf"MLP\s+{summary['mlp_params']:,}", text)  # the table shows the calculator's count


def test_lr_finder_suggests_from_the_falling_part_of_the_curve(runs):
    text, out, summary = finished(runs, "lr_finder")
    sweep = json.loads((out / "lr_finder.json").read_text())
    lrs, raw, smoothed = sweep["lrs"], sweep["loss"], sweep["smoothed"]
    plateau = sum(raw[:5]) / 5  # the loss at LRs too small to matter
    lowest = min(range(len(smoothed)), key=smoothed.__getitem__)
    assert smoothed[lowest] < plateau - 0.3  # the loss did fall ...
    # ... and blew up: the first LR where the smoothed loss passes 1.5x its lowest value so far
    blow_up = next(i for i in range(len(smoothed)) if smoothed[i] > 1.5 * min(smoothed[: i + 1]))
    for rule, lr in sweep["suggestions"].items():
        # every rule stays a safe distance from the blow-up (a lagging smoothing once put the
        # minimum/10 rule within 10x of it)
        assert lrs[0] < lr < lrs[blow_up] / 10, rule
    # the steepest-descent rule sits on the falling stretch: the loss there is already below the plateau
    steepest = min(range(len(lrs)), key=lambda i: abs(math.log(lrs[i] / sweep["suggestions"]["steepest"])))
    assert smoothed[steepest] < plateau - 0.1
    assert summary["suggested_lr"] == sweep["suggestions"][summary["rule"]]
