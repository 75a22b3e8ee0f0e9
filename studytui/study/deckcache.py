"""A cache of validated topic files, so an unchanged deck is not parsed again at every start.

Parsing YAML builds a node per value in Python (PyYAML's constructor), which is most of a start
with a large imported deck (10,000 cards: ~4 s). A topic file that parsed and validated is saved
as JSON beside nothing else: `<cache dir>/deck/<hash of the file's path>.json`, keyed by the file's
size, mtime and content hash and by the deck schema's own source. pydantic reads the JSON back
(in Rust) and validates it again, so a cache entry can never smuggle in a card the schema refuses.

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
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
FORMAT = 1


def cache_dir() -> Path | None:
    env = os.environ.get("STUDYTUI_CACHE_DIR")
    if env == "off":
        return None
    if env:
        return Path(env).expanduser() / "deck"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("studytui")) / "deck"


def _schema_tag(model: type[BaseModel], schema: str) -> str:
    """Changes whenever the code that defines and validates a topic changes (`schema` is the
    caller's digest of that code)."""
    return hashlib.sha1(f"{FORMAT}:{model.__qualname__}:{schema}".encode()).hexdigest()


def file_key(path: Path, data: bytes) -> dict[str, object]:
    st = os.stat(path)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha1": hashlib.sha1(data).hexdigest()}


def _entry_path(folder: Path, path: Path) -> Path:
    return folder / (hashlib.sha1(str(path.resolve()).encode()).hexdigest() + ".json")


def load(path: Path, model: type[M], key: dict[str, object], schema: str) -> M | None:
    """The cached model of `path`, or None when there is no valid entry for this exact file."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        raw = _entry_path(folder, path).read_bytes()
        head, _, body = raw.partition(b"\n")
        if json.loads(head) != {"key": key, "schema": _schema_tag(model, schema)}:
            return None
        return model.model_validate_json(body)
    except (OSError, ValueError, ValidationError):
        return None


def save(path: Path, model: BaseModel, key: dict[str, object], schema: str) -> None:
    """Remember `model` as the parse of `path` (best effort: any failure leaves no entry)."""
    folder = cache_dir()
    if folder is None:
        return
    head = json.dumps({"key": key, "schema": _schema_tag(type(model), schema)}, sort_keys=True)
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".entry-", suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(head.encode() + b"\n" + model.model_dump_json(exclude_defaults=True).encode())
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
