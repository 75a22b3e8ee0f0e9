"""Time to first frame of studytui's home screen next to a bare Textual app, in the same run.

    python benchmarks/startup.py [--runs 7]

Each measurement is a fresh `python` process (interpreter start-up and imports included): the
parent notes the wall clock, starts the child, and the child prints the wall clock once its first
screen has been composed and rendered (Textual's auto-pilot starts once the app is ready and
waits for the next refresh). studytui loads the deck on its database thread after that frame. The two apps alternate so machine load hits both
alike; medians are reported, and the ratio studytui / bare (goal: at most 1.5).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = """
import asyncio, time
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("hello")
        yield Footer()

async def ready(pilot):
    done = asyncio.Event()
    pilot.app.call_after_refresh(done.set)  # the first frame has been rendered
    await done.wait()
    print(time.time(), flush=True)
    pilot.app.exit()

Bare().run(headless=True, size=(100, 30), auto_pilot=ready)
"""

STUDYTUI = """
import asyncio, sys, time
from studytui.tui.app import make_app

async def ready(pilot):
    done = asyncio.Event()
    pilot.app.call_after_refresh(done.set)  # the first frame has been rendered
    await done.wait()
    assert pilot.app.screen.id == "home", pilot.app.screen
    print(time.time(), flush=True)
    print("torch" in sys.modules, "sympy" in sys.modules, flush=True)
    pilot.app.exit()

make_app(sys.argv[1]).run(headless=True, size=(100, 30), auto_pilot=ready)
"""


def first_frame(code: str, *args: str) -> tuple[float, str]:
    start = time.time()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{out.stderr[-2000:]}")
    lines = out.stdout.split()
    return float(lines[0]) - start, " ".join(lines[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    bare, ours = [], []
    heavy = ""
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        first_frame(STUDYTUI, db)  # warm the OS file cache and create the database once
        first_frame(BARE)
        for _ in range(args.runs):
            bare.append(first_frame(BARE)[0])
            t, heavy = first_frame(STUDYTUI, db)
            ours.append(t)
    b, o = statistics.median(bare), statistics.median(ours)
    torch_loaded, sympy_loaded = heavy.split()
    print(f"bare Textual app   first frame  median {b * 1000:6.0f} ms  (min {min(bare) * 1000:.0f})")
    print(f"studytui home      first frame  median {o * 1000:6.0f} ms  (min {min(ours) * 1000:.0f})")
    print(f"ratio studytui / bare: {o / b:.2f}  (goal <= 1.5)   runs: {args.runs}")
    print(f"torch imported at start-up: {torch_loaded}   sympy imported at start-up: {sympy_loaded}")


if __name__ == "__main__":
    main()
