"""Anki packages (.apkg / .colpkg): a zip holding an SQLite collection -> basic and cloze notes.

Reads `collection.anki21` or `collection.anki2` (the format every Anki writes with "support older
Anki versions", and genanki writes). The newer zstd-compressed `collection.anki21b` is read when
the `zstandard` module is installed; otherwise a one-line error says how to export instead.
Note types come from the `col.models` JSON (type 1 = cloze) or, in new collections, the
`notetypes` table. Fields are HTML, converted to Markdown. The note's guid is its identity, so a
re-import after editing a note in Anki updates the same card.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import zipfile
from pathlib import Path

from studytui.study.importing.model import Candidate, ImportError_

MAX_COLLECTION_BYTES = 512 * 1024 * 1024
_NAMES = ("collection.anki21", "collection.anki2")


def parse_apkg(path: Path) -> list[Candidate]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportError_(f"{path}: not an Anki package (not a zip file: {exc})") from None
    with zf, tempfile.TemporaryDirectory(prefix="studytui-apkg-") as tmp:
        names = set(zf.namelist())
        db_path = Path(tmp) / "collection.db"
        if "collection.anki21b" in names:
            _extract(zf, "collection.anki21b", db_path, zstd=True, pkg=path)
        else:
            name = next((n for n in _NAMES if n in names), None)
            if name is None:
                raise ImportError_(f"{path}: no Anki collection inside (expected collection.anki2)")
            _extract(zf, name, db_path, zstd=False, pkg=path)
        return _read_collection(db_path, path)


def _extract(zf: zipfile.ZipFile, name: str, dest: Path, *, zstd: bool, pkg: Path) -> None:
    info = zf.getinfo(name)
    if info.file_size > MAX_COLLECTION_BYTES:
        raise ImportError_(f"{pkg}: collection is {info.file_size >> 20} MB, over the "
                           f"{MAX_COLLECTION_BYTES >> 20} MB limit")
    with zf.open(info) as src, open(dest, "wb") as out:
        if zstd:
            try:
                import zstandard  # type: ignore[import-not-found]
            except ImportError:
                raise ImportError_(f"{pkg}: Anki's newer package format; in Anki export with "
                                   "'Support older Anki versions' ticked, or pip install zstandard") from None
            reader = zstandard.ZstdDecompressor().stream_reader(src)
        else:
            reader = src
        total = 0
        while chunk := reader.read(1 << 20):
            total += len(chunk)
            if total > MAX_COLLECTION_BYTES:  # a zip bomb: the header lied about the size
                raise ImportError_(f"{pkg}: collection over the {MAX_COLLECTION_BYTES >> 20} MB limit")
            out.write(chunk)


def _read_collection(db_path: Path, pkg: Path) -> list[Candidate]:
    from studytui.study.importing.html import html_to_markdown

    try:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            cloze_models = _cloze_models(con)
            rows = con.execute("SELECT id, guid, mid, flds FROM notes ORDER BY id").fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise ImportError_(f"{pkg}: damaged Anki collection ({exc})") from None
    out: list[Candidate] = []
    for n, (_nid, guid, mid, flds) in enumerate(rows, 1):
        fields = [html_to_markdown(f) for f in str(flds).split("\x1f")]
        front = fields[0] if fields else ""
        back = fields[1] if len(fields) > 1 else ""
        if mid in cloze_models:
            extra = "\n\n".join(f for f in fields[1:] if f.strip())
            out.append(Candidate(n, front, extra, "cloze", str(guid)))
        else:
            out.append(Candidate(n, front, back, "basic", str(guid)))
    return out


def _cloze_models(con: sqlite3.Connection) -> set[int]:
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "notetypes" in tables:  # schema 15+: config is protobuf; kind 1 = cloze is its first field
        found = set()
        for ntid, config in con.execute("SELECT id, config FROM notetypes"):
            if isinstance(config, bytes) and config[:2] == b"\x08\x01":
                found.add(ntid)
        return found
    (models,) = con.execute("SELECT models FROM col").fetchone()
    return {int(mid) for mid, m in json.loads(models or "{}").items() if m.get("type") == 1}
