"""Card browser: every card with its marks, filtered, so suspending is never a one-way door.

Filters: 1 all, 2 suspended, 3 buried, 4 flagged, 5 leeches; t steps through the topics; / types a
search. On the highlighted card: u unsuspends, b unburies, f flags or unflags, enter previews it,
o reviews its topic.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from studytui.errors import StudytuiError
from studytui.study.browse import BrowseFilter, CardRow
from studytui.textsafe import clean_line
from studytui.words import fit, plural

MARK_FILTER_KEYS = {"all": None, "suspended": "suspended", "buried": "buried", "flagged": "flagged", "leech": "leech"}
PAGE = 500  # rows put in the table at a time (more as the cursor reaches the last): a table of
# 20,000 rows took seconds to build, and was built again at every key typed in the search
SEARCH_PAUSE_S = 0.25  # the search runs once typing pauses this long
MARK_SYMBOLS = {"suspended": "S", "buried": "B", "flagged": "⚑", "leech": "L"}


def _fit(text: str, width: int) -> str:
    return fit(clean_line(text), width)


class BrowserScreen(Screen):
    AUTO_FOCUS = "#browser-table"  # keys are filters and actions; / moves into the search box
    HELP = ("Every card and its marks. Pick a filter (1 all, 2 suspended, 3 buried, 4 flagged, "
            "5 leeches), t for a topic, / to search. Then act on the highlighted card: u unsuspend, "
            "b unbury, f flag / unflag, enter preview, o review its topic. Marks: S suspended, "
            "B buried, ⚑ flagged, L leech.")
    BINDINGS = [
        Binding("1", "show('all')", "All"),
        Binding("2", "show('suspended')", "Suspended"),
        Binding("3", "show('buried')", "Buried", show=False),  # all keys are in f1 help; the footer keeps the common ones
        Binding("4", "show('flagged')", "Flagged"),
        Binding("5", "show('leech')", "Leeches", show=False),
        Binding("t", "next_topic", "Topic", show=False),
        Binding("slash", "search", "Search"),
        Binding("u", "act('unsuspend')", "Unsuspend"),
        Binding("b", "act('unbury')", "Unbury"),
        Binding("f", "toggle_flag", "Flag"),
        Binding("enter", "preview", "Preview", show=False),
        Binding("o", "open_topic", "Review topic", show=False),
        Binding("escape", "leave_search", "Leave search", show=False),
        Binding("q", "back", "Back"),
    ]

    def __init__(self, marks: str = "all", topic: str | None = None):
        super().__init__(id="browser")
        self.filter = BrowseFilter(topic=topic)
        self.filter = self._with_mark(marks)
        self.ids: list[str] = []  # every card that passes the filter ...
        self.rows: list[CardRow] = []  # ... and the rows of those the table holds (the first ones)
        self.topics: list[tuple[str, str]] = []  # (id, title)
        self.loaded = False
        self._search_timer = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="browser-body"):
            with Horizontal(id="browser-bar"):
                yield Static("", id="browser-filter")
                yield Input(placeholder="/ search cards", id="browser-search")
            yield DataTable(id="browser-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="browser-empty")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#browser-table", DataTable)
        table.add_column("Marks", key="marks", width=5)
        table.add_column("Card", key="card", width=26)
        table.add_column("Topic", key="topic", width=18)
        self.question_width = max(20, self.app.size.width - 62)  # the rest of the row, cut with …
        table.add_column("Question", key="question", width=self.question_width)
        self.query_one("#browser-empty").display = False
        self.run_worker(self._start(), exclusive=True, group="browser")

    async def _start(self) -> None:
        backend = self.app.backend
        try:
            self.topics = await backend.call(backend.topic_list)
        except StudytuiError as exc:
            self.query_one("#browser-filter", Static).update(Text(f"Cannot open the database: {exc}"))
            return
        await self._reload()

    # --- loading -----------------------------------------------------------------------------

    def _with_mark(self, mark: str) -> BrowseFilter:
        chosen = MARK_FILTER_KEYS[mark]
        return replace(self.filter, **{m: m == chosen for m in ("suspended", "buried", "flagged", "leech")})

    async def _reload(self) -> None:
        backend = self.app.backend
        table = self.query_one("#browser-table", DataTable)
        keep = table.cursor_row
        self.ids = await backend.call(backend.browse, self.filter)
        first = await backend.call(backend.browse_rows, self.ids[:max(PAGE, keep + 1)])
        table.clear()
        self.rows = []
        self._add_rows(first)
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))
        self._describe()
        empty = self.query_one("#browser-empty", Static)
        empty.update(Text(f"No cards here ({self.filter.describe()}). 1 shows every card."))  # the search typed is text
        empty.display = not self.rows
        table.display = bool(self.rows)
        self.loaded = True
        if not self.query_one("#browser-search", Input).has_focus:
            table.focus()

    def _add_rows(self, rows: list[CardRow]) -> None:
        """Put `rows` at the end of the table. Cells are Text: card text is never markup."""
        table = self.query_one("#browser-table", DataTable)
        titles = dict(self.topics)
        for row in rows:
            marks = "".join(MARK_SYMBOLS[m] for m in row.marks)
            table.add_row(Text(marks), Text(_fit(row.card_id, 26)), Text(_fit(titles.get(row.topic, row.topic), 18)),
                          Text(_fit(row.question, self.question_width)), key=row.card_id)
        self.rows += rows

    def _describe(self) -> None:
        titles = dict(self.topics)
        topic = titles.get(self.filter.topic, "every topic") if self.filter.topic else "every topic"
        listed = len(self.rows)
        more = f" · the first {listed:,} listed, more as you go down" if listed < len(self.ids) else ""
        self.query_one("#browser-filter", Static).update(Text.assemble(
            (plural(len(self.ids), "card"), "bold"), f" · {self.filter.describe()} · {clean_line(topic)}{more}"))

    @on(DataTable.RowHighlighted, "#browser-table")
    def _maybe_more(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self.rows) - 1 and len(self.rows) < len(self.ids):
            self.run_worker(self._more(), exclusive=True, group="browser-more")

    async def _more(self) -> None:
        backend, ids = self.app.backend, self.ids
        rows = await backend.call(backend.browse_rows, ids[len(self.rows):len(self.rows) + PAGE])
        if ids is self.ids:  # not reloaded meanwhile
            self._add_rows(rows)
            self._describe()

    @property
    def current(self) -> CardRow | None:
        table = self.query_one("#browser-table", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    # --- filters -----------------------------------------------------------------------------

    async def action_show(self, mark: str) -> None:
        self.filter = self._with_mark(mark)
        await self._reload()

    async def action_next_topic(self) -> None:
        ids = [None, *(t for t, _ in self.topics)]
        at = ids.index(self.filter.topic) if self.filter.topic in ids else 0
        self.filter = replace(self.filter, topic=ids[(at + 1) % len(ids)])
        await self._reload()

    def action_search(self) -> None:
        self.query_one("#browser-search", Input).focus()

    def action_leave_search(self) -> None:
        self.query_one("#browser-table", DataTable).focus()

    @on(Input.Changed, "#browser-search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_PAUSE_S, lambda: self._search(event.value))

    async def _search(self, text: str) -> None:
        self._search_timer = None
        self.filter = replace(self.filter, search=text)
        await self._reload()

    @on(Input.Submitted, "#browser-search")
    def _search_done(self) -> None:
        self.query_one("#browser-table", DataTable).focus()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        typing = self.is_mounted and self.query_one("#browser-search", Input).has_focus
        if typing and action not in ("leave_search", "back"):
            return False  # letters go to the search box
        return True

    # --- actions on the highlighted card -----------------------------------------------------

    async def action_act(self, kind: str) -> None:
        row = self.current
        if row is None:
            return
        already = {"unsuspend": not row.suspended, "unbury": not row.buried}[kind]
        if already:
            self.notify(f"{row.card_id} is not {'suspended' if kind == 'unsuspend' else 'buried'}.", markup=False)
            return
        await self._mark(row, kind)
        self.notify({"unsuspend": "Unsuspended: back in review.", "unbury": "Unburied: back today."}[kind])

    async def action_toggle_flag(self) -> None:
        row = self.current
        if row is None:
            return
        await self._mark(row, "unflag" if row.flagged else "flag")
        self.notify("Flag removed." if row.flagged else "Flagged.")

    async def _mark(self, row: CardRow, kind: str) -> None:
        backend = self.app.backend
        await backend.call(backend.mark, row.card_id, kind)
        await self._reload()

    def action_preview(self) -> None:
        row = self.current
        if row is None:
            return
        from studytui.tui.screens.card_preview import CardPreview

        title = dict(self.topics).get(row.topic, row.topic)
        self.app.push_screen(CardPreview(row.card_id, title, row.question, row.answer))

    @on(DataTable.RowSelected, "#browser-table")
    def _selected(self) -> None:
        self.action_preview()

    def action_open_topic(self) -> None:
        row = self.current
        if row is not None:
            self.app.open_screen("review", topic=row.topic)

    def on_screen_resume(self) -> None:
        if self.loaded:  # a review opened from here may have changed marks
            self.run_worker(self._reload(), exclusive=True, group="browser")

    def action_back(self) -> None:
        self.app.pop_screen()
