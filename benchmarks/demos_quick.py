"""Time every demo's `--quick` run and print its RESULT line: does each fit "about a minute"?

    python benchmarks/demos_quick.py                       # all demos, one after the other
    python benchmarks/demos_quick.py cnn_cifar10 resnet    # some of them
    python benchmarks/demos_quick.py --markdown            # a table for the README

Not a test (the numbers depend on the machine and on what else it runs): a measurement. Each
demo runs in its own process group with a timeout, writing under a temporary folder, so a hung
demo is killed with everything it started. The machine's load average is printed with each
row: on a shared machine the wall times say more about the neighbours than about the demo.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studytui.lab.procs import run_group  # noqa: E402

DEMO_ARGS = {"transfer_learning": ["--offline"]}  # no network: the offline backbone


def demos() -> list[str]:
    return sorted(p.stem for p in (ROOT / "demos").glob("*.py") if not p.name.startswith("_"))


def time_demo(name: str, timeout: float, out: Path) -> tuple[float, int | str, str, float]:
    """(wall seconds, exit code or 'timeout', RESULT line, load average at the end)."""
    cmd = [sys.executable, str(ROOT / "demos" / f"{name}.py"), "--quick", "--out", str(out / name), *DEMO_ARGS.get(name, [])]
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
    start = time.perf_counter()
    try:
        proc = run_group(cmd, timeout=timeout, cwd=ROOT, env=env)
        code, text = proc.returncode, proc.stdout
    except subprocess.TimeoutExpired as exc:
        code, text = "timeout", exc.output or ""
    wall = time.perf_counter() - start
    result = next((line for line in text.splitlines() if line.startswith("RESULT ")), "")
    return wall, code, result, os.getloadavg()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="demos to time (default: all)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per demo before it is killed (default 900)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table at the end")
    args = parser.parse_args()
    names = args.names or demos()
    unknown = sorted(set(names) - set(demos()))
    if unknown:
        print(f"error: unknown demo(s) {', '.join(unknown)}; demos: {', '.join(demos())}", file=sys.stderr)
        return 1
    print(f"{os.cpu_count()} CPUs, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            wall, code, result, load = time_demo(name, args.timeout, Path(tmp))
            rows.append((name, wall, code, result, load))
            print(f"{name:18s} {wall:7.1f}s  exit {code}  load {load:4.1f}  {result}", flush=True)
    if args.markdown:
        print("\n| demo `--quick` | wall time | load avg | result |\n|---|---|---|---|")
        for name, wall, code, result, load in rows:
            shown = result.split(":", 1)[1].strip() if result else f"exit {code}"
            print(f"| {name} | {wall:.0f} s | {load:.1f} | {shown} |")
    return 0 if all(row[2] == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
