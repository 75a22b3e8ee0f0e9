"""The studytui terminal app: the shell that holds the screens.

    run_app(db_path=None, screen="home", **options)     # what `studytui` and its commands call
    app = make_app(db_path=tmp, cards_dir=deck, clock=fixed_clock)   # tests build it directly

Start-up is kept light on purpose: only Textual and the home screen are imported here; the study
core (pydantic, fsrs, SQLite) loads on the database thread after the first frame, and each other
screen (drills pull in sympy, stats pull in plotext, torch only inside a worker) is imported when
it opens.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterable

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen

from studytui.tui.backend import Backend, Clock
from studytui.tui.screens.home import HomeScreen

SCREENS = ("home", "review", "drill", "exam", "stats", "demos", "browser")
MIN_SIZE = (80, 24)


class StudyApp(App[None]):
    """Cards, drills, exams, stats and demos, keyboard first."""

    CSS_PATH = "studytui.tcss"
    TITLE = "studytui"
    SUB_TITLE = "CNN & ResNet theory"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("ctrl+t", "toggle_dark", "Light/dark", show=False),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, backend: Backend, start: str = "home", options: dict[str, Any] | None = None,
                 python: str = sys.executable):
        super().__init__()
        if start not in SCREENS:
            raise ValueError(f"unknown screen {start!r}; one of {', '.join(SCREENS)}")
        self.backend = backend
        self.start = start
        self.options = dict(options or {})
        self.python = python  # the interpreter that runs demos
        self._theme_given = "theme" in self.options  # a theme passed in wins over the remembered one
        self.theme = self.options.pop("theme", "textual-dark")
        self._booted = False

    def get_default_screen(self) -> Screen:
        return HomeScreen()  # the bottom of the stack: one screen to build at start-up, not two

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        if not self._theme_given:
            self.run_worker(self._restore_theme(self.theme), group="theme")
        if self.start != "home":
            self.open_screen(self.start, **self.options)
        self._booted = True
        self._check_size()

    async def _restore_theme(self, started_with: str) -> None:
        """The theme the user chose last time (kept in the database's meta table)."""
        try:
            saved = await self.backend.call(self.backend.saved_theme)
        except Exception:  # no readable database: the default theme
            saved = None
        # a theme picked meanwhile (ctrl+t before the database answered) is the newer choice
        if saved in self.available_themes and saved != self.theme and self.theme == started_with:
            self.theme = saved

    def _remember_theme(self, theme) -> None:
        # submitted at once (not in a worker that may not start before a quit): the database
        # thread saves it before it closes the session
        self.backend.submit(self.backend.save_theme, theme.name)

    def on_unmount(self) -> None:
        self.backend.close()

    # --- navigation --------------------------------------------------------------------------

    def open_screen(self, name: str, **options: Any) -> None:
        """Open one of the main screens on top of home (each is imported on first use)."""
        self.push_screen(build_screen(name, **options))

    def action_open(self, name: str) -> None:
        self.open_screen(name)

    def action_go_home(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def action_help(self) -> None:
        from studytui.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        else:
            self.push_screen(HelpScreen(self.screen))

    async def action_quit(self) -> None:
        """Quit, but ask first when a review holds grades the database has not taken yet."""
        unsaved = [s for s in self.screen_stack if getattr(s, "unsaved", None)]
        if not unsaved:
            self.exit()
            return
        from studytui.tui.screens.confirm import Confirm
        from studytui.tui.screens.review import unsaved_message

        review = unsaved[-1]

        def leave(yes: bool | None) -> None:
            if yes:
                review.unsaved.clear()
                review.left = True
                self.exit()

        self.push_screen(Confirm(*unsaved_message(len(review.unsaved), review.save_problem), yes="quit, lose them"), leave)

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("Home", "Back to the topic list", self.action_go_home)
        yield SystemCommand("Review", "Review the due cards of every topic", lambda: self.open_screen("review"))
        yield SystemCommand("Drill", "Generated shape / params / RF / MACs problems", lambda: self.open_screen("drill"))
        yield SystemCommand("Exam", "A timed mock exam across topics", lambda: self.open_screen("exam"))
        yield SystemCommand("Stats", "Heatmap, forecast, retention, drill accuracy, exams", lambda: self.open_screen("stats"))
        yield SystemCommand("Demos", "Run the training demos with live output", lambda: self.open_screen("demos"))
        yield SystemCommand("Browse cards", "Suspended, buried, flagged and leech cards: unsuspend, unbury, unflag",
                            lambda: self.open_screen("browser"))
        yield SystemCommand("Search cards", "Find a card by its question or answer", self.action_search)
        yield SystemCommand("Exam date", "Set or clear your exam date: a daily plan and the exam-day forecast on home",
                            self.action_exam_date)
        yield SystemCommand("Help", "Every key of this screen", self.action_help)
        yield SystemCommand("Light / dark", "Switch between the light and dark theme", self.action_toggle_dark)
        yield from super().get_system_commands(screen)

    def action_exam_date(self) -> None:
        self.run_worker(self._ask_exam_date(), group="exam-date")

    async def _ask_exam_date(self) -> None:
        from studytui.tui.screens.exam_date import ExamDateDialog

        current = await self.backend.call(self.backend.exam_date)
        self.push_screen(ExamDateDialog(current))

    def action_search(self) -> None:
        from textual.command import CommandPalette

        from studytui.tui.search import CardSearch

        self.push_screen(CommandPalette(providers=[CardSearch], placeholder="Search cards…"))

    # --- a terminal that is too small --------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        if self._booted:  # after on_mount built the stack
            self._check_size(event.size)

    def _check_size(self, size: Size | None = None) -> None:
        from studytui.tui.screens.too_small import TooSmallScreen

        size = size or self.size
        small = size.width < MIN_SIZE[0] or size.height < MIN_SIZE[1]
        showing = isinstance(self.screen, TooSmallScreen)
        if small and not showing:
            self.push_screen(TooSmallScreen(MIN_SIZE))
        elif not small and showing and self.screen.is_current:
            self.screen.dismiss()


def build_screen(name: str, **options: Any) -> Screen:
    """The screen called `name`; options are the ones `run_app` passes (topic, kind, level...)."""
    if name == "home":
        return HomeScreen()
    if name == "review":
        from studytui.tui.screens.review import ReviewScreen

        return ReviewScreen(topic=options.get("topic"))
    if name == "drill":
        from studytui.tui.screens.drill import DrillScreen

        return DrillScreen(kind=options.get("kind"), level=options.get("level"), seed=options.get("seed"),
                           aim=options.get("aim", True))
    if name == "exam":
        from studytui.tui.screens.exam import ExamScreen

        return ExamScreen(minutes=options.get("minutes"), questions=options.get("questions"), seed=options.get("seed"))
    if name == "stats":
        from studytui.tui.screens.stats import StatsScreen

        return StatsScreen()
    if name == "demos":
        from studytui.tui.screens.demos import DemosScreen

        return DemosScreen(run=options.get("demo"))
    if name == "browser":
        from studytui.tui.screens.browser import BrowserScreen

        return BrowserScreen(marks=options.get("marks", "all"), topic=options.get("topic"))
    raise ValueError(f"unknown screen {name!r}")


def make_app(db_path: str | Path | None = None, *, screen: str = "home", cards_dir: str | Path | None = None,
             demos_dir: str | Path | None = None, clock: Clock | None = None, python: str = sys.executable,
             **options: Any) -> StudyApp:
    """Build the app without running it (tests pass a temp db, a fixture deck and a fixed clock)."""
    backend = Backend(db_path, cards_dir=Path(cards_dir) if cards_dir else None,
                      demos_dir=Path(demos_dir) if demos_dir else None, clock=clock)
    return StudyApp(backend, start=screen, options={k: v for k, v in options.items() if v is not None},
                    python=python)


def run_app(db_path: str | Path | None = None, screen: str = "home", **options: Any) -> None:
    """Run the TUI until the user quits (`studytui`, `studytui review`, `studytui drill KIND`...).

    Without a terminal (a script, cron, `< /dev/null`) it says so and exits 1 instead of running
    blind forever; a crash inside the app exits non-zero too."""
    from studytui.errors import StudytuiError
    from studytui.tui.graphics import preload_graphics

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise StudytuiError("the terminal app needs a terminal (stdin/stdout is not one); in scripts use "
                            "`studytui stats`, `studytui drill KIND --plain` or `--json`")
    preload_graphics()  # kitty/sixel detection must happen before Textual owns the terminal
    store = sys.modules.get("studytui.study.store")
    if store is not None:  # the CLI's "creating a new database" line would land inside the TUI
        store.on_create = None
    options.setdefault("announce_new_db", True)  # the home screen says it instead
    app = make_app(db_path, screen=screen, **options)
    app.run()
    if app.return_code:
        sys.exit(app.return_code)
