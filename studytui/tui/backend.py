"""The TUI's one door to the core: a StudySession used from one worker thread.

Every call into the study core (SQLite, YAML, fsrs) goes through `await backend.call(fn, ...)`,
which runs it on a single background thread. So the event loop never waits on the disk, and the
session (which is not thread-safe) is only ever touched by that one thread, one call at a time.
The session is opened lazily on the first call, after the first frame is on screen.

Aggregations (retention per topic, due forecast, exam picks) live in studytui.study.stats; this
module only schedules them on the database thread.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from studytui.study.scheduler import StudyItem, StudySession

Clock = Callable[[], datetime]
HEATMAP_DAYS = 7 * 26
# Each write waits this long for another program's lock, then the screen says it is waiting and
# tries again: the database thread is never stuck for the CLI's 10 s.
WRITE_WAIT_S = 1.0
THEME_KEY = "tui_theme"  # meta key: the theme chosen with ctrl+t or the palette, used next time


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class TopicRow:
    topic: str
    title: str
    demo: str | None
    total: int
    due: int
    new: int
    learned: int
    retention: float | None


@dataclass(frozen=True)
class HomeData:
    rows: list[TopicRow]
    due: int
    new: int
    learned: int
    reviews_today: int
    retention: float | None
    problems: list[str] = field(default_factory=list)
    new_studied: int = 0  # new cards started today
    new_limit: int = 0  # today's new-card limit (the setting plus custom study)
    db_path: str = ""
    db_created: bool = False  # the database file was created by this run
    read_only: bool = False  # the database could not be opened for writing
    exam: dict | None = None  # the exam report (studytui/study/exam_report.py); None without an exam date

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class DemoInfo:
    name: str  # file name, e.g. "onecycle.py"
    path: Path
    topics: list[str]
    summary: str
    exists: bool = True


class Backend:
    """Owns the StudySession; `call` runs a function with it on the database thread."""

    def __init__(self, db_path: str | Path | None = None, *, cards_dir: Path | None = None,
                 demos_dir: Path | None = None, clock: Clock | None = None):
        self.db_path = db_path
        self.cards_dir = cards_dir
        self.demos_dir = Path(demos_dir).resolve() if demos_dir is not None else None
        self.clock: Clock = clock or system_clock
        self._session: StudySession | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="studytui-db")

    # --- plumbing ----------------------------------------------------------------------------

    async def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run `fn(*args, **kwargs)` on the database thread and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Queue `fn(*args)` on the database thread without waiting (errors are dropped)."""
        self._executor.submit(fn, *args)

    def session(self) -> "StudySession":
        """The open session (opened on first use; database thread only)."""
        if self._session is None:
            if self.demos_dir is None:
                from studytui.study.scheduler import StudySession

                # integrity check in the background: writes wait for it (Store.open)
                self._session = StudySession.open(self.db_path, cards_dir=self.cards_dir, verify="background")
                self._session.store.set_busy_timeout(WRITE_WAIT_S)
            else:  # StudySession.open has no demos_dir: the same steps, with ours
                from studytui.study.deck import imported_dir, load_deck
                from studytui.study.scheduler import StudySession
                from studytui.study.store import Store

                store = Store.open(self.db_path, verify="background")
                try:
                    deck, problems = load_deck(self.cards_dir, extra_dirs=[imported_dir(store.path)],
                                               demos_dir=self.demos_dir)
                    session = StudySession(store, deck)
                except BaseException:
                    store.close()
                    raise
                session.problems = problems
                store.set_busy_timeout(WRITE_WAIT_S)
                self._session = session
        return self._session

    def now(self) -> datetime:
        return self.clock()

    def wait_for_integrity_check(self) -> None:
        """Wait for the open's background integrity check (any thread: it only joins the check's
        own thread, so the database thread stays free); DatabaseDamaged if it failed."""
        session = self._session
        if session is not None:
            session.store.verified()

    def close(self) -> None:
        def _close() -> None:
            if self._session is not None:
                self._session.close()
                self._session = None

        self._executor.submit(_close)
        self._executor.shutdown(wait=True)

    # --- home --------------------------------------------------------------------------------

    def home_data(self) -> HomeData:
        from studytui.study.stats import compute_stats

        s = self.session()
        now = self.now()
        stats = compute_stats(s, now=now, exam_trend_days=0)  # home shows no trend: no log replay
        counts = stats["topics"]
        retention = self.retention_by_topic()
        budget = stats["new_today"]
        left = budget["limit"] - budget["studied"]
        # New shows what today's limit lets in (as Anki's deck list does), not every unseen card
        rows = [
            TopicRow(t.topic, t.title, t.demo, counts[t.topic]["total"], counts[t.topic]["due"],
                     max(0, min(counts[t.topic]["new"], left)), counts[t.topic]["learned"], retention.get(t.topic))
            for t in s.deck.topics
        ]
        problems = [str(p) for p in s.problems] + ([s.settings_problem] if s.settings_problem else [])
        return HomeData(rows, stats["due"], budget["available"], stats["learned"], stats["reviews_today"],
                        stats["retention"], problems, budget["studied"], budget["limit"],
                        stats["db"], s.store.created, read_only=s.store.read_only, exam=stats.get("exam"))

    def retention_by_topic(self) -> dict[str, float | None]:
        from studytui.study.stats import retention_by_topic

        return retention_by_topic(self.session())

    # --- review ------------------------------------------------------------------------------

    def next_item(self, topic: str | None) -> "StudyItem | None":
        return self.session().next_card(topic, now=self.now(), include_drills=False)

    def item_for(self, card_id: str) -> "StudyItem":
        """The StudyItem of a given card (used to show a card again after undo)."""
        from studytui.study.scheduler import StudyItem, parse_drill_id

        s = self.session()
        st = s.state(card_id)
        return StudyItem(card_id, s.topic_of(card_id), st.phase, st.fsrs.due if st.reps else None,
                         card=s.deck.cards.get(card_id), drill=parse_drill_id(card_id))

    def button_labels(self, card_id: str) -> dict[str, str]:
        return self.session().button_labels(card_id, now=self.now())

    def answer(self, card_id: str, rating: int, duration_ms: int | None = None, at: datetime | None = None):
        """Record a grade given at `at` (default now: a grade kept while the database was busy
        is written later with the time it was given)."""
        return self.session().answer(card_id, rating, duration_ms=duration_ms, now=at or self.now())

    def read_only(self) -> bool:
        return self.session().store.read_only

    def undo(self):
        """Take back the latest action of this session (an `Undone`, or None)."""
        return self.session().undo_last()

    def new_limit(self, topic: str | None):
        return self.session().new_limit(topic, now=self.now())

    def study_more(self, extra: int):
        return self.session().study_more(extra, now=self.now())

    def is_flagged(self, card_id: str) -> bool:
        return self.session().is_flagged(card_id)

    def mark(self, card_id: str, kind: str) -> None:
        getattr(self.session(), kind)(card_id, now=self.now())

    def queue_counts(self, topic: str | None) -> dict[str, int]:
        """{"due", "new", "learning"} for the session header (deck cards only). "new" is what
        today's limit still lets in, as on home (600 unseen cards and a limit of 20 read "new 20")."""
        session, now = self.session(), self.now()
        counts = session.counts_by_topic(now=now, include_drills=False)
        rows = [c for t, c in counts.items() if topic is None or t == topic]
        out = {k: sum(c[k] for c in rows) for k in ("due", "new", "learning")}
        out["new"] = min(out["new"], session.new_limit(topic, now=now).left)
        return out

    def topic_title(self, topic: str | None) -> str:
        if topic is None:
            return "all topics"
        try:
            return self.session().deck.topic(topic).title
        except KeyError:
            return topic

    def topic_demo(self, topic: str) -> str | None:
        try:
            return self.session().deck.topic(topic).demo
        except KeyError:
            return None

    # --- preferences -------------------------------------------------------------------------

    def saved_theme(self) -> str | None:
        return self.session().store.get_meta(THEME_KEY)

    def save_theme(self, name: str) -> None:
        self.session().store.set_meta(THEME_KEY, name)

    def exam_date(self):
        from studytui.study.readiness import load_exam_date

        return load_exam_date(self.session().store)

    def set_exam_date(self, text: str):
        """Save the exam date typed in the TUI ("none" clears it); StudytuiError says what is wrong."""
        from studytui.study import readiness

        s = self.session()
        day = readiness.parse_exam_date(text, today=readiness.study_day(s, self.now()))
        readiness.save_exam_date(s.store, day)
        return day

    # --- browser -----------------------------------------------------------------------------

    def topic_list(self) -> list[tuple[str, str]]:
        return [(t.topic, t.title) for t in self.session().deck.topics]

    def browse(self, wanted) -> list[str]:
        """The ids of the cards that pass `wanted` (browse_rows reads their rows)."""
        from studytui.study.browse import matching

        return matching(self.session(), wanted, now=self.now())

    def browse_rows(self, card_ids: list[str]):
        from studytui.study.browse import rows_of

        return rows_of(self.session(), card_ids, now=self.now())

    # --- search ------------------------------------------------------------------------------

    def all_cards(self) -> list[tuple[str, str, str, str]]:
        """(card id, topic title, question, answer) for every note, for the search palette: a cloze
        note once, its question with the deletions filled in (so its hidden words are found)."""
        from studytui.study.cloze import strip

        s = self.session()
        titles = {t.topic: t.title for t in s.deck.topics}
        ids = list(s.deck.cards)
        return [(cid, titles[s.deck.topic_of[cid]], strip(c.q) if c.type == "cloze" else c.front(), c.back())
                for cid, c in zip(ids, s.deck.cards.many(ids)) if cid == c.note_id]  # each topic's cache read once

    # --- stats -------------------------------------------------------------------------------

    def exam_trend(self, days: int = 30) -> list[dict[str, Any]]:
        """The exam-day forecast as it stood each of the last `days` days (see exam_report)."""
        from studytui.study import exam_report
        from studytui.study.readiness import load_exam_date, study_day

        s, now = self.session(), self.now()
        exam_day = load_exam_date(s.store)
        if exam_day is None or exam_day < study_day(s, now):  # no exam, or it has passed: no trend
            return []
        return exam_report.trend(s, exam_day, now=now, days=days)

    def stats(self) -> dict[str, Any]:
        from studytui.study.stats import compute_stats

        s = self.session()
        # the calendar heatmap shows half a year, more than session.stats()'s default 30 days
        # the exam forecast's trend replays the last month's cards: exam_trend, asked for after
        data = compute_stats(s, now=self.now(), days=HEATMAP_DAYS, exam_trend_days=0)
        data["today"] = (s.day_start(self.now()).astimezone()).date().isoformat()
        data["retention_by_topic"] = self.retention_by_topic()
        data["topic_titles"] = {t.topic: t.title for t in self.session().deck.topics}
        data["forecast"] = self.due_forecast()
        from studytui.drills.diagnose import label

        for row in data["mistakes"]:
            row["label"] = label(row["key"])
        return data

    def due_forecast(self, days: int = 14) -> list[int]:
        from studytui.study.stats import due_forecast

        return due_forecast(self.session(), now=self.now(), days=days)

    # --- exam --------------------------------------------------------------------------------

    def exam_cards(self, count: int, seed: int):
        """Card questions drawn toward the weakest topics, each with its predicted recall now."""
        from studytui.study.exam_questions import weakest_first_cards

        return weakest_first_cards(self.session(), count, seed, now=self.now())

    def drill_attempts(self):
        return self.session().store.drill_attempts()

    def record_exam(self, started_at: datetime, topics: dict[str, tuple[int, int]], minutes: float | None,
                    forecast: float | None = None, topic_forecasts: dict[str, float] | None = None) -> int:
        """Save the exam's score, with the forecast made before it began."""
        return self.session().record_exam(started_at=started_at, finished_at=self.now(), topics=topics,
                                          minutes=minutes, forecast=forecast, topic_forecasts=topic_forecasts)

    def log_exam_drills(self, drills: list[dict]) -> None:
        """An exam's drill answers as drill attempts that leave the schedule alone (their
        mistakes aim later drills)."""
        s = self.session()
        for d in drills:
            s.record_drill(d["family"], d["level"], d["correct"], typed=d["typed"], seed=d["seed"], now=self.now(),
                           schedule=False, mistakes=d["mistakes"])

    # --- drills ------------------------------------------------------------------------------

    def record_drill(self, family: str, level: int, correct: bool, typed: str, seed: int | None,
                     mistakes: tuple[str, ...] = ()):
        return self.session().record_drill(family, level, correct, typed=typed, seed=seed, now=self.now(),
                                           mistakes=mistakes)

    def drill_aim(self) -> dict[str, float]:
        """The recurring mistakes drills aim at now (key -> weight; empty: the usual mix)."""
        from studytui.study.mistakes import aim_weights, mistake_profile

        return aim_weights(mistake_profile(self.session().store.drill_attempts()))

    def aimed_problem(self, kind: str, level: int, seed: int, index: int, aim: bool = True):
        """Drill problem `index`, aimed at the student's recurring mistakes unless `aim` is False."""
        from studytui.drills.generate import aimed_problem

        return aimed_problem(kind, level, seed, index, self.drill_aim() if aim else None)

    # --- demos -------------------------------------------------------------------------------

    def demos(self) -> list[DemoInfo]:
        """Every demos/*.py script, with the topics that point at it (and topics whose demo is missing)."""
        from studytui.paths import DEMOS_DIR

        demos_dir = self.demos_dir or DEMOS_DIR
        topics_of: dict[str, list[str]] = {}
        try:
            for t in self.session().deck.topics:
                if t.demo:
                    topics_of.setdefault(t.demo, []).append(t.title)
        except Exception:  # the demo list still works without a database
            pass
        out = []
        scripts = sorted(p for p in demos_dir.glob("*.py") if not p.name.startswith("_")) if demos_dir.is_dir() else []
        for path in scripts:
            out.append(DemoInfo(path.name, path, topics_of.get(path.name, []), _docstring_line(path)))
        known = {p.name for p in scripts}
        for name, titles in topics_of.items():
            if name not in known:
                out.append(DemoInfo(name, demos_dir / name, titles, "file not found", exists=False))
        return out


def _docstring_line(path: Path) -> str:
    """First line of a script's module docstring (without importing it)."""
    import ast

    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return ""
    return doc.strip().splitlines()[0] if doc else ""
