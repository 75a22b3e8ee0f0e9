"""Demos: list the scripts in demos/, run one (`python demos/NAME.py --quick`) with its output
streaming into a log, its progress on a bar, `x` to stop it, and its saved plots listed at the end.

The demo runs in an asyncio subprocess: the event loop only ever awaits its output lines.
Demos print `... step N/T ...` progress lines and `saved PATH` for each file they write.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, ProgressBar, RichLog, Static

from studytui.tui.backend import DemoInfo

def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


STEP = re.compile(r"\bstep (\d+)/(\d+)\b")
SAVED = re.compile(r"^saved (.+)$")


class DemosScreen(Screen):
    HELP = (
        "Each demo trains a small real network to show one idea (the quick mode takes about a minute "
        "on a laptop CPU). Enter runs the highlighted demo, x stops it; its output streams below and "
        "the plots it saves are listed when it finishes."
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

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="demos-body"):
            yield DataTable(id="demo-list", cursor_type="row", zebra_stripes=True)
            yield Static("Loading the demos…", id="demo-status")
            yield ProgressBar(id="demo-progress", show_eta=False)
            yield RichLog(id="demo-log", wrap=True, markup=False, highlight=False, max_lines=5000)
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
        table.focus()
        if self.autorun:
            self.start(self.autorun)

    def on_unmount(self) -> None:
        self._terminate()

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
            self.notify(f"{self.running} is still running; x stops it.", severity="warning")
            return
        demo = next((d for d in self.demos if d.name == name), None)
        status = self.query_one("#demo-status", Static)
        if demo is None or not demo.exists or not demo.path.is_file():
            status.update(f"[b red]Demo '{name}' not found[/b red] (looked for {demo.path if demo else name}).")
            return
        self._run(demo)

    @work(exclusive=True, group="demo")
    async def _run(self, demo: DemoInfo) -> None:
        log = self.query_one("#demo-log", RichLog)
        status = self.query_one("#demo-status", Static)
        bar = self.query_one("#demo-progress", ProgressBar)
        self.saved, self.stopped, self.running = [], False, demo.name
        cwd = demo.path.parent.parent  # the project root: demos write runs/NAME/ there
        command = [self.app.python, str(demo.path), "--quick"]
        log.write(f"$ {' '.join([Path(command[0]).name, *command[1:]])}")
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg"}
        try:
            self.process = await asyncio.create_subprocess_exec(
                *command, cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                start_new_session=sys.platform != "win32",  # stop kills the demo and its children
            )
        except OSError as exc:
            status.update(f"[b red]Could not start {demo.name}:[/b red] {exc}")
            return
        self.refresh_bindings()
        status.update(f"Running [b]{demo.name}[/b] (quick mode)…   x stops it")
        bar.update(total=None, progress=0)
        bar.display = True
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            line = raw.decode(errors="replace").rstrip()
            log.write(line)
            if m := STEP.search(line):
                bar.update(total=int(m.group(2)), progress=int(m.group(1)))
            if m := SAVED.match(line.strip()):
                path = Path(m.group(1).strip())
                self.saved.append(str(path if path.is_absolute() else cwd / path))
        code = await self.process.wait()
        self.process = None
        self.running = None
        self.refresh_bindings()
        bar.display = False
        plots = [p for p in self.saved if p.endswith((".png", ".svg", ".pdf"))]
        if self.stopped:
            status.update(f"[b yellow]Stopped {demo.name}.[/b yellow]")
        elif code == 0:
            shown = "\n".join(f"  {p}" for p in plots) or "  (it reported no plot)"
            status.update(f"[b green]{demo.name} finished.[/b green] Saved:\n{shown}")
        else:
            status.update(f"[b red]{demo.name} failed (exit {code}).[/b red] The log shows why.")

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
        if self.process is not None:
            self.stopped = True
            self._terminate()
        self.app.pop_screen()
