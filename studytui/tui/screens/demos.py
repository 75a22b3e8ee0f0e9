"""Demos: list the scripts in demos/, run one (`python demos/NAME.py --quick`) and watch it train.

The demo runs in an asyncio subprocess. Its human output streams into the log; its structured
progress (JSON lines on an inherited pipe, see studytui.lab.progress) feeds live curves: loss,
accuracy, and learning rate / momentum. When it finishes, the PNGs it saved are shown inline
(textual-image: kitty / sixel graphics where the terminal has them, half-block cells otherwise)
and listed by path. `x` stops the demo; `q` while it runs asks first.

Demos write their outputs under runs/ beside the database (the platformdirs user data dir by
default), never into the source tree or the installed package; the log of each TUI run is saved
there too (runs/logs/NAME.log).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Header, ProgressBar, RichLog, Static

from studytui.textsafe import clean
from studytui.tui.backend import DemoInfo


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


STEP = re.compile(r"\bstep (\d+)/(\d+)\b")
SAVED = re.compile(r"^saved (.+)$")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass
class Curves:
    """What the JSON progress stream said so far, as plot series (x = global step)."""

    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    acc: list[float] = field(default_factory=list)
    lr_steps: list[int] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    momentum: list[float] = field(default_factory=list)
    val_steps: list[int] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    saved: list[str] = field(default_factory=list)
    done: int = 0  # steps in this run's bar
    total: int = 0
    offset: int = 0  # a demo may run several bars (e.g. --compare): x keeps counting

    def feed(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "start":
            self.offset = self.steps[-1] if self.steps else 0
            self.total, self.done = int(event.get("total_steps") or 0), 0
        elif kind == "step":
            self.done = int(event.get("step", self.done + 1))
            x = self.offset + self.done
            if _number(event.get("loss")):
                self.steps.append(x)
                self.loss.append(float(event["loss"]))
                self.acc.append(float(event["acc"]) if _number(event.get("acc")) else float("nan"))
            if _number(event.get("lr")):
                self.lr_steps.append(x)
                self.lr.append(float(event["lr"]))
                self.momentum.append(float(event["momentum"]) if _number(event.get("momentum")) else float("nan"))
        elif kind == "epoch":
            if _number(event.get("val_loss")) or _number(event.get("val_acc")):
                self.val_steps.append(self.steps[-1] if self.steps else 0)
                self.val_loss.append(float(event["val_loss"]) if _number(event.get("val_loss")) else float("nan"))
                self.val_acc.append(float(event["val_acc"]) if _number(event.get("val_acc")) else float("nan"))
        elif kind == "saved" and event.get("path"):
            self.saved.append(str(event["path"]))


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _image_widget_class():
    """textual-image's best widget for this terminal.

    textual-image asks the terminal what it can draw when it is first imported, which is
    possible only before Textual owns the terminal (studytui imports it early where the terminal
    says it has graphics: see studytui.tui.graphics). Imported later, the query is skipped and
    half-block cells are used: they work in any colour terminal.
    """
    if "textual_image.widget" in sys.modules:
        from textual_image.widget import Image

        return Image
    real = sys.__stdout__
    sys.__stdout__ = io.StringIO()  # "not a terminal": no escape-sequence queries mid-session
    try:
        from textual_image.widget import HalfcellImage
    finally:
        sys.__stdout__ = real
    return HalfcellImage


class ConfirmLeave(ModalScreen[bool]):
    """`q` while a demo runs: stop it and leave, or stay."""

    DEFAULT_CSS = """
    ConfirmLeave { align: center middle; }
    #demo-confirm-text { width: 64; height: auto; padding: 1 2; border: thick $warning; background: $surface; }
    """

    BINDINGS = [Binding("y", "answer(True)", "Stop and leave"), Binding("n,escape,q", "answer(False)", "Keep running")]

    def __init__(self, demo: str, log_path: Path | None):
        super().__init__(id="demo-confirm")
        self.demo, self.log_path = demo, log_path

    def compose(self) -> ComposeResult:
        text = Text(f"{self.demo} is still running.\nStop it and leave this screen?  y = stop, n = keep it running")
        if self.log_path is not None:
            text.append(f"\nIts log so far is kept in {self.log_path}", style="dim")
        yield Static(text, id="demo-confirm-text")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class DemosScreen(Screen):
    DEFAULT_CSS = """
    #demo-live { height: 1fr; }
    #demo-live #demo-log { width: 1fr; height: 1fr; }
    #demo-plots { width: 1fr; height: 1fr; }
    .demo-plot { height: 1fr; min-height: 6; }
    #demo-images { height: 1fr; max-height: 24; border: round $primary 50%; }
    .demo-image { width: auto; height: 20; }
    """
    HELP = (
        "Each demo trains a small real network to show one idea (the quick mode takes about a minute "
        "on a laptop CPU). Enter runs the highlighted demo, x stops it; its output streams below, its "
        "loss, accuracy and learning-rate curves are drawn live, and the plots it saves are shown "
        "when it finishes."
    )
    BINDINGS = [
        Binding("enter", "run_selected", "Run", show=False),
        Binding("r", "run_selected", "Run"),
        Binding("x", "stop", "Stop"),
        Binding("c", "clear", "Clear log"),
        Binding("q,escape", "back", "Back"),
    ]

    def __init__(self, run: str | None = None):
        super().__init__(id="demos")
        self.autorun = run
        self.demos: list[DemoInfo] = []
        self.process: asyncio.subprocess.Process | None = None
        self.running: str | None = None
        self.saved: list[str] = []
        self.stopped = False
        self.curves = Curves()
        self.plot_updates = 0  # how many times the curves were redrawn (tests watch it)
        self.log_path: Path | None = None
        self._dirty = False

    def compose(self) -> ComposeResult:
        from textual_plotext import PlotextPlot  # imported when the screen opens, not at start-up

        yield Header()
        with Vertical(id="demos-body"):
            yield DataTable(id="demo-list", cursor_type="row", zebra_stripes=True)
            yield Static("Loading the demos…", id="demo-status")
            yield ProgressBar(id="demo-progress", show_eta=False)
            with Horizontal(id="demo-live"):
                yield RichLog(id="demo-log", wrap=True, markup=False, highlight=False, max_lines=5000)
                with Vertical(id="demo-plots"):
                    yield PlotextPlot(id="plot-loss", classes="demo-plot")
                    yield PlotextPlot(id="plot-acc", classes="demo-plot")
                    yield PlotextPlot(id="plot-lr", classes="demo-plot")
            yield VerticalScroll(id="demo-images")
        yield Footer(compact=True)

    async def on_mount(self) -> None:
        table = self.query_one("#demo-list", DataTable)
        table.add_columns("Demo", "What it shows", "Topics")
        backend = self.app.backend
        self.demos = await backend.call(backend.demos)
        for demo in self.demos:
            name = demo.name.removesuffix(".py")
            if not demo.exists:
                name = Text(f"{name} (missing)", style="dim")
            topics = ", ".join(demo.topics) or "—"
            table.add_row(name, _cut(demo.summary, 56), _cut(topics, 40), key=demo.name)
        status = self.query_one("#demo-status", Static)
        if not self.demos:
            status.update("No demos found in demos/. (They are plain scripts: demos/NAME.py.)")
        else:
            status.update("Enter runs the highlighted demo in its quick mode; x stops it.")
        self.query_one("#demo-progress").display = False
        self.query_one("#demo-plots").display = False
        self.query_one("#demo-images").display = False
        self.set_interval(0.3, self._redraw_if_dirty)
        table.focus()
        if self.autorun:
            self.start(self.autorun)

    def on_unmount(self) -> None:
        self._terminate()

    # --- where runs go -----------------------------------------------------------------------

    def runs_dir(self) -> Path:
        """runs/ beside the database: the user data dir by default, a temp dir in tests."""
        from studytui.paths import default_db_path

        db = self.app.backend.db_path
        return Path(db).expanduser().resolve().parent / "runs" if db else default_db_path().parent / "runs"

    # --- running -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "stop":
            return True if self.process is not None else None
        if action == "run_selected":
            return None if self.process is not None else True
        return True

    def action_run_selected(self) -> None:
        table = self.query_one("#demo-list", DataTable)
        if not self.demos or table.cursor_row < 0:
            return
        name = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        self.start(name)

    @on(DataTable.RowSelected, "#demo-list")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.start(event.row_key.value)

    def start(self, name: str) -> None:
        if self.process is not None:
            self.notify(f"{self.running} is still running; x stops it.", severity="warning", markup=False)
            return
        demo = next((d for d in self.demos if d.name == name), None)
        status = self.query_one("#demo-status", Static)
        if demo is None or not demo.exists or not demo.path.is_file():
            looked = str(demo.path) if demo else name
            status.update(Text.assemble(("Demo ", "bold red"), (clean(name), "bold red"), (" not found", "bold red"),
                                        f" (looked for {clean(looked)})."))
            return
        self._run(demo)

    @work(exclusive=True, group="demo")
    async def _run(self, demo: DemoInfo) -> None:
        log = self.query_one("#demo-log", RichLog)
        status = self.query_one("#demo-status", Static)
        bar = self.query_one("#demo-progress", ProgressBar)
        self.saved, self.stopped, self.running = [], False, demo.name
        self.curves = Curves()
        self._clear_images()
        runs = self.runs_dir()
        runs.mkdir(parents=True, exist_ok=True)
        self.log_path = runs / "logs" / f"{demo.path.stem}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        cwd = runs.parent  # relative paths a demo prints ("runs/NAME/x.png") resolve here
        command = [self.app.python, str(demo.path), "--quick"]
        log.write(f"$ {' '.join([Path(command[0]).name, *command[1:]])}")
        read_fd, write_fd = os.pipe()  # the demo's JSON progress comes back on this pipe
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg", "STUDYTUI_RUNS": str(runs),
               "STUDYTUI_PROGRESS": f"fd:{write_fd}"}
        try:
            self.process = await asyncio.create_subprocess_exec(
                *command, cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, pass_fds=(write_fd,),
                start_new_session=sys.platform != "win32",  # stop kills the demo and its children
            )
        except OSError as exc:
            os.close(read_fd)
            status.update(Text.assemble(("Could not start ", "bold red"), clean(demo.name), f": {clean(str(exc))}"))
            return
        finally:
            os.close(write_fd)  # the child has its copy: EOF arrives when it exits
        self.refresh_bindings()
        status.update(Text.assemble("Running ", (clean(demo.name), "bold"), " (quick mode)…   x stops it"))
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#demo-plots").display = True
        with self.log_path.open("w", encoding="utf-8") as log_file:
            await asyncio.gather(self._read_output(log, bar, cwd, log_file), self._read_progress(read_fd, bar))
        code = await self.process.wait()
        self.process = None
        self.running = None
        self.refresh_bindings()
        bar.display = False
        self._redraw()
        saved = list(dict.fromkeys(self.saved + self.curves.saved))
        plots = [p for p in saved if p.endswith((*IMAGE_SUFFIXES, ".svg", ".pdf"))]
        if self.stopped:
            status.update(Text(clean(f"Stopped {demo.name}. Log: {self.log_path}"), style="yellow"))
        elif code == 0:
            text = Text.assemble((f"{demo.name} finished.", "bold green"), " Saved:\n")
            text.append("\n".join(f"  {clean(p)}" for p in plots) or "  (it reported no plot)")
            status.update(text)
            self._show_images([p for p in plots if p.endswith(IMAGE_SUFFIXES) and Path(p).is_file()])
        else:
            status.update(Text.assemble((f"{demo.name} failed (exit {code}).", "bold red"),
                                        f" The log shows why ({self.log_path})."))

    async def _read_output(self, log: RichLog, bar: ProgressBar, cwd: Path, log_file) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            line = clean(raw.decode(errors="replace").rstrip())
            log.write(line)
            log_file.write(line + "\n")
            if not self.curves.total and (m := STEP.search(line)):  # demos without the JSON stream
                bar.update(total=int(m.group(2)), progress=int(m.group(1)))
            if m := SAVED.match(line.strip()):
                path = Path(m.group(1).strip())
                self.saved.append(str(path if path.is_absolute() else cwd / path))

    async def _read_progress(self, fd: int, bar: ProgressBar) -> None:
        """JSON lines from the demo's progress pipe -> curves (redrawn a few times a second)."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=1 << 20)
        transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                                    os.fdopen(fd, "rb", buffering=0))
        try:
            async for raw in reader:
                try:
                    event = json.loads(raw)
                except ValueError:
                    continue  # a torn or foreign line: skip it, keep reading
                if not isinstance(event, dict):
                    continue
                self.curves.feed(event)
                if self.curves.total:
                    bar.update(total=self.curves.total, progress=self.curves.done)
                self._dirty = True
        finally:
            transport.close()

    # --- drawing -----------------------------------------------------------------------------

    def _redraw_if_dirty(self) -> None:
        if self._dirty:
            self._redraw()

    def _redraw(self) -> None:
        from textual_plotext import PlotextPlot

        self._dirty = False
        c = self.curves

        def blank(plot_id: str, title: str):
            plt = self.query_one(plot_id, PlotextPlot).plt
            plt.clear_data()
            plt.clear_figure()
            plt.title(title)
            return plt

        for plot_id, title, train, val in (("#plot-loss", "loss", c.loss, c.val_loss),
                                           ("#plot-acc", "accuracy", c.acc, c.val_acc)):
            plt = blank(plot_id, title)
            if c.steps:
                plt.plot(c.steps, train, label="train (batch)", marker="braille")
            if c.val_steps:
                plt.plot(c.val_steps, val, label="val", marker="dot")
        lr = blank("#plot-lr", "learning rate / momentum")
        if c.lr_steps:
            lr.plot(c.lr_steps, c.lr, label="lr", marker="braille")
            if any(m == m for m in c.momentum):
                lr.plot(c.lr_steps, c.momentum, label="momentum", marker="braille", yside="right")
        for plot in self.query(".demo-plot"):
            plot.refresh()
        self.plot_updates += 1

    def _clear_images(self) -> None:
        images = self.query_one("#demo-images", VerticalScroll)
        images.remove_children()
        images.display = False

    def _show_images(self, paths: list[str]) -> None:
        if not paths:
            return
        try:
            image_class = _image_widget_class()
        except Exception:  # noqa: BLE001  (no graphics at all: the paths are listed already)
            return
        images = self.query_one("#demo-images", VerticalScroll)
        for path in paths:
            images.mount(Static(Text(clean(path), style="dim"), classes="demo-image-path"))
            images.mount(image_class(path, classes="demo-image"))
        images.display = True

    # --- stopping ----------------------------------------------------------------------------

    def _terminate(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        try:
            if sys.platform != "win32":
                os.killpg(self.process.pid, signal.SIGTERM)
            else:
                self.process.terminate()
        except ProcessLookupError:
            pass

    def action_stop(self) -> None:
        if self.process is None:
            self.notify("No demo is running.")
            return
        self.stopped = True
        self._terminate()

    def action_clear(self) -> None:
        self.query_one("#demo-log", RichLog).clear()

    def action_back(self) -> None:
        if self.process is None:
            self.app.pop_screen()
            return

        def answered(stop: bool | None) -> None:
            if stop:
                self.stopped = True
                self._terminate()
                self.app.pop_screen()

        self.app.push_screen(ConfirmLeave(self.running or "The demo", self.log_path), answered)
