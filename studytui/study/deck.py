"""The deck: one YAML file per topic under cards/, validated with pydantic.

A topic file looks like::

    topic: receptive-fields          # stable id of the topic
    title: Receptive fields
    demo: receptive_field.py         # a script under demos/
    cards:
      - id: rf-two-3x3-equals-5x5    # stable id: never changes when the text is edited
        q: What receptive field do two stacked 3x3 convs (stride 1) have?
        a: $5 \\times 5$, the same as one $5 \\times 5$ conv, with fewer weights.
        tags: [receptive-field]
        sources: ["exam-guide#3.3"]  # which questions of the study material this card answers
        check:                        # optional numeric claim, verified by calculator and torch
          input: 1x32x32
          layers: ["Conv2d(1, 1, 3)", "Conv2d(1, 1, 3)"]
          expect: {rf: [5, 5]}

Loading the whole deck (for the TUI, `studytui check`, the scheduler)::

    deck, problems = load_deck()            # cards/*.yaml + nothing else
    deck, problems = load_deck(extra_dirs=[imported_dir(db_path)])   # + the user's imports
    for p in problems:                       # each prints as `file:line: what is wrong`
        print(p)

A malformed file is reported and skipped; the other files still load. Duplicate card ids (across
all files), duplicate topic ids, unknown fields and demos that do not exist under demos/ are
problems too. Imported topics (written by `studytui import`) have no demo.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from collections.abc import Mapping
from typing import Annotated, Iterable, Iterator, Literal

import yaml

from pydantic import (BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator,
                      model_validator)


from studytui.errors import StudytuiError
from studytui.study.cloze import CLOZE, cloze_numbers, item_id, render_back, render_front  # per card: imported once
from studytui.yamlload import (YamlFileError, digest_capped, line_of, load_model, load_model_and_tree,
                               read_capped_bytes)

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
MAX_TEXT = 10_000  # characters of one question/answer/note: a card, not a book (and it must render fast)
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expect(Strict):
    """What a numeric claim says; every key given is checked."""

    output: list[int] | None = None
    params: int | None = None
    macs: int | None = None
    rf: list[int] | None = None
    jump: list[int] | None = None

    @model_validator(mode="after")
    def _something(self) -> "Expect":
        if all(v is None for v in self.model_dump().values()):
            raise ValueError("expect needs at least one of output, params, macs, rf, jump")
        return self


class Check(Strict):
    """A numeric claim of a card: run `layers` (or a named `model`) on `input` and compare."""

    input: str | None = None
    layers: list[str] | None = None
    model: str | None = None
    layer: int | str | None = None  # index or stage name (e.g. "layer3") to read; None = whole net
    expect: Expect

    @model_validator(mode="after")
    def _one_source(self) -> "Check":
        if (self.layers is None) == (self.model is None):
            raise ValueError("a check needs exactly one of 'layers' or 'model'")
        if self.layers is not None and self.input is None:
            raise ValueError("a check with 'layers' needs an 'input' such as 3x32x32")
        return self


CardType = Literal["basic", "cloze", "essay"]


class Card(Strict):
    """One note of a topic file. `type` decides how it is asked:

    - basic: `q` is asked, `a` is the answer.
    - cloze: `q` holds the text with deletions `{{c1::answer}}` or `{{c1::answer::hint}}`; each
      distinct number is its own scheduled item (as in Anki); `a` is optional extra text shown
      on the back.
    - essay: a long-form exam question; `rubric` lists the 3-6 points a full answer makes, the
      student ticks the ones they made and the grade follows; `a` is an optional model answer.
    `note` (any type) is shown after the answer: a correction of the study material, a source, a
    "see also".
    """

    id: Slug
    type: CardType = "basic"
    q: Text
    a: Text | None = None
    note: Text | None = None
    rubric: list[Text] | None = None
    tags: list[Slug] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    check: Check | list[Check] | None = None
    # Set by the deck when it expands a cloze note into its items; never read from YAML.
    cloze_number: int | None = Field(default=None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _no_internal_fields(cls, data: object) -> object:
        if isinstance(data, dict) and "cloze_number" in data:
            raise ValueError("cloze_number is set by studytui, not in a deck file")
        return data

    # Field validators (not one model validator) so that `studytui check` points at the line of
    # the field that is wrong; `type` is declared first, so it is in `info.data` when valid.
    @field_validator("q")
    @classmethod
    def _cloze_fits_type(cls, q: str, info: ValidationInfo) -> str:
        kind = info.data.get("type")  # `info.data` is built at each access: read it once
        if kind is None:  # the type itself is wrong: that is the error to report
            return q
        numbers = cloze_numbers(q)
        if kind == "cloze":
            if not numbers:
                raise ValueError("a cloze card needs deletions in q, like {{c1::answer}}")
            if numbers[0] != 1:
                raise ValueError("cloze deletions are numbered from c1")
            if any(not m.group(2).strip() for m in CLOZE.finditer(q)):
                raise ValueError("a cloze deletion is empty: write the hidden text, {{c1::answer}}")
        elif numbers:
            raise ValueError(f"q has cloze deletions: set 'type: cloze' (this card is '{kind}')")
        return q

    @field_validator("rubric")
    @classmethod
    def _rubric_fits_type(cls, rubric: list[str] | None, info: ValidationInfo) -> list[str] | None:
        kind = info.data.get("type") if rubric is not None else None
        if kind is None:
            return rubric
        if kind != "essay":
            raise ValueError("only essay cards have a rubric (set 'type: essay')")
        if not 2 <= len(rubric) <= 8:
            raise ValueError(f"an essay card needs a rubric of 2 to 8 points (this one has {len(rubric)})")
        return rubric

    @model_validator(mode="after")
    def _fields_fit_type(self) -> "Card":
        if self.type == "basic" and self.a is None:
            raise ValueError("a basic card needs an answer 'a'")
        if self.type == "essay" and self.rubric is None:
            raise ValueError("an essay card needs a rubric of 2 to 8 points")
        return self

    @property
    def checks(self) -> list[Check]:
        if self.check is None:
            return []
        return self.check if isinstance(self.check, list) else [self.check]

    @property
    def content_hash(self) -> str:
        """Changes when what is asked or answered changes (the id does not; a note does not)."""
        rubric = "\x00".join(self.rubric or [])
        text = f"{self.q}\x00{self.a or ''}\x00{rubric}\x00{self.cloze_number or ''}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def items(self) -> list["Card"]:
        """The scheduled items of this note: itself, or one per cloze number.

        Item ids are stable: deletion c1 keeps the note's own id (so a basic card turned into a
        cloze keeps its history), deletion cN is `ID#cN`.
        """
        if self.type != "cloze":
            return [self]
        return [self.model_copy(update={"cloze_number": n, "id": item_id(self.id, n)})
                for n in cloze_numbers(self.q)]

    @property
    def note_id(self) -> str:
        """The id in the YAML file (an item id without its `#cN`)."""
        return self.id.split("#", 1)[0]

    def front(self) -> str:
        """Markdown of the question side."""
        if self.type == "cloze":
            return render_front(self.q, self.cloze_number or 1)
        return self.q

    def back(self) -> str:
        """Markdown of the answer side (without the note)."""
        if self.type == "cloze":
            back = render_back(self.q, self.cloze_number or 1)
            return f"{back}\n\n{self.a}" if self.a else back
        if self.type == "essay":
            points = "\n".join(f"- {p}" for p in self.rubric or [])
            model = f"\n\n{self.a}" if self.a else ""
            return f"A full answer makes these points:\n\n{points}{model}"
        return self.a or ""


class Topic(Strict):
    topic: Slug
    title: Text
    demo: str
    cards: list[Card] = Field(min_length=1)

    @field_validator("demo")
    @classmethod
    def _demo_is_script(cls, value: str) -> str:
        if not value.endswith(".py") or "/" in value or "\\" in value:
            raise ValueError("demo must be a script name under demos/, like 'onecycle.py'")
        return value


IMPORTED_DIR_NAME = "imported"


def imported_dir(db_path: Path | None = None) -> Path:
    """Where `studytui import` writes topic files: `imported/<database name>/` beside the database,
    so two databases in one folder each keep their own imports."""
    from studytui.paths import default_db_path
    from studytui.study.imported_layout import adopt_shared_imports

    db = (Path(db_path) if db_path is not None else default_db_path()).expanduser()
    own = db.parent / IMPORTED_DIR_NAME / db.stem
    adopt_shared_imports(db, own)
    return own


class ImportedTopic(Topic):
    """A topic written by `studytui import`: no demo, and it remembers its source files."""

    demo: str | None = None  # type: ignore[assignment]
    source: list[str] = Field(default_factory=list)  # full paths of the notes files, never base names

    @field_validator("demo")
    @classmethod
    def _demo_is_script(cls, value: str | None) -> str | None:
        return value


def load_topic(path: Path) -> Topic:
    """Load one topic file; raises YamlFileError with file:line problems."""
    return load_model(Path(path), Topic)


def load_topic_file(path: Path, model: type[Topic] = Topic) -> Topic:
    """One topic file, validated: its cards built from the deck cache when the file is unchanged
    (a re-import of 100,000 cards does not parse 56 MB of YAML again), else parsed.
    YamlFileError (file:line problems), OSError, UnicodeDecodeError."""
    topic = _load_file(Path(path), model)[0]
    if isinstance(topic, Topic):
        return topic
    cards = CachedNotes(topic, Path(path), model).notes(list(range(len(topic.note_ids))))
    return model.model_construct(**topic.fields, cards=cards)  # every card validated from its blob


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one file, printed as `file:line: message`."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class CachedNotes:
    """The notes of one cached topic file: validated from their cache blobs on first use.

    A blob that fails its CRC (or an entry replaced since the start) is not trusted: the topic
    file itself is parsed then, once, and its cards are used instead."""

    def __init__(self, cached, path: Path, model: type["Topic"]):
        self.cached = cached  # deckcache.CachedTopic
        self.path, self.model = path, model
        self._parsed: dict[str, Card] | None = None

    def note(self, index: int) -> Card:
        return self.notes([index])[0]

    def notes(self, indexes: list[int]) -> list[Card]:
        from studytui.study.deckcache import CacheDamaged

        if self._parsed is None:
            try:
                return [_validate_cached_note(self.cached.note_ids[i], blob)
                        for i, blob in zip(indexes, self.cached.notes_json(indexes))]
            except CacheDamaged:
                topic = load_model_and_tree(self.path, self.model)[0]
                self._parsed = {card.id: card for card in topic.cards}
        out = []
        for i in indexes:
            card = self._parsed.get(self.cached.note_ids[i])
            if card is None:
                raise StudytuiError(f"{self.path}: card '{self.cached.note_ids[i]}' is gone from the file "
                                    "since studytui started; start it again")
            out.append(card)
        return out


def _validate_cached_note(note_id: str, blob: bytes) -> Card:
    from pydantic import ValidationError

    try:
        return Card.model_validate_json(blob)
    except ValidationError:  # a cache entry with a good CRC but a card the schema refuses
        raise StudytuiError(
            f"card '{note_id}': the deck cache holds a card the deck schema refuses; "
            "delete the cache folder (or set STUDYTUI_CACHE_DIR=off) and start again") from None


class DeckCards(Mapping[str, Card]):
    """Scheduled item id -> Card, in deck order, and each item's topic. Items of cached topic
    files are only a number until they are looked up (an index into the items of all cached
    files): a start with a large deck builds ids, and pydantic validates a card (from its cache
    blob) when something shows it."""

    def __init__(self) -> None:
        self._entries: dict[str, Card | int] = {}
        self._built: dict[str, Card] = {}  # cached items validated so far
        self._topic: dict[str, str] = {}  # topic of each item that is not a number
        self._hashes: list[str] = []  # content hash of every cached item, by its number ...
        self._hash_text: str | None = None  # ... or all of them NUL-joined, split on first use
        self._hash_width = 0  # the hashes' common length in _hash_text (0: they differ)
        self._bases: list[int] = []  # first item number of each cached file ...
        self._sources: list[CachedNotes] = []  # ... its notes ...
        self._source_topics: list[str] = []  # ... and its topic

    def __getitem__(self, card_id: str) -> Card:
        entry = self._entries[card_id]
        if type(entry) is int:
            card = self._built.get(card_id)
            return self._build(card_id, entry) if card is None else card
        return entry  # type: ignore[return-value]

    def get(self, card_id: str, default=None):  # type: ignore[override]
        return self[card_id] if card_id in self._entries else default

    def __contains__(self, card_id: object) -> bool:
        return card_id in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def keys(self):  # type: ignore[override]
        return self._entries.keys()  # the dict's own view: set operations at C speed

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, card: Card, topic: str) -> None:
        """Add a validated item of `topic`."""
        self._entries[card.id] = card
        self._topic[card.id] = topic

    def add_cached(self, source: CachedNotes, items: list[int] | None, topic: str) -> list[str]:
        """Add the items of a cached file (all, or those numbered in `items`); returns their ids."""
        cached = source.cached
        base = len(self._hashes) if self._hash_text is None else self._split_hashes()
        self._bases.append(base)
        self._sources.append(source)
        self._source_topics.append(topic)
        self._hashes += cached.hashes
        if items is None:
            ids = cached.item_ids
            self._entries.update(zip(ids, range(base, base + len(ids))))
            return ids
        ids = [cached.item_ids[k] for k in items]
        self._entries.update(zip(ids, (base + k for k in items)))
        return ids

    def add_indexed(self, sources: list[CachedNotes], topics: list[str], item_ids: list[str],
                    hash_text: str, hash_width: int) -> None:
        """Add every item of a deck index at once (the deck is empty): its ids in order, the
        sources they come from (in order, each with its item count) and their hashes."""
        self._entries = dict(zip(item_ids, range(len(item_ids))))
        base = 0
        for source, topic in zip(sources, topics):
            self._bases.append(base)
            self._sources.append(source)
            self._source_topics.append(topic)
            base += len(source.cached.item_ids)
        self._hash_text, self._hash_width = hash_text, hash_width

    def _split_hashes(self) -> int:
        text, self._hash_text = self._hash_text, None
        self._hashes = text.split("\0") if text else []  # type: ignore[union-attr]
        return len(self._hashes)

    def _hash(self, number: int) -> str:
        if self._hash_text is not None:
            w = self._hash_width
            if w:
                return self._hash_text[number * (w + 1):number * (w + 1) + w]
            self._split_hashes()
        return self._hashes[number]

    def topic_of(self, card_id: str) -> str:
        entry = self._entries[card_id]
        if type(entry) is int:
            return self._source_topics[bisect_right(self._bases, entry) - 1]
        return self._topic[card_id]

    def content_hash(self, card_id: str) -> str:
        """The card's content hash without building the card."""
        entry = self._entries[card_id]
        return self._hash(entry) if type(entry) is int else entry.content_hash  # type: ignore[union-attr]

    def _build(self, card_id: str, number: int) -> Card:
        """Validate the note of a cached item; every item of that note is kept."""
        k = bisect_right(self._bases, number) - 1
        self._keep(k, [self._sources[k].cached.note_of(number - self._bases[k])])
        return self._built[card_id]

    def many(self, card_ids: Iterable[str]) -> list[Card]:
        """The cards of `card_ids`, with the cached ones of each topic file read in one go (a
        browser listing 20,000 cards opens each cache entry once, not once per card)."""
        card_ids = list(card_ids)
        wanted: dict[int, set[int]] = {}  # cached file -> its notes to validate
        for cid in card_ids:
            entry = self._entries[cid]
            if type(entry) is int and cid not in self._built:
                k = bisect_right(self._bases, entry) - 1
                wanted.setdefault(k, set()).add(self._sources[k].cached.note_of(entry - self._bases[k]))
        if wanted:
            from studytui.study.gcpause import gc_paused

            with gc_paused():  # thousands of long-lived cards, no cycles: collections would free nothing
                for k, notes in wanted.items():
                    self._keep(k, sorted(notes))
        return [self[cid] for cid in card_ids]

    def _keep(self, k: int, notes: list[int]) -> None:
        """Validate notes of cached file `k` and keep their items that the deck holds from it."""
        source, base = self._sources[k], self._bases[k]
        end = base + len(source.cached.item_ids)
        for note in source.notes(notes):
            for item in note.items():
                entry = self._entries.get(item.id)
                if type(entry) is int and base <= entry < end:
                    self._built[item.id] = item


class TopicOf(Mapping[str, str]):
    """Item id -> topic id, answered from where the deck keeps the item (a start does not build
    a second map of every id)."""

    def __init__(self, cards: DeckCards):
        self._cards = cards

    def __getitem__(self, card_id: str) -> str:
        return self._cards.topic_of(card_id)

    def __contains__(self, card_id: object) -> bool:
        return card_id in self._cards

    def __iter__(self) -> Iterator[str]:
        return iter(self._cards)

    def __len__(self) -> int:
        return len(self._cards)


class DeckTopic:
    """A topic of the loaded deck: its fields and its notes (cached notes are built on first use)."""

    def __init__(self, fields: dict, notes: list[Card] | None = None, source: CachedNotes | None = None,
                 kept: list[int] | None = None, *, imported: bool = False):
        self.imported = imported  # written by `studytui import` (an ImportedTopic file)
        self.topic: str = fields["topic"]
        self.title: str = fields["title"]
        self.demo: str | None = fields.get("demo")
        self.source: list[str] = list(fields.get("source") or [])
        self._notes = notes  # Cards; None while they are in the cache (`source`, note numbers `kept`)
        self._cached = source
        self._kept = kept

    @property
    def cards(self) -> list[Card]:
        """The topic's notes in file order (a cloze note once, as written)."""
        if self._notes is None:
            assert self._cached is not None
            kept = self._kept if self._kept is not None else list(range(len(self._cached.cached.note_ids)))
            self._notes = self._cached.notes(kept)
            self._cached = self._kept = None
        return list(self._notes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DeckTopic):
            return NotImplemented
        return (self.topic, self.title, self.demo, self.source, self.cards) == (
            other.topic, other.title, other.demo, other.source, other.cards)

    def __repr__(self) -> str:
        return f"DeckTopic({self.topic!r}, {self.title!r})"


@dataclass
class Deck:
    """Every loaded topic and card, in file order. Card ids are unique across the deck."""

    topics: list[DeckTopic] = field(default_factory=list)
    # scheduled item id -> card; a cloze note appears once per deletion (ids `ID`, `ID#c2`, ...)
    cards: DeckCards = field(default_factory=DeckCards)
    topic_of: TopicOf = field(init=False, repr=False, compare=False)  # card id -> topic id
    files: dict[str, Path] = field(default_factory=dict)  # topic id -> its YAML file
    _ids: dict[str | None, list] = field(default_factory=dict, repr=False, compare=False)  # topic -> ids

    def __post_init__(self) -> None:
        self.topic_of = TopicOf(self.cards)

    def topic(self, topic_id: str) -> DeckTopic:
        for t in self.topics:
            if t.topic == topic_id:
                return t
        raise KeyError(topic_id)

    def ids_in(self, topic_id: str | None = None) -> list[str]:
        """The scheduled item ids of one topic (or of the whole deck), in file order; builds no card."""
        if topic_id is None:
            return list(self.cards)
        if self._ids.get(None) != [len(self.topic_of)]:  # grouped once (again if cards were added)
            self._ids.clear()
            for cid, t in self.topic_of.items():
                self._ids.setdefault(t, []).append(cid)
            self._ids[None] = [len(self.topic_of)]
        return list(self._ids.get(topic_id, []))

    def cards_in(self, topic_id: str | None = None) -> list[Card]:
        """The cards of one topic (or of the whole deck), in file order."""
        return self.cards.many(self.ids_in(topic_id))

    def content_hash(self, card_id: str) -> str:
        return self.cards.content_hash(card_id)

    def __len__(self) -> int:
        return len(self.cards)


class _Lines:
    """Line numbers of a topic file, composed only when a problem needs one (the cache and the
    happy path never build PyYAML's node tree twice)."""

    def __init__(self, path: Path, data: bytes | None, root: yaml.Node | None = None):
        self.path, self.data, self.root = path, data, root

    def __call__(self, *keys: object) -> int:
        if self.root is None:
            from studytui.yamlload import parse_yaml

            text = self.data.decode("utf-8") if self.data is not None else None  # None: parse_yaml reads it
            self.root = parse_yaml(self.path, text)[1]
        return line_of(self.root, *keys)


@lru_cache(maxsize=1)
def _schema_digest() -> str:
    """Digest of the code that parses and validates a topic (this module and the cloze rules):
    a cached topic is only reused by the same code."""
    from studytui.study import cloze

    digest = hashlib.sha1()
    for source in (__file__, cloze.__file__):
        digest.update(Path(source).read_bytes())
    return digest.hexdigest()


def cache_schema(model: type[Topic]) -> str:
    """What a deck cache entry of a `model` file is keyed on, besides the file itself."""
    return f"{_schema_digest()}:{model.__qualname__}"


def _load_file(path: Path, model: type[Topic], folder: Path | None | bool = True):
    """The validated topic of one file: from the cache when the file is unchanged (a
    deckcache.CachedTopic; the file is only hashed), else parsed (and then cached).
    `folder`: the cache dir (None: no cache; True: look it up). Returns (topic, lines, cache key,
    the file's status, where its cards lie in its cache entry or None). YamlFileError carries file:line problems; OSError, UnicodeDecodeError."""
    from studytui.study import deckcache

    schema = cache_schema(model)
    if folder is True:
        folder = deckcache.cache_dir()
    if folder:
        st, sha1 = digest_capped(path)
        key = deckcache.key_of(st, sha1)
        cached = deckcache.load(path, key, schema, folder)
        if cached is not None:
            return cached, _Lines(path, None), key, st, cached.blobs
    data, st = read_capped_bytes(path)
    topic, root = load_model_and_tree(path, model, data.decode("utf-8"))
    key = deckcache.file_key(st, data)
    blobs = deckcache.save(path, topic, key, schema)
    return topic, _Lines(path, data, root), key, st, blobs


def topic_files(paths: Iterable[Path]) -> list[Path]:
    """The YAML files named by `paths` (files as given, directories expanded, sorted)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        else:
            found.append(path)
    return found


def load_deck(cards_dir: Path | None = None, **kwargs) -> tuple[Deck, list[Problem]]:
    """Load every topic file (see _load_deck); the collector is paused while the deck is built."""
    from studytui.study.gcpause import gc_paused

    with gc_paused():
        return _load_deck(cards_dir, **kwargs)


def _load_deck(
    cards_dir: Path | None = None,
    *,
    extra_dirs: Iterable[Path] = (),
    files: Iterable[Path] | None = None,
    demos_dir: Path | None = None,
) -> tuple[Deck, list[Problem]]:
    """Load every topic file; return the deck of the good files and every problem found.

    `cards_dir` defaults to the project's cards/; `extra_dirs` (e.g. the user's imported/ dir) hold
    ImportedTopic files; `files` replaces both with an explicit list (for `studytui check FILE`).
    A missing directory is an empty deck, not an error. Demos are looked up in `demos_dir`, else
    in the `demos/` folder beside the topic file's folder, else in the project's demos/.
    """
    from studytui.paths import CARDS_DIR, DEMOS_DIR
    from studytui.study import deckindex
    from studytui.study.deckcache import FORMAT, CachedTopic, cache_dir

    demo_dirs: dict[Path, Path] = {}
    demo_found: dict[tuple[Path, str], bool] = {}

    def demo_exists(path: Path, demo: str) -> bool:
        where = (demos_for(path), demo)
        if where not in demo_found:
            demo_found[where] = (where[0] / demo).is_file()
        return demo_found[where]

    def demos_for(path: Path) -> Path:
        # demos/ beside the cards/ folder (a project checkout, or a test's copy), else the package's
        if demos_dir is not None:
            return Path(demos_dir)
        if path.parent not in demo_dirs:
            sibling = path.resolve().parent.parent / "demos"
            demo_dirs[path.parent] = sibling if sibling.is_dir() else DEMOS_DIR
        return demo_dirs[path.parent]

    roots: list[tuple[str, str]] = []  # the folders read, and their model: what names the deck index
    if files is not None:
        plan = [(p, Topic) for p in topic_files(files)]
    else:
        card_dir = Path(cards_dir) if cards_dir is not None else CARDS_DIR
        plan = [(p, Topic) for p in topic_files([card_dir] if card_dir.is_dir() else [])]
        roots.append((str(card_dir), Topic.__qualname__))
        for extra in extra_dirs:
            if Path(extra).is_dir():
                plan += [(p, ImportedTopic) for p in topic_files([extra])]
                roots.append((str(extra), ImportedTopic.__qualname__))

    folder = cache_dir()
    index_schema = f"{_schema_digest()}:{FORMAT}"
    if roots and folder is not None:
        index = deckindex.load(folder, roots, [(p, m.__qualname__) for p, m in plan], index_schema)
        if index is not None:
            return _deck_from_index(index, plan, folder, demo_exists)

    deck = Deck()
    problems: list[Problem] = []
    clean = True  # every file loaded whole, no duplicates: the outcome can be indexed
    records: list[deckindex.FileRecord] = []
    # per file kept: its path, lines and note ids (a note id is also its first item's id, so the
    # deck's items tell whether a note id was seen)
    loaded: list[tuple[Path, _Lines, list[str]]] = []
    where_topic: dict[str, tuple[Path, _Lines]] = {}
    for path, model in plan:
        if files is not None and IMPORTED_DIR_NAME in (path.parent.name, path.parent.parent.name):  # an import
            model = ImportedTopic
        try:
            topic, lines, key, st, blobs = _load_file(path, model, folder)
        except UnicodeDecodeError:
            problems.append(Problem(path, 1, "not UTF-8 text"))
            clean = False
            continue
        except YamlFileError as exc:  # also: too large to read
            problems += [Problem(path, line, msg) for line, msg in exc.problems]
            clean = False
            continue
        except OSError as exc:
            problems.append(Problem(path, 1, f"cannot read: {exc.strerror or exc}"))
            clean = False
            continue
        if isinstance(topic, CachedTopic):
            fields, note_ids = topic.fields, topic.note_ids
        else:
            fields = {"topic": topic.topic, "title": topic.title, "demo": topic.demo,
                      "source": getattr(topic, "source", None)}
            note_ids = [card.id for card in topic.cards]
        # A missing demo is reported but the topic still loads; duplicates are left out, so ids
        # stay unique in the deck.
        demo, topic_id = fields.get("demo"), fields["topic"]
        if demo is not None and not demo_exists(path, demo):
            problems.append(Problem(path, lines("demo"), f"demo '{demo}' not found in demos/"))
        if topic_id in where_topic:
            other, other_lines = where_topic[topic_id]
            problems.append(Problem(
                path, lines("topic"), f"duplicate topic '{topic_id}' (also {other}:{other_lines('topic')})"))
            clean = False
            continue
        where_topic[topic_id] = (path, lines)
        loaded.append((path, lines, note_ids))
        kept: list[int] | None = None  # note numbers kept (None: all of them)
        if not deck.cards.keys().isdisjoint(note_ids) or len(set(note_ids)) != len(note_ids):
            clean = False
            kept = []
            seen: set[str] = set()
            for i, note_id in enumerate(note_ids):
                if note_id in deck.cards or note_id in seen:
                    other, other_lines, j = next((p, ls, ids.index(note_id)) for p, ls, ids in loaded if note_id in ids)
                    problems.append(Problem(path, lines("cards", i, "id"),
                                            f"duplicate card id '{note_id}' (also {other}:{other_lines('cards', j, 'id')})"))
                    continue
                seen.add(note_id)
                kept.append(i)
            if not kept:
                continue
        before = len(deck.cards)
        if isinstance(topic, CachedTopic):
            source = CachedNotes(topic, path, model)
            items = None
            if kept is not None:
                keep = set(kept)
                items = [k for k in range(len(topic.item_ids)) if topic.note_of(k) in keep]
            item_ids = deck.cards.add_cached(source, items, topic_id)
            deck.topics.append(DeckTopic(fields, source=source, kept=kept, imported=issubclass(model, ImportedTopic)))
            if clean:
                records.append(deckindex.FileRecord(path, model.__qualname__, st, key, fields, topic.note_ids,
                                                    topic.item_ids, topic.item_note, topic.hashes, blobs))
        else:
            notes = topic.cards if kept is None else [topic.cards[i] for i in kept]
            item_ids, item_note = [], array("i")
            for n, card in enumerate(notes):
                for item in card.items():
                    deck.cards.add(item, topic_id)
                    item_ids.append(item.id)
                    item_note.append(n)
            deck.topics.append(DeckTopic(fields, notes, imported=issubclass(model, ImportedTopic)))
            if clean:
                records.append(deckindex.FileRecord(
                    path, model.__qualname__, st, key, fields, note_ids, item_ids,
                    None if len(item_ids) == len(note_ids) else item_note,
                    [deck.cards.content_hash(cid) for cid in item_ids], blobs))
        if len(deck.cards) - before != len(item_ids):  # an item id (ID#c2) met another id
            clean = False
        deck.files[topic_id] = path
        deck._ids.setdefault(topic_id, []).extend(item_ids)
    deck._ids[None] = [len(deck.topic_of)]
    if clean and roots and folder is not None:
        deckindex.save(folder, roots, records, index_schema)
    return deck, sorted(problems, key=lambda p: (str(p.path), p.line))


def _deck_from_index(index, plan: list[tuple[Path, type[Topic]]], folder: Path, demo_exists) -> tuple[Deck, list[Problem]]:
    """The deck as a deck index records it (no topic file opened); demos are looked up now."""
    from studytui.study.deckindex import IndexedTopic

    deck = Deck()
    problems: list[Problem] = []
    sources, topics = [], []
    at = 0
    for (path, model), record in zip(plan, index.files):
        fields, n = record["fields"], record["n"]
        item_ids = index.items[at:at + n]
        at += n
        source = CachedNotes(IndexedTopic(record, item_ids, cache_schema(model), folder), path, model)
        sources.append(source)
        topic_id, demo = fields["topic"], fields.get("demo")
        topics.append(topic_id)
        if demo is not None and not demo_exists(path, demo):
            problems.append(Problem(path, _Lines(path, None)("demo"), f"demo '{demo}' not found in demos/"))
        deck.topics.append(DeckTopic(fields, source=source, imported=issubclass(model, ImportedTopic)))
        deck.files[topic_id] = path
        deck._ids[topic_id] = item_ids
    deck.cards.add_indexed(sources, topics, index.items, index.hash_text, index.hash_width)
    deck._ids[None] = [len(deck.topic_of)]
    return deck, sorted(problems, key=lambda p: (str(p.path), p.line))
