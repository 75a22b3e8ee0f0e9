"""Files -> one ImportResult: read with bounds, pick the format, then ids, checks, de-duplication."""

from __future__ import annotations

import codecs
import os
import re
import stat
from pathlib import Path

from studytui.study.cloze import CLOZE as CLOZE_NOTE
from studytui.textsafe import clean
from studytui.study.importing.model import Candidate, ImportedCard, ImportError_, ImportResult, Skipped
from studytui.study.importing.text import (
    MAX_ANSWER_CHARS, MAX_QUESTION_CHARS, answer_problem, cap, card_id, matching_key, split_hint,
)

MAX_FILE_BYTES = 64 * 1024 * 1024  # a 50 MB notes file imports; /dev/zero is refused
_HIGHLIGHT = re.compile(r"==([^=\n]{1,300})==")


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """The file as text, refusing (one line) what is too big, binary or not UTF-8."""
    return read_utf8(path, limit).decode("utf-8-sig")


def read_utf8(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, checked to be UTF-8 text under the size limit (refused in one line)."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if stat.S_ISDIR(st.st_mode):
                raise ImportError_(f"{path}: is a folder, not a notes file")
            if stat.S_ISREG(st.st_mode) and st.st_size > limit:
                raise ImportError_(f"{path}: {st.st_size >> 20} MB is over the {limit >> 20} MB import limit")
            head = f.read(64 * 1024)
            if b"\0" in head:
                raise ImportError_(f"{path}: binary data, not a text notes file")
            if stat.S_ISREG(st.st_mode):
                f.seek(0)  # one read into one buffer: no second copy of a big file
                data = f.read(limit + 1)
            else:  # a pipe or a device: read on from where we are, bounded
                data = head + f.read(limit + 1 - len(head))
    except OSError as exc:
        raise ImportError_(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise ImportError_(f"{path}: over the {limit >> 20} MB import limit")
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 20
    try:  # validated piece by piece: never a whole-file str (4 bytes a character with one emoji)
        for at in range(0, len(data), step):
            decoder.decode(data[at:at + step], final=at + step >= len(data))
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise ImportError_(f"{path}: not UTF-8 text (near byte {at + exc.start})") from None
    return data


def candidates_for(path: Path) -> list[Candidate]:
    from studytui.study.importing import flat
    from studytui.study.importing.markdown import normalize_text, parse_markdown_candidates

    if path.suffix.lower() in (".apkg", ".colpkg"):
        from studytui.study.importing.apkg import parse_apkg

        return parse_apkg(path)
    data = read_utf8(path)
    head = data[:5000].decode("utf-8", "ignore").lstrip("\ufeff")
    if not (flat.looks_like_anki_text(head) or path.suffix.lower() == ".tsv" or flat.looks_like_mochi(head)):
        return parse_markdown_candidates(data)
    text = data.decode("utf-8-sig")
    if flat.looks_like_anki_text(text) or path.suffix.lower() == ".tsv":
        import csv

        try:
            return flat.parse_anki_text(normalize_text(text))
        except csv.Error as exc:
            raise ImportError_(f"{path}: not a readable Anki text export ({exc})") from None
    if flat.looks_like_mochi(text):
        return flat.parse_mochi(normalize_text(text))
    return parse_markdown_candidates(data)


def _as_cloze(text: str) -> str | None:
    """Cloze text with deletions numbered from c1 (`==x==` highlights become deletions)."""
    if not CLOZE_NOTE.search(text):
        count = iter(range(1, 1000))  # cloze numbers have at most three digits; later highlights stay text

        def deletion(m: re.Match[str]) -> str:
            n = next(count, None)
            return m.group(0) if n is None else "{{c%d::%s}}" % (n, m.group(1))

        text = _HIGHLIGHT.sub(deletion, text)
    numbers = sorted({int(m.group(1)) for m in CLOZE_NOTE.finditer(text)})
    if not numbers:
        return None
    if numbers[0] != 1:
        renumber = {n: k for k, n in enumerate(numbers, 1)}
        text = re.sub(r"\{\{c(\d{1,3})::", lambda m: "{{c%d::" % renumber.get(int(m.group(1)), int(m.group(1))), text)
    return text


def finish(candidates: list[Candidate], deck: str, source: str = "") -> ImportResult:
    """Candidates -> cards (with ids) and skipped entries; repeats are skipped and reported."""
    result = ImportResult()
    groups: dict[str, list[tuple[Candidate, str | None]]] = {}
    for c in candidates:
        # control characters (terminal escapes) are never part of a note worth keeping
        question, answer = clean(c.question).strip(), clean(c.answer).strip()
        if c.type == "cloze":
            # capped first: matching deletions is quadratic on many unclosed `{{c1::` openers
            text = _as_cloze(question[:MAX_QUESTION_CHARS + 1])  # +1: still reported as cut
            if text is None:
                result.skipped.append(Skipped(c.line, "cloze note without deletions", source))
                continue
            c = Candidate(c.line, text, answer, "cloze", c.key)  # the answer side: extra text
            problem = None
        else:
            hint, rest = split_hint(answer)
            if hint and rest:
                question, answer = f"{question}\n\n*{hint}*", rest
            c = Candidate(c.line, question, answer, "basic", c.key)
            problem = answer_problem(answer)
        matching = matching_key(c.question)
        if not matching:
            result.skipped.append(Skipped(c.line, "empty question", source))
            continue
        groups.setdefault(card_id(deck, c.question, c.key, matching=matching), []).append((c, problem))
    for cid, group in groups.items():
        good = [c for c, problem in group if problem is None]
        if not good:
            first, problem = group[0]
            result.skipped.append(Skipped(first.line, problem or "no answer", source))
            continue
        keep = good[0]
        question, cut_q = cap(keep.question, MAX_QUESTION_CHARS)
        answer, cut_a = cap(keep.answer, MAX_ANSWER_CHARS)
        if cut_q or cut_a:
            result.truncated.append(Skipped(keep.line, f"card text over {MAX_ANSWER_CHARS} characters, cut", source))
        result.cards.append(ImportedCard(cid, question, answer, keep.line, source, keep.type))
        for other in good[1:]:
            result.skipped.append(Skipped(other.line, f"duplicate of line {keep.line}", source))
    result.cards.sort(key=lambda c: c.line)
    result.skipped.sort(key=lambda s: s.line)
    return result


def parse_markdown(text: str, *, deck: str, source: str = "") -> ImportResult:
    """Find every question in Markdown `text`; each becomes a card, or a Skipped entry saying why not."""
    from studytui.study.importing.markdown import parse_markdown_candidates

    return finish(parse_markdown_candidates(text), deck, source)


def source_name(path: Path) -> str:
    """A source is identified by its full path, never its base name."""
    return str(Path(os.path.abspath(Path(path).expanduser())))


def parse_files(paths: list[Path], deck: str) -> ImportResult:
    """Parse several files into one result; a question repeated across files is kept once."""
    from studytui.study.gcpause import gc_paused

    with gc_paused():  # millions of short-lived tokens and strings, no cycles: the collector only costs
        return _parse_files(paths, deck)


def _parse_files(paths: list[Path], deck: str) -> ImportResult:
    total = ImportResult()
    seen: dict[str, ImportedCard] = {}
    for path in map(Path, paths):
        src = source_name(path)
        one = finish(candidates_for(path), deck, src)
        total.skipped += one.skipped
        total.truncated += one.truncated
        for card in one.cards:
            if card.id in seen:
                first = seen[card.id]
                total.skipped.append(Skipped(card.line, f"duplicate of {first.source}:{first.line}", card.source))
            else:
                seen[card.id] = card
                total.cards.append(card)
    return total
