"""demos/resnet.py under `torchrun --standalone --nproc_per_node=2` on the CPU (gloo), tiny mode.

The same code path as NCCL on GPUs: per-rank shards, DDP-averaged gradients, evaluation on the
unwrapped module in slices with all-reduced sums, rank 0 alone printing and checkpointing.
"""

from __future__ import annotations

import json
import os
import shutil
import sys

import pytest

from studytui.lab.procs import run_group
from studytui.paths import DEMOS_DIR, PROJECT_ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="torchrun with gloo: POSIX CI")

COMMON = ["--tiny", "--seed", "5", "--set", "drop_path=0.1"]


def torchrun(*args: str):
    """Two CPU ranks; OMP_NUM_THREADS=1 as torchrun sets it (two ranks share two cores)."""
    torchrun_bin = shutil.which("torchrun") or ""
    cmd = [torchrun_bin] if torchrun_bin else [sys.executable, "-m", "torch.distributed.run"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg", "CUDA_VISIBLE_DEVICES": ""}
    proc = run_group([*cmd, "--standalone", "--nproc_per_node=2", str(DEMOS_DIR / "resnet.py"), *COMMON, *args],
                     timeout=1200, cwd=PROJECT_ROOT, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def test_two_ranks_train_disjoint_shards_and_stay_identical(tmp_path):
    whole = torchrun("--out", str(tmp_path / "whole"), "--log-shards")
    results = [line for line in whole.stdout.splitlines() if line.startswith("RESULT ")]
    assert len(results) == 1 and "world_size=2" in results[0]  # rank 0 alone reports
    assert whole.stdout.count("OFFLINE DATA") == 1
    assert "DDP replicas identical across 2 ranks: yes" in whole.stdout
    summary = json.loads((tmp_path / "whole" / "summary.json").read_text())
    assert summary["replicas_max_diff"] == 0.0 and summary["epochs_done"] == 2

    shards = [json.loads((tmp_path / "whole" / f"shards_rank{r}.json").read_text())["indices"] for r in (0, 1)]
    assert len(shards[0]) == len(shards[1]) > 0
    assert not set(shards[0]) & set(shards[1])  # disjoint
    assert sorted(shards[0] + shards[1]) == list(range(96))  # together: the whole tiny training set

    # interrupted after epoch 1, resumed with two ranks: the same run
    split = tmp_path / "split"
    torchrun("--out", str(split), "--stop-after", "1")
    resumed = torchrun("--out", str(split), "--resume")
    assert "resumed from" in resumed.stdout and "at epoch 2" in resumed.stdout
    a = json.loads((tmp_path / "whole" / "history.json").read_text())
    b = json.loads((split / "history.json").read_text())
    assert [s["loss"] for s in a["steps"]] == [s["loss"] for s in b["steps"]]
    assert a["epochs"][-1]["val_loss"] == b["epochs"][-1]["val_loss"]
