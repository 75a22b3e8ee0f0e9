"""Stats: reviews per day (calendar heatmap), due forecast (with an exam date, the exam-day recall
forecast and its trend above it), retention per topic, drill accuracy per family and level with
the top drill mistakes and their trend, and exam history — plots drawn in the terminal by
textual-plotext."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from studytui.errors import StudytuiError
from studytui.tui.widgets.exam_readiness import exam_summary
from studytui.tui.widgets.format import percent
from studytui.words import fit
from studytui.tui.widgets.heatmap import Heatmap

TABS = ("overview", "forecast", "retention", "drills", "exams")


class StatsScreen(Screen):
    HELP = ("Numbers about your study. Left/right (or 1-5) switch tabs. Retention is the share of "
            "answers to cards in their review phase that were not Again.")
    BINDINGS = [
        Binding("left", "tab(-1)", "Prev tab", show=False),
        Binding("right", "tab(1)", "Next tab", show=False),
        *[Binding(str(i + 1), f"show_tab('{t}')", t.capitalize()) for i, t in enumerate(TABS)],
        Binding("q,escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__(id="stats")
        self.data: dict | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="stats-tabs"):
            for t in TABS:
                with TabPane(t.capitalize(), id=f"tab-{t}"):
                    yield VerticalScroll(id=f"pane-{t}")
        yield Footer(compact=True)

    async def on_mount(self) -> None:
        backend = self.app.backend
        try:
            self.data = await backend.call(backend.stats)
        except StudytuiError as exc:
            await self.query_one("#pane-overview").mount(Static(Text.assemble(("Cannot read the database:", "bold red"), f" {exc}")))
            return
        await self._overview(self.data)
        await self._forecast(self.data)
        await self._exam_readiness(self.data)
        await self._retention(self.data)
        await self._drills(self.data)
        await self._mistakes(self.data)
        await self._exams(self.data)

    # --- tabs --------------------------------------------------------------------------------

    async def _overview(self, d: dict) -> None:
        pane = self.query_one("#pane-overview")
        numbers = (f"[b]{d['cards']}[/b] cards   [b]{d['due']}[/b] due   {d['new']} new   "
                   f"{d['learned']} learned   {d['suspended']} suspended\n"
                   f"[b]{d['reviews']}[/b] reviews logged, {d['reviews_today']} today   "
                   f"retention [b]{percent(d['retention'])}[/b]   "
                   f"FSRS parameters: {d['fsrs']['parameters']}, desired retention {d['fsrs']['desired_retention']:.0%}")
        await pane.mount(Static(numbers, id="stats-numbers"),
                         Static("[b]Reviews per day[/b]", classes="stats-title"),
                         Heatmap(d["reviews_per_day"], date.fromisoformat(d["today"]), id="heatmap"))
        if d["flagged"] or d["leeches"]:
            await pane.mount(Static(f"Flagged: {len(d['flagged'])}   leeches (suspended): {len(d['leeches'])}"))

    async def _forecast(self, d: dict) -> None:
        pane = self.query_one("#pane-forecast")
        forecast = d["forecast"]
        if not any(forecast):
            await pane.mount(Static("Nothing scheduled yet: review some cards first.", classes="panel-message"))
            return
        plot = _plot()
        await pane.mount(plot)
        labels = ["today"] + [f"+{i}" for i in range(1, len(forecast))]
        plot.plt.bar(labels, forecast, marker="hd")
        top = max(forecast)
        step = max(1, -(-top // 5))  # whole cards on the axis: at most ~6 ticks
        plot.plt.yticks(list(range(0, top + step, step)))
        plot.plt.title("Cards due per day (next two weeks)")

    async def _exam_readiness(self, d: dict) -> None:
        """With an exam date: the forecast, today's plan and the forecast's trend, above the due forecast."""
        exam = d.get("exam")
        if not exam:
            return
        pane = self.query_one("#pane-forecast")
        first = pane.children[0] if pane.children else None
        widgets = [Static(exam_summary(exam), id="stats-exam")]
        if not exam["passed"]:  # the trend replays the last month's cards: seconds in a big collection
            widgets.append(Static("Working out how the forecast moved over the last 30 days…", id="exam-trend-wait"))
        await pane.mount(*widgets, before=first)
        if not exam["passed"]:
            self.run_worker(self._exam_trend(exam), exclusive=True, group="exam-trend")

    async def _exam_trend(self, exam: dict) -> None:
        backend = self.app.backend
        try:
            trend = await backend.call(backend.exam_trend)
        except StudytuiError as exc:
            self.query_one("#exam-trend-wait", Static).update(Text(f"The forecast's trend is not available: {exc}"))
            return
        exam["trend"] = trend
        wait = self.query_one("#exam-trend-wait", Static)
        if not trend:
            await wait.remove()
            return
        plot = _plot(id="exam-trend")
        await self.query_one("#pane-forecast").mount(plot, after=wait)
        await wait.remove()
        days = list(range(-len(trend) + 1, 1))
        plot.plt.plot(days, [round(100 * p["forecast"], 1) for p in trend], marker="hd")
        plot.plt.hline(100 * exam["target"])
        plot.plt.ylim(0, 100)
        plot.plt.xticks([days[0], days[len(days) // 2], 0], [trend[0]["day"][5:], trend[len(days) // 2]["day"][5:], "today"])
        plot.plt.title(f"Recall predicted for {exam['date']} (%), as it stood each day")

    async def _retention(self, d: dict) -> None:
        pane = self.query_one("#pane-retention")
        rows = [(t, r) for t, r in d["retention_by_topic"].items() if r is not None]
        if not rows:
            await pane.mount(Static("No retention yet: it counts answers to cards that reached the review phase "
                                    "(after their learning steps).", classes="panel-message"))
        else:
            plot = _plot()
            await pane.mount(plot)
            plot.plt.bar([fit(t, 12) for t, _ in rows], [round(100 * r) for _, r in rows], marker="hd")
            plot.plt.ylim(0, 100)
            plot.plt.title("Retention per topic (%)")
        table = DataTable(zebra_stripes=True, cursor_type="row")
        await pane.mount(table)
        table.add_columns("Topic", "Due", "New", "Learned", "Retention")
        for topic, c in d["topics"].items():
            table.add_row(fit(d["topic_titles"].get(topic, topic), 48), str(c["due"]), str(c["new"]), str(c["learned"]),
                          percent(d["retention_by_topic"].get(topic)))

    async def _drills(self, d: dict) -> None:
        pane = self.query_one("#pane-drills")
        drills = d["drills"]
        if not drills:
            await pane.mount(Static("No drill answers yet: press d on the home screen.", classes="panel-message"))
            return
        families = sorted(drills)
        plot = _plot()
        await pane.mount(plot)
        series = [[round(100 * drills[f].get(str(lv), {}).get("accuracy", 0)) for f in families] for lv in (1, 2, 3)]
        plot.plt.multiple_bar(families, series, labels=["level 1", "level 2", "level 3"])
        plot.plt.ylim(0, 100)
        plot.plt.title("Drill accuracy (%) per family and level")
        table = DataTable(zebra_stripes=True, cursor_type="row")
        await pane.mount(table)
        table.add_columns("Family", "Level 1", "Level 2", "Level 3")
        for f in families:
            cells = []
            for lv in (1, 2, 3):
                c = drills[f].get(str(lv))
                cells.append(f"{c['correct']}/{c['attempts']}  {percent(c['accuracy'])}" if c else "—")
            table.add_row(f, *cells)

    async def _mistakes(self, d: dict) -> None:
        """Top mistakes, at the head of the drills tab: where the student keeps slipping."""
        from studytui.tui.widgets.mistakes import TopMistakes

        if not d["drills"]:
            return  # the tab already says there are no drill answers yet
        pane = self.query_one("#pane-drills")
        await pane.mount(TopMistakes(d["mistakes"], id="top-mistakes"), before=0)

    async def _exams(self, d: dict) -> None:
        pane = self.query_one("#pane-exams")
        exams = d["exams"]
        if not exams:
            await pane.mount(Static("No mock exams yet: press e on the home screen.", classes="panel-message"))
            return
        if len(exams) > 1:
            plot = _plot()
            await pane.mount(plot)
            numbers = list(range(1, len(exams) + 1))
            plot.plt.plot(numbers, [round(100 * (e["score"] or 0)) for e in exams], marker="hd", label="score")
            forecast = [(n, round(100 * e["forecast"])) for n, e in zip(numbers, exams) if e.get("forecast") is not None]
            if forecast:  # the forecast each exam made beforehand, to judge it by
                plot.plt.plot([n for n, _ in forecast], [f for _, f in forecast], marker="dot", label="forecast")
            plot.plt.xticks(numbers)
            plot.plt.ylim(0, 100)
            plot.plt.title("Exam score vs its forecast (%)" if forecast else "Exam score (%)")
        table = DataTable(zebra_stripes=True, cursor_type="row")
        await pane.mount(table)
        table.add_columns("#", "Finished", "Score", "Forecast", "Per topic")
        for e in reversed(exams):
            titles = self.data.get("topic_titles", {})
            per_topic = "  ".join(f"{titles.get(t, t)} {v['correct']}/{v['total']}" for t, v in e["topics"].items())
            table.add_row(str(e["id"]), e["finished_at"][:16].replace("T", " "),
                          f"{e['correct']}/{e['total']} {percent(e['score'])}", percent(e.get("forecast")), per_topic)

    # --- actions -----------------------------------------------------------------------------

    def action_show_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = f"tab-{name}"

    def action_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        i = TABS.index(tabs.active.removeprefix("tab-")) if tabs.active else 0
        tabs.active = f"tab-{TABS[(i + step) % len(TABS)]}"

    def action_back(self) -> None:
        self.app.pop_screen()


def _plot(id: str | None = None):
    from textual_plotext import PlotextPlot  # imported when stats open, not at start-up

    return PlotextPlot(classes="stats-plot", id=id)
