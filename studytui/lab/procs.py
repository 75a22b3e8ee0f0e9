"""Run a demo in a subprocess of its own process group, and kill the whole group on a timeout.

A training demo may start workers (torchrun ranks, DataLoader processes). `subprocess.run`'s
timeout kills only the direct child, leaving the others training in the background for as long
as they like. Here the child leads a new session, so one `killpg` reaches all of them.

    proc = run_group([sys.executable, "demos/resnet.py", "--tiny"], timeout=600)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys


def kill_group(proc: subprocess.Popen, grace_s: float = 5.0) -> None:
    """SIGTERM the process group led by `proc`, then SIGKILL whatever is left after `grace_s`."""
    if sys.platform == "win32":  # no process groups: the direct child only
        proc.kill()
        proc.wait()
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break  # the group is gone
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            continue
        # the leader exited; its children may not have: make sure with SIGKILL
        if sig == signal.SIGTERM:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        break
    proc.wait()


def run_group(args: list[str], timeout: float, **popen) -> subprocess.CompletedProcess:
    """Like subprocess.run(args, capture_output=True, text=True, timeout=...), but the timeout
    kills the child's whole process group before raising subprocess.TimeoutExpired."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=sys.platform != "win32", **popen)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        out, err = proc.communicate()
        raise subprocess.TimeoutExpired(args, timeout, output=out, stderr=err) from None
    except BaseException:  # Ctrl-C in pytest: leave nothing behind
        kill_group(proc)
        raise
    return subprocess.CompletedProcess(args, proc.returncode, out, err)
