"""`studytui review [--topic T]`: open the TUI straight into review."""

from __future__ import annotations

import click


@click.command()
@click.option("--topic", "-t", default=None, help="Review only this topic (its id, e.g. cnn-basics).")
@click.pass_context
def review(ctx: click.Context, topic: str | None) -> None:
    """Open the terminal app straight into review (all topics, or one)."""
    from studytui.tui.app import run_app

    db = (ctx.obj or {}).get("db")
    run_app(db_path=db, screen="review", topic=topic)
