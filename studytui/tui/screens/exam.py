"""Exam: a timed mock exam mixing cards (self-graded: reveal, then y / n) and drills
(auto-graded: type the answer, enter), with a score report per topic at the end, saved to the
store (and listed on the stats screen). Exam answers do not touch the review schedule.
Essay cards are graded by their rubric: reveal, tick the points made, enter; they earn partial
credit (ticked/total), and the report counts them as partial, not wrong. Cloze cards show their blank.

Card questions come preferentially from the weakest topics, drill questions are aimed at the
student's recurring mistakes (studytui.study.exam_questions, studytui.drills.generate). Before
the first question the exam forecasts its score (each card's recall, each drill family's recent
accuracy); the report sets that forecast beside the score, overall and per topic, and it is saved
with the exam. Drill answers are also logged as drill attempts (schedule untouched), so their
mistakes count.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, ProgressBar, Static

from studytui.errors import StudytuiError
from studytui import words
from studytui.textsafe import clean_line
from studytui.tui.widgets.card_view import CardView
from studytui.tui.widgets.rubric import RubricChecklist
from studytui.tui.widgets.format import duration, percent
from studytui.tui.widgets.layer_table import LayerTable

DRILL_LEVEL = 2
OUTCOMES = ("right", "partial", "wrong", "unanswered")  # the report's count columns


@dataclass
class Question:
    topic: str  # card topic id, or "drills/<family>"
    card: Any = None  # studytui.study.stats.ExamCard: (id, topic, q, a, card)
    problem: Any = None
    correct: bool | None = None  # None: not answered
    points: tuple[int, int] | None = None  # an essay's (ticked, total) rubric points
    forecast: float = 0.0  # the predicted credit, made before the exam began
    typed: str = ""  # a drill's answer as typed
    mistakes: tuple[str, ...] = ()  # a wrong drill answer's diagnosed mistake keys

    @property
    def essay(self) -> bool:
        return self.card is not None and self.card.card.type == "essay"

    @property
    def score(self) -> float | None:
        """Credit earned: 1/0, ticked/total for an essay, None when unanswered."""
        if self.points is not None:
            return self.points[0] / self.points[1]
        return None if self.correct is None else float(self.correct)

    @property
    def outcome(self) -> str:
        """"right", "partial" (an essay with some rubric points), "wrong" or "unanswered"."""
        score = self.score
        if score is None:
            return "unanswered"
        return "right" if score >= 1 else "partial" if score > 0 else "wrong"


class ExamScreen(Screen):
    HELP = ("A mock exam. Cards: answer in your head, space shows the model answer, then be honest: "
            "y if you had it, n if not. Essays: space shows the rubric; tick the points you made (1-8, or "
            "space on a point) and press enter: you earn that share of the point. "
            "Drills: type the answer, enter checks it. enter moves on; "
            "f finishes early. The score per topic is saved and shown on the stats screen.")
    BINDINGS = [
        Binding("space", "reveal", "Show answer"),
        Binding("y", "self_grade(True)", "I had it"),
        Binding("n", "self_grade(False)", "I did not"),
        Binding("enter", "next", "Next", show=False),
        Binding("f", "finish", "Finish"),
        Binding("escape", "leave_input", "Leave input", show=False),
        Binding("q", "back", "Back"),
    ]
    MISSED_SHOWN = 12  # questions listed under the report (the rest are counted)

    def __init__(self, minutes: float | None = None, questions: int | None = None, seed: int | None = None):
        super().__init__(id="exam")
        self.minutes = float(minutes) if minutes and 0 < float(minutes) < 1e6 else 20.0  # nan/inf: the default
        self.count = int(questions) if questions else 10
        self.seed = seed
        self.questions: list[Question] = []
        self.current = -1
        self.revealed = False
        self.started: datetime | None = None
        self.done = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="exam-body"):
            with Horizontal(id="exam-status"):
                yield Static("Preparing the exam…", id="exam-position")
                yield ProgressBar(id="exam-progress", show_eta=False, show_percentage=False)
                yield Static("", id="exam-clock")
            yield CardView(id="exam-card")
            with Vertical(id="exam-drill"):
                yield Static("", id="exam-prompt")
                yield LayerTable(id="exam-table")
                yield Input(placeholder="your answer (enter checks)", id="exam-input")
                yield Static("", id="exam-result")
            with Vertical(id="exam-report"):
                yield Static("", id="report-text")
                yield DataTable(id="report-table", zebra_stripes=True, cursor_type="row")
                yield Static("", id="report-missed", markup=False)
        yield Footer(compact=True)

    async def on_mount(self) -> None:
        for part in ("#exam-card", "#exam-drill", "#exam-report"):
            self.query_one(part).display = False
        self.query_one("#exam-card", CardView).verdict = lambda ticked, total: (
            f"{len(ticked)} of {total} points → {len(ticked) / total:.0%} credit   (enter: next question)")
        backend = self.app.backend
        if self.seed is None:
            self.seed = int(backend.now().timestamp()) % 100_000
        try:
            self.questions = await backend.call(_build_exam, backend, self.count, self.seed)
        except StudytuiError as exc:
            self.query_one("#exam-position", Static).update(Text.assemble(("Cannot start the exam:", "bold red"), f" {exc}"))  # a path is text
            return
        if not self.questions:
            self.query_one("#exam-position", Static).update(
                "[b]Nothing to examine:[/b] the deck is empty and drills are unavailable.")
            return
        self.started = backend.now()
        self.query_one("#exam-progress", ProgressBar).update(total=len(self.questions), progress=0)
        self.set_interval(1.0, self._tick)
        self._tick()
        await self._go(0)

    # --- the clock ---------------------------------------------------------------------------

    def _left(self) -> float:
        spent = (self.app.backend.now() - self.started).total_seconds() if self.started else 0
        return self.minutes * 60 - spent

    def _tick(self) -> None:
        if self.done or self.started is None:
            return
        left = self._left()
        self.query_one("#exam-clock", Static).update(f"time left [b]{duration(math.ceil(left))}[/b]")
        if left <= 0:
            self.notify("Time is up.", severity="warning")
            self.run_worker(self._finish(), group="exam")

    # --- questions ---------------------------------------------------------------------------

    @property
    def question(self) -> Question | None:
        return self.questions[self.current] if 0 <= self.current < len(self.questions) else None

    async def _go(self, index: int) -> None:
        if index >= len(self.questions):
            await self._finish()
            return
        self.current, self.revealed = index, False
        q = self.questions[index]
        kind = "essay, rubric-graded" if q.essay else "card, self-graded" if q.card else "drill, auto-graded"
        self.query_one("#exam-position", Static).update(f"Question [b]{index + 1}[/b] of {len(self.questions)}  ({kind})")
        self.query_one("#exam-progress", ProgressBar).update(progress=index)
        card_view, drill = self.query_one("#exam-card", CardView), self.query_one("#exam-drill")
        card_view.display, drill.display = q.card is not None, q.problem is not None
        if q.card:
            await card_view.show_card(q.card.card, q.card.topic)
            self.set_focus(None)
        else:
            from studytui.tui.screens.drill import question_text

            self.query_one("#exam-prompt", Static).update(question_text(q.problem))
            self.query_one("#exam-table", LayerTable).show(q.problem)
            self.query_one("#exam-result", Static).update("")
            box = self.query_one("#exam-input", Input)
            box.value, box.disabled = "", False
            box.focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        q = self.question
        if self.done:
            return action == "back"  # the report: only the way out is left
        if action == "reveal":
            return bool(q and q.card and not self.revealed)
        if action == "self_grade":  # an essay is graded by its rubric ticks instead
            return bool(q and q.card and not q.essay and self.revealed and q.correct is None)
        if action == "next":
            return bool(q and q.correct is not None)
        return True

    def action_reveal(self) -> None:
        q = self.question
        if q and q.card and not self.revealed:
            self.revealed = True
            self.query_one("#exam-card", CardView).reveal(True)
            self.refresh_bindings()

    async def action_self_grade(self, had_it: bool) -> None:
        q = self.question
        if q and q.card and self.revealed and q.correct is None:
            q.correct = had_it
            await self._go(self.current + 1)

    @on(RubricChecklist.Submitted)
    async def _essay_graded(self, event: RubricChecklist.Submitted) -> None:
        q = self.question
        if q and q.essay and self.revealed and q.correct is None and not self.done:
            q.points = (len(event.ticked), event.total)
            q.correct = q.points[0] == q.points[1]
            await self._go(self.current + 1)

    @on(Input.Submitted, "#exam-input")
    async def _drill_answer(self, event: Input.Submitted) -> None:
        q = self.question
        if not q or q.problem is None or q.correct is not None or not event.value.strip():
            return
        from studytui.tui.drill_check import check

        feedback = await self.app.backend.call(check, q.problem, event.value.strip())
        if feedback.unreadable:
            self.notify(f"Could not read that as an answer ({feedback.error}); try again.", severity="warning", markup=False)
            return
        q.correct, q.typed, q.mistakes = feedback.correct, event.value.strip(), feedback.mistakes
        self.query_one("#exam-table", LayerTable).show(q.problem, revealed=True, correct=q.correct)
        verdict = "[b green]✔ correct[/b green]" if q.correct else f"[b red]✘ incorrect[/b red]  expected {feedback.expected}"
        self.query_one("#exam-result", Static).update(f"{verdict}    enter: next question")
        event.input.disabled = True
        self.set_focus(None)
        self.refresh_bindings()

    async def action_next(self) -> None:
        q = self.question
        if q and q.correct is not None and not self.done:
            await self._go(self.current + 1)

    # --- the report --------------------------------------------------------------------------

    async def action_finish(self) -> None:
        await self._finish()

    async def _finish(self) -> None:
        if self.done or self.started is None:
            return
        self.done = True
        from rich.markup import escape

        from studytui.study.exam_questions import exam_forecast
        from studytui.study.stats import credit, exam_tally
        from studytui.textsafe import clean

        topics = exam_tally((q.topic, q.score) for q in self.questions)  # unanswered: 0
        forecast, topic_forecasts = exam_forecast((q.topic, q.forecast) for q in self.questions)
        backend = self.app.backend
        titles = await backend.call(_topic_titles, backend, self.questions)
        saved = ""
        drills = [dict(family=q.problem.family, level=q.problem.level, correct=q.correct, typed=q.typed,
                       seed=q.problem.seed, mistakes=q.mistakes)
                  for q in self.questions if q.problem is not None and q.correct is not None]
        try:
            await backend.call(backend.record_exam, self.started, topics, self.minutes, forecast, topic_forecasts)
            saved = "Saved; see it on the stats screen (s on the home screen)."
            await backend.call(backend.log_exam_drills, drills)
        except StudytuiError as exc:  # the message may quote a path
            if saved:
                saved += f"\n[b red]Its drill answers were not logged:[/b red] {escape(clean(str(exc)))}"
            else:
                saved = f"[b red]Not saved:[/b red] {escape(clean(str(exc)))}"
        right = credit(sum(c for c, _ in topics.values()))
        total = sum(n for _, n in topics.values())
        answered = sum(q.correct is not None for q in self.questions)
        spent = min(self.minutes * 60, (backend.now() - self.started).total_seconds())
        for part in ("#exam-card", "#exam-drill"):
            self.query_one(part).display = False
        self.query_one("#exam-progress", ProgressBar).update(progress=len(self.questions))
        self.query_one("#exam-position", Static).update("[b]Exam finished[/b]")
        self.query_one("#exam-clock", Static).update(f"time used {duration(spent)}")
        self.query_one("#report-text", Static).update(
            f"[b]Score {right}/{total} ({percent(right / total if total else None)})[/b]   "
            f"forecast before the exam [b]{percent(forecast)}[/b]   answered {answered} of {total}\n"
            f"{saved}\n{_essay_lines(self.questions)}")
        table = self.query_one("#report-table", DataTable)
        table.add_columns("Topic", "Credit", "Right", "Partial", "Wrong", "Unanswered", "Score", "Forecast")
        for topic, (c, n) in sorted(topics.items(), key=lambda kv: kv[1][0] / kv[1][1]):
            outcomes = Counter(q.outcome for q in self.questions if q.topic == topic)
            table.add_row(fit(titles[topic], 32), f"{c}/{n}", *(str(outcomes[o]) for o in OUTCOMES),
                          percent(c / n), percent(topic_forecasts.get(topic)))
        self.query_one("#report-missed", Static).update(self._missed_lines(titles))
        self.query_one("#exam-report").display = True
        table.focus()
        self.refresh_bindings()

    def _missed_lines(self, titles: dict[str, str]) -> str:
        """The questions to study again: wrong ones, then unanswered ones (as plain text lines)."""
        missed = [(i, q) for i, q in enumerate(self.questions, 1) if q.outcome != "right"]
        if not missed:
            return "Nothing missed."
        lines = []
        for i, q in missed[: self.MISSED_SHOWN]:
            what = q.outcome
            text = q.card[2] if q.card else getattr(q.problem, "prompt", "drill")
            lines.append(f"  Q{i} {what:<10} {fit(titles[q.topic], 24)}: {fit(text, 60)}")
        more = len(missed) - self.MISSED_SHOWN
        tail = f"\n  … and {more} more" if more > 0 else ""
        return f"To study again ({len(missed)}):\n" + "\n".join(lines) + tail

    def action_leave_input(self) -> None:
        self.set_focus(None)

    def action_back(self) -> None:
        if self.done or self.started is None:
            self.app.pop_screen()
            return
        from studytui.tui.screens.confirm import Confirm

        answered = sum(q.correct is not None for q in self.questions)

        def leave(yes: bool | None) -> None:
            if yes:
                self.notify("Exam left unfinished: nothing saved.")
                self.app.pop_screen()

        self.app.push_screen(Confirm(
            "Leave the exam?",
            f"{answered} of {len(self.questions)} answered; leaving throws them away "
            "(f finishes early and saves the score instead).", yes="leave and discard", no="keep going"), leave)


def fit(text: str, width: int) -> str:
    """One line of user text, cut with an ellipsis."""
    return words.fit(clean_line(text), width)


def _topic_titles(backend: Any, questions: list[Question]) -> dict[str, str]:
    """Topic id -> its title ("drills/rf" -> "Drill: rf")."""
    out = {}
    for q in questions:
        if q.topic.startswith("drills/"):
            out[q.topic] = f"Drill: {q.topic.split('/', 1)[1]}"
        else:
            out[q.topic] = backend.topic_title(q.topic)
    return out


def _essay_lines(questions: list[Question]) -> str:
    """One line per answered essay: its partial credit."""
    lines = [f"Essay {q.card.id}: {t} of {n} rubric points = {t / n:.0%} credit"
             for q in questions if q.essay and q.points for t, n in [q.points]]
    return "\n".join(lines) + "\n" if lines else ""


def _build_exam(backend: Any, count: int, seed: int) -> list[Question]:
    """About half cards (weakest topics first) and half drills (mixed kinds, aimed at the
    student's recurring mistakes), interleaved, each with its forecast."""
    drills: list[Question] = []
    try:
        from studytui.drills.generate import aimed_problem
        have_drills = True
    except ImportError:  # drills not built: an all-card exam
        have_drills = False
    n_drills = count // 2 if have_drills else 0
    cards = [Question(topic=c.card.topic, card=c.card, forecast=c.recall)
             for c in backend.exam_cards(count - n_drills, seed)]
    if have_drills:  # a small deck: fill up with drills
        n_drills = count - len(cards)
    from studytui.study.exam_questions import drill_forecast

    attempts = backend.drill_attempts() if n_drills else []
    aim = backend.drill_aim() if n_drills else {}
    for i in range(n_drills):
        p = aimed_problem("mixed", DRILL_LEVEL, seed, i, aim)
        drills.append(Question(topic=f"drills/{p.family}", problem=p,
                               forecast=drill_forecast(attempts, p.family, p.level)))
    out: list[Question] = []
    while cards or drills:
        if cards:
            out.append(cards.pop(0))
        if drills:
            out.append(drills.pop(0))
    return out
