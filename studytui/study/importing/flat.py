"""Line formats read without a Markdown parser: Anki's text export and Mochi's Markdown export.

Anki text export: optional `#key:value` header lines (`#separator:tab`, `#html:true`,
`#notetype column:1`, `#deck column:2`, `#tags column:5`, `#guid column:1`), then one note per
row, fields split by the separator (csv quoting). The first two remaining fields are front and
back; a front holding `{{c1::...}}` is a cloze note whose second field is extra text.

Mochi export: cards one after another, each opening with a `---` fenced metadata block that holds
`card_id:`; in the card's body a line `---` separates the front from the back.
"""

from __future__ import annotations

import csv
import re

from studytui.study.importing.model import Candidate

_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " ", "colon": ":"}
_HEADER = re.compile(r"^#([a-z ]{1,30}):(.{0,200})$", re.I)
_CLOZE = re.compile(r"\{\{c\d{1,3}::")
CARD_ID = re.compile(r"^card_id:\s*(\S{1,200})\s*$", re.M)


def looks_like_anki_text(text: str) -> bool:
    head = text[:2000]
    return head.startswith(("#separator:", "#html:", "#notetype", "#deck", "#tags", "#guid", "#columns:"))


def looks_like_mochi(text: str) -> bool:
    return text.lstrip().startswith("---") and CARD_ID.search(text[:5000]) is not None


def parse_anki_text(text: str) -> list[Candidate]:
    from studytui.study.importing.html import html_to_markdown

    sep, is_html = "\t", False
    drop: set[int] = set()
    lines = text.split("\n")
    body_from = 0
    for i, line in enumerate(lines):
        m = _HEADER.match(line)
        if not m:
            break
        key, value = m.group(1).strip().lower(), m.group(2).strip()
        body_from = i + 1
        if key == "separator":
            sep = _SEPARATORS.get(value.lower(), value[:1] or "\t")
        elif key == "html":
            is_html = value.lower() == "true"
        elif key.endswith("column") and value.isdigit():
            drop.add(int(value) - 1)
    out: list[Candidate] = []
    reader = csv.reader(lines[body_from:], delimiter=sep, quotechar='"', strict=False)
    line = body_from
    for row in reader:
        line = body_from + reader.line_num
        fields = [f for k, f in enumerate(row) if k not in drop]
        if not any(f.strip() for f in fields):
            continue
        if is_html or any("<" in f for f in fields[:2]):
            fields = [html_to_markdown(f) for f in fields[:2]]
        front = fields[0] if fields else ""
        back = fields[1] if len(fields) > 1 else ""
        if _CLOZE.search(front):
            out.append(Candidate(line, front, back, "cloze"))
        else:
            out.append(Candidate(line, front, back))
    return out


def parse_mochi(text: str) -> list[Candidate]:
    from studytui.study.importing.text import clean_question

    lines = text.split("\n")
    out: list[Candidate] = []
    i, n = 0, len(lines)
    while i < n:
        if lines[i].strip() != "---":
            i += 1
            continue
        # a metadata block: `---`, `key: value` lines holding card_id, `---`
        j = i + 1
        meta: dict[str, str] = {}
        while j < n and lines[j].strip() != "---" and re.match(r"^[\w-]{1,40}:", lines[j]):
            key, _, value = lines[j].partition(":")
            meta[key.strip()] = value.strip()
            j += 1
        if j >= n or lines[j].strip() != "---" or "card_id" not in meta:
            i += 1
            continue
        start = j + 1
        k = start
        while k < n and not _is_meta_start(lines, k):
            k += 1
        body = lines[start:k]
        split = next((x for x, line in enumerate(body) if line.strip() == "---"), None)
        front = "\n".join(body if split is None else body[:split]).strip()
        back = "\n".join(body[split + 1:] if split is not None else []).strip()
        if _CLOZE.search(front):
            out.append(Candidate(start + 1, front, back, "cloze", meta["card_id"]))
        else:
            question = clean_question(front.lstrip("#").strip()) if "\n" not in front else front
            out.append(Candidate(start + 1, question, back, "basic", meta["card_id"]))
        i = k
    return out


def _is_meta_start(lines: list[str], k: int) -> bool:
    if lines[k].strip() != "---":
        return False
    j = k + 1
    while j < len(lines) and j < k + 30 and re.match(r"^[\w-]{1,40}:", lines[j]):
        if lines[j].startswith("card_id:"):
            return True
        j += 1
    return False
