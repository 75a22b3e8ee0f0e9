"""A cache of validated topic files, so an unchanged deck is not parsed again at every start.

Parsing YAML builds a node per value in Python (PyYAML's constructor), and even validating a
parsed card with pydantic costs ~20 µs: a 20,000-card deck took ~0.5 s to validate at every start,
a 100,000-card import ~2.5 s. So a topic file that parsed and validated is saved in a form the
deck can open without building any card: `<cache dir>/deck/<hash of the file's path>.json` holds

- a first line (JSON): the key (the file's size, mtime and content hash, the deck schema's own
  source), the topic's fields, a CRC of the rest, and per note its id, where its JSON lies in
  the rest, and its scheduled items (item id, cloze number, content hash);
- then one JSON object per card.

The deck (studytui.study.deck) reads the first line at start; a card is validated by pydantic
from its own line only when something asks for it (review, browse, export), so a cache entry can
never smuggle in a card the schema refuses, and a start reads ids, not cards.

Anything unexpected — a missing, unreadable, stale or damaged entry, a read-only cache dir — is a
miss: the file is parsed as if there were no cache. Entries are written atomically (temp + rename).
The cache dir is $STUDYTUI_CACHE_DIR, else platformdirs' user cache dir; STUDYTUI_CACHE_DIR=off
turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

FORMAT = 2  # 2: topic fields and card index in the first line, one JSON line per card


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


def file_key(path: Path, data: bytes) -> dict[str, object]:
    st = os.stat(path)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha1": hashlib.sha1(data).hexdigest()}


def _entry_path(folder: Path, path: Path) -> Path:
    return folder / (hashlib.sha1(str(path.resolve()).encode()).hexdigest() + ".json")


@dataclass(frozen=True)
class CachedTopic:
    """A cache hit: the topic's own fields, and its cards still as JSON (see the module doc)."""

    fields: dict[str, Any]
    notes: list[list[Any]]  # [note id, start, end, [[item id, cloze number or None, content hash], ...]]
    body: bytes

    def card_json(self, note: list[Any]) -> bytes:
        return self.body[note[1]:note[2]]


def load(path: Path, key: dict[str, object], schema: str) -> CachedTopic | None:
    """The cached topic of `path`, or None when there is no valid entry for this exact file."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        raw = _entry_path(folder, path).read_bytes()
        head_raw, _, body = raw.partition(b"\n")
        head = json.loads(head_raw)
        if not isinstance(head, dict) or head.get("key") != key or head.get("schema") != _schema_tag(schema):
            return None
        if head.get("crc") != zlib.crc32(body) or not isinstance(head.get("fields"), dict):
            return None
        notes = head["notes"]
        if not isinstance(notes, list) or not all(
                isinstance(n, list) and len(n) == 4 and isinstance(n[3], list) and n[3] for n in notes):
            return None
        return CachedTopic(head["fields"], notes, body)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(path: Path, topic: BaseModel, key: dict[str, object], schema: str) -> None:
    """Remember `topic` (validated) as the parse of `path` (best effort: any failure leaves no entry)."""
    folder = cache_dir()
    if folder is None:
        return
    parts, notes, at = [], [], 0
    for card in topic.cards:  # type: ignore[attr-defined]
        blob = card.model_dump_json(exclude_defaults=True).encode() + b"\n"
        items = [[item.id, item.cloze_number, item.content_hash] for item in card.items()]
        notes.append([card.id, at, at + len(blob) - 1, items])
        parts.append(blob)
        at += len(blob)
    body = b"".join(parts)
    fields = topic.model_dump(mode="json", exclude={"cards"})
    head = json.dumps({"key": key, "schema": _schema_tag(schema), "fields": fields, "crc": zlib.crc32(body),
                       "notes": notes}, sort_keys=True)
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".entry-", suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(head.encode() + b"\n" + body)
        os.replace(tmp, _entry_path(folder, path))
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
