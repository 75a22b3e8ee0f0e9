"""Run several ResNet recipes in turn and compare them: baseline vs all techniques vs pre-activation.

Each recipe in demos/configs/ is trained by demos/resnet.py in its own process (same seed, same
data, same mode), then this script collects every run's summary.json and history.json into

  results.md   a Markdown table (recipe, model, techniques, final val accuracy/loss, time)
  results.csv  the same as CSV
  compare.png  LR, training loss and validation accuracy of every run on one figure
  accuracy.png one bar per recipe

The default set mirrors the ResNet-from-scratch study notes: a plain baseline (SGD, step
decay, crop + flip), the same net with the modern recipe, and the pre-activation variant.
On the offline shapes set and in --quick mode the gaps are small and noisy: a few epochs on a
narrowed net show the mechanics, not the published CIFAR-10 numbers. One command reproduces it:

    python demos/run_experiments.py --quick
    python demos/run_experiments.py --full --data-dir ~/data          # real CIFAR-10, a GPU
    python demos/run_experiments.py --configs resnet18_baseline resnet18_randaugment --quick
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from studytui.errors import StudytuiError
from studytui.lab.config import apply_mode, demo_parser, out_dir, run_main
from studytui.lab.plots import plot_bars, plot_comparison
from studytui.lab.progress import print_summary
from studytui.lab.recipes import find_config, load_recipe
from studytui.lab.train import History

DEFAULT_CONFIGS = ["resnet18_baseline", "resnet18_cifar", "preact_resnet18"]
RESNET_DEMO = Path(__file__).resolve().parent / "resnet.py"


def techniques(recipe) -> str:
    """A short list of what a recipe switches on."""
    parts = [recipe.scheduler]
    if recipe.preact:
        parts.append("pre-activation")
    if recipe.zero_init_residual:
        parts.append("zero-gamma")
    if recipe.label_smoothing:
        parts.append(f"label smoothing {recipe.label_smoothing:g}")
    if recipe.mixup_alpha:
        parts.append(f"mixup {recipe.mixup_alpha:g}")
    if recipe.cutmix_alpha:
        parts.append(f"cutmix {recipe.cutmix_alpha:g}")
    if recipe.randaugment:
        parts.append("RandAugment")
    if recipe.drop_path:
        parts.append(f"drop-path {recipe.drop_path:g}")
    return ", ".join(parts)


def main() -> int:
    parser = demo_parser(__doc__)
    parser.add_argument("--configs", nargs="+", default=DEFAULT_CONFIGS, help="recipes to run, in order")
    args = parser.parse_args()
    mode = apply_mode(args, full={}, quick={}, tiny={})
    out = out_dir(args, "experiments")
    recipes = {name: load_recipe(name) for name in args.configs}  # fail early on a bad config

    rows, runs = [], {}
    for name in args.configs:
        run_dir = out / name
        cmd = [sys.executable, str(RESNET_DEMO), "--config", str(find_config(name)), f"--{mode}",
               "--out", str(run_dir), "--seed", str(args.seed), "--device", args.device]
        for flag, value in (("--epochs", args.epochs), ("--batch-size", args.batch_size), ("--n-train", args.n_train),
                            ("--data-dir", args.data_dir)):
            if value is not None:
                cmd += [flag, str(value)]
        if args.download:
            cmd.append("--download")
        if args.compile:
            cmd.append("--compile")
        print(f"\n=== {name}: {' '.join(cmd[1:])}", flush=True)
        code = subprocess.call(cmd)
        if code != 0:
            raise StudytuiError(f"run {name!r} failed with exit code {code}; see its output above")
        summary = json.loads((run_dir / "summary.json").read_text())
        history = History()
        history.load_state_dict(json.loads((run_dir / "history.json").read_text()))
        runs[recipes[name].name] = history
        rows.append({
            "config": name, "recipe": recipes[name].name, "model": summary["model"],
            "techniques": techniques(recipes[name]), "epochs": summary["epochs_done"],
            "val_acc": round(summary["val_acc"], 4), "val_loss": round(summary["val_loss"], 4),
            "time_s": round(summary["time_s"], 1), "data": summary["data"],
        })

    header = list(rows[0])
    with open(out / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(str(r[k]) for k in header) + " |" for r in rows]
    (out / "results.md").write_text("\n".join(table) + "\n")
    print("\n" + "\n".join(table))

    files = [out / "results.md", out / "results.csv",
             plot_comparison(runs, out / "compare.png", title=f"ResNet recipes ({mode} mode, {rows[0]['data']})"),
             plot_bars([r["recipe"] for r in rows], [r["val_acc"] for r in rows], out / "accuracy.png",
                       ylabel="final validation accuracy", title=f"{mode} mode, {rows[0]['data']}")]
    best = max(rows, key=lambda r: r["val_acc"])
    print_summary("run_experiments", {"mode": mode, "runs": len(rows), "best": best["recipe"], "best_val_acc": best["val_acc"],
                                      **{f"val_acc_{r['recipe']}": r["val_acc"] for r in rows}}, out, files)
    return 0


if __name__ == "__main__":
    run_main(main)
