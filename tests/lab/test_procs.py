"""A timed-out demo leaves nothing running: its whole process group is killed."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from studytui.lab.device import Device, cpu_threads, pick_device
from studytui.lab.procs import run_group

# a "demo" that starts a child which trains forever, prints both pids, then hangs itself
HANGS = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(1)"])
print(child.pid, flush=True)
import os; print(os.getpid(), flush=True)
while True:
    time.sleep(1)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its parent) counts as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(sys.platform == "win32", reason="process groups are POSIX")
def test_timeout_kills_the_whole_process_group():
    with pytest.raises(subprocess.TimeoutExpired) as info:
        run_group([sys.executable, "-c", HANGS], timeout=3)
    # the output printed before the timeout is kept
    pids = [int(p) for p in (info.value.output or "").split()]
    if len(pids) < 2:  # a very busy machine: the script had not printed yet; it was still killed
        pytest.skip("the script did not start within the timeout")
    for _ in range(100):  # the grandchild is reparented to init, which reaps it shortly
        if not any(_alive(pid) for pid in pids):
            break
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in pids)


def test_cpu_has_no_channels_last():
    dev = pick_device("cpu")
    assert isinstance(dev, Device) and not dev.channels_last and dev.amp_dtype is None
    assert "channels_last" not in dev.describe()


def test_threads_follow_omp_num_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert cpu_threads() == 1
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert cpu_threads() == len(os.sched_getaffinity(0))
