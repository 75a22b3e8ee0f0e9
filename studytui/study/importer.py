"""Turn Markdown Q&A notes, as people write them, into cards.

    result = parse_markdown(text, deck="resnet-notes", source="notes.md")
    result.cards     # [ImportedCard(id, question, answer, line, source)]
    result.skipped   # [Skipped(line, why)]: questions without an answer, repeats

Formats found (each can appear anywhere in a file, several in one file):
- numbered headings `### 12. Question` / `#### 7) Question`, the answer being the text up to the
  next heading of the same or a higher level;
- `## Q3: Question` headings with an optional `**Answer:**` label;
- `**Q:** question` ... `**A:** answer` (also `Q:` / `A:`, on one line or several);
- numbered or bulleted list items whose text (or bold lead) is a question, the answer being the
  item's indented continuation or the paragraphs after it;
- a bold label such as `**Example exam question (short)**`, the question under it, and an
  optional `Answer:` line.
A numbered heading or a bold list item counts as a question when it reads like one (ends with
"?", or starts with What/Why/How/Explain/...), or when it sits under a section whose title says
Q&A / Questions / Interview / FAQ / Quiz. Anything else (chapter headings, bullet points,
tables of contents, code) is left alone.

Robustness: fenced code (``` / ~~~, where `# comment` lines are not headings), `$$` math blocks,
Unicode lookalikes (fullwidth ？ ＃ １２, no-break and zero-width spaces: matched after NFKC),
CRLF, a BOM. A table of contents that repeats the questions does not produce duplicates: a
question with no answer is dropped silently when the same question appears elsewhere with one.

Identity: a card's id is `<deck>-<10 hex of sha1(normalized question)>`, so importing an edited
file again updates the answers in place; `merge_topic` also keeps the id of a question whose
wording changed a little (difflib ratio >= 0.8) so its review history survives.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import textwrap
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from studytui.errors import StudytuiError

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*(?:#+\s*)?$")
HR = re.compile(r"^ {0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")
LIST_ITEM = re.compile(r"^( {0,3})(?:(\d{1,4})\s*[.)]|[-*+])\s+(.*)$")
Q_PREFIX = re.compile(r"^(?:Q|Question)\s*(\d+)?\s*[:.)\-]\s*(.+)$", re.I)
NUMBERED = re.compile(r"^(\d{1,4})\s*[.)]\s+(.+)$")
BOLD_Q_LINE = re.compile(
    r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:\*\*|__)\s*(?:Q|Question)\s*\d*\s*[:.)]?\s*(?:\*\*|__)\s*[:.]?\s*(.*)$", re.I
)
PLAIN_Q_LINE = re.compile(r"^\s*(?:Q|Question)\s*\d*\s*:\s+(.*)$", re.I)
ANSWER_MARK = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?\s*(?:A|Ans|Answer)\s*\d*\s*(?:[:.)]\s*(?:\*\*|__)|(?:\*\*|__)\s*[:.]|:)\s*(.*)$", re.I
)
INLINE_ANSWER = re.compile(r"\s(?:\*\*|__)\s*(?:A|Answer)\s*[:.]\s*(?:\*\*|__)\s*|\s(?:A|Answer):\s+", re.I)
LABEL_LINE = re.compile(r"^\s*(?:\*\*|__)([^*_]*\bquestions?\b[^*_]*)(?:\*\*|__)\s*:?\s*$", re.I)
TOC_ITEM = re.compile(r"^\[[^\]]+\]\([^)]*\)\s*$")
QA_SECTION = re.compile(r"\bQ\s*&\s*A\b|\bQ\s*/\s*A\b|\bquestions?\b|\binterview\b|\bFAQ\b|\bquiz\b|\bflashcards?\b", re.I)
# "Why CNNs beat MLPs" is a title, "Why do CNNs beat MLPs?" a question: outside Q&A sections a
# question word only counts with a "?"; an imperative ("Explain ...", "Compute ...") always does.
INTERROGATIVES = {
    "what", "why", "how", "when", "where", "which", "who", "whom", "whose", "is", "are", "can", "could",
    "does", "do", "did", "should", "would", "will", "was", "were", "has", "have",
}
IMPERATIVES = {
    "explain", "describe", "define", "compare", "contrast", "calculate", "compute", "derive",
    "implement", "prove", "justify", "estimate", "differentiate", "distinguish", "summarize", "summarise",
}


@dataclass(frozen=True)
class ImportedCard:
    id: str
    question: str
    answer: str
    line: int
    source: str = ""

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "question": self.question, "answer": self.answer}


@dataclass(frozen=True)
class Skipped:
    line: int
    why: str
    source: str = ""


@dataclass
class ImportResult:
    cards: list[ImportedCard] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def to_json(self, *, with_source: bool = False) -> dict[str, Any]:
        """The `import --dry-run --json` document: {"cards": [...], "skipped": [...]}."""
        return {
            "cards": [c.to_json() for c in self.cards],
            "skipped": [
                {"line": s.line, "why": f"{s.source}: {s.why}" if with_source and s.source else s.why}
                for s in self.skipped
            ],
        }


# --- text helpers ------------------------------------------------------------------------------


def _norm(line: str) -> str:
    """The line as the detectors see it: NFKC (fullwidth -> ASCII), no zero-width characters."""
    return unicodedata.normalize("NFKC", line.translate(ZERO_WIDTH)).expandtabs(4)


def _strip_emphasis(text: str) -> str:
    text = text.strip()
    for mark in ("**", "__"):
        if text.startswith(mark) and text.endswith(mark) and len(text) > 4:
            text = text[2:-2].strip()
    return text


def normalize_question(text: str) -> str:
    """What makes two questions the same: letters and digits, case-folded, single-spaced."""
    text = _norm(text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links -> their text
    text = re.sub(r"[*_`~]", "", text)
    text = re.sub(r"[^\w$\\^{}+\-=/()\[\]]+", " ", text.casefold())
    return " ".join(text.split())


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower())
    return slug.strip("-")[:40].strip("-")


def card_id(deck: str, question: str) -> str:
    """Stable id from the deck and the normalized question text."""
    return f"{deck}-{hashlib.sha1(normalize_question(question).encode()).hexdigest()[:10]}"


def _first_word(text: str) -> str:
    words = re.findall(r"[A-Za-z]+", text)
    return words[0].lower() if words else ""


def question_like(text: str, *, in_qa: bool = False) -> bool:
    """Reads as a question: ends with "?", starts with an imperative, or (inside a Q&A section)
    starts with a question word."""
    text = _strip_emphasis(_norm(text)).rstrip("*_ ")
    if text.endswith("?"):
        return True
    word = _first_word(text)
    return word in IMPERATIVES or (in_qa and word in INTERROGATIVES)


# --- the parser --------------------------------------------------------------------------------


@dataclass
class _Start:
    line: int  # 0-based index of the first line
    kind: str  # heading | qline | item | label
    question: str
    body_from: int  # first line of the answer region
    level: int = 0  # heading level, for heading questions
    item_indent: int = 0  # for list items: continuation lines are indented past this
    answer_inline: str = ""  # answer text found on the question's own line
    needs_mark: bool = False  # the answer starts at an Answer:/A: line (qline, label)
    whole_item: bool = False  # the item's continuation is part of the question (exam-style)


def _masks(lines: list[str]) -> list[bool]:
    """True for lines inside fenced code or $$ math blocks (never question starts)."""
    masked = [False] * len(lines)
    fence: str | None = None
    in_math = False
    for i, line in enumerate(lines):
        if fence is not None:
            masked[i] = True
            if line.strip().startswith(fence) and line.strip().strip(fence[0]) == "":
                fence = None
            continue
        m = FENCE.match(line)
        if m:
            fence, masked[i] = m.group(1), True
            continue
        stripped = line.strip()
        if in_math:
            masked[i] = True
            if stripped.endswith("$$") or stripped.startswith("\\end{"):
                in_math = False
            continue
        if (stripped == "$$" or (stripped.startswith("$$") and not stripped.endswith("$$", 2))) or re.match(
            r"^\\begin\{", stripped
        ):
            in_math, masked[i] = True, True
    return masked


class _Parser:
    def __init__(self, text: str):
        text = text.lstrip("\ufeff")
        self.raw = text.splitlines()
        self.lines = [_norm(line) for line in self.raw]
        self.masked = _masks(self.lines)
        self.sections: list[tuple[int, bool]] = []  # (heading level, is a Q&A section)

    def in_qa(self, level: int = 99) -> bool:
        return any(qa for lv, qa in self.sections if lv < level)

    def starts(self) -> list[_Start]:
        found: list[_Start] = []
        n = len(self.lines)
        i = 0
        active_heading: int | None = None  # level of the heading question whose answer we are in
        while i < n:
            line = self.lines[i]
            if self.masked[i] or not line.strip():
                i += 1
                continue
            h = HEADING.match(line)
            if h:
                level, title = len(h.group(1)), _strip_emphasis(h.group(2))
                if active_heading is not None and level > active_heading:
                    i += 1  # a sub-heading inside an answer belongs to the answer
                    continue
                active_heading = None
                self.sections = [(lv, qa) for lv, qa in self.sections if lv < level]
                q = self._heading_question(title, level)
                if q is not None:
                    found.append(_Start(i, "heading", q[0], i + 1, level=level))
                    active_heading = level
                else:
                    self.sections.append((level, bool(QA_SECTION.search(title))))
                i += 1
                continue
            if active_heading is not None:
                # only an explicit `Q:` line ends a heading's answer early; lists and labels
                # inside an answer belong to it
                if BOLD_Q_LINE.match(line) or PLAIN_Q_LINE.match(line):
                    active_heading = None
                else:
                    i += 1
                    continue
            start = self._line_start(i)
            if start is not None:
                found.append(start)
                i = self._item_end(start) if start.kind == "item" else self._block_end(start)
                continue
            i += 1
        return found

    def _heading_question(self, title: str, level: int) -> tuple[str] | None:
        m = Q_PREFIX.match(title)
        if m and m.group(2).strip():
            return (_strip_emphasis(m.group(2)),)
        m = NUMBERED.match(title)
        if m:
            body = _strip_emphasis(m.group(2))
            if question_like(body) or (self.in_qa(level) and not QA_SECTION.search(body)):
                return (body,)
            return None
        if title.rstrip("*_ ").endswith("?"):
            return (title,)
        return None

    def _line_start(self, i: int) -> _Start | None:
        line = self.lines[i]
        m = BOLD_Q_LINE.match(line) or PLAIN_Q_LINE.match(line)
        if m:
            rest = m.group(1).strip()
            parts = INLINE_ANSWER.split(" " + rest, maxsplit=1)
            question = parts[0].strip()
            inline = parts[1].strip() if len(parts) > 1 else ""
            return _Start(i, "qline", question, i + 1, answer_inline=inline, needs_mark=not inline)
        m = LABEL_LINE.match(line)
        if m and not m.group(1).strip().endswith("?"):
            return _Start(i, "label", "", i + 1, needs_mark=True)
        m = LIST_ITEM.match(line)
        if m:
            indent, number, content = len(m.group(1)), m.group(2), m.group(3).strip()
            if TOC_ITEM.match(content):
                return None
            item_indent = indent + 1
            b = re.match(r"^(?:\*\*|__)(.+?)(?:\*\*|__)\s*[:.]?\s*(.*)$", content)
            if b:
                lead, rest = b.group(1).strip(), b.group(2).strip()
                if question_like(lead, in_qa=self.in_qa()):
                    return _Start(i, "item", lead, i + 1, item_indent=item_indent, answer_inline=rest)
                if self.in_qa() and number is not None:  # e.g. "1. **Conceptual**" under "Exam Questions"
                    return _Start(i, "item", f"{lead}: {rest}".rstrip(": "), i + 1, item_indent=item_indent,
                                  whole_item=True)
                return None
            if content.rstrip().endswith("?") or (self.in_qa() and number is not None
                                                   and question_like(content, in_qa=True)):
                return _Start(i, "item", content, i + 1, item_indent=item_indent)
        return None

    def _block_end(self, s: _Start) -> int:
        """For Q:/A: lines and labels: the answer runs to the next Q line, label, heading or rule."""
        j = s.body_from
        while j < len(self.lines):
            line = self.lines[j]
            if not self.masked[j] and (HEADING.match(line) or HR.match(line) or BOLD_Q_LINE.match(line)
                                       or PLAIN_Q_LINE.match(line) or LABEL_LINE.match(line)):
                break
            j += 1
        return j

    def _item_end(self, s: _Start) -> int:
        """First line after a list item's continuation (indented lines, blank lines between)."""
        j = s.line + 1
        last = s.line
        while j < len(self.lines):
            line = self.lines[j]
            if not line.strip():
                j += 1
                continue
            indent = len(line) - len(line.lstrip())
            if indent > s.item_indent or (self.masked[j] and indent >= s.item_indent):
                last = j
                j += 1
                continue
            if j == last + 1 and not LIST_ITEM.match(line) and not HEADING.match(line) and not HR.match(line) \
                    and not self.masked[j] and not ANSWER_MARK.match(line):
                last = j  # lazy continuation of the item's paragraph
                j += 1
                continue
            break
        return last + 1


def parse_markdown(text: str, *, deck: str, source: str = "") -> ImportResult:
    """Find every question in `text`; each becomes a card, or a Skipped entry saying why not."""
    p = _Parser(text)
    starts = p.starts()
    candidates: list[tuple[int, str, str]] = []  # (1-based line, question, answer)
    for k, s in enumerate(starts):
        end = _region_end(p, s, starts[k + 1].line if k + 1 < len(starts) else len(p.lines))
        question, answer = _split(p, s, end)
        candidates.append((s.line + 1, question, answer))
    return _dedupe(candidates, deck, source)


def _region_end(p: _Parser, s: _Start, next_start: int) -> int:
    """Where the answer region of `s` stops: next question, a heading that closes it, a rule."""
    if s.kind == "item" and not s.whole_item:
        own_end = p._item_end(s)
        has_body = any(p.lines[j].strip() for j in range(s.line + 1, own_end))
        if has_body or s.answer_inline:
            return own_end
    for j in range(s.body_from, next_start):
        if p.masked[j]:
            continue
        line = p.lines[j]
        h = HEADING.match(line)
        if h and (s.kind != "heading" or len(h.group(1)) <= s.level):
            return j
        if HR.match(line):
            return j
        if s.kind == "item" and s.whole_item and LIST_ITEM.match(line) and j > s.line:
            indent = len(line) - len(line.lstrip())
            if indent < s.item_indent:
                return j
    return next_start


def _clean_block(lines: list[str]) -> str:
    text = textwrap.dedent("\n".join(line.rstrip() for line in lines))
    text = text.translate(ZERO_WIDTH)
    return text.strip("\n").strip()


def _split(p: _Parser, s: _Start, end: int) -> tuple[str, str]:
    raw = p.raw[s.body_from:end]
    norm = p.lines[s.body_from:end]
    if s.kind in ("heading", "item"):
        if s.whole_item:
            body = _clean_block(raw)
            question = f"{s.question}\n{body}" if body else s.question
            return _one_line(question), ""
        body_lines = raw
        if s.answer_inline:
            body_lines = [s.answer_inline] + raw
        answer = _strip_answer_label(_clean_block(body_lines))
        return _one_line(s.question), answer
    # qline / label: question lines until an answer mark
    q_lines = [s.question] if s.question else []
    for k, line in enumerate(norm):
        m = ANSWER_MARK.match(line)
        if m and not (s.kind == "qline" and s.answer_inline):
            first = _raw_after_mark(raw[k])
            answer = _clean_block([first] + raw[k + 1:])
            return _one_line("\n".join(q_lines)), answer
        if s.answer_inline:
            break
        if s.kind == "label" and not line.strip() and q_lines:
            # the question under a label is one paragraph; an answer must follow at once
            rest = [x for x in norm[k:] if x.strip()]
            if not rest or not ANSWER_MARK.match(rest[0]):
                return _one_line("\n".join(q_lines)), ""
            continue
        q_lines.append(raw[k])
    if s.answer_inline:
        return _one_line(s.question), _clean_block([s.answer_inline] + raw)
    return _one_line("\n".join(q_lines)), ""


def _raw_after_mark(raw_line: str) -> str:
    m = ANSWER_MARK.match(_norm(raw_line))
    return m.group(1) if m else raw_line


def _strip_answer_label(answer: str) -> str:
    lines = answer.split("\n")
    if lines and ANSWER_MARK.match(_norm(lines[0])):
        lines[0] = _raw_after_mark(lines[0])
    return "\n".join(lines).strip()


def _one_line(question: str) -> str:
    """A question as one tidy string: soft line breaks become spaces, emphasis on the whole goes."""
    lines = [line.strip() for line in question.translate(ZERO_WIDTH).split("\n")]
    text = " ".join(line for line in lines if line)
    return _strip_emphasis(text)


def _dedupe(candidates: list[tuple[int, str, str]], deck: str, source: str) -> ImportResult:
    result = ImportResult()
    by_id: dict[str, list[tuple[int, str, str]]] = {}
    for line, question, answer in candidates:
        if not normalize_question(question):
            result.skipped.append(Skipped(line, "empty question", source))
            continue
        by_id.setdefault(card_id(deck, question), []).append((line, question, answer))
    for cid, group in sorted(by_id.items(), key=lambda kv: kv[1][0][0]):
        answered = [g for g in group if g[2].strip()]
        if not answered:
            result.skipped.append(Skipped(group[0][0], "no answer", source))
            continue
        line, question, answer = answered[0]
        result.cards.append(ImportedCard(cid, question, answer, line, source))
        for other in answered[1:]:
            result.skipped.append(Skipped(other[0], f"repeats the question on line {line}", source))
    result.cards.sort(key=lambda c: c.line)
    result.skipped.sort(key=lambda s: s.line)
    return result


# --- files and the topic file ------------------------------------------------------------------


def parse_files(paths: list[Path], deck: str) -> ImportResult:
    """Parse several files into one result; a question repeated across files is kept once."""
    total = ImportResult()
    seen: dict[str, ImportedCard] = {}
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise StudytuiError(f"{path}: not UTF-8 text") from None
        except OSError as exc:
            raise StudytuiError(f"{path}: cannot read ({exc.strerror or exc})") from None
        one = parse_markdown(text, deck=deck, source=Path(path).name)
        total.skipped += one.skipped
        for card in one.cards:
            if card.id in seen:
                first = seen[card.id]
                total.skipped.append(Skipped(card.line, f"repeats {first.source}:{first.line}", card.source))
            else:
                seen[card.id] = card
                total.cards.append(card)
    return total


@dataclass
class MergeReport:
    path: Path
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    renamed: int = 0  # edited questions that kept their id (and so their history)


def _source_file(card: Any) -> str:
    return card.sources[0].rsplit(":", 1)[0] if card.sources else ""


def merge_topic(result: ImportResult, deck: str, out_dir: Path, *, title: str | None = None,
                write: bool = True) -> MergeReport:
    """Write (or update) `out_dir/<deck>.yaml` with the imported cards.

    Cards from the same source files are replaced by the new import; cards from other files are
    kept. An existing file that does not load is refused, never overwritten."""
    from studytui.study.deck import Card, ImportedTopic
    from studytui.yamlload import YamlFileError, load_model

    path = Path(out_dir) / f"{deck}.yaml"
    report = MergeReport(path)
    old_cards: list[Card] = []
    old_sources: list[str] = []
    if path.exists():
        try:
            old = load_model(path, ImportedTopic)
        except YamlFileError as exc:
            raise StudytuiError(f"{exc.lines()[0]} (fix or remove the file; it was not changed)") from None
        old_cards, old_sources, title = list(old.cards), list(old.source), title or old.title
    new_sources = sorted({c.source for c in result.cards} | {s.source for s in result.skipped} - {""})
    replaced = [c for c in old_cards if _source_file(c) in new_sources]
    kept = [c for c in old_cards if _source_file(c) not in new_sources]
    old_by_id = {c.id: c for c in replaced}
    new_ids = {c.id for c in result.cards}

    # Questions whose wording changed: give the new card the old id if the texts are close.
    orphans = [c for c in replaced if c.id not in new_ids]
    cards: list[Card] = []
    for ic in result.cards:
        cid = ic.id
        if cid not in old_by_id and orphans:
            target = normalize_question(ic.question)
            best = max(orphans, key=lambda c: difflib.SequenceMatcher(None, normalize_question(c.q), target).ratio())
            if difflib.SequenceMatcher(None, normalize_question(best.q), target).ratio() >= 0.8:
                orphans.remove(best)
                cid = best.id
                report.renamed += 1
        prev = old_by_id.get(cid)
        if prev is None:
            report.added += 1
        elif prev.q == ic.question.strip() and prev.a == ic.answer.strip():
            report.unchanged += 1
        else:
            report.updated += 1
        cards.append(Card(id=cid, q=ic.question, a=ic.answer, tags=["imported"], sources=[f"{ic.source}:{ic.line}"]))
    report.removed = len(orphans)
    all_cards = kept + cards
    if not all_cards:
        return report
    topic = ImportedTopic(
        topic=deck, title=title or deck.replace("-", " ").title(), cards=all_cards,
        source=sorted(set(old_sources) | set(new_sources)),
    )
    if write:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = topic.model_dump(exclude_none=True, exclude_defaults=False)
        for card in data["cards"]:
            if not card.get("check"):
                card.pop("check", None)
        text = "# Written by `studytui import`; importing the same files again updates it.\n" + yaml.dump(
            data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100
        )
        tmp = path.with_suffix(".yaml.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return report


class _BlockDumper(yaml.SafeDumper):
    """Multi-line answers as `|` blocks, so the YAML reads like the Markdown it came from."""


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and not any(line != line.rstrip() for line in value.split("\n")) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str_presenter)
