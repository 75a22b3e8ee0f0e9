"""A live progress bar with metrics for training loops (rich), or plain lines when piped.

    with Progress(total=steps, title="onecycle") as bar:
        for ...:
            bar.step(loss=loss.item(), lr=scheduler.get_last_lr()[0])
        bar.print("epoch 1: val_acc=0.61")     # a line above the bar
    print_summary("onecycle", {"val_acc": 0.81, "time_s": 58.2}, out_dir)

When stdout is not a terminal (CI, `| tee`, `studytui demo` piped) the bar is replaced by a
plain line every ~10% of the steps, so logs stay readable.

Besides that human output, a demo streams its progress as JSON lines when asked to, for
programs that draw it (the TUI's demo screen plots the curves live):

    STUDYTUI_PROGRESS=fd:5   (an inherited file descriptor)  or  STUDYTUI_PROGRESS=run.jsonl
    or the --progress-json PATH flag of every demo

    {"event": "start", "demo": "onecycle", "total_steps": 120, "epochs": 3}
    {"event": "step", "step": 1, "epoch": 1, "loss": 2.31, "acc": 0.09, "lr": 0.0004, "momentum": 0.95}
    {"event": "epoch", "epoch": 1, "train_loss": 1.9, "val_loss": 1.7, "val_acc": 0.41}
    {"event": "saved", "path": "/abs/path/training.png"}
    {"event": "result", "demo": "onecycle", "val_acc": 0.81, ...}

Only rank 0 of a torchrun job writes (RANK unset or 0).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path

PROGRESS_ENV = "STUDYTUI_PROGRESS"


class JsonStream:
    """JSON lines to a file or an inherited fd; every call a no-op when there is no target."""

    def __init__(self, target: str | None = None):
        self._file = None
        if not target or os.environ.get("RANK", "0") != "0":
            return
        if target.startswith("fd:"):
            self._file = os.fdopen(int(target[3:]), "w", buffering=1, closefd=False)
        else:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            self._file = open(target, "w", buffering=1, encoding="utf-8")  # noqa: SIM115 (lives with the process)

    @property
    def active(self) -> bool:
        return self._file is not None

    def emit(self, event: str, **data) -> None:
        if self._file is None:
            return
        clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in data.items()}
        try:
            self._file.write(json.dumps({"event": event, **clean}, default=str) + "\n")
        except (BrokenPipeError, OSError):  # the reader went away: keep training, stop streaming
            self._file = None


_stream: JsonStream | None = None


def json_stream() -> JsonStream:
    """The process's progress stream, from $STUDYTUI_PROGRESS (set_json_target() overrides)."""
    global _stream
    if _stream is None:
        _stream = JsonStream(os.environ.get(PROGRESS_ENV))
    return _stream


def set_json_target(target: str | None) -> JsonStream:
    """Point the stream at `target` (the --progress-json flag); None keeps the environment's."""
    global _stream
    if target:
        _stream = JsonStream(target)
    return json_stream()


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
        self.epoch_no = 1  # the epoch the next steps belong to (set by epoch())
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
        json_stream().emit("start", demo=self.title, total_steps=self.total)
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
        json_stream().emit("step", step=self.done, epoch=self.epoch_no, **metrics)
        if self._rich is not None:
            self._rich.update(self._task, advance=n, metrics=format_metrics(self.metrics))
        elif self.done % self.every == 0 or self.done == self.total:
            print(f"{self.title} step {self.done}/{self.total} {self.elapsed:6.1f}s {format_metrics(self.metrics)}", flush=True)

    def epoch(self, epoch: int, line: str | None = None, **metrics) -> None:
        """End of an epoch: stream its metrics (and print `line` above the bar)."""
        json_stream().emit("epoch", epoch=epoch, **metrics)
        self.epoch_no = epoch + 1
        if line:
            self.print(line)

    def print(self, line: str) -> None:
        """A line of text above the bar (or in the log)."""
        if self._rich is not None:
            self._rich.console.print(line, markup=False, highlight=False)
        else:
            print(line, flush=True)


def print_summary(name: str, metrics: dict, out_dir: Path | None = None, files: list[Path] | None = None) -> None:
    """The final line every demo prints: `RESULT name: key=value ...`; also out_dir/summary.json."""
    stream = json_stream()
    if files:
        for f in files:
            print(f"saved {f}")
            stream.emit("saved", path=str(Path(f).resolve()))
    print(f"RESULT {name}: {format_metrics(metrics)}", flush=True)
    stream.emit("result", demo=name, **metrics)
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        (Path(out_dir) / "summary.json").write_text(json.dumps({"name": name, **metrics}, indent=2) + "\n")
