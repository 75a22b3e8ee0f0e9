"""`studytui cards`: list the deck's cards with their marks, so a suspended, buried or flagged card
can always be found again (and brought back with `studytui unsuspend ID`)."""

from __future__ import annotations

import json

import click

from studytui.errors import StudytuiError
from studytui.words import fit, plural

QUESTION_WIDTH = 60


@click.command()
@click.option("--suspended", is_flag=True, help="Only suspended cards (leeches included).")
@click.option("--buried", is_flag=True, help="Only cards buried until tomorrow.")
@click.option("--flagged", is_flag=True, help="Only flagged cards.")
@click.option("--leech", is_flag=True, help="Only leeches (cards that lapsed too often).")
@click.option("--topic", default=None, help="Only one topic (its id, as `studytui stats` lists them).")
@click.option("--search", default="", help="Only cards whose id, question or answer contains this text.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list of {id, topic, question, phase, due, suspended, buried, flagged, leech}.")
@click.pass_context
def cards(ctx: click.Context, suspended: bool, buried: bool, flagged: bool, leech: bool, topic: str | None,
          search: str, as_json: bool) -> None:
    """List cards with their marks (suspended, buried, flagged, leech)."""
    from datetime import datetime, timezone

    from studytui.study.browse import BrowseFilter, browse
    from studytui.study.scheduler import StudySession
    from studytui.textsafe import clean_line

    wanted = BrowseFilter(suspended=suspended, buried=buried, flagged=flagged, leech=leech, topic=topic,
                          search=search)
    with StudySession.open((ctx.obj or {}).get("db")) as session:
        known = [t.topic for t in session.deck.topics]
        if topic is not None and topic not in known:
            raise StudytuiError(f"unknown topic '{clean_line(topic)}'; topics: {', '.join(known)}")
        rows = browse(session, wanted, now=datetime.now(timezone.utc))
    if as_json:
        click.echo(json.dumps([r.to_json() for r in rows], indent=1, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"no cards ({wanted.describe()})")
        return
    id_width = min(36, max(len(r.card_id) for r in rows))
    for r in rows:
        marks = ",".join(r.marks) or "-"
        click.echo(f"{fit(clean_line(r.card_id), id_width):<{id_width}}  {marks:<18}  "
                   f"{fit(clean_line(r.question), QUESTION_WIDTH)}")
    click.echo(f"{plural(len(rows), 'card')} ({wanted.describe()})", err=True)
