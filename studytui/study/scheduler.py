"""Scheduling: which card comes next, what each grade would do, and recording answers.

The TUI's whole interface to the memory of the app::

    from studytui.study.scheduler import StudySession, Rating
    session = StudySession.open(db_path)            # loads the deck and the review log
    item = session.next_card(topic=None)             # StudyItem or None when nothing is due
    session.button_labels(item.card_id)              # {"Again": "1m", "Hard": "6m", "Good": "10m", "Easy": "3d"}
    session.answer(item.card_id, Rating.Good, duration_ms=5400)   # committed before it returns
    session.undo()                                   # takes back this session's last action:
                                                     # a grade, suspend, bury, flag (as Anki's undo)
    session.record_drill("shapes", 2, correct=True, typed="16x32x32")  # drill:shapes:2 -> Good
    session.suspend(card_id); session.bury(card_id); session.flag(card_id)   # and unsuspend/unbury/unflag
    session.study_more(10)                           # custom study: 10 more new cards today
    session.counts_by_topic(); session.stats()
    session.record_exam(started_at=..., finished_at=..., topics={"receptive-fields": (4, 5)})

Card state is never stored: it is rebuilt by replaying the review log through fsrs (py-fsrs 6),
so every instance that reads the same database agrees, and undo is "delete the row, replay".
fsrs's interval fuzzing is turned off because it draws random numbers, and a replay must give
the same dates every time. Every method takes `now=` (a UTC datetime) so tests control time.

Drills are generative cards: `drill:<family>:<level>` is scheduled like any card; a correct
answer is Good, a wrong one Again. A card that lapses (Again while in review) `leech_lapses`
times is flagged and suspended, by marks tied to that answer (undo removes them too).
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
import json
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

from studytui.errors import StudytuiError
from studytui.study.cardstates import CardColumns, CardState, CardStates, due_key, fsrs_id, us_of
from studytui.study.cloze import note_of
from studytui.study.deck import Card, Deck, load_deck
from studytui.study.drill_cards import DRILL_FAMILIES, DRILL_LEVELS, DRILL_TOPIC, drill_card_id, parse_drill_id
from studytui.study import exam_plan
from studytui.study.gcpause import gc_paused
from studytui.study.queue import DueIndex, first_fresh
from studytui.study.replay import LEARNING, RELEARNING, REVIEW, US_PER_DAY, FastScheduler
from studytui.study.stats import compute_stats
from studytui.study.store import ReviewRow, Store, from_ms, to_ms

__all__ = [
    "Rating", "Settings", "StudyItem", "CardState", "StudySession", "AnswerResult",
    "drill_card_id", "parse_drill_id", "format_interval", "DRILL_FAMILIES", "DRILL_LEVELS",
]

PARAMETERS_KEY = "fsrs_parameters"
SETTINGS_KEY = "settings"
SNAPSHOT_KEY = "state_columns"  # a binary blob (studytui/study/cardstates.py)
OLD_SNAPSHOT_KEYS = ("state_snapshot",)  # JSON snapshots of earlier versions: dropped on the next save
# 6: binary columns in index order (cardstates.py); 5: valid for (last review id, deletions), fsrs
# card id stored; 3: flat card rows (replay.py); 2: Easy always later than Good
SNAPSHOT_FORMAT = 6
SNAPSHOT_EVERY = 500  # replayed answers after which the snapshot is refreshed
STEP_RANGE = (timedelta(seconds=1), timedelta(days=365))
MAX_STEPS = 10
EXTRA_NEW_KEY = "extra_new_today"  # custom study: {"day": ISO date of the study day, "count": N}


def format_interval(delta: timedelta) -> str:
    """Anki-style short interval: 45s, 1m, 10m, 3h, 3d, 2.1mo, 1.5y."""
    s = max(0.0, delta.total_seconds())
    if s < 60:
        return f"{round(s)}s"
    if s < 3600:
        return f"{round(s / 60)}m"
    if s < 86400:
        return f"{round(s / 3600)}h"
    days = s / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo".replace(".0mo", "mo")
    return f"{days / 365:.1f}y".replace(".0y", "y")


@dataclass(frozen=True)
class Settings:
    """Knobs of the scheduler; stored in the database's meta table (key "settings")."""

    desired_retention: float = 0.9
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),)
    new_per_day: int = 20
    reviews_per_day: int = 200
    leech_lapses: int = 8
    day_starts_at_hour: int = 4  # local time, like Anki: a late night counts as the day before
    learn_ahead: timedelta = timedelta(minutes=20)
    maximum_interval_days: int = 36500

    def __post_init__(self) -> None:
        if not 0.5 <= self.desired_retention <= 0.99:
            raise StudytuiError(f"desired retention must be between 0.5 and 0.99, not {self.desired_retention}")
        if self.new_per_day < 0 or self.reviews_per_day < 0 or self.leech_lapses < 1:
            raise StudytuiError("daily limits must be >= 0 and leech_lapses >= 1")
        # bounded so that no schedule date can leave datetime's range (a 99999999d step did)
        for name, steps, least in (("learning", self.learning_steps, 1), ("relearning", self.relearning_steps, 0)):
            if not least <= len(steps) <= MAX_STEPS or not all(STEP_RANGE[0] <= s <= STEP_RANGE[1] for s in steps):
                raise StudytuiError(f"{name} steps must be {least} to {MAX_STEPS} steps of 1s to 365d each")
        if not 0 <= self.day_starts_at_hour <= 23 or not 1 <= self.maximum_interval_days <= 36500:
            raise StudytuiError("day_starts_at_hour must be 0-23 and maximum_interval_days 1-36500")
        if not timedelta(0) <= self.learn_ahead <= timedelta(days=1):
            raise StudytuiError("learn_ahead must be between 0 and 1 day")

    def to_json(self) -> dict[str, Any]:
        return {
            "desired_retention": self.desired_retention,
            "learning_steps_s": [d.total_seconds() for d in self.learning_steps],
            "relearning_steps_s": [d.total_seconds() for d in self.relearning_steps],
            "new_per_day": self.new_per_day,
            "reviews_per_day": self.reviews_per_day,
            "leech_lapses": self.leech_lapses,
            "day_starts_at_hour": self.day_starts_at_hour,
            "learn_ahead_s": self.learn_ahead.total_seconds(),
            "maximum_interval_days": self.maximum_interval_days,
        }

    @classmethod
    def from_stored(cls, data: Any) -> tuple["Settings", str | None]:
        """Settings from the database, or the defaults and why when what is stored is not valid
        (an older studytui saved unbounded steps): a bad value must not lock anyone out."""
        try:
            return cls.from_json(data), None
        except (StudytuiError, ValueError, TypeError, OverflowError, AttributeError, KeyError) as exc:
            return cls(), f"the stored settings are not valid ({exc}); using the defaults until new ones are saved"

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "Settings":
        if not data:
            return cls()
        d = cls()
        secs = lambda key, default: tuple(timedelta(seconds=x) for x in data.get(key, [t.total_seconds() for t in default]))  # noqa: E731
        return cls(
            desired_retention=float(data.get("desired_retention", d.desired_retention)),
            learning_steps=secs("learning_steps_s", d.learning_steps),
            relearning_steps=secs("relearning_steps_s", d.relearning_steps),
            new_per_day=int(data.get("new_per_day", d.new_per_day)),
            reviews_per_day=int(data.get("reviews_per_day", d.reviews_per_day)),
            leech_lapses=int(data.get("leech_lapses", d.leech_lapses)),
            day_starts_at_hour=int(data.get("day_starts_at_hour", d.day_starts_at_hour)),
            learn_ahead=timedelta(seconds=float(data.get("learn_ahead_s", d.learn_ahead.total_seconds()))),
            maximum_interval_days=int(data.get("maximum_interval_days", d.maximum_interval_days)),
        )


@dataclass(frozen=True)
class StudyItem:
    """A card to show: an ordinary card (`card` set) or a drill (`drill` = (family, level))."""

    card_id: str
    topic: str
    phase: str  # new | learning | review | relearning
    due: datetime | None
    card: Card | None = None
    drill: tuple[str, int] | None = None
    edited: bool = False  # the card's text changed since it was last answered

    @property
    def is_drill(self) -> bool:
        return self.drill is not None


@dataclass(frozen=True)
class AnswerResult:
    review_id: int
    card_id: str
    rating: Rating
    due: datetime
    phase: str
    leech: bool  # this answer made the card a leech (now flagged and suspended)


@dataclass(frozen=True)
class Undone:
    """What `undo_last` took back: the card and the action ("grade", "suspend", "bury", ...)."""

    card_id: str
    action: str


@dataclass(frozen=True)
class NewLimit:
    """Today's new-card budget: `studied` new cards started today out of `limit` (the setting plus
    any custom-study extra); `waiting` new cards are left in the scope asked about."""

    studied: int
    limit: int
    waiting: int

    @property
    def left(self) -> int:
        return max(0, self.limit - self.studied)

    @property
    def reached(self) -> bool:
        return self.waiting > 0 and self.left == 0


@dataclass
class _MarkState:
    suspended: bool = False
    flagged: bool = False
    buried_until: datetime | None = None
    leech: bool = False


def _utc(now: datetime | None) -> datetime:
    """`now` (or the clock) in UTC, rounded to whole ms as the log stores it."""
    now = datetime.now(timezone.utc) if now is None else now
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return from_ms(to_ms(now))


class StudySession:
    """The deck, the review log and an fsrs scheduler, kept in step with the database."""

    def __init__(
        self,
        store: Store,
        deck: Deck,
        *,
        settings: Settings | None = None,
        drill_families: Iterable[str] = DRILL_FAMILIES,
        drill_levels: Iterable[int] = DRILL_LEVELS,
    ):
        self.store = store
        self.deck = deck
        self.settings_problem: str | None = None
        if settings is None:
            settings, self.settings_problem = Settings.from_stored(store.get_meta(SETTINGS_KEY))
        self.settings = settings
        self.parameters = self._saved_parameters()
        self.scheduler = Scheduler(
            parameters=self.parameters,
            desired_retention=self.settings.desired_retention,
            learning_steps=self.settings.learning_steps,
            relearning_steps=self.settings.relearning_steps,
            maximum_interval=self.settings.maximum_interval_days,
            enable_fuzzing=False,
        )
        self.drill_ids = [drill_card_id(f, lv) for f in drill_families for lv in drill_levels]
        self._states = CardStates()  # card id -> CardState, built on first look (cardstates.py)
        self._marks: dict[str, _MarkState] = {}
        self._signature: tuple[int, int, int] = (-1, -1, -1)  # store.log_signature() of the states
        self._marks_sig: tuple[int, int] = (-1, -1)  # (deletions, last mark id) of self._marks
        self._today: tuple[datetime, int, int] | None = None  # (day start, new, reviews): _today_counts
        self._answered: tuple[datetime, set[str], set[str]] | None = None  # (day start, cards, notes): _answered_today
        self._extra_new: tuple[Any, Any] = (None, None)  # (sync token, stored custom-study extra)
        self._token: tuple[int, int] | None = None  # store.change_token() at the last sync
        self._ids_cache: dict[tuple, list[str]] = {}
        self._index: DueIndex | None = None  # due order of the card states (studytui/study/queue.py)
        # cards with a history, by the time of their last answer (ms; ids alongside): today's counts
        self._last_ms: Any = []
        self._last_ids: list[str] = []
        self._fresh_from: dict[tuple, int] = {}  # where the search for a new card may start
        self._replayed_since_snapshot = 0
        self._undo_stack: list[tuple[str, int]] = []  # ("review" | "mark", row id), newest last
        self.problems: list = []  # deck problems found by StudySession.open
        self._sync()
        # A background integrity check (Store.open(verify="background")) starts now that the
        # deck and the states are loaded: running beside them it slowed both on 2 cores.
        store.start_check()

    @classmethod
    def open(cls, db_path: str | Path | None = None, *, cards_dir: Path | None = None,
             settings: Settings | None = None, with_imports: bool = True, verify: str = "now") -> "StudySession":
        """Open the database and load the deck (cards/ plus the imports beside the database).

        Deck problems do not stop studying: the good topic files are used (`problems` holds the
        rest, for the TUI to show). `verify="background"` (the TUI): the file's integrity check
        runs in a thread once the deck and card states are loaded, and every write waits for it
        (Store.open)."""
        from studytui.study.deck import imported_dir

        store = Store.open(db_path, verify=verify)
        try:
            extra = [imported_dir(store.path)] if with_imports else []
            deck, problems = load_deck(cards_dir, extra_dirs=extra)
            session = cls(store, deck, settings=settings)
        except BaseException:
            store.close()
            raise
        session.problems = problems
        return session

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "StudySession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- settings and parameters -------------------------------------------------------------

    def _saved_parameters(self) -> tuple[float, ...]:
        from fsrs.scheduler import DEFAULT_PARAMETERS

        saved = self.store.get_meta(PARAMETERS_KEY)
        if saved and isinstance(saved, dict) and len(saved.get("parameters", [])) == len(DEFAULT_PARAMETERS):
            try:
                Scheduler(parameters=saved["parameters"])  # validates the bounds
                return tuple(saved["parameters"])
            except ValueError:
                pass  # out of bounds for this fsrs version: fall back to the defaults
        return tuple(DEFAULT_PARAMETERS)

    def save_settings(self, settings: Settings) -> None:
        """Store new settings; they apply to sessions opened from now on."""
        self.store.set_meta(SETTINGS_KEY, settings.to_json())

    # --- replay ------------------------------------------------------------------------------

    def _sync(self) -> None:
        """Bring the card states up to date with the log (others may have written to it)."""
        token = self.store.change_token()
        if token == self._token:
            return
        sig = self.store.log_signature()  # (last review id, deletions, last mark id)
        self._token = token
        if sig == self._signature:
            return
        with gc_paused():  # a first sync or a full replay builds ~100,000 objects (gcpause.py)
            self._sync_to(sig)

    def _sync_to(self, sig: tuple[int, int, int]) -> None:
        if self._signature[0] < 0:  # first sync: start from the snapshot when it is still valid
            self._index = None
            self._signature = self._load_snapshot()
        last_id, deletions = self._signature[0], self._signature[1]
        if last_id >= 0 and deletions == sig[1]:  # nothing deleted since: apply the new rows
            rows = self.store.reviews(after_id=last_id) if sig[0] != last_id else []
            if self._index is None:
                self._rebuild_index()  # states just came from the snapshot
            for row in rows:
                old = self._states.get(row.card_id)
                self._apply(row)
                self._index.update(row.card_id, None if old is None else due_key(old),
                                   due_key(self._states[row.card_id]))
                self._count_today(row, "new" if old is None else old.phase)
                self._count_answered(row)
            replayed = len(rows)
        else:  # something was deleted (undo) or no snapshot: replay everything
            self._states = CardStates(states=self._replay_all())
            self._rebuild_index()
            replayed = self._states.total_reps()
        self._load_marks(sig)
        self._signature = sig
        self._replayed_since_snapshot += replayed
        if self._replayed_since_snapshot >= SNAPSHOT_EVERY:
            self._save_snapshot()

    # The snapshot is a disposable cache of the replayed states (meta key "state_columns"): valid
    # only for the exact log it was built from (last review id, deletions) and the same scheduler
    # parameters and steps; anything else (or a damaged blob) falls back to a full replay.

    def _snapshot_key(self) -> str:
        blob = json.dumps([self.parameters, self.settings.to_json(), SNAPSHOT_FORMAT], sort_keys=True)
        return hashlib.sha1(blob.encode()).hexdigest()

    def _save_snapshot(self) -> None:
        # Only the last days of history are kept: enough for today's counts after a restart.
        newest = self._states.newest_answer_ms()
        keep_from = newest - 3 * 86_400_000 if newest is not None else 0
        try:
            columns = CardColumns.from_states(self._states, keep_from)
            blob = columns.encode({"key": self._snapshot_key(), "last_id": self._signature[0],
                                   "deletions": self._signature[1], "count": self._states.total_reps()})
        except ValueError:
            return  # a card id with a NUL in it: no snapshot, a replay next time
        try:
            self.store.set_blob(SNAPSHOT_KEY, blob, drop=OLD_SNAPSHOT_KEYS)
            self._replayed_since_snapshot = 0
        except (sqlite3.Error, StudytuiError):
            pass  # only a cache: a busy or read-only database just means a replay next time

    def _load_snapshot(self) -> tuple[int, int, int]:
        """Card states, due index and recent answers from the snapshot, if it fits this log."""
        try:
            header, columns = CardColumns.decode(self.store.get_blob(SNAPSHOT_KEY))
            if header.get("key") != self._snapshot_key():
                return (-1, -1, -1)
            last_id, deletions = header["last_id"], header["deletions"]
            if type(last_id) is not int or type(deletions) is not int:
                raise ValueError("no log position")
        except (ValueError, TypeError, KeyError, AttributeError):  # a damaged cache: replay instead
            return (-1, -1, -1)
        self._states = CardStates(columns)
        self._index = DueIndex.from_columns(columns)
        self._last_ms, self._last_ids = columns.last_answer_ms()
        self._fresh_from = {}
        self._today = self._answered = None
        return (last_id, deletions, -1)

    def _replay_all(self) -> dict[str, CardState]:
        """Every card's state from the whole log, through the fast replay (same numbers as
        `_apply` row by row, ~20x faster: studytui/study/replay.py)."""
        fast = FastScheduler(self.scheduler)
        phase_of = {LEARNING: "learning", REVIEW: "review", RELEARNING: "relearning"}
        raw: dict[str, list] = {}
        info: dict[str, list] = {}  # reps, lapses, first ms, last rating, hash, answers, passes, history
        review, new_card = fast.review, fast.new_card  # locals: this loop runs once per logged answer
        for card_id, rating, at_ms, content_hash in self.store.answer_tuples():
            card = raw.get(card_id)
            if card is None:
                card = raw[card_id] = new_card()
                meta = info[card_id] = [0, 0, at_ms, None, None, 0, 0, []]
                before = "new"
            else:
                meta = info[card_id]
                before = phase_of[card[0]]
                if card[0] == REVIEW:
                    meta[5] += 1
                    if rating == 1:
                        meta[1] += 1  # a lapse
                    else:
                        meta[6] += 1
            if rating == 4:  # Easy at least a day after Good, as in _next
                good = card.copy()
                review(good, 3, at_ms * 1000)
                review(card, 4, at_ms * 1000)
                if card[0] == REVIEW and good[0] == REVIEW and card[4] <= good[4]:
                    card[4] = good[4] + US_PER_DAY
            else:
                review(card, rating, at_ms * 1000)
            meta[0] += 1
            meta[3] = rating
            if content_hash is not None:
                meta[4] = content_hash
            meta[7].append((at_ms, before, rating))
        new_due = datetime(2000, 1, 1, tzinfo=timezone.utc)
        return {
            cid: CardState(
                cid, fast.to_fsrs(raw[cid], fsrs_id(cid), new_due), reps, lapses, from_ms(first), last_rating,
                chash, answers, passes, [(from_ms(ms), before, r) for ms, before, r in history])
            for cid, (reps, lapses, first, last_rating, chash, answers, passes, history) in info.items()
        }

    def _rebuild_index(self) -> None:
        """Index every card state by due time, and by the time of its last answer (today's counts)."""
        self._index = DueIndex()
        self._index.rebuild(self._states)
        last = sorted((to_ms(st.history[-1][0]), cid) for cid, st in self._states.items() if st.history)
        self._last_ms, self._last_ids = [ms for ms, _ in last], [cid for _, cid in last]
        self._fresh_from = {}
        self._today = self._answered = None

    def _new_state(self, card_id: str) -> CardState:
        return CardState(card_id, FsrsCard(card_id=fsrs_id(card_id), due=datetime(2000, 1, 1, tzinfo=timezone.utc)))

    def _apply(self, row: ReviewRow) -> None:
        st = self._states.get(row.card_id) or self._new_state(row.card_id)
        self._states[row.card_id] = self._review(st, Rating(row.rating), row.at, row.content_hash)

    def _review(self, st: CardState, rating: Rating, at: datetime, content_hash: str | None) -> CardState:
        before = st.phase
        card = self._next(st.fsrs, rating, at)
        lapse = st.fsrs.state == State.Review and rating == Rating.Again and st.reps > 0
        return replace(
            st,
            fsrs=card,
            reps=st.reps + 1,
            lapses=st.lapses + int(lapse),
            first_review=st.first_review or at,
            last_rating=int(rating),
            content_hash=content_hash if content_hash is not None else st.content_hash,
            review_answers=st.review_answers + (before == "review"),
            review_passes=st.review_passes + (before == "review" and rating != Rating.Again),
            history=[*st.history, (at, before, int(rating))],
        )

    def _next(self, card: FsrsCard, rating: Rating, at: datetime) -> FsrsCard:
        """fsrs's next card, except that Easy always comes back at least a day after Good (as in
        Anki): for a relearning card with low stability fsrs gives both the same day, and two
        buttons that do the same thing leave the student wondering which to press."""
        after, _ = self.scheduler.review_card(card, rating, review_datetime=at)
        if rating == Rating.Easy and after.state == State.Review:
            good, _ = self.scheduler.review_card(card, Rating.Good, review_datetime=at)
            if good.state == State.Review and after.due <= good.due:
                after.due = good.due + timedelta(days=1)
        return after

    def _load_marks(self, sig: tuple[int, int, int]) -> None:
        """Bring the marks up to date: the new mark rows only, unless a row was deleted (undo)."""
        deletions, last_mark = sig[1], sig[2]
        if (deletions, last_mark) == self._marks_sig:
            return
        if deletions != self._marks_sig[0]:
            self._marks, after = {}, 0
        else:
            after = self._marks_sig[1]
        marks = self._marks
        for m in self.store.marks(after_id=after):
            ms = marks.setdefault(m.card_id, _MarkState())
            if m.kind == "suspend":
                ms.suspended = True
                ms.leech = ms.leech or m.reason == "leech"
            elif m.kind == "unsuspend":
                ms.suspended = False
            elif m.kind == "bury":
                ms.buried_until = m.until
            elif m.kind == "flag":
                ms.flagged = True
            elif m.kind == "unflag":
                ms.flagged = False
        self._marks_sig = (deletions, last_mark)

    # --- looking at cards --------------------------------------------------------------------

    def state(self, card_id: str) -> CardState:
        """The card's replayed state (a fresh one for a card never answered)."""
        self._sync()
        return self._states.get(card_id) or self._new_state(card_id)

    def summaries(self, card_ids: Iterable[str]) -> list[tuple[str, datetime | None, bool]]:
        """(phase, due or None while new, leech) of each card, without building card states
        (the card browser lists every card of the deck)."""
        self._sync()
        least, marks, summary = self.settings.leech_lapses, self._marks, self._states.summary
        out = []
        for cid in card_ids:
            phase, due, lapses = summary(cid) or ("new", None, 0)
            ms = marks.get(cid)
            out.append((phase, due, lapses >= least or bool(ms and ms.leech)))
        return out

    def topic_of(self, card_id: str) -> str:
        if parse_drill_id(card_id):
            return DRILL_TOPIC
        return self.deck.topic_of[card_id]

    def all_card_ids(self, topic: str | None = None, include_drills: bool = True) -> list[str]:
        """The deck's card ids in deck order, then the drill cards."""
        key = (topic, include_drills, len(self.drill_ids))
        ids = self._ids_cache.get(key)
        if ids is None:  # the deck does not change during a session: list each topic's ids once
            ids = self.deck.ids_in(topic) if topic != DRILL_TOPIC else []
            if include_drills and topic in (None, DRILL_TOPIC):
                ids += self.drill_ids
            self._ids_cache[key] = ids
        return list(ids)

    def is_suspended(self, card_id: str) -> bool:
        return self._marks.get(card_id, _MarkState()).suspended

    def is_flagged(self, card_id: str) -> bool:
        return self._marks.get(card_id, _MarkState()).flagged

    def is_leech(self, card_id: str) -> bool:
        ms = self._marks.get(card_id)
        return self.state(card_id).lapses >= self.settings.leech_lapses or bool(ms and ms.leech)

    def is_buried(self, card_id: str, *, now: datetime | None = None) -> bool:
        ms = self._marks.get(card_id)
        return bool(ms and ms.buried_until is not None and ms.buried_until > _utc(now))

    def _hidden(self, card_id: str, now: datetime) -> bool:
        ms = self._marks.get(card_id)
        return ms is not None and (ms.suspended or (ms.buried_until is not None and ms.buried_until > now))

    def day_start(self, now: datetime | None = None) -> datetime:
        """When the current study day began (local time, at settings.day_starts_at_hour), in UTC."""
        local = _utc(now).astimezone()
        start = local.replace(hour=self.settings.day_starts_at_hour, minute=0, second=0, microsecond=0)
        if local < start:
            start -= timedelta(days=1)
        return start.astimezone(timezone.utc)

    def _answered_today(self, now: datetime) -> set[str]:
        """Cards answered since the study day began (worked out once a day and state, then kept
        up to date answer by answer in _sync: picking a card must not cost more as the day goes on).
        The set is the session's own: read it, do not change it."""
        start = self.day_start(now)
        if self._answered is None or self._answered[0] != start:
            # Those the index saw last answered by then (an answer since only makes it later; a
            # deletion rebuilds the index), plus those answered since it was built.
            answered = set(self._last_ids[bisect_left(self._last_ms, to_ms(start)):])
            for cid in self._index.recent if self._index else ():
                st = self._states.get(cid)
                if st is not None and st.history and st.history[-1][0] >= start:
                    answered.add(cid)
            self._answered = (start, answered, {note_of(c) for c in answered})
        return self._answered[1]

    def _notes_answered_today(self, now: datetime) -> set[str]:
        """The notes of _answered_today (one cloze deletion a day per note)."""
        self._answered_today(now)
        return self._answered[2]  # type: ignore[index]

    def _count_answered(self, row: ReviewRow) -> None:
        """Keep _answered_today up to date with one newly applied answer."""
        if self._answered is None:
            return
        start, cards, notes = self._answered
        if row.at >= start:
            cards.add(row.card_id)
            notes.add(note_of(row.card_id))
        elif row.card_id in cards:  # a late-logged older answer is now its last: work the day out again
            self._answered = None

    def _today_counts(self, now: datetime) -> tuple[int, int]:
        """(new cards started, review-phase answers) since the study day began (counted once per
        day and state, then kept up to date answer by answer in _sync)."""
        start = self.day_start(now)
        if self._today is not None and self._today[0] == start:
            return self._today[1], self._today[2]
        new = reviews = 0
        start_ms = to_ms(start)
        for cid in self._answered_today(now):
            if parse_drill_id(cid):  # drills have their own screen: they use no card budget
                continue
            for before in self._states.phases_since(cid, start_ms):  # no CardState built for this
                new += before == "new"
                reviews += before == "review"
        self._today = (start, new, reviews)
        return new, reviews

    def _count_today(self, row: ReviewRow, before: str) -> None:
        """Add one newly applied answer to today's counts (if they have been counted)."""
        if self._today is not None and row.at >= self._today[0] and not parse_drill_id(row.card_id):
            start, new, reviews = self._today
            self._today = (start, new + (before == "new"), reviews + (before == "review"))

    def _extra_new_today(self, now: datetime) -> int:
        if self._extra_new[0] != self._token or self._token is None:  # re-read only after a write
            self._extra_new = (self._token, self.store.get_meta(EXTRA_NEW_KEY))
        extra = self._extra_new[1]
        day = self.day_start(now).date().isoformat()
        return int(extra["count"]) if isinstance(extra, dict) and extra.get("day") == day else 0

    def new_limit(self, topic: str | None = None, *, now: datetime | None = None,
                  include_drills: bool = False) -> NewLimit:
        """How many new cards today's limit still lets in (and how many are waiting)."""
        self._sync()
        now = _utc(now)
        studied, _ = self._today_counts(now)
        waiting = sum(1 for cid in self.all_card_ids(topic, include_drills)
                      if cid not in self._states and not self._hidden(cid, now))
        return NewLimit(studied, self.settings.new_per_day + self._extra_new_today(now), waiting)

    def study_more(self, extra: int, *, now: datetime | None = None) -> NewLimit:
        """Custom study: let `extra` more new cards in today (on top of the daily setting)."""
        if extra < 1:
            raise StudytuiError("study more: the number of extra new cards must be at least 1")
        now = _utc(now)
        day = self.day_start(now).date().isoformat()
        self.store.set_meta(EXTRA_NEW_KEY, {"day": day, "count": self._extra_new_today(now) + extra})
        return self.new_limit(now=now)

    def _item(self, card_id: str, st: CardState | None) -> StudyItem:
        drill = parse_drill_id(card_id)
        card = None if drill else self.deck.cards[card_id]
        edited = bool(card and st and st.content_hash and st.content_hash != card.content_hash)
        return StudyItem(
            card_id=card_id,
            topic=self.topic_of(card_id),
            phase=st.phase if st else "new",
            due=st.fsrs.due if st else None,
            card=card,
            drill=drill,
            edited=edited,
        )

    def next_card(self, topic: str | None = None, *, now: datetime | None = None,
                  include_drills: bool = True) -> StudyItem | None:
        """The card to show now, or None when the day's work (within the limits) is done.

        Order: learning cards that are due, review cards that are due (most overdue first, up to
        reviews_per_day), new cards in deck order (up to new_per_day), then learning cards due
        within `learn_ahead` so a session does not stall on a one-minute step."""
        self._sync()
        now = _utc(now)
        new_today, reviews_today = self._today_counts(now)
        in_deck, drills = self.deck.topic_of, set(self.drill_ids) if include_drills and topic in (None, DRILL_TOPIC) else ()
        answered_today = self._answered_today(now)
        notes_today = self._notes_answered_today(now)

        def wanted(cid: str) -> bool:
            if cid in drills:
                pass
            elif cid not in in_deck or (topic is not None and in_deck[cid] != topic):
                return False
            return not self._hidden(cid, now)

        def unburied(cid: str) -> bool:
            # One cloze deletion a day: its siblings would give each other's answers away.
            return wanted(cid) and (note_of(cid) not in notes_today or cid in answered_today)

        index = self._index
        new_cap = self.settings.new_per_day + self._extra_new_today(now)

        def fresh() -> str | None:
            key = (topic, include_drills, len(self.drill_ids))
            ids = self._ids_cache.get(key) or self.all_card_ids(topic, include_drills)
            start = self._fresh_from.get(key, 0)
            while start < len(ids) and ids[start] in self._states:
                start += 1  # cards only stop being new (until a full replay rebuilds the index)
            self._fresh_from[key] = start
            return first_fresh(ids[start:], self._states, unburied)

        # With an exam ahead (studytui/study/exam_plan.py) the new cards its pace needs come before
        # the due reviews (an unseen card counts nothing on exam day), and at-risk reviews after.
        plan = exam_plan.queue_plan(self, now)
        cid = DueIndex.first(index.learning, now, wanted) if index else None
        if cid is None and plan is not None and new_today < plan.new_cap(new_cap):
            cid = fresh()
        if cid is None and reviews_today < self.settings.reviews_per_day and index:
            cid = DueIndex.first(index.review, now, unburied)
        if cid is None and new_today < new_cap:
            cid = fresh()
        if cid is None and plan is not None and reviews_today < self.settings.reviews_per_day:
            cid = plan.next_brought_forward(self, self.day_start(now), unburied)
        if cid is None and index:
            cid = DueIndex.first(index.learning, now + self.settings.learn_ahead, wanted, after=now)
        if cid is None:
            return None
        return self._item(cid, self._states.get(cid))

    def preview(self, card_id: str, *, now: datetime | None = None) -> dict[Rating, timedelta]:
        """How long until the card comes back for each grade, if answered now."""
        st = self.state(card_id)
        now = _utc(now)
        out = {}
        for rating in Rating:
            card = self._next(st.fsrs, rating, now)
            out[rating] = card.due - now
        return out

    def button_labels(self, card_id: str, *, now: datetime | None = None) -> dict[str, str]:
        """{"Again": "1m", "Hard": "6m", "Good": "10m", "Easy": "3d"} for the answer buttons."""
        return {r.name: format_interval(d) for r, d in self.preview(card_id, now=now).items()}

    # --- answering ---------------------------------------------------------------------------

    def _check_known(self, card_id: str) -> None:
        if card_id not in self.deck.cards and card_id not in self.drill_ids:
            raise StudytuiError(f"unknown card id '{card_id}'")

    def answer(self, card_id: str, rating: Rating | int, *, duration_ms: int | None = None,
               typed: str | None = None, correct: bool | None = None, now: datetime | None = None,
               _drill: dict[str, Any] | None = None) -> AnswerResult:
        """Grade a card. The review is committed to the database before this returns."""
        self._check_known(card_id)
        rating = Rating(int(rating))
        now = _utc(now)
        st = self.state(card_id)
        after = self._review(st, rating, now, None)
        leech = after.lapses >= self.settings.leech_lapses > st.lapses
        card = self.deck.cards.get(card_id)
        rid = self.store.add_review(
            card_id, int(rating), at=now, duration_ms=duration_ms,
            content_hash=card.content_hash if card else None, typed=typed, correct=correct,
            marks=[("suspend", "leech"), ("flag", "leech")] if leech else [],
            drill=_drill,
        )
        self._undo_stack.append(("review", rid))
        self._sync()
        new = self.state(card_id)
        return AnswerResult(rid, card_id, rating, new.fsrs.due, new.phase, leech)

    def record_drill(self, family: str, level: int, correct: bool, *, typed: str | None = None,
                     seed: int | None = None, duration_ms: int | None = None, now: datetime | None = None,
                     schedule: bool = True, mistakes: Iterable[str] = ()) -> AnswerResult | None:
        """Save a drill attempt; with `schedule` it also answers drill:<family>:<level>
        (correct -> Good, wrong -> Again) in the same transaction. `mistakes`: the rule keys of
        a wrong answer's diagnosis (studytui.drills.diagnose), which aim later drills."""
        now = _utc(now)
        mistakes = () if correct else tuple(mistakes)
        if not schedule:
            self.store.add_drill_attempt(family, level, correct, at=now, seed=seed, typed=typed, duration_ms=duration_ms,
                                         mistakes=mistakes)
            return None
        cid = drill_card_id(family, level)
        if cid not in self.drill_ids:
            self.drill_ids.append(cid)
        return self.answer(
            cid, Rating.Good if correct else Rating.Again, duration_ms=duration_ms, typed=typed,
            correct=correct, now=now,
            _drill=dict(family=family, level=level, correct=correct, seed=seed, typed=typed, duration_ms=duration_ms,
                        mistakes=mistakes),
        )

    def undo(self) -> str | None:
        """Take back this session's last action; returns its card id (None: nothing to undo)."""
        undone = self.undo_last()
        return undone.card_id if undone else None

    def undo_last(self) -> Undone | None:
        """Take back this session's latest action of any kind, newest first, as Anki's undo does.

        A grade: its review row is deleted (with the leech marks and drill attempt it wrote) and
        the log replayed. A suspend / bury / flag (or their reverses): its mark row is deleted, so
        the card's marks are exactly what they were before."""
        while self._undo_stack:
            kind, row_id = self._undo_stack.pop()
            if kind == "review":
                row = self.store.delete_review(row_id)
                action = "grade"
            else:
                row = self.store.delete_mark(row_id)
                action = row.reason if row is not None and row.reason == "unbury" else getattr(row, "kind", "")
            if row is not None:  # None: another instance already removed it
                self._sync()
                return Undone(row.card_id, action)
        return None

    @property
    def can_undo(self) -> bool:
        return bool(self._undo_stack)

    def _mark(self, card_id: str, kind: str, now: datetime | None, until: datetime | None = None,
              reason: str | None = None) -> None:
        mark_id = self.store.add_mark(card_id, kind, at=_utc(now), until=until, reason=reason)
        self._undo_stack.append(("mark", mark_id))
        self._sync()

    def suspend(self, card_id: str, *, now: datetime | None = None) -> None:
        self._mark(card_id, "suspend", now)

    def unsuspend(self, card_id: str, *, now: datetime | None = None) -> None:
        self._mark(card_id, "unsuspend", now)

    def bury(self, card_id: str, *, now: datetime | None = None) -> None:
        """Hide the card until the next study day."""
        now = _utc(now)
        self._mark(card_id, "bury", now, until=self.day_start(now) + timedelta(days=1))

    def unbury(self, card_id: str, *, now: datetime | None = None) -> None:
        """Bring a buried card back today: a bury that ends now (the mark kinds stay as they are)."""
        now = _utc(now)
        self._mark(card_id, "bury", now, until=now, reason="unbury")

    def flag(self, card_id: str, *, now: datetime | None = None) -> None:
        self._mark(card_id, "flag", now)

    def unflag(self, card_id: str, *, now: datetime | None = None) -> None:
        self._mark(card_id, "unflag", now)

    # --- exams -------------------------------------------------------------------------------

    def record_exam(self, *, started_at: datetime, finished_at: datetime,
                    topics: dict[str, tuple[int, int]], minutes: float | None = None,
                    forecast: float | None = None, topic_forecasts: dict[str, float] | None = None) -> int:
        """Save a mock exam's score report: topic -> (correct, total), and the forecast made
        before it began (studytui.study.exam_questions). Returns the exam id."""
        return self.store.add_exam(started_at=started_at, finished_at=finished_at, topics=topics, minutes=minutes,
                                   forecast=forecast, topic_forecasts=topic_forecasts)

    # --- counts and statistics ---------------------------------------------------------------

    def counts_by_topic(self, *, now: datetime | None = None, include_drills: bool = True,
                        only: str | None = None) -> dict[str, dict[str, int]]:
        """topic -> {"total", "new", "learning", "due", "learned", "suspended", "flagged"}.

        "due" counts every card whose time has come (learning and review), ignoring daily limits;
        "learned" counts cards answered at least once. `only`: just that topic (if it exists)."""
        self._sync()
        now = _utc(now)
        now_us = us_of(now)
        topics = [t.topic for t in self.deck.topics] + ([DRILL_TOPIC] if include_drills and self.drill_ids else [])
        topics = [t for t in topics if only is None or t == only]
        out = {}
        due_key_of, marks = self._states.due_key, self._marks  # no CardState is built for this
        for topic in topics:
            ids = self.all_card_ids(topic, include_drills)
            c = dict(total=len(ids), new=0, learning=0, due=0, learned=0, suspended=0, flagged=0)
            for cid in ids:
                ms = marks.get(cid)
                if ms is not None:
                    c["flagged"] += ms.flagged
                    if ms.suspended:
                        c["suspended"] += 1
                        continue
                key = due_key_of(cid)
                if key is None:
                    c["new"] += 1
                    continue
                c["learned"] += 1
                c["learning"] += key[0]
                c["due"] += key[1] <= now_us and not (ms is not None and self._hidden(cid, now))
            out[topic] = c
        return out

    def stats(self, *, now: datetime | None = None) -> dict[str, Any]:
        """Everything `studytui stats --json` prints (see studytui.study.stats)."""
        return compute_stats(self, now=_utc(now))
