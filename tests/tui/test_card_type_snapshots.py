"""Snapshots of the card types: cloze front and back, an essay's rubric, math-heavy answers.

Each snapshot reviews one card of tests/tui/fixtures/typed_cards (not the real deck, whose
content changes). Regenerate after an intended change:
pytest tests/tui/test_card_type_snapshots.py --snapshot-update
"""

from __future__ import annotations

import yaml

from tests.tui.conftest import FIXTURES, settle


def _one_card_app(make, tmp_path, card_id: str):
    data = yaml.safe_load((FIXTURES / "typed_cards" / "card-types.yaml").read_text())
    data["cards"] = [c for c in data["cards"] if c["id"] == card_id]
    cards = tmp_path / "one"
    cards.mkdir()
    (cards / "card-types.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    return make(screen="review", topic="card-types", cards_dir=cards)


def _review(*keys: str, until=None):
    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(pilot, lambda: app.screen.id == "review" and app.screen.item is not None)
        await pilot.press(*keys)
        if until is not None:
            await settle(pilot, lambda: until(app.screen))
        await pilot.pause()

    return run_before


def test_cloze_front(make, tmp_path, snap_compare):
    app = _one_card_app(make, tmp_path, "tx-norm-axes")
    assert snap_compare(app, terminal_size=(100, 32), run_before=_review())


def test_cloze_back_with_note(make, tmp_path, snap_compare):
    app = _one_card_app(make, tmp_path, "tx-norm-axes")
    assert snap_compare(app, terminal_size=(100, 32),
                        run_before=_review("space", until=lambda s: s.query_one("#note-panel").display))


def test_essay_rubric_ticked(make, tmp_path, snap_compare):
    app = _one_card_app(make, tmp_path, "tx-residual-essay")
    assert snap_compare(app, terminal_size=(100, 32),
                        run_before=_review("space", "1", "2", "4",
                                           until=lambda s: "3 of 4" in str(s.query_one("#rubric-verdict").render())))


def test_math_heavy_card_at_80_columns(make, tmp_path, snap_compare):
    app = _one_card_app(make, tmp_path, "tx-macs")
    assert snap_compare(app, terminal_size=(80, 24),
                        run_before=_review("space", until=lambda s: s.query_one("#note-panel").display))


def test_residual_gradient_at_80_columns(make, tmp_path, snap_compare):
    app = _one_card_app(make, tmp_path, "tx-residual-gradient")
    assert snap_compare(app, terminal_size=(80, 24), run_before=_review("space", until=lambda s: s.revealed))
