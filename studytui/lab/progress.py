"""A live progress bar with metrics for training loops (rich), or plain lines when piped.

    with Progress(total=steps, title="onecycle") as bar:
        for ...:
            bar.step(loss=loss.item(), lr=scheduler.get_last_lr()[0])
        bar.print("epoch 1: val_acc=0.61")     # a line above the bar
    print_summary("onecycle", {"val_acc": 0.81, "time_s": 58.2}, out_dir)

When stdout is not a terminal (CI, `| tee`, `studytui demo` piped) the bar is replaced by a
plain line every ~10% of the steps, so logs stay readable.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path


def format_value(key: str, value) -> str:
    """Short, stable text for a metric: lrs in scientific notation, accuracies as fractions."""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if key in ("lr",) or key.endswith("_lr") or (value != 0 and abs(value) < 1e-3):
            return f"{value:.2e}"
        return f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def format_metrics(metrics: dict) -> str:
    return " ".join(f"{k}={format_value(k, v)}" for k, v in metrics.items())


class Progress:
    """Steps of one run. `step(**metrics)` advances by one and shows the latest metrics."""

    def __init__(self, total: int, title: str = "train", plain: bool | None = None, lines: int = 10):
        self.total = max(int(total), 1)
        self.title = title
        self.plain = (not sys.stdout.isatty()) if plain is None else plain
        self.every = max(1, self.total // max(lines, 1))
        self.done = 0
        self.metrics: dict = {}
        self.start = time.perf_counter()
        self._rich = None
        self._task = None

    def __enter__(self) -> Progress:
        self.start = time.perf_counter()
        if not self.plain:
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self._rich = RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[metrics]}"),
                refresh_per_second=8,
            )
            self._rich.__enter__()
            self._task = self._rich.add_task(self.title, total=self.total, metrics="")
        return self

    def __exit__(self, *exc) -> None:
        if self._rich is not None:
            self._rich.__exit__(*exc)
            self._rich = None

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def step(self, n: int = 1, **metrics) -> None:
        """Advance `n` steps; `metrics` (floats) are shown next to the bar."""
        self.done += n
        self.metrics.update(metrics)
        if self._rich is not None:
            self._rich.update(self._task, advance=n, metrics=format_metrics(self.metrics))
        elif self.done % self.every == 0 or self.done == self.total:
            print(f"{self.title} step {self.done}/{self.total} {self.elapsed:6.1f}s {format_metrics(self.metrics)}", flush=True)

    def print(self, line: str) -> None:
        """A line of text above the bar (or in the log)."""
        if self._rich is not None:
            self._rich.console.print(line, markup=False, highlight=False)
        else:
            print(line, flush=True)


def print_summary(name: str, metrics: dict, out_dir: Path | None = None, files: list[Path] | None = None) -> None:
    """The final line every demo prints: `RESULT name: key=value ...`; also out_dir/summary.json."""
    if files:
        for f in files:
            print(f"saved {f}")
    print(f"RESULT {name}: {format_metrics(metrics)}", flush=True)
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        (Path(out_dir) / "summary.json").write_text(json.dumps({"name": name, **metrics}, indent=2) + "\n")
