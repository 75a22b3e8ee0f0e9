"""Card search for the command palette (`/` on the home screen): fuzzy match on questions."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class CardSearch(Provider):
    async def startup(self) -> None:
        backend = self.app.backend
        try:
            self.cards = await backend.call(backend.all_cards)
        except Exception:  # an unreadable database: nothing to search, no crash
            self.cards = []

    async def discover(self) -> Hits:
        for card_id, title, q, a in self.cards[:20]:
            yield DiscoveryHit(q, partial(self._open, card_id, title, q, a), help=title)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for card_id, title, q, a in self.cards:
            score = max(matcher.match(q), matcher.match(card_id) * 0.8)
            if score > 0:
                yield Hit(score, matcher.highlight(q), partial(self._open, card_id, title, q, a), help=title)

    def _open(self, card_id: str, title: str, q: str, a: str) -> None:
        from studytui.tui.screens.card_preview import CardPreview

        self.app.push_screen(CardPreview(card_id, title, q, a))
