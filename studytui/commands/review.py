"""`studytui review [--topic T]`: open the TUI straight into review."""

from __future__ import annotations

import click

from studytui.errors import StudytuiError


@click.command()
@click.option("--topic", "-t", default=None, help="Review only this topic (its id, e.g. cnn-basics).")
@click.pass_context
def review(ctx: click.Context, topic: str | None) -> None:
    """Open the terminal app straight into review (all topics, or one)."""
    db = (ctx.obj or {}).get("db")
    if topic is not None:
        _check_topic(topic, db)
    from studytui.tui.app import run_app

    run_app(db_path=db, screen="review", topic=topic)


def _check_topic(topic: str, db: str | None) -> None:
    """An unknown topic is a typo: say so before the app opens, listing the real ones."""
    from studytui.study.deck import imported_dir, load_deck

    deck, _ = load_deck(extra_dirs=[imported_dir(db)])
    known = [t.topic for t in deck.topics]
    if topic not in known:
        raise StudytuiError(f"unknown topic {topic!r}; topics: {' '.join(known)}")
