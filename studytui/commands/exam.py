"""`studytui exam [--minutes M] [--questions N]`: a timed mock exam in the TUI."""

from __future__ import annotations

import click


@click.command()
@click.option("--minutes", "-m", type=click.FloatRange(min=0.5, max=600), default=20.0, show_default=True,
              help="Time allowed.")
@click.option("--questions", "-n", type=click.IntRange(min=1, max=200), default=10, show_default=True,
              help="Number of questions (cards and drills mixed).")
@click.option("--seed", type=int, default=None, help="Pick the same questions again.")
@click.pass_context
def exam(ctx: click.Context, minutes: float, questions: int, seed: int | None) -> None:
    """A timed mock exam mixing self-graded cards and auto-graded drills, scored per topic.

    Cards come mostly from your weakest topics and drills are aimed at your recurring mistakes;
    the report sets the score beside the forecast the exam made before it started.
    """
    import math

    from studytui.errors import StudytuiError
    from studytui.tui.app import run_app

    if not math.isfinite(minutes):  # FloatRange lets nan through
        raise StudytuiError(f"--minutes must be a number between 0.5 and 600, not {minutes}")

    db = (ctx.obj or {}).get("db")
    run_app(db_path=db, screen="exam", minutes=minutes, questions=questions, seed=seed)
