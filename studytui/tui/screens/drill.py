"""Drill: a generated problem about a layer stack; type the answer, enter checks it.

Feedback shows correct/incorrect, the expected answer, the diagnosis of a wrong answer, the
worked solution and a torch snippet; `v` builds the real torch layers in a worker thread and
compares them with the calculator. Problems are aimed at the student's recurring mistakes
(studytui.drills.generate.aimed_problem; the status line says so). Each answer is recorded
through the store as the generative card drill:<family>:<level> (correct -> Good, wrong ->
Again) plus a drill attempt with the keys of its diagnosed mistake.

The drills package (and sympy behind the answer checker) is imported when this screen opens.
"""

from __future__ import annotations

import re
from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Select, Static

from studytui.errors import StudytuiError
from studytui.textsafe import clean
from studytui.tui.widgets.layer_table import LayerTable

KINDS = ("shapes", "params", "rf", "macs", "mixed")
PLACEHOLDER = {"shape": "output shape, e.g. 16x32x32", "rf": "receptive field, e.g. 7x7 or 7",
               "params": "parameter count, e.g. 448", "macs": "MACs, e.g. 442368 or 442,368"}


def question_text(problem: Any) -> str:
    """The prompt without its layer list (the table shows the layers)."""
    lines = problem.prompt.splitlines()
    kept = [ln for ln in lines if not re.match(r"\s*\d+\.\s", ln)]
    return "\n".join(kept)


class DrillScreen(Screen):
    HELP = ("Work out the asked cell of the table and type it in; enter checks. Shapes are written "
            "like 16x32x32 in the order the question asks. After checking: enter or n for the next "
            "problem, v verifies the answer with real torch layers, k / l change the kind and level.")
    BINDINGS = [
        Binding("n", "next", "Next"),
        Binding("v", "verify", "Verify in torch"),
        Binding("k", "cycle_kind", "Kind"),
        Binding("l", "cycle_level", "Level"),
        Binding("escape", "leave_input", "Leave input"),
        Binding("q", "back", "Back"),
    ]

    def __init__(self, kind: str | None = None, level: int | None = None, seed: int | None = None,
                 aim: bool = True):
        super().__init__(id="drill")
        self.aim = aim  # aim problems at the recurring mistakes in the drill log
        self.kind = kind if kind in KINDS else "mixed"
        self.level = level if level in (1, 2, 3) else 1
        self.seed = seed
        self.index = 0
        self.problem: Any = None
        self.checked = False
        self.right = self.total = 0
        self.feedback_lines: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="drill-body"):
            with Horizontal(id="drill-top"):
                yield Select([(k, k) for k in KINDS], value=self.kind, allow_blank=False, id="kind")
                yield Select([(f"level {n}", n) for n in (1, 2, 3)], value=self.level, allow_blank=False, id="level")
                yield Static("", id="drill-status")
            yield Static("Generating a problem…", id="drill-prompt")
            yield LayerTable(id="layer-table")
            yield Input(placeholder="your answer", id="drill-answer")
            with VerticalScroll(id="drill-feedback"):
                yield Static("", id="feedback-text")
                yield Static("", id="feedback-snippet")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.seed is None:
            self.seed = int(self.app.backend.now().timestamp()) % 100_000
        self.query_one("#drill-feedback").display = False
        self.run_worker(self._new_problem(), exclusive=True, group="drill")

    # --- problems ----------------------------------------------------------------------------

    async def _new_problem(self) -> None:
        prompt = self.query_one("#drill-prompt", Static)
        try:
            backend = self.app.backend
            problem = await backend.call(backend.aimed_problem, self.kind, self.level, self.seed, self.index, self.aim)
        except ImportError as exc:
            prompt.update(Text.assemble(("Drills are not available in this build", "b red"), f" ({clean(str(exc))})."))
            return
        except StudytuiError as exc:
            prompt.update(Text.assemble(("Cannot generate a drill:", "b red"), f" {clean(str(exc))}"))
            return
        self.problem, self.checked = problem, False
        prompt.update(question_text(problem))
        self.query_one(LayerTable).show(problem)
        answer = self.query_one("#drill-answer", Input)
        answer.value = ""
        answer.disabled = False
        answer.placeholder = PLACEHOLDER.get(problem.quantity, "your answer") + "   (enter checks)"
        answer.focus()
        self.query_one("#drill-feedback").display = False
        self.query_one("#drill-feedback").remove_class("-correct", "-wrong")
        self._status()
        self.refresh_bindings()

    def _status(self) -> None:
        score = f"{self.right}/{self.total} correct" if self.total else "no answers yet"
        self.query_one("#drill-status", Static).update(
            f"problem {self.index + 1}   {score}   seed {self.seed}"
            + ("   aimed at your recurring mistakes" if self.problem is not None and self.problem.aimed else ""))

    @on(Input.Submitted, "#drill-answer")
    async def _submitted(self, event: Input.Submitted) -> None:
        if self.problem is None or self.checked:
            return
        text = event.value.strip()
        if not text:
            self.notify("Type an answer first (or n to skip).")
            return
        await self._check(text)

    async def _check(self, text: str) -> None:
        from studytui.tui.drill_check import check

        backend = self.app.backend
        problem = self.problem
        feedback = await backend.call(check, problem, text)
        if feedback.unreadable:
            self.notify(clean(f"Could not read '{text}': {feedback.error}. Try e.g. {PLACEHOLDER.get(problem.quantity, '')}."),
                        severity="warning", markup=False)  # the typed text is text, `[/]` included
            return
        self.checked = True
        try:
            await backend.call(backend.record_drill, problem.family, problem.level, feedback.correct, text, problem.seed,
                               feedback.mistakes)
        except StudytuiError as exc:
            self.notify(clean(f"Not saved: {exc}"), severity="error", markup=False)
        self.total += 1
        self.right += feedback.correct
        self._status()
        self.query_one(LayerTable).show(problem, revealed=True, correct=feedback.correct)
        self._show_feedback(feedback)
        answer = self.query_one("#drill-answer", Input)
        answer.disabled = True
        self.query_one("#drill-feedback").focus()
        self.refresh_bindings()

    def _show_feedback(self, feedback) -> None:
        lines = []
        if feedback.correct:
            lines.append(f"[b green]✔ correct[/b green]   {feedback.expected}")
        else:
            lines.append(f"[b red]✘ incorrect[/b red]   expected [b]{feedback.expected}[/b]")
            if feedback.diagnosis:
                lines.append(f"[b yellow]Likely mistake:[/b yellow] {_escape(feedback.diagnosis)}")
        if feedback.note:
            lines.append(f"[i]Note:[/i] {_escape(feedback.note)}")
        lines.append("")
        lines.append("[b]Worked solution[/b]")
        lines += [_escape(step) for step in feedback.solution]
        lines.append("")
        lines.append("[b]Show me in torch[/b]  (v runs the real layers and compares)")
        box = self.query_one("#drill-feedback")
        box.set_class(feedback.correct, "-correct")
        box.set_class(not feedback.correct, "-wrong")
        self.feedback_lines = lines
        self.query_one("#feedback-text", Static).update("\n".join(lines))
        self.query_one("#feedback-snippet", Static).update(
            Syntax(self.problem.snippet.rstrip(), "python", theme="ansi_dark", background_color="default"))
        box.display = True
        box.scroll_home(animate=False)

    # --- torch verification ------------------------------------------------------------------

    def action_verify(self) -> None:
        if self.problem is None:
            return
        self.notify("Building the real torch layers…", timeout=2)
        self._verify(self.problem)

    @work(thread=True, exclusive=True, group="verify")
    def _verify(self, problem: Any) -> None:
        try:
            from studytui.torchcheck import verify  # torch is imported here, in a worker thread

            summary = verify(problem.report).summary()
            ok = "disagrees" not in summary
        except Exception as exc:  # a verification failure is reported, never a crash
            summary, ok = f"verification failed: {exc}", False
        self.app.call_from_thread(self._verified, summary, ok)

    def _verified(self, summary: str, ok: bool) -> None:
        style = "green" if ok else "red"
        if self.query_one("#drill-feedback").display:
            self.feedback_lines.insert(1, f"[b {style}]torch:[/b {style}] {_escape(summary)}")
            self.query_one("#feedback-text", Static).update("\n".join(self.feedback_lines))
        self.notify(clean(("✔ " if ok else "✘ ") + summary.splitlines()[0]), severity="information" if ok else "error",
                    markup=False)

    # --- navigation --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        typing = isinstance(self.focused, Input) and not self.checked
        if action in ("next", "cycle_kind", "cycle_level", "back", "verify"):
            return None if typing else True
        return True

    def action_next(self) -> None:
        self.index += 1
        self.run_worker(self._new_problem(), exclusive=True, group="drill")

    def key_enter(self) -> None:
        if self.checked:  # enter after feedback: next problem
            self.action_next()

    def action_cycle_kind(self) -> None:
        self.query_one("#kind", Select).value = KINDS[(KINDS.index(self.kind) + 1) % len(KINDS)]

    def action_cycle_level(self) -> None:
        self.query_one("#level", Select).value = self.level % 3 + 1

    @on(Select.Changed)
    def _choice(self, event: Select.Changed) -> None:
        if event.select.id == "kind" and event.value != self.kind:
            self.kind = str(event.value)
        elif event.select.id == "level" and event.value != self.level:
            self.level = int(event.value)
        else:
            return
        self.index = 0
        self.right = self.total = 0
        self.run_worker(self._new_problem(), exclusive=True, group="drill")

    def action_leave_input(self) -> None:
        if isinstance(self.focused, Input):
            self.set_focus(None)
            self.refresh_bindings()
        else:
            self.app.pop_screen()

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def on_descendant_blur(self) -> None:
        self.refresh_bindings()


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
