"""Home: every topic with its due / new / learned counts and retention, and today's totals; with
an exam date (x), the days left, the exam-day forecast (overall and per topic) and today's plan."""

from __future__ import annotations

from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from rich.text import Text

from studytui.errors import StudytuiError
from studytui.textsafe import clean, clean_line
from studytui.tui.backend import HomeData
from studytui.tui.widgets.exam_readiness import exam_summary
from studytui.tui.widgets.format import percent

EMPTY_DECK = (
    "[b]No cards yet.[/b]\n\n"
    "Put topic files in [b]cards/[/b] (one YAML file per topic; `studytui check` validates them),\n"
    "or import your own notes: [b]studytui import NOTES.md[/b].\n\n"
    "Drills ([b]d[/b]) and demos ([b]m[/b]) work without any cards."
)


READ_ONLY = "Read-only database: you can look around, but no grade, drill or exam can be saved."

TOPIC_WIDTH = 44  # long titles are cut with … so the numbers stay visible


def _fit(text: str, width: int = TOPIC_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


class HomeScreen(Screen):
    """The topic list; enter reviews the highlighted topic, r reviews everything."""

    HELP = ("Pick a topic and press enter to review it, or r to review every due card. Press x to set "
            "your exam date: home then shows the recall predicted for that day and a daily plan.")
    BINDINGS = [
        Binding("r", "review_all", "Review"),
        Binding("d", "app.open('drill')", "Drill"),
        Binding("e", "app.open('exam')", "Exam"),
        Binding("s", "app.open('stats')", "Stats"),
        Binding("m", "app.open('demos')", "Demos"),
        Binding("c", "app.open('browser')", "Cards"),
        Binding("slash", "app.search", "Search", show=False),  # listed in f1 help; the footer keeps f1 at 80 columns
        Binding("x", "exam_date", "Exam date (plan and forecast)", show=False),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__(id="home")
        self.data: HomeData | None = None
        self._integrity_watched = False
        self._damage: str | None = None  # the failed integrity check's message, kept over reloads

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home-body"):
            yield Static("Loading your deck…", id="today")
            yield Static("", id="exam-readiness")
            yield DataTable(id="topics", cursor_type="row", zebra_stripes=True)
            yield Static("", id="home-message")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#home-message").display = False
        self.query_one("#exam-readiness").display = False
        table = self.query_one("#topics", DataTable)
        self.topic_width = max(24, min(TOPIC_WIDTH, self.app.size.width - 56))  # the numbers fit at 80 columns
        table.add_column("Topic", key="topic", width=self.topic_width)
        for label in ("Due", "New", "Learned", "Retention"):
            table.add_column(label, key=label.lower())
        table.add_column("Demo", key="demo")
        # load after the first frame: the database thread's imports would otherwise compete with it
        self.call_after_refresh(self.refresh_data)

    def on_screen_resume(self) -> None:
        self.refresh_data()  # counts change after a review / drill / exam

    def refresh_data(self) -> None:
        self.run_worker(self._load(), exclusive=True, group="home-load")

    async def _load(self) -> None:
        try:
            data = await self.app.backend.call(self.app.backend.home_data)
        except StudytuiError as exc:
            self._show_error(str(exc))
            return
        if self._damage is not None:
            self._show_error(self._damage)
            return
        self.data = data
        self._show_data(data)
        if not self._integrity_watched:  # once: its own worker, so a reload does not cancel it
            self._integrity_watched = True
            self.run_worker(self._watch_integrity(), group="integrity")

    async def _watch_integrity(self) -> None:
        """The database is checked in the background while home shows (writes wait for the
        check): a damaged file is said here at once, not only when the first grade is refused."""
        import asyncio

        from studytui.study.store import DatabaseDamaged

        try:
            await asyncio.to_thread(self.app.backend.wait_for_integrity_check)
        except DatabaseDamaged as exc:
            self.data, self._damage = None, str(exc)
            self._show_error(self._damage)

    def _show_error(self, message: str) -> None:
        # the message holds a path and file content: text, never markup (`[/]` in a folder name)
        self.query_one("#today", Static).update(Text.assemble(("Cannot open the database", "b red"), "\n", clean(message)))
        self.query_one("#topics", DataTable).display = False
        self.query_one("#exam-readiness").display = False

    def _show_data(self, data: HomeData) -> None:
        today = self.query_one("#today", Static)
        today.update(
            f"Today: [b]{data.reviews_today}[/b] reviewed  [b]{data.due}[/b] due  "
            f"[b]{data.new}[/b] new today ({data.new_studied}/{data.new_limit} done)  "
            f"{data.learned} learned  retention {percent(data.retention)}"
            + (f"\n[b $warning]{READ_ONLY}[/]" if data.read_only else "")
        )
        table = self.query_one("#topics", DataTable)
        cursor = table.cursor_row
        table.clear()
        exam = data.exam
        self._show_exam(exam)
        by_topic = exam["forecast"]["by_topic"] if exam and exam["forecast"] else None
        if (by_topic is not None) != ("exam" in table.columns):  # the forecast column only with an exam date
            if by_topic is not None:
                table.add_column("Exam day", key="exam")
            else:
                table.remove_column("exam")
        for row in data.rows:
            cells = [Text(_fit(clean_line(row.title), self.topic_width)), str(row.due), str(row.new), str(row.learned),
                     percent(row.retention), Text(clean_line(row.demo or "—").removesuffix(".py"))]
            if by_topic is not None:
                cells.append(percent(by_topic.get(row.topic)))
            table.add_row(*cells, key=row.topic)
        table.display = not data.empty
        if data.rows:
            table.move_cursor(row=min(cursor, len(data.rows) - 1))
            table.focus()
        message = self.query_one("#home-message", Static)
        notes: list[Text] = []
        if data.empty:
            notes.append(Text.from_markup(EMPTY_DECK))
        if data.problems:  # the problems quote the files (keys, values): shown as text
            shown = "\n".join(clean(p) for p in data.problems[:2])
            more = f"\n… and {len(data.problems) - 2} more (run `studytui check`)" if len(data.problems) > 2 else ""
            notes.append(Text.assemble(("Some topic files were skipped:", "b yellow"), f"\n{shown}{more}"))
        message.update(Text("\n\n").join(notes))
        message.display = bool(notes)
        if data.db_created and self.app.options.pop("announce_new_db", False):
            # said once, so a mistyped --db is noticed before any study goes into a new file
            self.notify(f"Created a new database at {clean_line(data.db_path)}", markup=False, timeout=10)

    def _show_exam(self, exam: dict | None) -> None:
        box = self.query_one("#exam-readiness", Static)
        box.display = exam is not None
        if exam is not None:
            box.update(exam_summary(exam))

    def action_exam_date(self) -> None:
        from studytui.tui.screens.exam_date import ExamDateDialog

        current = self.data.exam and self.data.exam["date"] if self.data else None
        # home reloads when the box closes (on_screen_resume), showing the new plan
        self.app.push_screen(ExamDateDialog(date.fromisoformat(current) if current else None))

    @on(DataTable.RowSelected, "#topics")
    def review_topic(self, event: DataTable.RowSelected) -> None:
        self.app.open_screen("review", topic=event.row_key.value)

    def action_review_all(self) -> None:
        self.app.open_screen("review")
