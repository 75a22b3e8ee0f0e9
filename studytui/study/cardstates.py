"""Card states kept as columns of numbers, turned into objects only when a card is looked at.

A later open used to rebuild 20,000 `CardState`s (each with an fsrs `Card`, datetimes and a
history list) from the snapshot before showing the first card, most of which nobody looks at
in a session. `CardColumns` holds the snapshot as flat arrays (one entry per card, rows in due
order: learning cards, then review cards), and `CardStates` is the `card id -> CardState` mapping
the scheduler uses: a card's `CardState` is built on first access (and kept); a replayed answer
stores a new `CardState` over it. The due index and today's counts read the columns directly.

`encode` / `decode` turn the columns into one binary blob (the snapshot in the database) and
back: arrays of fixed-size numbers (a copy, not a parse, to load) and NUL-separated text, behind
a header and an Adler-32 checksum, so a damaged blob is noticed (ValueError) and the caller
replays the log instead.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

from fsrs import Card as FsrsCard
from fsrs import State

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_STATES = {int(s): s for s in State}
LEARNING_STATES = (int(State.Learning), int(State.Relearning))
PHASES = ("new", "learning", "review", "relearning")
_PHASE_CODE = {p: i for i, p in enumerate(PHASES)}
NONE_INT = -(2 ** 63)  # "no value" in an integer column
MAGIC = b"STCS"
VERSION = 1
if array("i").itemsize != 4 or array("h").itemsize != 2:  # the blob's layout assumes these sizes
    raise ImportError("studytui needs 4-byte C ints and 2-byte shorts")


@dataclass
class CardState:
    """What the log says about one card: its fsrs card plus counters."""

    card_id: str
    fsrs: FsrsCard
    reps: int = 0
    lapses: int = 0
    first_review: datetime | None = None
    last_rating: int | None = None
    content_hash: str | None = None  # of the card text at its last review
    review_answers: int = 0  # answers given while the card was in the review phase
    review_passes: int = 0  # ... of which not Again (for true retention)
    # (time, phase before the answer, rating) of recent answers, for the daily limits; phase "new"
    # for the very first one. A state loaded from the snapshot keeps only the last days' entries.
    history: list[tuple[datetime, str, int]] = field(default_factory=list)

    @property
    def phase(self) -> str:
        """new | learning | review | relearning"""
        if self.reps == 0:
            return "new"
        return {State.Learning: "learning", State.Review: "review", State.Relearning: "relearning"}[self.fsrs.state]


def us_of(at: datetime) -> int:
    """A timezone-aware datetime as integer µs since the epoch (exact)."""
    d = at - _EPOCH
    return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds


def _dt(us: int) -> datetime | None:
    return None if us == NONE_INT else _EPOCH + timedelta(microseconds=us)


def fsrs_id(card_id: str) -> int:
    """The fsrs card id of a card: derived from its id, so it is the same in every replay."""
    return int.from_bytes(hashlib.sha1(card_id.encode()).digest()[:6], "big")


def due_key(st: CardState) -> tuple[bool, int]:
    """(in the learning queue, due in µs) of a state: where the due index files it."""
    return int(st.fsrs.state) in LEARNING_STATES, us_of(st.fsrs.due)


class CardColumns:
    """Every answered card's state as parallel arrays; row i is card `ids[i]`.

    Rows are sorted learning/relearning cards first, then the others, each by (due, card id):
    `n_learning` rows of the first kind. History: answers of row i are entries
    hist_off[i]:hist_off[i+1] of hist_ms / hist_phase / hist_rating. `recent_ms` / `recent_rows`:
    the rows with any history, sorted by the time of their last answer."""

    # integer columns and their array type codes (q: 8 bytes, i: 4, h: 2)
    INT_TYPES = {"step": "h", "due_us": "q", "last_us": "q", "reps": "i", "lapses": "i", "first_ms": "q",
                 "answers": "i", "passes": "i", "hist_off": "i", "hist_ms": "q", "recent_ms": "q", "recent_rows": "i"}
    INT_COLUMNS = tuple(INT_TYPES)
    FLOAT_COLUMNS = ("stability", "difficulty")
    BYTE_COLUMNS = ("state", "last_rating", "has_hash", "hist_phase", "hist_rating")

    def __init__(self, ids: list[str], hashes: str, n_learning: int, **cols: Any):
        self.ids = ids
        self.n_learning = n_learning
        self._hashes_text = hashes
        self._hashes: list[str] | None = None
        for name in (*self.INT_COLUMNS, *self.FLOAT_COLUMNS, *self.BYTE_COLUMNS):
            setattr(self, name, cols[name])

    def hash_of(self, i: int) -> str | None:
        if not self.has_hash[i]:
            return None
        if self._hashes is None:  # split once, on the first card whose hash is asked for
            self._hashes = self._hashes_text.split("\0")
        return self._hashes[i]

    def state_of(self, i: int) -> CardState:
        """Row i as a CardState (new objects: the caller keeps it)."""
        step, s, d = self.step[i], self.stability[i], self.difficulty[i]
        card = FsrsCard(fsrs_id(self.ids[i]), _STATES[self.state[i]], None if step < 0 else step,
                        None if math.isnan(s) else s, None if math.isnan(d) else d,
                        _dt(self.due_us[i]), _dt(self.last_us[i]))
        first, rating = self.first_ms[i], self.last_rating[i]
        a, b = self.hist_off[i], self.hist_off[i + 1]
        history = [(_EPOCH + timedelta(milliseconds=ms), PHASES[p], r)
                   for ms, p, r in zip(self.hist_ms[a:b], self.hist_phase[a:b], self.hist_rating[a:b])]
        return CardState(self.ids[i], card, self.reps[i], self.lapses[i],
                         None if first == NONE_INT else _EPOCH + timedelta(milliseconds=first),
                         rating or None, self.hash_of(i), self.answers[i], self.passes[i], history)

    def last_answer_ms(self) -> tuple[array, list[str]]:
        """(times, card ids) of the cards with a history, sorted by their last answer."""
        ids = self.ids
        return self.recent_ms, [ids[i] for i in self.recent_rows]

    def raw_row(self, i: int) -> tuple:
        """Row i in `from_states`' row form, without building objects."""
        a, b = self.hist_off[i], self.hist_off[i + 1]
        return (self.state[i], self.step[i], self.stability[i], self.difficulty[i],
                self.due_us[i], self.last_us[i], self.reps[i], self.lapses[i], self.first_ms[i],
                self.last_rating[i], self.hash_of(i), self.answers[i], self.passes[i],
                list(zip(self.hist_ms[a:b], self.hist_phase[a:b], self.hist_rating[a:b])))

    @staticmethod
    def row_of(st: CardState) -> tuple:
        """A CardState in `from_states`' row form."""
        f, nan = st.fsrs, float("nan")
        return (int(f.state), -1 if f.step is None else f.step,
                nan if f.stability is None else f.stability, nan if f.difficulty is None else f.difficulty,
                us_of(f.due), NONE_INT if f.last_review is None else us_of(f.last_review), st.reps, st.lapses,
                NONE_INT if st.first_review is None else us_of(st.first_review) // 1000, st.last_rating or 0,
                st.content_hash, st.review_answers, st.review_passes,
                [(us_of(at) // 1000, _PHASE_CODE[phase], r) for at, phase, r in st.history])

    @classmethod
    def from_states(cls, states: "CardStates | dict[str, CardState]", keep_from_ms: int) -> "CardColumns":
        """Columns of every state, with history entries from `keep_from_ms` on. Rows of a
        CardStates that were never built are copied as they are."""
        if isinstance(states, CardStates) and states.columns is not None:
            return cls._merged(states, keep_from_ms)
        rows = []
        for cid, row in (states.raw_rows() if isinstance(states, CardStates) else
                         ((cid, cls.row_of(st)) for cid, st in states.items())):
            rows.append((int(row[0]) not in LEARNING_STATES, row[4], cid, row))
        rows.sort(key=lambda r: r[:3])
        names = ("state", "step", "stability", "difficulty", "due_us", "last_us", "reps", "lapses",
                 "first_ms", "last_rating", "hash", "answers", "passes")
        lists: dict[str, list] = {name: [] for name in names}
        appenders = [lists[name].append for name in names]
        ids, recent, hist_off, hist = [], [], [0], []
        for i, (_, _, cid, row) in enumerate(rows):
            ids.append(cid)
            for append, value in zip(appenders, row):
                append(value)
            kept = [h for h in row[13] if h[0] >= keep_from_ms]
            hist += kept
            hist_off.append(len(hist))
            if kept:
                recent.append((kept[-1][0], i))
        recent.sort()
        hashes = lists.pop("hash")
        c: dict[str, Any] = {name: array(code, lists[name]) for name, code in cls.INT_TYPES.items() if name in lists}
        c.update({name: array("d", lists[name]) for name in cls.FLOAT_COLUMNS})
        c["state"], c["last_rating"] = bytes(lists["state"]), bytes(lists["last_rating"])
        c["has_hash"] = bytes(h is not None for h in hashes)
        c["hist_off"] = array("i", hist_off)
        c["hist_ms"] = array("q", (h[0] for h in hist))
        c["hist_phase"], c["hist_rating"] = bytes(h[1] for h in hist), bytes(h[2] for h in hist)
        c["recent_ms"], c["recent_rows"] = array("q", (ms for ms, _ in recent)), array("i", (i for _, i in recent))
        n_learning = sum(1 for r in rows if not r[0])
        return cls(ids, "\0".join(h or "" for h in hashes), n_learning, **c)

    ROW_FIELDS = ("state", "step", "stability", "difficulty", "due_us", "last_us", "reps", "lapses", "first_ms",
                  "last_rating", "hash", "answers", "passes")  # the row form's fields before the history

    @classmethod
    def _merged(cls, states: "CardStates", keep_from_ms: int) -> "CardColumns":
        """from_states for columns with some states built over them (a session that answered
        since it loaded the snapshot): the unchanged rows keep their order and are gathered
        column by column, the built ones are merged in (every 500 answers; ~10x faster than row
        by row at 20,000 cards)."""
        old, live = states.columns, states._live
        n, nl, ids, dues = len(old.ids), old.n_learning, old.ids, old.due_us
        keep = [i for i, cid in enumerate(ids) if cid not in live]  # in (group, due, id) order
        extra = sorted((int(row[0]) not in LEARNING_STATES, row[4], cid, row)
                       for cid, row in ((cid, cls.row_of(st)) for cid, st in live.items()))
        order, pos = [], 0
        for k, (group, due, cid, _) in enumerate(extra):  # merge: old rows, then built row k (index n + k)
            j = bisect_left(keep, (group, due, cid), lo=pos, key=lambda i: (i >= nl, dues[i], ids[i]))
            order += keep[pos:j]
            order.append(n + k)
            pos = j
        order += keep[pos:]
        c: dict[str, Any] = {}
        for f, name in enumerate(cls.ROW_FIELDS):
            if name == "hash":
                continue
            col = getattr(old, name)
            values = (list(col) if isinstance(col, bytes) else col.tolist()) + [r[3][f] for r in extra]
            gathered = map(values.__getitem__, order)
            c[name] = bytes(gathered) if isinstance(col, bytes) else array(col.typecode, gathered)
        h = cls.ROW_FIELDS.index("hash")
        hashes = [old.hash_of(i) for i in range(n)] if any(old.has_hash) else [None] * n
        hashes = [*hashes, *(r[3][h] for r in extra)]
        hashes = [hashes[i] for i in order]
        hist_off, hist, recent = [0], [], []
        off, hms, hph, hra = old.hist_off, old.hist_ms, old.hist_phase, old.hist_rating
        for row, i in enumerate(order):
            if i < n:
                a, b = off[i], off[i + 1]
                kept = [(hms[j], hph[j], hra[j]) for j in range(a, b) if hms[j] >= keep_from_ms] if b > a else ()
            else:
                kept = [e for e in extra[i - n][3][13] if e[0] >= keep_from_ms]
            if kept:
                hist += kept
                recent.append((kept[-1][0], row))
            hist_off.append(len(hist))
        recent.sort()
        c["has_hash"] = bytes(x is not None for x in hashes)
        c["hist_off"] = array("i", hist_off)
        c["hist_ms"] = array("q", (e[0] for e in hist))
        c["hist_phase"], c["hist_rating"] = bytes(e[1] for e in hist), bytes(e[2] for e in hist)
        c["recent_ms"], c["recent_rows"] = array("q", (ms for ms, _ in recent)), array("i", (r for _, r in recent))
        n_learning = sum(1 for i in order if (i < nl if i < n else not extra[i - n][0]))
        new_ids = [*ids, *(r[2] for r in extra)]
        return cls([new_ids[i] for i in order], "\0".join(x or "" for x in hashes), n_learning, **c)

    # --- the blob --------------------------------------------------------------------------

    def encode(self, header: dict[str, Any]) -> bytes:
        """The columns and a small JSON `header` as one blob (see the module docstring)."""
        if any("\0" in s for s in self.ids) or self._hashes_text.count("\0") != max(0, len(self.ids) - 1):
            raise ValueError("a card id or content hash holds a NUL character")  # the separator
        parts = [json.dumps({**header, "n": len(self.ids), "n_learning": self.n_learning}).encode(),
                 "\0".join(self.ids).encode(), self._hashes_text.encode()]
        parts += [getattr(self, name).tobytes() for name in (*self.INT_COLUMNS, *self.FLOAT_COLUMNS)]
        parts += [bytes(getattr(self, name)) for name in self.BYTE_COLUMNS]
        body = b"".join(struct.pack("<Q", len(p)) + p for p in parts)
        order = b"L" if sys.byteorder == "little" else b"B"
        return MAGIC + struct.pack("<HI", VERSION, zlib.adler32(body)) + order + body

    @classmethod
    def decode(cls, blob: bytes) -> tuple[dict[str, Any], "CardColumns"]:
        """(header, columns) from `encode`'s blob; ValueError when it is not one, or damaged."""
        if not isinstance(blob, bytes) or blob[:4] != MAGIC or len(blob) < 11:
            raise ValueError("not a card-state snapshot")
        version, crc = struct.unpack_from("<HI", blob, 4)
        order = blob[10:11]
        body = memoryview(blob)[11:]
        if version != VERSION or zlib.adler32(body) != crc or order not in (b"L", b"B"):
            raise ValueError("a damaged or foreign card-state snapshot")
        swap = order != (b"L" if sys.byteorder == "little" else b"B")
        parts, at = [], 0
        while at < len(body):
            (n,) = struct.unpack_from("<Q", body, at)
            parts.append(body[at + 8:at + 8 + n])
            at += 8 + n
        names = (*cls.INT_COLUMNS, *cls.FLOAT_COLUMNS)
        if len(parts) != 3 + len(names) + len(cls.BYTE_COLUMNS):
            raise ValueError("a card-state snapshot with the wrong number of columns")
        header = json.loads(bytes(parts[0]))
        n = header["n"]
        ids = str(parts[1], "utf-8").split("\0") if n else []
        cols: dict[str, Any] = {}
        for name, raw in zip(names, parts[3:]):
            col = array("d" if name in cls.FLOAT_COLUMNS else cls.INT_TYPES[name])
            col.frombytes(raw)
            if swap:
                col.byteswap()
            cols[name] = col
        for name, raw in zip(cls.BYTE_COLUMNS, parts[3 + len(names):]):
            cols[name] = bytes(raw)
        hist = len(cols["hist_ms"])
        sizes = {name: len(col) for name, col in cols.items()}
        want = {**{name: n for name in sizes}, "hist_off": n + 1, "hist_ms": hist, "hist_phase": hist,
                "hist_rating": hist, "recent_ms": len(cols["recent_rows"]), "recent_rows": len(cols["recent_rows"])}
        if len(ids) != n or sizes != want or not 0 <= header["n_learning"] <= n:
            raise ValueError("a card-state snapshot whose columns disagree")
        return header, cls(ids, str(parts[2], "utf-8"), header["n_learning"], **cols)


class CardStates(MutableMapping):
    """card id -> CardState over snapshot columns (or none): states are built when first read."""

    def __init__(self, columns: CardColumns | None = None, states: dict[str, CardState] | None = None):
        self.columns = columns
        self._row: dict[str, int] = dict(zip(columns.ids, range(len(columns.ids)))) if columns else {}
        self._live: dict[str, CardState] = {}
        self._extra = 0  # live states of cards that have no row
        for cid, st in (states or {}).items():
            self[cid] = st

    def _build(self, cid: str, i: int) -> CardState:
        st = self._live[cid] = self.columns.state_of(i)
        return st

    def __getitem__(self, cid: str) -> CardState:
        st = self._live.get(cid)
        if st is not None:
            return st
        return self._build(cid, self._row[cid])

    def get(self, cid: str, default: Any = None) -> Any:
        st = self._live.get(cid)
        if st is not None:
            return st
        i = self._row.get(cid)
        return default if i is None else self._build(cid, i)

    def __setitem__(self, cid: str, st: CardState) -> None:
        if cid not in self._live and cid not in self._row:
            self._extra += 1
        self._live[cid] = st

    def __delitem__(self, cid: str) -> None:
        raise TypeError("card states are only replaced (a full replay builds a new mapping)")

    def __contains__(self, cid: object) -> bool:
        return cid in self._row or cid in self._live

    def __iter__(self) -> Iterator[str]:
        yield from self._row
        if self._extra:
            yield from (cid for cid in self._live if cid not in self._row)

    def __len__(self) -> int:
        return len(self._row) + self._extra

    def raw_rows(self) -> Iterator[tuple[str, tuple]]:
        """(card id, row) of every state in CardColumns' row form; unbuilt rows are copied."""
        cols, live = self.columns, self._live
        for cid, i in self._row.items():
            st = live.get(cid)
            yield cid, cols.raw_row(i) if st is None else CardColumns.row_of(st)
        if self._extra:
            yield from ((cid, CardColumns.row_of(st)) for cid, st in live.items() if cid not in self._row)

    def total_reps(self) -> int:
        """Answers behind all the states (the log rows they replay)."""
        total = sum(st.reps for st in self._live.values())
        if self.columns is not None:
            reps = self.columns.reps
            total += sum(reps) - sum(reps[self._row[cid]] for cid in self._live if cid in self._row)
        return total

    def newest_answer_ms(self) -> int | None:
        """When the newest answer in any state's (kept) history was given."""
        times = [us_of(st.history[-1][0]) // 1000 for st in self._live.values() if st.history]
        if self.columns is not None and len(self.columns.recent_ms):
            times.append(self.columns.recent_ms[-1])
        return max(times, default=None)

    def phases_since(self, cid: str, since_ms: int) -> list[str]:
        """The phase before each of the card's (kept) answers from `since_ms` on, newest first,
        without building its state."""
        st = self._live.get(cid)
        out = []
        if st is not None:
            since = _EPOCH + timedelta(milliseconds=since_ms)
            for at, before, _ in reversed(st.history):
                if at < since:
                    break
                out.append(before)
            return out
        i = self._row.get(cid)
        if i is None:
            return out
        cols = self.columns
        times, phases = cols.hist_ms, cols.hist_phase
        for j in range(cols.hist_off[i + 1] - 1, cols.hist_off[i] - 1, -1):
            if times[j] < since_ms:
                break
            out.append(PHASES[phases[j]])
        return out

    def counters(self, cid: str) -> tuple[int, int, int, int] | None:
        """(reps, lapses, review-phase answers, of which passed) of a card without building its
        state; None if it was never answered."""
        st = self._live.get(cid)
        if st is not None:
            return st.reps, st.lapses, st.review_answers, st.review_passes
        i = self._row.get(cid)
        if i is None:
            return None
        c = self.columns
        return c.reps[i], c.lapses[i], c.answers[i], c.passes[i]

    def _overridden(self) -> list[int]:
        return [i for i in map(self._row.get, self._live) if i is not None]

    def review_totals(self) -> tuple[int, int]:
        """(review-phase answers, of which passed) over all cards, summed over the columns."""
        answers = sum(st.review_answers for st in self._live.values())
        passes = sum(st.review_passes for st in self._live.values())
        if self.columns is not None:
            cols, old = self.columns, self._overridden()
            answers += sum(cols.answers) - sum(cols.answers[i] for i in old)
            passes += sum(cols.passes) - sum(cols.passes[i] for i in old)
        return answers, passes

    def with_lapses(self, least: int) -> set[str]:
        """The cards that lapsed at least `least` times."""
        out = {cid for cid, st in self._live.items() if st.lapses >= least}
        if self.columns is not None:
            ids, live = self.columns.ids, self._live
            out.update(cid for cid in (ids[i] for i, n in enumerate(self.columns.lapses) if n >= least)
                       if cid not in live)
        return out

    def hashes(self) -> Iterator[tuple[str, str]]:
        """(card id, content hash at its last answer) of the cards answered with a hash."""
        yield from ((cid, st.content_hash) for cid, st in self._live.items() if st.content_hash)
        if self.columns is not None:
            cols, live = self.columns, self._live
            for i, has in enumerate(cols.has_hash):
                if has and cols.ids[i] not in live:
                    yield cols.ids[i], cols.hash_of(i)

    def fast_card(self, cid: str) -> list | None:
        """The card as the fast replay's list [state, step, stability, difficulty, due µs, last
        µs] (studytui/study/replay.py), without building its state; None if never answered."""
        st = self._live.get(cid)
        if st is not None:
            f = st.fsrs
            return [int(f.state), f.step, f.stability, f.difficulty, us_of(f.due),
                    None if f.last_review is None else us_of(f.last_review)]
        i = self._row.get(cid)
        if i is None:
            return None
        c = self.columns
        step, s, d, last = c.step[i], c.stability[i], c.difficulty[i], c.last_us[i]
        return [c.state[i], None if step < 0 else step, None if math.isnan(s) else s, None if math.isnan(d) else d,
                c.due_us[i], None if last == NONE_INT else last]

    def summary(self, cid: str) -> tuple[str, datetime | None, int] | None:
        """(phase, due or None while new, lapses) of a card without building its state; None if
        it was never answered."""
        st = self._live.get(cid)
        if st is not None:
            return st.phase, st.fsrs.due if st.reps else None, st.lapses
        i = self._row.get(cid)
        if i is None:
            return None
        c = self.columns
        if not c.reps[i]:
            return "new", None, c.lapses[i]
        return PHASES[c.state[i]], _dt(c.due_us[i]), c.lapses[i]

    def content_hash(self, cid: str) -> str | None:
        """The content hash a card had at its last answer (None: never answered, or no hash)."""
        st = self._live.get(cid)
        if st is not None:
            return st.content_hash
        i = self._row.get(cid)
        return None if i is None else self.columns.hash_of(i)

    def due_key(self, cid: str) -> tuple[bool, int] | None:
        """(learning queue, due µs) of a card without building its state; None if unanswered."""
        st = self._live.get(cid)
        if st is not None:
            return due_key(st)
        i = self._row.get(cid)
        if i is None:
            return None
        return i < self.columns.n_learning, self.columns.due_us[i]
