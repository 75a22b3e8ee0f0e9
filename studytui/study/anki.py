"""Export the deck to an Anki package (.apkg) with genanki.

    write_apkg(deck, "out.apkg", topic=None) -> ExportSummary

Identity is stable so that importing a newer export into Anki updates notes in place:
note GUIDs are `genanki.guid_for(card id)`, the note models and every deck have fixed ids derived
from their names. Each topic is a subdeck `studytui::<title>`. Fields are HTML: the Markdown of
a card is rendered with markdown-it, and math becomes MathJax (`$...$` -> `\\(...\\)`,
`$$...$$` -> `\\[...\\]`), protected from the Markdown renderer while it runs.

Card types map to note types:
- basic: the "studytui Q/A" model, fields Question, Answer, Note, CardId.
- cloze: genanki's Cloze model, fields Text (the `{{c1::...}}` deletions kept as they are, the
  Markdown around them rendered) and Back Extra (`a`, then the note); Anki makes one card per
  deletion number, as studytui schedules one item per number.
- essay: the Q/A model, the rubric on the back as a list (then the model answer, if any).
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path

from studytui.errors import StudytuiError
from studytui.study.deck import Card, Deck

MODEL_NAME = "studytui Q/A"
DECK_PREFIX = "studytui"
MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<![\\$])\$(?!\s)([^$\n]+?)(?<![\\\s])\$(?!\d)", re.S)


def stable_id(name: str) -> int:
    """A positive id below 2**63 that depends only on `name` (Anki model/deck ids)."""
    return int.from_bytes(hashlib.sha1(name.encode()).digest()[:7], "big") | (1 << 40)


def math_to_mathjax(text: str) -> str:
    """`$$x$$` -> `\\[x\\]` and `$x$` -> `\\(x\\)`; an escaped `\\$` stays a dollar sign."""
    def sub(m: re.Match[str]) -> str:
        return f"\\[{m.group(1)}\\]" if m.group(1) is not None else f"\\({m.group(2)}\\)"

    return MATH.sub(sub, text)


def to_html(markdown: str) -> str:
    """Markdown with math -> HTML with MathJax delimiters."""
    from markdown_it import MarkdownIt

    maths: list[str] = []

    def stash(m: re.Match[str]) -> str:
        maths.append(html.escape(math_to_mathjax(m.group(0)), quote=False))
        return f"\ue000{len(maths) - 1}\ue001"

    protected = MATH.sub(stash, markdown)
    rendered = MarkdownIt("commonmark", {"html": False}).enable("table").render(protected).strip()
    return re.sub("\ue000(\\d+)\ue001", lambda m: maths[int(m.group(1))], rendered)


def cloze_to_html(text: str) -> str:
    """Markdown with cloze deletions -> HTML that keeps `{{cN::answer::hint}}` for Anki.

    The delimiters are stashed while markdown-it runs (it must not read `::` or braces), the
    answers and hints are rendered with the text around them.
    """
    from studytui.study.cloze import CLOZE

    def stash(m: re.Match[str]) -> str:
        hint = f"\ue004{m.group(3)}" if m.group(3) is not None else ""
        return f"\ue002{m.group(1)}\ue003{m.group(2)}{hint}\ue005"

    rendered = to_html(CLOZE.sub(stash, text))
    rendered = re.sub("\ue002(\\d+)\ue003", r"{{c\1::", rendered)
    return rendered.replace("\ue004", "::").replace("\ue005", "}}")


def note_html(note: str | None) -> str:
    # inline style: the note also sits on genanki's Cloze model, whose CSS is its own
    return f'<div class="note" style="color: #777; font-size: 90%">{to_html(note)}</div>' if note else ""


CSS = (".card { font-family: sans-serif; font-size: 18px; text-align: left; } "
       ".id { color: #999; font-size: 10px; } "
       ".note { border-top: 1px dashed #bbb; margin-top: 1em; }")


def _model():
    import genanki

    return genanki.Model(
        stable_id(MODEL_NAME),
        MODEL_NAME,
        fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "Note"}, {"name": "CardId"}],
        templates=[{
            "name": "Card 1",
            "qfmt": "{{Question}}",
            "afmt": ('{{FrontSide}}<hr id="answer">{{Answer}}{{#Note}}{{Note}}{{/Note}}'
                     '<div class="id">{{CardId}}</div>'),
        }],
        css=CSS,
    )


def _cloze_model():
    import genanki

    return genanki.CLOZE_MODEL


def _note(card: Card, tags: list[str], qa_model, cloze_model):
    """The Anki note of one card of the deck (a cloze note, not one of its items)."""
    import genanki

    if card.type == "cloze":
        extra = (to_html(card.a) if card.a else "") + note_html(card.note)
        return genanki.Note(model=cloze_model, fields=[cloze_to_html(card.q), extra],
                            guid=genanki.guid_for(card.id), tags=tags)
    return genanki.Note(
        model=qa_model,
        fields=[to_html(card.front()), to_html(card.back()), note_html(card.note), card.id],
        guid=genanki.guid_for(card.id),
        tags=tags,
        sort_field=card.id,
    )


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    notes: int
    decks: list[str]


def write_apkg(deck: Deck, out: str | Path, *, topic: str | None = None) -> ExportSummary:
    """Write the deck (or one topic) as an .apkg; returns what was written."""
    import genanki

    topics = deck.topics if topic is None else [t for t in deck.topics if t.topic == topic]
    if not topics:
        known = ", ".join(t.topic for t in deck.topics) or "none"
        raise StudytuiError(f"no topic '{topic}' in the deck (topics: {known})" if topic else "the deck is empty; nothing to export")
    model, cloze_model = _model(), _cloze_model()
    anki_decks = []
    notes = 0
    for t in topics:
        name = f"{DECK_PREFIX}::{t.title}"
        anki_deck = genanki.Deck(stable_id(f"{DECK_PREFIX}::{t.topic}"), name)
        for card in t.cards:
            tags = [re.sub(r"\s+", "_", x) for x in [t.topic, *card.tags]]
            anki_deck.add_note(_note(card, tags, model, cloze_model))
            notes += 1
        anki_decks.append(anki_deck)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    genanki.Package(anki_decks).write_to_file(str(out))
    return ExportSummary(out, notes, [d.name for d in anki_decks])
