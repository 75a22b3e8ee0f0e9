"""Markdown notes -> question candidates, one pass over markdown-it's blocks.

Formats recognised (several may share a file):
- question headings: `### 12. What is X?`, `## Q3: ...`, any heading ending in "?" (trailing links,
  tags and emoji ignored), `# Front` / `# Back` sections; the answer runs to the next heading of
  the same or a higher level (sub-headings belong to it);
- `Q:` / `**Q:**` ... `A:` / `**Answer:**` lines; a bold label (`**Example exam question**`) with
  the question under it and an `Answer:` line;
- bold-paragraph questions (`**What is X?**` then the answer), `Question #card` / `#flashcard`;
- list items that are questions (answer: the item's own continuation, or the paragraphs after a
  lone question item), `- **Q:**` then `- *A:*` items, Logseq `- Q #card` with child bullets;
- Obsidian Spaced Repetition `Q::A`, `Q:::A`, multi-line `?` / `??`; RemNote `Q >> A`, `Q :: A`;
- cloze notes (`{{c1::...}}`, `==highlight==`) -> cloze cards;
- `<details><summary>Q</summary> A </details>`; tables whose header says Question | Answer.
Everything else (chapter headings, bullets, tables of contents, code) is left alone.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from array import array
from dataclasses import dataclass, field

from studytui.study.importing.blocks import Block, Item, parse_blocks
from studytui.study.importing.model import Candidate
from studytui.study.importing.text import (
    ANSWER_LABEL, INVISIBLE, QA_SECTION, clean_answer, clean_question, ends_like_question, generic_summary, has_card_tag,
    is_link_only, question_like, strip_emphasis, strip_label, summary_question,
)

QLINE = re.compile(
    r"^\s{0,8}(?:[-*+]\s{1,4}|\d{1,4}[.)]\s{1,4})?(?:(?:\*\*|__|\*|_)\s{0,4}(?:Q|Ques|Question)\s{0,4}\d{0,4}\s{0,4}[:.)]?"
    r"\s{0,4}(?:\*\*|__|\*|_)\s{0,4}[:.]?|(?:Q|Question)\s{0,4}\d{0,4}\s{0,4}:|(?:Q|Question)\s{0,4}\d{1,4}\s{0,4}[.)](?=\s))"
    r"[ \t]{0,8}(.*)$", re.I)
INLINE_ANSWER = re.compile(r"\s(?:\*\*|__)\s{0,4}(?:A|Answer)\s{0,4}[:.]\s{0,4}(?:\*\*|__)[ \t]{0,8}|\s(?:A|Answer):[ \t]{1,8}",
                           re.I)
Q_PREFIX = re.compile(r"^(?:Q|Question)\s{0,4}(\d{1,4})?\s{0,4}[:.)\-]\s{0,8}(.+)$", re.I | re.S)
NUMBERED = re.compile(r"^\s{0,8}\d{1,4}\s{0,4}[.)．）]\s{0,8}(.+)$", re.S)
LABEL = re.compile(r"^(?:\*\*|__)([^*_\n]{0,200}\bquestions?\b[^*_\n]{0,200})(?:\*\*|__)\s*:?\s*$", re.I)
BOLD_LEAD = re.compile(r"^(?:\*\*|__)(.{1,600}?)(?:\*\*|__)(.*)$", re.S)
SR_SEPARATORS = (":::", "::", " >> ", " ;; ")
CLOZE = re.compile(r"\{\{c\d{1,3}::")
HIGHLIGHT = re.compile(r"==([^=\n]{1,300})==")
_HINT_LINE = re.compile(r"^\s{0,8}(?:[*_]{1,2})?\s{0,4}Hint\s{0,4}[:.]", re.I)
CODE_SPAN = re.compile(r"`[^`\n]{0,500}`")


def _highlighted(text: str) -> bool:
    """`==highlight==` outside code spans (a highlight needs four `=`; most text has none)."""
    return text.count("=") >= 4 and bool(HIGHLIGHT.search(CODE_SPAN.sub("", text)))


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


class Source:
    """The normalized notes as UTF-8 bytes and where each line starts, to slice answers by line.

    Bytes, not str: one emoji makes a Python str four bytes per character, so a 50 MB file
    would take 200 MB per copy; pieces are decoded one at a time for parsing."""

    def __init__(self, data: bytes):
        self.data = data
        starts = array("q", [0])
        find, pos = data.find, 0
        while (pos := find(b"\n", pos) + 1) > 0:
            starts.append(pos)
        if starts[-1] != len(data):
            starts.append(len(data))
        self.starts = starts
        self.n = len(starts) - 1

    def lines(self, start: int, end: int) -> str:
        start, end = max(0, min(start, self.n)), max(0, min(end, self.n))
        if end <= start:
            return ""
        return self.data[self.starts[start]:self.starts[end]].decode("utf-8", "replace").rstrip("\n")


def normalize_text(text: str) -> str:
    """What the parser reads: LF line ends, no BOM, no NUL, no invisible characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
    return text.translate(INVISIBLE)


_INVISIBLE_BYTES = [(chr(k).encode(), (v or "").encode()) for k, v in INVISIBLE.items()]


def normalize_bytes(data: bytes) -> bytes:
    """`normalize_text` for UTF-8 bytes (no copy when there is nothing to change)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if b"\0" in data:
        data = data.replace(b"\0", "\ufffd".encode())
    for raw, repl in _INVISIBLE_BYTES:
        if raw in data:
            data = data.replace(raw, repl)
    return data


@dataclass
class Open:
    """A question whose answer is still being read."""

    kind: str  # heading block qline label details front item1 sr
    line: int
    question: str
    level: int = 0
    a_head: str = ""  # answer text that precedes the answer's line range
    a_start: int = -1
    a_end: int = -1
    awaiting_mark: bool = False  # qline / label: the answer starts at an `A:` line
    q_more: list[str] = field(default_factory=list)
    q_paragraphs: int = 0
    depth: int = 0  # <details> nesting
    q_start: int = -1  # front: the question's own line range
    q_end: int = -1
    stop_at: int = -1  # sr / item1 after a list: only an adjacent block continues it

    def has_answer(self) -> bool:
        return bool(self.a_head.strip()) or self.a_end > self.a_start >= 0

    def extend(self, start: int, end: int) -> None:
        if self.a_start < 0:
            self.a_start = start
        self.a_end = max(self.a_end, end)


class MarkdownParser:
    def __init__(self, text: str | bytes):
        if isinstance(text, str):
            text = text.encode("utf-8", "replace")
        self.src = Source(normalize_bytes(text))
        self.sections: list[tuple[int, bool]] = []
        self.open: Open | None = None
        self.out: list[Candidate] = []

    # --- helpers ---------------------------------------------------------------------------------

    def in_qa(self, level: int = 99) -> bool:
        return any(qa for lv, qa in self.sections if lv < level)

    def emit(self, line: int, question: str, answer: str, kind: str = "basic") -> None:
        if kind == "basic":
            answer = clean_answer(answer)
        self.out.append(Candidate(line + 1, question, answer, kind))  # type: ignore[arg-type]

    def close(self) -> None:
        o, self.open = self.open, None
        if o is None:
            return
        if o.kind == "front":
            question = self.src.lines(o.q_start, o.q_end if o.q_end >= 0 else o.a_end)
            answer = self.src.lines(o.a_start, o.a_end) if o.q_end >= 0 else ""
            self.emit(o.line, clean_question(question) if "\n" not in question.strip() else question.strip(), answer)
            return
        question = o.question
        hint = ""
        if o.q_more:
            at = next((k for k, line in enumerate(o.q_more) if _HINT_LINE.match(line)), len(o.q_more))
            hint = "\n".join(o.q_more[at:])
            question = clean_question("\n".join([question, *o.q_more[:at]]))
        body = self.src.lines(o.a_start, o.a_end) if o.a_start >= 0 else ""
        if o.kind in ("item1", "block", "sr", "qline", "label") and body[:1].isspace():
            body = textwrap.dedent(body)
        answer = "\n".join(x for x in (o.a_head, body) if x.strip())
        if hint:
            answer = f"{hint}\n\n{answer}"
        self.emit(o.line, question, answer)

    def extend(self, b: Block) -> None:
        o = self.open
        if o is None:
            return
        if o.stop_at >= 0:
            if b.start > o.stop_at:
                self.close()
                return
            o.stop_at = b.end
        if o.kind == "front" and o.q_end < 0:
            o.q_start = o.q_start if o.q_start >= 0 else b.start
            o.a_end = b.end
            return
        o.extend(b.start, b.end)

    # --- the pass --------------------------------------------------------------------------------

    def run(self) -> list[Candidate]:
        for b in parse_blocks(self.src.data):
            self.block(b)
        self.close()
        return self.out

    def block(self, b: Block) -> None:
        o = self.open
        if o is not None and o.kind == "details":
            self.extend(b)
            if b.kind == "html":
                low = b.text.lower()
                o.depth += low.count("<details") - low.count("</details>")
                if o.depth <= 0:
                    self.close()
            return
        kind = b.kind
        if kind == "heading":
            self.heading(b)
        elif kind == "hr":
            self.close()
        elif kind == "paragraph":
            self.paragraph(b)
        elif kind == "list":
            self.list_block(b)
        elif kind == "html":
            self.html(b)
        elif kind == "table":
            self.table(b)
        elif kind == "front":
            return
        else:
            if o is not None and o.awaiting_mark:
                if o.q_more or o.question:
                    o.q_more.append(self.src.lines(b.start, b.end))  # code or math inside the question
                return
            self.extend(b)

    # --- headings --------------------------------------------------------------------------------

    def heading(self, b: Block) -> None:
        title = b.text.strip()
        o = self.open
        if o is not None and o.kind == "heading" and b.level > o.level:
            if o.has_answer() or self.heading_question(title, b.level) is None:
                self.extend(b)  # a sub-heading inside an answer belongs to it
                return
            self.open = None  # the "question" heading was a section title over questions
            self.sections.append((o.level, True))
        if o is not None and o.kind == "front" and _bare(title) == "back" and o.q_end < 0:
            o.q_end = b.start
            o.a_start, o.a_end = b.end, b.end
            return
        self.close()
        self.sections = [(lv, qa) for lv, qa in self.sections if lv < b.level]
        if _bare(title) == "front":
            self.open = Open("front", b.start, "", level=b.level, q_start=b.end, a_end=b.end)
            return
        question = self.heading_question(title, b.level)
        if question is not None:
            self.open = Open("heading", b.start, question, level=b.level)
        else:
            self.sections.append((b.level, bool(QA_SECTION.search(title))))

    def heading_question(self, title: str, level: int) -> str | None:
        title = strip_emphasis(title)
        norm = _nfkc(title)
        m = Q_PREFIX.match(norm)
        if m and m.group(2).strip() and (m.group(1) or norm[:1] in "Qq"):
            q = clean_question(title)
            if q:
                return q
        m = NUMBERED.match(title)
        if m:
            body = strip_emphasis(m.group(1))
            if question_like(body) or has_card_tag(body) or (self.in_qa(level) and not QA_SECTION.search(body)):
                return clean_question(body)
            return None
        if ends_like_question(title) or has_card_tag(title):
            return clean_question(title)
        return None

    # --- paragraphs ------------------------------------------------------------------------------

    def paragraph(self, b: Block) -> None:
        lines = b.text.split("\n")
        o = self.open
        has_q = any(QLINE.match(_nfkc(line[:80])) for line in lines)
        awaiting = o is not None and o.awaiting_mark
        if has_q or (awaiting and any(ANSWER_LABEL.match(_nfkc(line[:80])) for line in lines)):
            self.qa_lines(b, lines)
            return
        if awaiting:
            assert o is not None
            if o.kind == "label" and o.q_more:
                self.close()  # the question under a label is one paragraph; no answer followed
            elif o.kind == "qline" and (o.q_paragraphs >= 1 or ends_like_question(o.question)
                                         or (o.q_more and _HINT_LINE.match(o.q_more[-1]))):
                o.awaiting_mark = False  # `Q: ...?` then the answer paragraph, without an `A:` label
                self.extend(b)
                return
            else:
                o.q_more.extend(lines)
                o.q_paragraphs += 1
                return
            o = None
        if o is not None and o.kind in ("heading", "front"):
            self.extend(b)
            return
        if self.card_paragraph(b, lines):
            return
        self.extend(b)

    def qa_lines(self, b: Block, lines: list[str], first: int = 0) -> None:
        """A paragraph holding `Q:` / `A:` lines (several pairs may share one paragraph)."""
        for k, line in enumerate(lines):
            if k < first:
                continue
            at = b.start + k
            norm = _nfkc(line[:80]) + line[80:]
            m = QLINE.match(norm)
            o = self.open
            if m:
                if o is not None and o.kind == "heading" and not o.has_answer():
                    self.open = None  # a heading over Q: lines is their section
                else:
                    self.close()
                rest = line[len(line) - len(m.group(1)):] if m.group(1) else ""
                parts = INLINE_ANSWER.split(" " + rest, maxsplit=1)
                o = Open("qline", at, parts[0].strip())
                if len(parts) > 1:
                    o.a_head, o.a_start, o.a_end = parts[1].strip(), at + 1, at + 1
                else:
                    o.awaiting_mark = True
                self.open = o
                continue
            if o is None:
                continue
            if o.awaiting_mark:
                if ANSWER_LABEL.match(_nfkc(line[:80])):
                    o.awaiting_mark = False
                    o.a_head = strip_label(ANSWER_LABEL, line).strip()
                    o.a_start = o.a_end = at + 1
                else:
                    o.q_more.append(line)
                continue
            o.extend(at, at + 1)

    def card_paragraph(self, b: Block, lines: list[str]) -> bool:
        """A paragraph that starts a card (closing the open one). False when it is plain text."""
        o = self.open
        first = lines[0]
        # Obsidian SR multi-line: question lines, a `?` / `??` line, answer lines
        for k, line in enumerate(lines[1:], 1):
            if line.strip() in ("?", "??"):
                self.close()
                question = clean_question("\n".join(lines[:k]))
                answer = "\n".join(lines[k + 1:])
                if answer.strip():
                    self.emit(b.start, question, answer)
                else:
                    self.open = Open("sr", b.start, question, stop_at=b.end)
                return True
        if _sr_split(first) is not None:
            self.close()
            current: Open | None = None
            for k, line in enumerate(lines):
                split = _sr_split(line)
                if split is not None:
                    if current is not None:
                        self.open = current
                        self.close()
                    question, answer = split
                    current = Open("sr", b.start + k, clean_question(question), a_head=answer.strip(),
                                   stop_at=b.end)
                elif current is not None:
                    current.a_head += "\n" + line
            self.open = current
            return True
        if CLOZE.search(b.text) or _highlighted(b.text):
            if o is not None and o.kind in ("block", "item1") and not o.has_answer():
                return False  # the answer of a question just asked, highlighted
            self.close()
            self.emit(b.start, b.text.strip(), "", "cloze")
            return True
        if has_card_tag(first):
            self.close()
            self.open = Open("block", b.start, clean_question(first), a_head="\n".join(lines[1:]))
            return True
        m = BOLD_LEAD.match(first.strip())
        if m:
            lead, rest = m.group(1), m.group(2)
            if LABEL.match(first.strip()) and not ends_like_question(lead):
                self.close()
                self.open = Open("label", b.start, "", awaiting_mark=True, q_paragraphs=1 if len(lines) > 1 else 0)
                self.qa_lines(b, lines, first=1)
                return True
            rest_is_decoration = not clean_question(rest) or is_link_only(rest) or not re.search(r"\w", rest)
            if question_like(lead + (rest if rest_is_decoration else ""), in_qa=self.in_qa()) and (
                    ends_like_question(lead + (rest if rest_is_decoration else "")) or rest_is_decoration):
                self.close()
                head = "" if rest_is_decoration else rest.lstrip(" :")
                answer = "\n".join([head, *lines[1:]]).strip("\n")
                self.open = Open("block", b.start, clean_question(lead), a_head=answer)
                return True
        if self.in_qa() and len(lines) > 1 and ends_like_question(first) and o is None:
            self.open = Open("block", b.start, clean_question(first), a_head="\n".join(lines[1:]))
            return True
        return False

    # --- lists -----------------------------------------------------------------------------------

    def list_block(self, b: Block) -> None:
        o = self.open
        if o is not None and o.awaiting_mark:
            if b.items and ANSWER_LABEL.match(_nfkc(b.items[0].text[:80])):
                o.awaiting_mark = False
                o.extend(b.start, b.end)
                return
        if o is not None and o.kind in ("heading", "front"):
            self.extend(b)
            return
        if o is not None and not self.has_cards(b.items):
            if o.awaiting_mark:
                self.close()
            else:
                self.extend(b)
                return
        self.close()
        self.items(b.items)

    def has_cards(self, items: list[Item]) -> bool:
        return any(self.item_question(it) is not None for it in items)

    def item_question(self, it: Item) -> tuple[str, str | None] | None:
        """(question, inline answer) when the item asks something."""
        text = it.text
        if not text:
            return None
        first, _, more = text.partition("\n")
        norm = _nfkc(first[:80]) + first[80:]
        if is_link_only(first):
            return None  # a table of contents entry
        m = QLINE.match(norm)
        if m:
            rest = first[len(first) - len(m.group(1)):] if m.group(1) else ""
            parts = INLINE_ANSWER.split(" " + rest, maxsplit=1)
            return clean_question(parts[0]), "\n".join(x for x in (parts[1] if len(parts) > 1 else "", more) if x)
        split = _sr_split(first)
        if split is not None:
            return clean_question(split[0]), "\n".join(x for x in (split[1].strip(), more) if x)
        if first.rstrip().endswith((">>", ">>>", "::")) and it.children:
            return clean_question(first.rstrip().rstrip(">:")), more
        if has_card_tag(first):
            return clean_question(first), more
        m = BOLD_LEAD.match(first.strip())
        if m:
            lead, rest = m.group(1), m.group(2)
            decoration = not re.search(r"\w", rest) or is_link_only(rest)
            if question_like(lead + (rest if decoration else ""), in_qa=self.in_qa()) and (
                    ends_like_question(lead + (rest if decoration else "")) or not decoration or it.children
                    or self.in_qa()):
                head = "" if decoration else rest.lstrip(" :").strip()
                return clean_question(lead), "\n".join(x for x in (head, more) if x)
            if self.in_qa() and it.number is not None:  # "1. **Conceptual**" + the task: no answer
                return clean_question("\n".join(x for x in (text, self._children_text(it)) if x)), None
            return None
        # a question over several lines: up to the line that ends with "?"
        lines = text.split("\n")
        for k, line in enumerate(lines[:3]):
            if ends_like_question(line):
                return clean_question("\n".join(lines[:k + 1])), "\n".join(lines[k + 1:])
        if self.in_qa() and it.number is not None and question_like(first, in_qa=True):
            return clean_question(first), more
        return None

    def items(self, items: list[Item]) -> None:
        found: list[tuple[Item, str, str]] = []
        whole: set[int] = set()
        skip_next = False
        for idx, it in enumerate(items):
            if skip_next:
                skip_next = False
                continue
            if CLOZE.search(it.text) or (_highlighted(it.text) and not it.children):
                self.emit(it.start, self._item_text(it), "", "cloze")
                continue
            q = self.item_question(it)
            if q is None:
                for child in it.children:  # outlines: questions nested under a topic bullet
                    if child.kind == "list":
                        self.items(child.items)
                continue
            question, inline = q
            if inline is None:  # the whole item is the question
                whole.add(id(it))
                found.append((it, question, ""))
                continue
            answer = "\n".join(x for x in (inline, self._children_text(it)) if x.strip())
            nxt = items[idx + 1] if idx + 1 < len(items) else None
            if not answer.strip() and nxt is not None and ANSWER_LABEL.match(_nfkc(nxt.text[:80])):
                answer = self._item_text(nxt)  # `- **Q:** ...` then `- *A:* ...`
                skip_next = True
            found.append((it, question, answer))
        if not found:
            return
        unanswered = [f for f in found if not f[2].strip()]
        last_item = items[-1]
        for it, question, answer in found:
            lone = it is last_item and id(it) not in whole and len(unanswered) == 1 and (len(found) == 1 or len(unanswered) < len(found))
            if not answer.strip() and lone:
                self.open = Open("item1", it.start, question)  # the answer follows the list
                continue
            self.emit(it.start, question, answer)

    def _children_text(self, it: Item) -> str:
        return textwrap.dedent(self.src.lines(it.text_end, it.end)).strip("\n") if it.end > it.text_end else ""

    def _item_text(self, it: Item) -> str:
        body = self._children_text(it)
        return "\n".join(x for x in (it.text, body) if x.strip())

    # --- html and tables -------------------------------------------------------------------------

    def html(self, b: Block) -> None:
        o = self.open
        s = summary_question(b.text) if "<summary" in b.text.lower() else None
        if s is not None and not generic_summary(s[0]) and s[0] and (o is None or o.kind not in ("heading", "front")
                                                                       or (o.kind == "heading" and not o.has_answer()
                                                                           and question_like(s[0]))):
            if o is not None and o.kind == "heading":
                self.open = None
                self.sections.append((o.level, True))
            self.close()
            low = b.text.lower()
            depth = low.count("<details") - low.count("</details>")
            rest = b.text[s[1]:]
            self.open = Open("details", b.start, clean_question(s[0]), a_head=rest, depth=depth)
            if depth <= 0:
                self.close()
            return
        if o is not None and o.awaiting_mark:
            return
        self.extend(b)

    def table(self, b: Block) -> None:
        if not b.rows:
            return self.extend(b)
        header = [_bare(c) for c in b.rows[0][1]]
        qcol = next((i for i, c in enumerate(header) if c in _Q_HEADERS), None)
        acol = next((i for i, c in enumerate(header) if c in _A_HEADERS), None)
        if qcol is None or acol is None:
            return self.extend(b)
        self.close()
        for line, cells in b.rows[1:]:
            if max(qcol, acol) >= len(cells):
                continue
            q = cells[qcol].replace("<br>", "\n").replace("<br/>", "\n")
            a = re.sub(r"<br\s*/?>", "\n", cells[acol], flags=re.I)
            if q.strip():
                self.emit(line, clean_question(q), a.strip())


_Q_HEADERS = {"question", "questions", "q", "front", "prompt", "term", "concept"}
_A_HEADERS = {"answer", "answers", "a", "back", "definition", "explanation", "response"}


def _bare(text: str) -> str:
    return re.sub(r"[^\w ]", "", _nfkc(strip_emphasis(text.strip()))).strip().casefold()


def _sr_split(line: str) -> tuple[str, str] | None:
    """`Q::A`, `Q:::A` (Obsidian SR), `Q >> A`, `Q ;; A` (RemNote) -> (question, answer)."""
    if "::" not in line and ">>" not in line and ";;" not in line:
        return None
    masked = CODE_SPAN.sub(lambda m: "x" * len(m.group(0)), line)
    if "{{" in masked or "http" in masked[:8]:
        return None
    for sep in SR_SEPARATORS:
        i = masked.find(sep)
        if i <= 0:
            continue
        q, a = line[:i], line[i + len(sep):]
        if sep == "::" and (masked.count("::") > 1 or (q[-1:].isalnum() and a[:1].isalnum() and " " not in q.strip())):
            continue  # `std::vector`, `a::b::c`: code, not a card
        if q.strip() and a.strip() and not q.lstrip().startswith(("|", ">")):
            return q, a
    return None


def parse_markdown_candidates(text: str | bytes) -> list[Candidate]:
    return MarkdownParser(text).run()
