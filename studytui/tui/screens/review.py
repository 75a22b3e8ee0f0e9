"""Review: one card at a time; space reveals, 1-4 grade (each button shows its next interval).

Every grade is awaited on the database thread (the store commits before `answer` returns) and
only then is the next card asked for, so a grade is always saved before the next card appears.
Grade keys pressed while a grade is being saved are ignored: no card is on screen then, and a
grade is only ever given to a card the student has seen (see `_save_grade` for a busy database).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, ProgressBar, Static

from rich.markup import escape
from rich.text import Text

from studytui.errors import StudytuiError
from studytui.textsafe import clean
from studytui.tui.safe import in_background, reports_errors
from studytui.tui.widgets.card_view import CardView
from studytui.tui.widgets.rubric import RubricChecklist
from studytui.tui.widgets.format import duration

GRADES = ((1, "Again"), (2, "Hard"), (3, "Good"), (4, "Easy"))
PHASE_STYLE = {"new": "b $accent", "learning": "b $warning", "relearning": "b $error", "review": "b $success"}


@dataclass(frozen=True)
class PendingGrade:
    card_id: str
    rating: int
    duration_ms: int | None
    at: datetime  # when it was given: that is the time the log records, however late the write


def unsaved_message(count: int, problem: str | None) -> tuple[str, str]:
    """(question, detail) for the Confirm screen shown before leaving with unsaved grades."""
    grades = f"{count} grade{'s' * (count != 1)}"
    return (f"{grades} not saved yet. Leave anyway and lose {'them' if count > 1 else 'it'}?",
            f"Why: {problem or 'the database is busy'}. Stay, and it is saved as soon as the database allows.")


FLAG_NOTE = "   ⚑ flagged"


def _flag_note(flagged: bool) -> str:
    return f"[b $warning]{FLAG_NOTE}[/]" if flagged else ""


class ReviewScreen(Screen):
    HELP = (
        "Read the question, answer it in your head, then press space to see the answer and grade "
        "yourself honestly: 1 Again (forgot), 2 Hard, 3 Good, 4 Easy. The interval on each button "
        "is when the card comes back (space on the answer side is Good, as in Anki). u takes back "
        "the last action: a grade, suspend, bury or flag. After the day's new cards, + lets 10 more in. "
        "Cloze cards: fill the blank [...]. Essay cards: write or think a full answer, press space, "
        "then tick the points you made (1-8, or space on a point) and press enter: every point is "
        "Good, at least half Hard, fewer Again; e is Easy once every point is ticked. A card's note "
        "appears after its answer."
    )
    EXTRA_KEYS = [("1-8 (essay)", "tick rubric point N"), ("space (essay)", "tick the highlighted point"),
                  ("enter (essay)", "grade from the ticks"), ("e (essay)", "Easy: every point ticked")]
    BINDINGS = [
        Binding("space", "reveal", "Show answer"),
        Binding("enter", "reveal", "Show answer", show=False),
        # on the answer side reveal is off, so space / enter fall through to Good (as in Anki)
        Binding("space,enter", "grade(3)", "Good", show=False),
        Binding("1", "grade(1)", "Again", show=False),  # the buttons show key + interval
        Binding("2", "grade(2)", "Hard", show=False),  # the buttons show key + interval
        Binding("3", "grade(3)", "Good", show=False),  # the buttons show key + interval
        Binding("4", "grade(4)", "Easy", show=False),  # the buttons show key + interval
        Binding("u", "undo", "Undo"),
        Binding("o", "demo", "Demo"),
        Binding("s", "mark('suspend')", "Suspend"),
        Binding("b", "mark('bury')", "Bury"),
        Binding("f", "flag", "Flag"),
        Binding("plus", "study_more", "+10 new", show=False),
        Binding("q,escape", "back", "Back"),
    ]

    def __init__(self, topic: str | None = None):
        super().__init__(id="review")
        self.topic = topic
        self.item = None
        self.revealed = False
        self.finished = False
        self.grades: list[int] = []
        self.meta = ""  # the card's header line (topic, phase), the flag note goes after it
        self.actions = 0  # grades, suspends, buries and flags this screen can still take back
        self.started: datetime | None = None
        self.shown_at: datetime | None = None
        self.unsaved: list[PendingGrade] = []  # typed but not yet in the database
        self.save_problem: str | None = None
        self.left = False  # the student left with unsaved grades (and said so)

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="review-body"):
            with Horizontal(id="review-status"):
                yield Static("", id="queue")
                yield ProgressBar(id="session-progress", show_eta=False)
            yield Static("", id="save-status")
            yield CardView(id="card")
            yield Static("", id="summary")
            with Horizontal(id="grades"):
                yield Button("Show answer  (space)", id="reveal", variant="primary")
                for n, name in GRADES:
                    yield Button(f"{n} {name}", id=f"grade-{n}", classes=f"grade grade-{name.lower()}")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for button in self.query(Button):
            button.can_focus = False  # keys belong to the screen: space/enter reveal, 1-4 grade
        self.query_one("#summary").display = False
        self.query_one("#save-status").display = False
        self.query_one(CardView).verdict = rubric_verdict
        self.started = self.app.backend.now()
        self.run_worker(self._advance(), group="review")

    # --- state -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "reveal":
            return self.item is not None and not self.revealed
        if action == "grade":  # an essay's grade follows from its rubric ticks (RubricChecklist)
            return self.item is not None and self.revealed and not self.query_one(CardView).is_essay
        if action in ("mark", "flag", "demo"):
            return self.item is not None
        if action == "undo":
            return True if self.actions else None
        if action == "study_more":
            return self.finished
        return True

    def _set_revealed(self, shown: bool) -> None:
        self.revealed = shown
        self.query_one(CardView).reveal(shown)
        self.query_one("#reveal").display = not shown and self.item is not None
        for button in self.query(".grade"):
            button.display = shown and not self.query_one(CardView).is_essay
        self.refresh_bindings()

    async def _advance(self) -> None:
        """Ask the core for the next card (after the last grade is committed) and show it."""
        backend = self.app.backend
        try:
            item = await backend.call(backend.next_item, self.topic)
        except StudytuiError as exc:
            self._finish(Text.assemble(("Cannot review:", "b red"), f" {clean(str(exc))}"))
            return
        await self._show(item)

    async def _show(self, item) -> None:
        backend = self.app.backend
        self.item = None  # set again once the card is fully on screen: keys act on what is shown
        await self._update_queue()
        if item is None:
            self._finish(await self._end_message())
            return
        self.finished = False
        self.query_one("#summary").display = False
        card_view = self.query_one(CardView)
        card_view.display = True
        title = await backend.call(backend.topic_title, item.topic)
        title = escape(title)  # a deck's title is text, not markup
        phase = f"[{PHASE_STYLE.get(item.phase, 'b')}]{item.phase}[/]"
        edited = "   [i]edited since your last review[/i]" if item.edited else ""
        self.meta = f"{title}  ·  {phase}{edited}"
        flagged = await backend.call(backend.is_flagged, item.card_id)
        await card_view.show_card(item.card, self.meta + _flag_note(flagged))
        labels = await backend.call(backend.button_labels, item.card_id)
        for n, name in GRADES:
            self.query_one(f"#grade-{n}", Button).label = f"{n} {name}  {labels.get(name, '')}"
        self.shown_at = backend.now()
        self.item = item
        self._set_revealed(False)

    async def _update_queue(self) -> None:
        backend = self.app.backend
        counts = await backend.call(backend.queue_counts, self.topic)
        done = len(self.grades)
        title = await backend.call(backend.topic_title, self.topic)
        title = escape(title)  # a deck's title is text, not markup
        self.query_one("#queue", Static).update(
            f"[b]{title}[/b]   done {done}   due {counts['due']}   new {counts['new']}"
        )
        bar = self.query_one("#session-progress", ProgressBar)
        remaining = counts["due"] + counts["new"]
        bar.update(total=max(done + remaining, 1), progress=done)

    async def _end_message(self) -> str:
        backend = self.app.backend
        empty = not await backend.call(lambda: len(backend.session().deck.cards))
        if empty:
            return ("[b]The deck is empty.[/b]\n\nAdd topic files under cards/ or import notes with "
                    "`studytui import NOTES.md`; drills (d on the home screen) need no cards.")
        limit = await backend.call(backend.new_limit, self.topic)
        more = ""
        if limit.reached:  # the daily limit, not an empty deck, is what stops the session
            more = (f"\n\n[b]{limit.studied} new card{'s' * (limit.studied != 1)} done today[/b] — "
                    f"{limit.waiting} more wait for tomorrow. Press [b]+[/b] to study 10 more now "
                    f"(or change the daily limit: studytui settings --new-per-day N).")
        if not self.grades:
            if more:
                return f"[b]Nothing else is due right now.[/b]{more}"
            return "[b]Nothing is due right now.[/b]\n\nCome back later, or practise with drills (d on the home screen)."
        tally = Counter(self.grades)
        spent = (backend.now() - self.started).total_seconds() if self.started else 0
        parts = "   ".join(f"{name} {tally.get(n, 0)}" for n, name in GRADES)
        correct = sum(tally.get(n, 0) for n in (2, 3, 4))
        return (f"[b]Session complete.[/b]  {len(self.grades)} cards in {duration(spent)}\n\n{parts}\n\n"
                f"Recalled {correct} of {len(self.grades)}.  Press q to go back, u to take back the last grade.{more}")

    def _finish(self, message: str | Text) -> None:
        self.finished = True
        self.item = None
        self.query_one(CardView).display = False
        summary = self.query_one("#summary", Static)
        summary.update(message)
        summary.display = True
        self._set_revealed(False)
        self.query_one("#reveal").display = False

    # --- actions -----------------------------------------------------------------------------

    def action_reveal(self) -> None:
        if self.item is not None and not self.revealed:
            self._set_revealed(True)

    @reports_errors
    async def action_study_more(self) -> None:
        backend = self.app.backend
        limit = await backend.call(backend.study_more, 10)
        self.notify(f"Custom study: {limit.left} more new card{'s' * (limit.left != 1)} today.")
        await self._advance()

    @in_background
    async def action_grade(self, rating: int) -> None:
        if self.item is None or not self.revealed:
            return
        backend = self.app.backend
        spent = int((backend.now() - self.shown_at).total_seconds() * 1000) if self.shown_at else None
        item, self.item = self.item, None  # no second grade for the same card while saving
        result = await self._save_grade(item, rating, spent)
        if result is None:  # left the screen with the grade unsaved (after saying so)
            return
        self.grades.append(rating)
        self.actions += 1
        if result.leech:
            self.notify("That card keeps slipping: it is now flagged and suspended (a leech).", severity="warning")
        await self._advance()

    @reports_errors
    async def action_undo(self) -> None:
        backend = self.app.backend
        undone = await backend.call(backend.undo)
        if undone is None:
            self.notify("Nothing to undo.")
            return
        self.actions = max(0, self.actions - 1)
        if undone.action == "grade" and self.grades:
            self.grades.pop()
        self.notify(f"Took back the last {undone.action}.")
        if undone.action in ("flag", "unflag") and self.item is not None and self.item.card_id == undone.card_id:
            self._show_flag(undone.action == "unflag")  # the same card, its flag as it was
            return
        await self._show(await backend.call(backend.item_for, undone.card_id))

    @reports_errors
    async def action_mark(self, kind: str) -> None:
        if self.item is None:
            return
        backend = self.app.backend
        await backend.call(backend.mark, self.item.card_id, kind)
        self.actions += 1
        self.notify({"suspend": "Suspended. u undoes; c on the home screen (or studytui unsuspend ID) brings it back.",
                     "bury": "Buried until tomorrow."}[kind])
        await self._advance()

    @reports_errors
    async def action_flag(self) -> None:
        if self.item is None:
            return
        backend = self.app.backend
        item = self.item
        flagged = await backend.call(backend.is_flagged, item.card_id)
        await backend.call(backend.mark, item.card_id, "unflag" if flagged else "flag")
        self.actions += 1
        self.refresh_bindings()
        self.notify("Flag removed." if flagged else "Flagged for later (c on the home screen lists flagged cards).")
        self._show_flag(not flagged)

    def _show_flag(self, flagged: bool) -> None:
        self.query_one("#card-meta", Static).update(self.meta + _flag_note(flagged))

    async def action_demo(self) -> None:
        if self.item is None:
            return
        demo = await self.app.backend.call(self.app.backend.topic_demo, self.item.topic)
        if not demo:
            self.notify("This topic has no demo.")
            return
        self.app.open_screen("demos", demo=demo)

    def action_back(self) -> None:
        if self.unsaved:
            from studytui.tui.screens.confirm import Confirm

            def leave(yes: bool | None) -> None:
                if yes:
                    self.unsaved.clear()
                    self.left = True
                    self.app.pop_screen()

            self.app.push_screen(Confirm(*unsaved_message(len(self.unsaved), self.save_problem)), leave)
            return
        self.app.pop_screen()

    @on(RubricChecklist.Submitted)
    async def _essay_graded(self, event: RubricChecklist.Submitted) -> None:
        from studytui.study.rubric import EASY, rubric_grade, rubric_score

        if self.item is None or not self.revealed:
            return
        if event.easy and rubric_score(event.ticked, event.total) < 1:
            self.notify("Easy needs every point ticked.", severity="warning")
            return
        await self.action_grade(EASY if event.easy else rubric_grade(event.ticked, event.total))

    @on(Button.Pressed, "#reveal")
    def _reveal_clicked(self) -> None:
        self.action_reveal()

    @on(Button.Pressed, ".grade")
    async def _grade_clicked(self, event: Button.Pressed) -> None:
        await self.action_grade(int(event.button.id.split("-")[1]))

    # --- saving a grade, whatever the database does ------------------------------------------

    RETRY_EVERY_S = 1.0  # between attempts once a write failed (each attempt itself may wait 1 s)
    WAIT_ROUNDS = 10  # attempts that say "waiting" before the screen says the grade is not saved

    async def _save_grade(self, item, rating: int, spent: int | None):
        """Write one grade and return the core's AnswerResult. While another program holds the
        lock it keeps trying and says so; when the write fails for another reason (full disk,
        read-only file) the grade stays queued in `unsaved`, the screen says what is wrong and the
        write is tried again until it works or the student leaves (which asks first)."""
        backend = self.app.backend
        grade = PendingGrade(item.card_id, rating, spent, backend.now())
        self.unsaved.append(grade)
        attempt = 0
        try:
            while True:
                try:
                    result = await backend.call(backend.answer, grade.card_id, grade.rating, grade.duration_ms, grade.at)
                except StudytuiError as exc:
                    attempt += 1
                    self._say_unsaved(exc, attempt)
                    if self.left:
                        return None  # the student chose to leave without it
                    await asyncio.sleep(self.RETRY_EVERY_S)
                    if self.left:
                        return None
                    continue
                self.unsaved.remove(grade)
                return result
        finally:
            if not self.unsaved and not self.left:
                self.save_problem = None
                self.query_one("#save-status").display = False

    def _say_unsaved(self, exc: StudytuiError, attempt: int) -> None:
        from studytui.study.store import DatabaseBusy

        self.save_problem = clean(str(exc))
        if isinstance(exc, DatabaseBusy) and attempt <= self.WAIT_ROUNDS:
            text = Text("Waiting for another studytui… (another program holds the database; your grade "
                        "is kept and will be saved)", style="bold yellow")
        else:
            text = Text.assemble(
                ("Your grade is not saved yet: ", "bold red"), self.save_problem,
                "\nIt is kept in memory and saved as soon as the database allows; leaving asks first.")
        if self.left:
            return
        status = self.query_one("#save-status", Static)
        status.update(text)
        status.display = True

def rubric_verdict(ticked: list[int], total: int) -> str:
    """"2 of 4 points → Hard   (enter grades, e Easy)": what the ticks of an essay give."""
    from studytui.study.rubric import rubric_grade

    grade = dict(GRADES)[rubric_grade(ticked, total)]
    easy = ", e Easy" if len(ticked) == total else ""
    return f"{len(ticked)} of {total} points → {grade}   (enter grades{easy})"
