"""A cache of validated topic files, so an unchanged deck is not parsed again at every start.

Parsing YAML builds a node per value in Python, and validating a card with pydantic costs
~20 µs: a 100,000-card import took seconds to open. So a topic file that parsed and validated
is saved in a form the deck opens without building any card. `<cache dir>/deck/<hash of the
file's path>.cache` holds

- the magic line, then the cards: one JSON blob per note (what pydantic validates on demand);
- an index (marshal): the key (the file's size, mtime and SHA-1, the deck schema's own
  digest), the topic's fields, and in columns the note ids, where each note's blob lies and its
  CRC-32, the scheduled item ids, which note each item belongs to, and each item's content hash;
- a trailer: where the index starts, its length and its CRC-32.

A start reads the trailer and the index (a few syscalls and one `marshal.loads` of lists of
strings and byte arrays: no per-card object, nothing for the cyclic collector to walk). A
card's blob is read, checked against its CRC and validated only when something asks for that
card (review, browse, export); so a cache entry can never smuggle in a card the schema refuses.
A damaged blob, or an entry replaced since the start, raises CacheDamaged there: the deck then
parses the topic file itself.

Anything unexpected at load — a missing, unreadable, stale or damaged entry, a read-only cache
dir — is a miss: the file is parsed as if there were no cache. Entries are written atomically
(temp + rename). The cache dir is $STUDYTUI_CACHE_DIR, else platformdirs' user cache dir;
STUDYTUI_CACHE_DIR=off turns the cache off. `studytui import` writes the entry of the topic file
it writes (EntryWriter), so the first start after an import is a cache hit too. Once a whole
deck has loaded cleanly, deckindex.py records it in one file, with where each card's blob lies
here (`Blobs`): a later start reads no entry's index at all.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import struct
import tempfile
import zlib
from array import array
from pathlib import Path
from typing import Any, Iterable

FORMAT = 3  # 3: blobs first, a marshal index with columns, a trailer
MAGIC = b"studytui deck cache 3\n"
_TRAILER = struct.Struct("<QQI")  # index offset, index length, index CRC-32
_MAX_INDEX = 1 << 30


class CacheDamaged(Exception):
    """A card's blob does not match its CRC, or the entry changed since it was loaded."""


def cache_dir() -> Path | None:
    env = os.environ.get("STUDYTUI_CACHE_DIR")
    if env == "off":
        return None
    if env:
        return Path(env).expanduser() / "deck"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("studytui")) / "deck"


def _schema_tag(schema: str) -> str:
    """Changes whenever the code that defines and validates a topic changes (`schema` is the
    caller's digest of that code, and of the topic class)."""
    return hashlib.sha1(f"{FORMAT}:{schema}".encode()).hexdigest()


def file_key(st: os.stat_result, data: bytes) -> dict[str, object]:
    """The identity of a topic file's content: size and mtime (of the same open file), and SHA-1."""
    return key_of(st, hashlib.sha1(data).hexdigest())


def key_of(st: os.stat_result, sha1: str) -> dict[str, object]:
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha1": sha1}


def entry_path(folder: Path | str, path: Path | str) -> str:
    return os.path.join(folder, hashlib.sha1(os.path.abspath(path).encode()).hexdigest() + ".cache")


class Blobs:
    """Where the card blobs of one entry lie, and how to check them: read on demand, each blob
    against its CRC and the entry against the trailer it had when this was made."""

    __slots__ = ("entry", "note_ids", "starts", "lengths", "crcs", "trailer")

    def __init__(self, entry: str, note_ids: list[str], starts: array, lengths: array, crcs: array, trailer: bytes):
        self.entry, self.note_ids, self.trailer = entry, note_ids, trailer
        self.starts, self.lengths, self.crcs = starts, lengths, crcs

    def read(self, notes: Iterable[int]) -> list[bytes]:
        """The JSON blobs of `notes`, checked (CacheDamaged if one or the entry changed)."""
        out = []
        try:
            with open(self.entry, "rb", buffering=0) as f:  # unbuffered: each read is one exact read
                f.seek(-_TRAILER.size, os.SEEK_END)
                if f.read(_TRAILER.size) != self.trailer:
                    raise CacheDamaged(f"{self.entry}: replaced since it was loaded")
                for note in notes:
                    f.seek(self.starts[note])
                    blob = f.read(self.lengths[note])
                    if zlib.crc32(blob) != self.crcs[note]:
                        raise CacheDamaged(f"{self.entry}: card {self.note_ids[note]!r} damaged")
                    out.append(blob)
        except (OSError, IndexError) as exc:
            raise CacheDamaged(f"{self.entry}: {exc}") from None
        return out


class CachedTopic:
    """A cache hit: the topic's fields and index; card blobs are read from the entry on demand."""

    __slots__ = ("entry", "fields", "note_ids", "item_ids", "item_note", "hashes", "blobs")

    def __init__(self, entry: str, index: dict[str, Any], trailer: bytes):
        self.entry = entry
        self.fields: dict[str, Any] = index["fields"]
        self.note_ids: list[str] = index["notes"]
        self.blobs = Blobs(entry, self.note_ids, array("q", index["starts"]), array("q", index["lengths"]),
                           array("I", index["crcs"]), trailer)
        self.item_ids: list[str] = index["items"] or self.note_ids  # stored only when they differ
        # which note each item belongs to; None when every note is one item (no cloze)
        self.item_note = array("i", index["item_note"]) if index["item_note"] else None
        self.hashes: list[str] = index["hashes"]
        n, m, b = len(self.note_ids), len(self.item_ids), self.blobs
        if not (len(b.starts) == len(b.lengths) == len(b.crcs) == n and len(self.hashes) == m
                and (len(self.item_note) == m if self.item_note is not None else m == n)):
            raise ValueError("inconsistent index")

    def note_of(self, item: int) -> int:
        return item if self.item_note is None else self.item_note[item]

    def note_json(self, note: int) -> bytes:
        """The JSON blob of one note, checked (CacheDamaged if it or the entry changed)."""
        return self.blobs.read([note])[0]

    def notes_json(self, notes: Iterable[int]) -> list[bytes]:
        return self.blobs.read(notes)


def load(path: Path, key: dict[str, object], schema: str, folder: Path | None = None) -> CachedTopic | None:
    """The cached topic of `path`, or None when there is no valid entry for this exact file
    (`folder`: the cache dir, when the caller has it already)."""
    folder = folder or cache_dir()
    if folder is None:
        return None
    entry = entry_path(folder, path)
    try:
        with open(entry, "rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                return None
            size = f.seek(0, os.SEEK_END)
            if size < len(MAGIC) + _TRAILER.size:
                return None
            f.seek(size - _TRAILER.size)
            trailer = f.read(_TRAILER.size)
            at, length, crc = _TRAILER.unpack(trailer)
            if not (len(MAGIC) <= at and at + length == size - _TRAILER.size and length < _MAX_INDEX):
                return None
            f.seek(at)
            raw = f.read(length)
        # the CRC first: marshal only ever reads bytes this module wrote
        if len(raw) != length or zlib.crc32(raw) != crc:
            return None
        index = marshal.loads(raw)
        if not isinstance(index, dict) or index.get("key") != key or index.get("schema") != _schema_tag(schema):
            return None
        if not isinstance(index.get("fields"), dict):
            return None
        return CachedTopic(entry, index, trailer)  # a blob out of range fails its CRC when read
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None


class EntryWriter:
    """Writes one entry: cards as they come (blobs streamed to a temp file), then the index in
    the topic's note order. What it keeps per card is a few numbers in arrays (an import of
    100,000 cards must stay small). Best effort: when anything fails there is simply no entry."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.folder = cache_dir()
        self._number: dict[object, int] = {}  # name -> card number
        self._ids: list[str] = []
        self._starts, self._lengths, self._crcs = array("q"), array("q"), array("I")
        self._hashes = bytearray()  # 16 ASCII hex digits per card: its (first) item's content hash
        self._more: dict[int, list[tuple[str, str]]] = {}  # card number -> items, for cloze notes
        self._out = None
        self._tmp: str | None = None
        self._at = len(MAGIC)
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, self._tmp = tempfile.mkstemp(dir=self.folder, prefix=".entry-", suffix=".tmp")
            self._out = os.fdopen(fd, "wb")
            self._out.write(MAGIC)
        except OSError:
            self.discard()

    @property
    def active(self) -> bool:
        return self._out is not None

    def add(self, card: Any, name: object = None) -> None:
        """Remember a validated card (a deck Card): its blob and its items, under `name` (its id
        unless told; `finish` lists the names in note order)."""
        if self._out is None:
            return
        blob = card.model_dump_json(exclude_defaults=True).encode()
        items = card.items()
        try:
            self._out.write(blob)
        except OSError:
            self.discard()
            return
        number = len(self._ids)
        self._number[card.id if name is None else name] = number
        self._ids.append(card.id)
        self._starts.append(self._at)
        self._lengths.append(len(blob))
        self._crcs.append(zlib.crc32(blob))
        content_hash = items[0].content_hash if len(items) == 1 and items[0].id == card.id else ""
        if len(content_hash) == 16:
            self._hashes += content_hash.encode()
        else:
            self._hashes += b"-" * 16
            self._more[number] = [(item.id, item.content_hash) for item in items]
        self._at += len(blob)

    def finish(self, order: Iterable[object], fields: dict[str, Any], key: dict[str, object],
               schema: str) -> Blobs | None:
        """Write the index for the notes `order` (names of added cards) and put the entry in place;
        returns where its blobs lie (None when no entry was written)."""
        if self._out is None or self.folder is None:
            return None
        notes: list[str] = []
        starts, lengths, crcs, note_of = array("q"), array("q"), array("I"), array("i")
        items: list[str] = []
        hashes: list[str] = []
        hex_ = self._hashes
        try:
            for n, name in enumerate(order):
                k = self._number[name]
                notes.append(self._ids[k])
                starts.append(self._starts[k])
                lengths.append(self._lengths[k])
                crcs.append(self._crcs[k])
                more = self._more.get(k)
                if more is None:
                    items.append(self._ids[k])
                    hashes.append(hex_[16 * k:16 * k + 16].decode())
                    note_of.append(n)
                    continue
                for item_id, content_hash in more:
                    items.append(item_id)
                    hashes.append(content_hash)
                    note_of.append(n)
            same = items == notes
            index = marshal.dumps({
                "key": key, "schema": _schema_tag(schema), "fields": fields, "notes": notes,
                "starts": starts.tobytes(), "lengths": lengths.tobytes(), "crcs": crcs.tobytes(),
                "items": [] if same else items, "item_note": b"" if same else note_of.tobytes(),
                "hashes": hashes})
            trailer = _TRAILER.pack(self._at, len(index), zlib.crc32(index))
            self._out.write(index)
            self._out.write(trailer)
            self._out.close()
            self._out = None
            entry = entry_path(self.folder, self.path)
            os.replace(self._tmp, entry)  # type: ignore[arg-type]
            self._tmp = None
            return Blobs(entry, notes, starts, lengths, crcs, trailer)
        except (OSError, KeyError, ValueError):
            return None
        finally:
            self.discard()

    def discard(self) -> None:
        if self._out is not None:
            try:
                self._out.close()
            except OSError:
                pass
            self._out = None
        if self._tmp is not None:
            try:
                os.unlink(self._tmp)
            except OSError:
                pass
            self._tmp = None


def save(path: Path, topic: Any, key: dict[str, object], schema: str) -> Blobs | None:
    """Remember `topic` (validated) as the parse of `path` (best effort: any failure leaves no entry,
    and None); returns where the entry's blobs lie."""
    writer = EntryWriter(path)
    if not writer.active:
        return None
    for n, card in enumerate(topic.cards):
        writer.add(card, n)  # by position: a file may repeat an id (reported when the deck loads)
    return writer.finish(range(len(topic.cards)), topic.model_dump(mode="json", exclude={"cards"}), key, schema)
