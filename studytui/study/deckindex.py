"""One cache file for a whole deck: a start where no topic file changed opens one file, not forty.

The per-file deck cache (deckcache.py) spares the YAML parse, but a start still opened, hashed
and indexed every topic file, and merged forty id maps: ~16 ms of a 20,000-card start, more
than Anki needs to open its whole collection. So once a deck has loaded cleanly (every file
parsed or cached, no duplicate id or topic), this index records the outcome:

- the load plan (each topic file's path and model), and per file its fields, its note and item
  ids, which note each item belongs to, the key of its own deckcache entry and where each card's
  blob lies there (with that entry's trailer), and its status: size, mtime, ctime and inode;
- every item id of the deck in order, and their content hashes.

A later start with the same plan checks each file with one `stat`. A file whose status is
unchanged is trusted without reading it, as git trusts its index: an edit always moves ctime
(which no tool can set back), and a file is only trusted once its ctime lies well before the
index was written (`SETTLE_NS`), so an edit in the same clock tick as the one recorded is still
hashed ("racy" files). A file whose status changed is hashed: the same SHA-1 as the recorded
key means the same content (a `touch`, a copy back), and the index is refreshed; another SHA-1
means a miss, and the deck loads file by file (and writes a new index).

Card text is not here: a card's blob is read from its file's deckcache entry the first time the
card is shown (IndexedTopic), checked against the entry's trailer as recorded and its own CRC; a
missing or different entry is CacheDamaged, and the deck then parses that topic file. Damage, a
foreign version, a changed plan or code: a miss, never an error. The index of a set of folders
lives at `<cache dir>/<hash of the folders>.index`, written atomically (temp file + rename).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import struct
import time
import zlib
from array import array
from pathlib import Path
from typing import Any

from studytui.study.deckcache import Blobs, CacheDamaged, entry_path
from studytui.study.deckcache import load as load_entry

FORMAT = 2  # 2: where each card blob lies in its entry
MAGIC = b"studytui deck index 2\n"
_HEADER = struct.Struct("<QI")  # body length, body CRC-32
SETTLE_NS = 2_000_000_000  # a file changed less than this before the index was written is hashed at every start
_MAX_BODY = 1 << 30


def index_path(folder: Path, roots: list[tuple[str, str]]) -> str:
    """Where the index of a deck read from `roots` ((folder, model) pairs) lives."""
    name = hashlib.sha1(repr([(os.path.abspath(d), m) for d, m in roots]).encode()).hexdigest()
    return os.path.join(folder, name + ".index")


def _tag(schema: str) -> str:
    return hashlib.sha1(f"{FORMAT}:{schema}".encode()).hexdigest()


def _status(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


class FileRecord:
    """What the index keeps of one topic file (built by the deck after a clean load)."""

    __slots__ = ("path", "model", "status", "key", "fields", "note_ids", "item_ids", "item_note", "hashes", "blobs")

    def __init__(self, path: Path, model: str, st: os.stat_result, key: dict[str, object], fields: dict[str, Any],
                 note_ids: list[str], item_ids: list[str], item_note: array | None, hashes: list[str],
                 blobs: Blobs | None):
        self.path, self.model, self.status, self.key = str(path), model, _status(st), key
        self.fields, self.note_ids, self.item_ids = fields, note_ids, item_ids
        self.item_note, self.hashes = item_note, hashes
        self.blobs = blobs  # where its cards lie in its deckcache entry (None: no entry was written)


def save(folder: Path | None, roots: list[tuple[str, str]], records: list[FileRecord], schema: str) -> None:
    """Write the index of a deck that loaded cleanly (best effort: a failure leaves no index)."""
    if folder is None:
        return
    files = []
    items: list[str] = []
    hashes: list[str] = []
    for r in records:
        files.append({"path": r.path, "model": r.model, "status": r.status, "key": r.key, "fields": r.fields,
                      "n": len(r.item_ids), "notes": None if r.note_ids == r.item_ids else r.note_ids,
                      "item_note": b"" if r.item_note is None else r.item_note.tobytes(),
                      "blobs": None if r.blobs is None else [r.blobs.starts.tobytes(), r.blobs.lengths.tobytes(),
                                                              r.blobs.crcs.tobytes(), r.blobs.trailer]})
        items += r.item_ids
        hashes += r.hashes
    if len(hashes) != len(items) or any("\0" in h for h in hashes):
        return
    _write(folder, roots, {"schema": _tag(schema), "written_ns": time.time_ns(), "files": files, "items": items,
                           "hashes": "\0".join(hashes), "width": _width(hashes)})


def _width(hashes: list[str]) -> int:
    """The common length of the hashes (0 if they differ): a hash is then found by slicing."""
    width = len(hashes[0]) if hashes else 0
    return width if all(len(h) == width for h in hashes) else 0


def _write(folder: Path, roots: list[tuple[str, str]], payload: dict[str, Any]) -> None:
    """Put the index in place atomically (best effort: a cache that cannot be written is a miss)."""
    from studytui.atomic_write import replacing
    from studytui.errors import StudytuiError

    try:
        body = marshal.dumps(payload)
        with replacing(Path(index_path(folder, roots)), what="index") as tmp:
            tmp.write_bytes(MAGIC + _HEADER.pack(len(body), zlib.crc32(body)) + body)
    except (StudytuiError, OSError, ValueError):
        pass


class IndexedTopic:
    """A topic file as the index knows it: ids without opening anything, and where each card's
    blob lies in the file's own deckcache entry (read when the card is first shown, against the
    entry's trailer as recorded and the blob's CRC). Without that record (no entry was written)
    the entry is opened on first use; one that is missing, or lists other ids, raises
    CacheDamaged (the deck then parses the topic file)."""

    __slots__ = ("path", "key", "schema", "folder", "note_ids", "item_ids", "item_note", "_blobs")

    def __init__(self, record: dict[str, Any], item_ids: list[str], schema: str, folder: Path):
        self.path, self.key, self.schema, self.folder = Path(record["path"]), record["key"], schema, folder
        self.item_ids = item_ids
        self.note_ids: list[str] = record["notes"] if record["notes"] is not None else item_ids
        self.item_note = array("i", record["item_note"]) if record["item_note"] else None
        self._blobs: Blobs | None = None
        if record["blobs"] is not None:
            starts, lengths, crcs, trailer = record["blobs"]
            self._blobs = Blobs(entry_path(folder, self.path), self.note_ids, array("q", starts),
                                array("q", lengths), array("I", crcs), trailer)

    def note_of(self, item: int) -> int:
        return item if self.item_note is None else self.item_note[item]

    def notes_json(self, notes: list[int]) -> list[bytes]:
        if self._blobs is None:
            entry = load_entry(self.path, self.key, self.schema, self.folder)
            if entry is None or entry.note_ids != self.note_ids or entry.item_ids != self.item_ids:
                raise CacheDamaged(f"{self.path}: its deck cache entry is gone or differs from the deck index")
            self._blobs = entry.blobs
        return self._blobs.read(notes)


class DeckIndex:
    """A valid index: the files (dicts as saved), the deck's item ids and hashes."""

    def __init__(self, payload: dict[str, Any]):
        self.files: list[dict[str, Any]] = payload["files"]
        self.items: list[str] = payload["items"]
        self.hash_text: str = payload["hashes"]
        self.hash_width: int = payload["width"]


def load(folder: Path | None, roots: list[tuple[str, str]], plan: list[tuple[Path, str]],
         schema: str) -> DeckIndex | None:
    """The index of this plan ((path, model name) of each topic file, in load order), if every
    file is still what it records; else None."""
    if folder is None:
        return None
    where = index_path(folder, roots)
    try:
        with open(where, "rb") as f:
            raw = f.read(_MAX_BODY)
        head = len(MAGIC) + _HEADER.size
        if raw[:len(MAGIC)] != MAGIC or len(raw) < head:
            return None
        length, crc = _HEADER.unpack_from(raw, len(MAGIC))
        body = memoryview(raw)[head:]
        if len(body) != length or zlib.crc32(body) != crc:  # marshal only reads what this module wrote
            return None
        payload = marshal.loads(body)
        if not isinstance(payload, dict) or payload.get("schema") != _tag(schema):
            return None
        files = payload["files"]
        if [(f["path"], f["model"]) for f in files] != [(str(p), m) for p, m in plan]:
            return None
        if sum(f["n"] for f in files) != len(payload["items"]):
            return None
        checked = _unchanged(files, payload["written_ns"])
        if checked is None:
            return None
        index = DeckIndex(payload)
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None
    if checked:  # files hashed and found the same: record their status, so the next start trusts it
        _write(folder, roots, {**payload, "written_ns": time.time_ns()})
    return index


def _unchanged(files: list[dict[str, Any]], written_ns: int) -> bool | None:
    """None if a file no longer holds what the index recorded; else whether a refresh of the
    index would spare the next start some hashing (the status of a file hashed now is updated
    in `files`)."""
    from studytui.yamlload import YamlFileError, digest_capped

    settled_before, refresh = written_ns - SETTLE_NS, False
    for f in files:
        old, status = f["status"], _status(os.stat(f["path"]))
        if status == old and status[2] < settled_before:
            continue
        try:
            st, sha1 = digest_capped(Path(f["path"]))
        except YamlFileError:
            return None
        if sha1 != f["key"].get("sha1"):
            return None
        f["status"] = _status(st)
        # worth writing when the status moved, or when the file has settled since (trusted then)
        refresh = refresh or f["status"] != old or f["status"][2] < time.time_ns() - SETTLE_NS
    return refresh
