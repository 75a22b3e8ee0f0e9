"""Text helpers shared by the formats: matching keys, question detection, label and link cleanup.

NFKC (fullwidth -> ASCII, `R²` -> `R2`) is applied only to the keys used for matching and ids,
never to text that is stored. Every regex here is anchored or bounded so it runs in linear time.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
import unicodedata

# Removed before parsing (they only hide structure); no-break spaces become plain spaces.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
INVISIBLE.update({0xA0: " ", 0x202F: " ", 0x3000: " "})
_HAS_INVISIBLE = re.compile("[" + "".join(map(chr, INVISIBLE)) + "]")


def visible(text: str) -> str:
    """`text` without invisible characters (a dict `translate` costs a lookup per character, so
    it only runs on the rare text that has one)."""
    return text.translate(INVISIBLE) if _HAS_INVISIBLE.search(text) else text


MAX_QUESTION_CHARS = 4_000
MAX_ANSWER_CHARS = 20_000
TRUNCATION_MARK = "\n\n… [cut by studytui import: {n} more characters]"

INTERROGATIVES = {
    "what", "why", "how", "when", "where", "which", "who", "whom", "whose", "is", "are", "can", "could",
    "does", "do", "did", "should", "would", "will", "was", "were", "has", "have",
}
IMPERATIVES = {
    "explain", "describe", "define", "compare", "contrast", "calculate", "compute", "derive",
    "implement", "prove", "justify", "estimate", "differentiate", "distinguish", "summarize", "summarise",
    "list", "name", "state", "give",
}
QA_SECTION = re.compile(r"\bQ\s*&\s*A\b|\bQ\s*/\s*A\b|\bquestions?\b|\binterview\b|\bFAQ\b|\bquiz\b|\bflashcards?\b|"
                        r"\bviva\b|\breview\b", re.I)

# Trailing decorations after the "?": links `[src](url)` / `[[src](url)]`, tags, emoji, emphasis.
# Every quantifier that can meet a long run of spaces is bounded: no regex here is quadratic.
_TRAIL_LINK = re.compile(r"[ \t]{0,8}\[?\[[^\[\]\n]{0,200}\]\([^()\s]{0,2000}\)\]?[ \t]{0,8}$")
_TRAIL_WIKI = re.compile(r"[ \t]{0,8}\[\[[^\[\]\n]{0,200}\]\][ \t]{0,8}$")
_TRAIL_TAG = re.compile(r"[ \t]{1,8}#[\w/-]{1,60}[ \t]{0,8}$")
TAIL = 3000  # trailers are looked for in the last characters only
# `#card` / `#flashcard` at the end of the line mark a card (`#flashcards` alone tags a deck)
_CARD_TAG = re.compile(r"(?:^|\s)#(?:card|flashcard)(?:/[\w/-]{0,60})?(?=(?:[ \t]{1,8}#[\w/-]{1,60}){0,8}[ \t]{0,8}$)",
                       re.I | re.M)
_SR_COMMENT = re.compile(r"<!--SR:[^>]{0,300}-->")
_LEAD_LABEL = re.compile(
    r"^\s{0,3}(?:[-*+]\s{1,4})?(?:[*_]{1,2})?\s{0,4}(?:Q|Ques|Question)\s{0,4}\d{0,4}\s{0,4}[:.)\-]\s{0,4}(?:[*_]{1,2})?"
    r"\s{0,4}[:.]?\s{0,4}", re.I)
_LEAD_NUMBER = re.compile(r"^\s{0,3}(?:[*_]{1,2})?\d{1,4}[.)]\s{1,4}(?=\S)")
ANSWER_LABEL = re.compile(
    r"^\s{0,3}(?:>\s{0,4})?(?:[-*+]\s{1,4})?(?:[*_]{1,2})?\s{0,4}(?:(?:A|Ans|Answer|Solution)\s{0,4}(?:[:.]\s{0,4}"
    r"(?:[*_]{1,2})|(?:[*_]{1,2})\s{0,4}[:.]?|[:.](?!\d))|(?:A|Ans|Answer)\s{0,4}\d{1,4}\s{0,4}(?:[:)]\s{0,4}(?:[*_]{1,2})|"
    r"(?:[*_]{1,2})\s{0,4}[:.]?|[:)]))[ \t]{0,8}", re.I)
_HINT = re.compile(r"^\s{0,3}(?:[-*+]\s{1,4})?(?:[*_]{1,2})?\s{0,4}Hint\s{0,4}(?:[:.]\s{0,4}(?:[*_]{1,2})|(?:[*_]{1,2})\s{0,4}:?|:)",
                   re.I)
_LINKS = re.compile(r"<?https?://[^\s<>]{1,2000}>?|\[\[[^\[\]\n]{0,500}\]\]|\[[^\[\]\n]{0,500}\]\([^()\s]{0,2000}\)")
_PLACEHOLDERS = {
    "", "answer", "answer here", "your answer", "your answer here", "todo", "tbd", "tbc", "to do", "...", "…",
    "coming soon", "wip", "fill in", "fill me in", "n/a", "na", "-", "?", "add answer", "write answer here",
    "answer goes here", "ans", "a", "solution", "xxx",
}
_HTML_WRAPPERS = re.compile(r"</?(?:details|p|div|span)\b[^<>]{0,500}>|<br\s*/?>", re.I)
_GENERIC_SUMMARY = re.compile(r"^\W{0,8}(?:(?:show|hide|click|see|view|reveal|toggle)\s{1,4})?(?:the\s{1,4})?(?:here\s{1,4})?"
                              r"(?:for\s{1,4})?(?:to\s{1,4})?(?:\w{1,10}\s{1,4})?(?:answer|solution|explanation|details|"
                              r"more|expand|spoiler|hint)s?\b.{0,30}$", re.I)


_KEY_LINK = re.compile(r"\[([^\]\n]{0,500})\]\([^)\n]{0,2000}\)")
_KEY_CLOZE = re.compile(r"\{\{c\d{1,3}::")
_KEY_MARKS = re.compile(r"[*_`~]")
_KEY_OTHER = re.compile(r"[^\w$\\^{}+\-=/()\[\]]+")


def matching_key(text: str) -> str:
    """What makes two questions the same: NFKC, letters and digits, case-folded, single-spaced."""
    text = unicodedata.normalize("NFKC", visible(text))
    if "](" in text:
        text = _KEY_LINK.sub(r"\1", text)  # links -> their text
    if "{{" in text:
        text = _KEY_CLOZE.sub("", text)
    text = _KEY_MARKS.sub("", text.replace("}}", ""))
    text = _KEY_OTHER.sub(" ", text.casefold())
    return " ".join(text.split())


normalize_question = matching_key


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower())
    return slug.strip("-")[:40].strip("-")


def card_id(deck: str, question: str, key: str = "", *, matching: str | None = None) -> str:
    """Stable id from the deck and the question's matching key (or the source's own note id);
    `matching` is that key when the caller already has it."""
    basis = f"key:{key}" if key else (matching_key(question) if matching is None else matching)
    return f"{deck}-{hashlib.sha1(basis.encode()).hexdigest()[:10]}"


def strip_emphasis(text: str) -> str:
    text = text.strip()
    for mark in ("**", "__", "*", "_"):
        if text.startswith(mark) and text.endswith(mark) and len(text) > 2 * len(mark):
            inner = text[len(mark):-len(mark)]
            if mark not in inner:
                text = inner.strip()
    return text


def strip_trailers(text: str) -> str:
    """The question without what trails it: source links, tags, SR comments, emphasis marks."""
    text = (_SR_COMMENT.sub("", text) if "<!--SR:" in text else text).rstrip()
    if len(text) > TAIL:
        return text[:-TAIL] + strip_trailers(text[-TAIL:]) if text[-TAIL:].strip() else text.rstrip()
    for _ in range(6):  # a few decorations in a row: `Q? 👶 [[src](u)] #card`
        before = text
        # each pattern is tried only when the end of the text can match it (a failing `sub`
        # still tries every position of the text)
        if text.endswith((")", ")]")):
            text = _TRAIL_LINK.sub("", text)
        if "?" in text[-300:] and text.rstrip().endswith("]]"):
            text = _TRAIL_WIKI.sub("", text)
        if "#" in text[-80:]:
            text = _TRAIL_TAG.sub("", text)
        text = text.rstrip()
        if text == before:
            break
    return text


def _core(text: str) -> str:
    """For detection only: NFKC, no trailers, no emphasis, no trailing emoji or symbols."""
    if len(text) > 2 * TAIL:
        text = text[:200] + " " + text[-TAIL:]
    text = strip_trailers(unicodedata.normalize("NFKC", visible(text)))
    text = strip_emphasis(text).rstrip("*_ ")
    end = len(text)
    while end and (unicodedata.category(text[end - 1])[0] in "SZ" or text[end - 1] in "*_)]:.\ufe0f"):
        if text[end - 1] in ")]" and "?" not in text[max(0, end - 3):end]:
            break
        end -= 1
    return text[:end]


_WORD = re.compile(r"[A-Za-z]+")


def first_word(text: str) -> str:
    m = _WORD.search(text, 0, 200)
    return m.group(0).lower() if m else ""


def ends_like_question(text: str) -> bool:
    return _core(text).endswith("?")


def question_like(text: str, *, in_qa: bool = False) -> bool:
    """Reads as a question: ends with "?" (trailing links, tags and emoji ignored), starts with an
    imperative, or (inside a Q&A section) starts with a question word."""
    core = _core(text)
    if core.endswith("?"):
        return True
    word = first_word(core)
    return word in IMPERATIVES or (in_qa and word in INTERROGATIVES)


def has_card_tag(text: str) -> bool:
    head = text[:2000]
    return "#" in head and bool(_CARD_TAG.search(head))


def clean_question(text: str) -> str:
    """A question as one tidy string: labels, trailing links and tags out, soft breaks -> spaces."""
    text = _CARD_TAG.sub(" ", visible(text[:2 * MAX_QUESTION_CHARS]))
    text = _LEAD_LABEL.sub("", text, count=1)
    text = _LEAD_NUMBER.sub("", text, count=1)
    lines = [line.strip() for line in text.split("\n")]
    text = " ".join(line for line in lines if line)
    text = strip_emphasis(strip_trailers(text))
    return strip_emphasis(text)


def clean_answer(text: str) -> str:
    """An answer block: common indent removed, a leading `Answer:` label and wrapper HTML dropped."""
    text = visible(text)
    if "<!--SR:" in text:
        text = _SR_COMMENT.sub("", text)
    if "<" in text:
        text = drop_wrapper_html(text)
    text = _dedent("\n".join(line.rstrip() for line in text.split("\n"))).strip("\n")
    text = strip_label(ANSWER_LABEL, text)
    # an answer that starts on the line after a bare label keeps its own indentation
    return _dedent(text.strip("\n")).strip()


def _dedent(text: str) -> str:
    """textwrap.dedent, skipped when the first line is not indented (then it changes nothing)."""
    return textwrap.dedent(text) if text[:1].isspace() else text


def drop_wrapper_html(text: str) -> str:
    """No raw `<details>` HTML in answers: wrapper tags go, a generic `<summary>` goes too."""
    out = []
    pos = 0
    lower = text.lower()
    while True:
        i = lower.find("<summary", pos)
        if i < 0:
            break
        j = lower.find("</summary>", i)
        if j < 0:
            break
        gt = lower.find(">", i)
        inner = re.sub(r"<[^<>]{0,200}>", "", text[gt + 1:j]).strip() if 0 <= gt < j else ""
        out.append(text[pos:i])
        if inner and not generic_summary(inner):
            out.append(f"**{inner}**")
        pos = j + len("</summary>")
    out.append(text[pos:])
    text = _HTML_WRAPPERS.sub(lambda m: "\n" if m.group(0).lower().startswith("<br") else "", "".join(out))
    return re.sub(r"\n{3,}", "\n\n", text)


def summary_question(html: str) -> tuple[str, int] | None:
    """The text of the first `<summary>` in an HTML block and where its element ends."""
    lower = html.lower()
    i = lower.find("<summary")
    j = lower.find("</summary>", i) if i >= 0 else -1
    if i < 0 or j < 0:
        return None
    gt = lower.find(">", i)
    inner = re.sub(r"<[^<>]{0,200}>", "", html[gt + 1:j])
    inner = " ".join(inner.split())
    return inner, j + len("</summary>")


def generic_summary(text: str) -> bool:
    return len(text) < 200 and bool(_GENERIC_SUMMARY.match(text.strip()))


def answer_problem(answer: str) -> str | None:
    """Why this answer is not an answer, or None when it is one."""
    body = answer.strip()
    if len(body) < 100:  # only short answers can be empty of words or a placeholder
        key = " ".join(re.sub(r"[*_`>#]", " ", body).split()).casefold().strip(" :.")
        if not body or not key:
            return "no answer"
        if key in _PLACEHOLDERS or key.rstrip(":") in _PLACEHOLDERS:
            return "placeholder answer"
    if is_link_only(body):
        return "answer is only a link"
    if _HINT.match(body) and "\n\n" not in body.strip():
        return "only a hint, no answer"
    return None


def is_link_only(text: str) -> bool:
    """Nothing but links (and list marks or punctuation between them)."""
    if not text.strip() or len(text) > 5000 or ("http" not in text and "](" not in text and "[[" not in text):
        return False
    return not _LINKS.sub(" ", text).strip(" \t\n-*+.;,:")


def cap(text: str, limit: int) -> tuple[str, bool]:
    """`text` cut to `limit` characters with a marker saying so."""
    if len(text) <= limit:
        return text, False
    return text[:limit].rstrip() + TRUNCATION_MARK.format(n=len(text) - limit), True


def split_hint(answer: str) -> tuple[str, str]:
    """(hint paragraph, rest) when the answer starts with a `Hint:` paragraph."""
    if not _HINT.match(answer):
        return "", answer
    head, sep, rest = answer.partition("\n\n")
    return head.strip(), rest.strip()


def strip_label(regex: re.Pattern[str], line: str) -> str:
    """`line` without the label `regex` finds at its start (matched after NFKC, cut in the raw text)."""
    head = unicodedata.normalize("NFKC", line[:80])
    m = regex.match(head)
    if not m:
        return line
    for k in range(min(len(line), 80) + 1):
        if len(unicodedata.normalize("NFKC", line[:k])) >= m.end():
            return line[k:]
    return line[m.end():]
