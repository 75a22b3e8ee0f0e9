"""Card search for the command palette (`/` on the home screen): fuzzy match on questions.

Card text is shown as text: the palette would read a plain string as markup, so a question such
as `arr[i]`, `[/]` or `[@click=app.quit]` is wrapped in a `Content` (or escaped) first.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape

from studytui.textsafe import clean_line


def highlighted(matcher: Matcher, text: str) -> Content:
    """`text` as plain Content with the matched letters styled (Matcher.highlight parses markup)."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if score:
        for offset in offsets:
            if not text[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class CardSearch(Provider):
    async def startup(self) -> None:
        backend = self.app.backend
        try:
            cards = await backend.call(backend.all_cards)
        except Exception:  # an unreadable database: nothing to search, no crash
            cards = []
        # (id, title, question on one line for the list, question, answer)
        self.cards = [(cid, clean_line(title), clean_line(q), q, a) for cid, title, q, a in cards]

    async def discover(self) -> Hits:
        for card_id, title, line, q, a in self.cards[:20]:
            yield DiscoveryHit(Content(line), partial(self._open, card_id, title, q, a), text=line, help=escape(title))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for card_id, title, line, q, a in self.cards:
            score = max(matcher.match(line), matcher.match(card_id) * 0.8)
            if score > 0:
                yield Hit(score, highlighted(matcher, line), partial(self._open, card_id, title, q, a), text=line,
                          help=escape(title))

    def _open(self, card_id: str, title: str, q: str, a: str) -> None:
        from studytui.tui.screens.card_preview import CardPreview

        self.app.push_screen(CardPreview(card_id, title, q, a))
