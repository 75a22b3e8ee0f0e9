"""Write (or update) `imported/<deck>.yaml` without ever losing a card or its history.

- A card's source is its file's full path; cards from other files are never touched.
- A question already in the deck from another file that still exists is skipped and reported
  (ids stay unique); when that file is gone (renamed or moved), the new file adopts the card,
  id and history included. Legacy decks that remember only base names are adopted the same way.
- A question reworded a little keeps its id (difflib ratio >= 0.8). One reworded beyond
  recognition is a new card; the old one keeps its id and history and is tagged `orphaned`.
  Only `--prune` removes orphans.
- The file is written atomically: a fresh temp file (O_EXCL, never a planted symlink) in the
  same folder, fsync, rename. A full disk or a read-only folder is one line; nothing changes.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from pydantic import ValidationError

from studytui.errors import StudytuiError
from studytui.study.importing.model import ImportResult, Skipped
from studytui.study.importing.text import matching_key

ORPHAN_TAG = "orphaned"
RENAME_RATIO = 0.8
RESERVED_DECKS = {"drills"}


@dataclass
class MergeReport:
    path: Path
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0  # orphans pruned
    renamed: int = 0  # edited questions that kept their id (and so their history)
    orphaned: int = 0  # newly orphaned: reworded beyond recognition or gone from their file
    adopted: int = 0  # cards whose old file is gone, now owned by the new one
    duplicates: list[Skipped] = field(default_factory=list)  # already in the deck from another file


def _source_file(card: Any) -> str:
    return card.sources[0].rsplit(":", 1)[0] if card.sources else ""


def _owned_elsewhere(card: Any, new_sources: set[str]) -> bool:
    """True when the card belongs to another file that still exists (so it must not be taken)."""
    src = _source_file(card)
    return bool(src) and src not in new_sources and os.path.isabs(src) and os.path.exists(src)


def check_deck_name(deck: str) -> None:
    if deck in RESERVED_DECKS:
        raise StudytuiError(f"deck name '{deck}' is reserved (the drill cards use it); choose another with --deck")


def load_existing(path: Path):
    from studytui.study.deck import ImportedTopic, load_topic_file
    from studytui.yamlload import YamlFileError

    if not path.exists():
        return None
    try:
        return load_topic_file(path, ImportedTopic)
    except YamlFileError as exc:
        raise StudytuiError(f"{exc.lines()[0]} (fix or remove the file; it was not changed)") from None
    except UnicodeDecodeError:
        raise StudytuiError(f"{path}:1: not UTF-8 text (fix or remove the file; it was not changed)") from None
    except OSError as exc:
        raise StudytuiError(f"{path}: cannot read ({exc.strerror or exc}); it was not changed") from None


def merge_topic(result: ImportResult, deck: str, out_dir: Path, *, title: str | None = None,
                write: bool = True, prune: bool = False) -> MergeReport:
    """Merge the imported cards into `out_dir/<deck>.yaml` (see the module docstring)."""
    from studytui.study.gcpause import gc_paused

    with gc_paused():  # 100,000 cards of small containers and no cycles: collections free nothing
        return _merge_topic(result, deck, out_dir, title=title, write=write, prune=prune)


def _merge_topic(result: ImportResult, deck: str, out_dir: Path, *, title: str | None, write: bool,
                 prune: bool) -> MergeReport:
    from studytui.study.deckcache import EntryWriter

    check_deck_name(deck)
    path = Path(out_dir) / f"{deck}.yaml"
    entry = EntryWriter(path) if write else None  # the deck cache entry of the file written
    try:
        return _merge(result, deck, path, title=title, write=write, prune=prune, entry=entry)
    finally:
        if entry is not None:
            entry.discard()


def _merge(result: ImportResult, deck: str, path: Path, *, title: str | None, write: bool, prune: bool,
           entry: Any) -> MergeReport:
    from studytui.study.deck import Card, ImportedTopic, cache_schema
    from studytui.study.deckcache import key_of
    from studytui.yamlload import MAX_YAML_BYTES

    report = MergeReport(path)
    old = load_existing(path)
    old_cards = list(old.cards) if old else []
    title = title or (old.title if old else None)
    new_sources = {c.source for c in result.cards} | {s.source for s in result.skipped} - {""}

    by_id = {c.id: c for c in old_cards}
    same_file = {c.id for c in old_cards if _source_file(c) in new_sources}
    consumed: set[str] = set()
    replaced: dict[str, Any] = {}  # old id -> new card
    new_ids = {c.id for c in result.cards}
    # old cards of these files that no new card has by id: the candidates for a reworded question
    unmatched = [c for c in old_cards if c.id in same_file and c.id not in new_ids]
    old_keys: dict[str, str] = {}
    for ic in result.cards:
        cid = ic.id
        prev = by_id.get(cid)
        if prev is not None and cid not in consumed and cid not in same_file and _owned_elsewhere(prev, new_sources):
            report.duplicates.append(Skipped(ic.line, f"already in the deck from {prev.sources[0]}", ic.source))
            continue
        if prev is None or cid in consumed:
            # reworded a little: take the closest unmatched card of the same file
            best, ratio = None, 0.0
            pool = [c for c in unmatched if c.id not in consumed][:2000] if unmatched else []
            target = matching_key(ic.question) if pool else ""
            for c in pool:
                key = old_keys.get(c.id)
                if key is None:
                    key = old_keys[c.id] = matching_key(c.q)
                r = difflib.SequenceMatcher(None, key, target).ratio()
                if r > ratio:
                    best, ratio = c, r
            if best is not None and ratio >= RENAME_RATIO:
                cid, prev = best.id, best
                report.renamed += 1
            elif cid in consumed:
                report.duplicates.append(Skipped(ic.line, "duplicate id in this import", ic.source))
                continue
            else:
                prev = None
        try:
            new = Card(id=cid, type=ic.type, q=ic.question, a=ic.answer or None, tags=["imported"],
                       sources=[f"{ic.source}:{ic.line}"])
        except ValidationError as exc:  # e.g. a basic question holding `{{c1::...}}`
            why = exc.errors()[0].get("msg", "invalid card").removeprefix("Value error, ")
            report.duplicates.append(Skipped(ic.line, f"cannot be stored: {why}", ic.source))
            continue
        consumed.add(cid)
        if prev is None:
            report.added += 1
        else:
            if prev.id not in same_file:
                report.adopted += 1
            if prev.q == new.q and (prev.a or "") == (new.a or "") and prev.type == new.type \
                    and ORPHAN_TAG not in prev.tags:
                report.unchanged += 1
            else:
                report.updated += 1
        # validated; kept as a plain dict (a third of the memory), what card_data(new) returns,
        # built directly; pydantic made its own copies of the texts: the import's are kept (one
        # copy of 50 MB of notes)
        data: dict[str, Any] = {"id": new.id}
        if new.type != "basic":
            data["type"] = new.type
        data["q"] = ic.question if new.q == ic.question else new.q
        if new.a is not None:
            data["a"] = ic.answer if new.a == ic.answer else new.a
        data["tags"], data["sources"] = list(new.tags), list(new.sources)
        replaced[cid] = data
        if entry is not None:
            entry.add(new)

    cards = []
    for c in old_cards:
        if c.id in replaced:
            cards.append(replaced.pop(c.id))
        elif c.id in same_file or ORPHAN_TAG in c.tags:
            if prune:
                report.removed += 1
                continue
            if ORPHAN_TAG not in c.tags:
                report.orphaned += 1
                c = c.model_copy(update={"tags": [*c.tags, ORPHAN_TAG]})
            cards.append(c)
        else:
            cards.append(c)
        if entry is not None and not isinstance(cards[-1], dict):
            entry.add(cards[-1])
    cards += replaced.values()  # new cards, in file order
    if not cards:
        if old is not None and write and prune:
            _atomic_remove(path)
        return report
    sources = sorted({_file_of(c) for c in cards} - {""})
    first = cards[0] if not isinstance(cards[0], dict) else Card(**cards[0])
    topic = ImportedTopic(topic=deck, title=title or deck.replace("-", " ").title(), cards=[first], source=sources)
    if write:
        sha1 = atomic_write(path, dump_topic(topic, cards), limit=MAX_YAML_BYTES)
        if entry is not None:
            try:
                key = key_of(os.stat(path), sha1)
            except OSError:
                return report
            entry.finish([c["id"] if isinstance(c, dict) else c.id for c in cards],
                         topic.model_dump(mode="json", exclude={"cards"}), key, cache_schema(ImportedTopic))
    return report


def prune_topic(deck: str, out_dir: Path) -> MergeReport:
    """Remove the orphaned cards of a deck (`studytui import --prune --deck NAME`)."""
    path = Path(out_dir) / f"{deck}.yaml"
    if not path.exists():
        raise StudytuiError(f"no imported deck '{deck}' in {out_dir}")
    return merge_topic(ImportResult(), deck, out_dir, prune=True)


def card_data(card: Any) -> dict[str, Any]:
    """A validated card as the dict written to YAML (defaults left out)."""
    if isinstance(card, dict):
        return card
    data = card.model_dump(exclude_none=True)
    if not data.get("check"):
        data.pop("check", None)
    if data.get("type") == "basic":
        data.pop("type")
    return data


def _file_of(card: Any) -> str:
    sources = card.get("sources") if isinstance(card, dict) else card.sources
    return sources[0].rsplit(":", 1)[0] if sources else ""


def dump_topic(topic: Any, cards: list[Any] | None = None) -> Iterator[str]:
    """The topic file in chunks, one card at a time (100,000 cards never sit in memory as text)."""
    from studytui.study.importing.yamlout import dump, dump_items

    yield "# Written by `studytui import`; importing the same files again updates it.\n"
    yield dump(topic.model_dump(exclude_none=True, exclude={"cards"}))
    yield from dump_items("cards", map(card_data, topic.cards if cards is None else cards))


class TooLarge(StudytuiError):
    """The topic file would be larger than a deck file may be (the loader refuses it)."""


def atomic_write(path: Path, text: str | Iterable[str], *, limit: int | None = None) -> str:
    """Write `text` (or its chunks) to `path` atomically; returns the SHA-1 of the bytes written.
    Past `limit` bytes nothing is written: TooLarge."""
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise StudytuiError(f"{folder}: exists but is not a folder; move it away to import")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)  # O_EXCL
    except OSError as exc:
        raise StudytuiError(f"{folder}: cannot write ({exc.strerror or exc}); nothing was changed") from None
    try:
        digest, size = hashlib.sha1(), 0
        with os.fdopen(fd, "wb") as f:
            for chunk in _batched([text] if isinstance(text, str) else text):
                data = chunk.encode("utf-8")
                size += len(data)
                if limit is not None and size > limit:
                    cap = f"{limit >> 20} MB" if limit >= 1 << 20 else f"{limit} bytes"
                    raise TooLarge(f"{path}: the deck would be over {cap} of YAML, more than a deck "
                                   "file may hold; nothing was changed. Import the notes in parts, each with its "
                                   "own --deck NAME")
                digest.update(data)
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
            os.fchmod(f.fileno(), 0o644)
        os.replace(tmp, path)
        return digest.hexdigest()
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise StudytuiError(f"{path}: cannot write ({exc.strerror or exc}); nothing was changed") from None
        raise


def _batched(chunks: Iterable[str], size: int = 1 << 20) -> Iterator[str]:
    """Small chunks joined into about `size` characters (one encode, hash and write per batch)."""
    batch: list[str] = []
    length = 0
    for chunk in chunks:
        batch.append(chunk)
        length += len(chunk)
        if length >= size:
            yield "".join(batch)
            batch, length = [], 0
    if batch:
        yield "".join(batch)


def _atomic_remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError as exc:
        raise StudytuiError(f"{path}: cannot remove ({exc.strerror or exc})") from None
