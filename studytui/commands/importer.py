"""`studytui import FILE ... [--deck NAME] [--dry-run] [--json]`: Markdown Q&A notes -> cards.

Without --dry-run the cards go to `imported/<deck>.yaml` beside the database (see
studytui.study.deck.imported_dir), which the deck loader reads, so `studytui` reviews them.
Importing the same files again updates that file instead of adding duplicates.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from studytui.errors import StudytuiError


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--deck", "deck_name", default=None, help="Deck (topic) name; default: the first file's name.")
@click.option("--dry-run", is_flag=True, help="Show what would be imported; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: {cards: [{id, question, answer}], skipped: [{line, why}]}.")
@click.pass_context
def import_cmd(ctx: click.Context, files: tuple[str, ...], deck_name: str | None, dry_run: bool, as_json: bool) -> None:
    """Import Markdown Q&A notes (### 1. Question / ## Q1: / **Q:** **A:** / numbered lists)."""
    from studytui.study.importer import merge_topic, parse_files, slugify

    deck = slugify(deck_name or Path(files[0]).stem)
    if not deck:
        raise StudytuiError(f"cannot make a deck name from {deck_name or files[0]!r}; pass --deck NAME")
    paths = [Path(f) for f in files]
    result = parse_files(paths, deck)
    doc = result.to_json(with_source=len(paths) > 1)
    if dry_run:
        if as_json:
            click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
            return
        for card in result.cards:
            click.echo(f"{card.source}:{card.line}: {card.id}  {card.question}")
        _print_skipped(result)
        click.echo(f"would import {len(result.cards)} cards into deck '{deck}', skip {len(result.skipped)}")
        return

    from studytui.paths import default_db_path
    from studytui.study.deck import imported_dir, load_deck

    db = (ctx.obj or {}).get("db") or default_db_path()
    builtin, _ = load_deck()
    if any(t.topic == deck for t in builtin.topics):
        raise StudytuiError(f"deck name '{deck}' is a built-in topic; choose another with --deck")
    if not result.cards:
        raise StudytuiError(f"no questions with answers found in {', '.join(files)}; nothing imported")
    report = merge_topic(result, deck, imported_dir(db))
    if as_json:
        doc.update(file=str(report.path), added=report.added, updated=report.updated,
                   unchanged=report.unchanged, removed=report.removed)
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    _print_skipped(result)
    click.echo(
        f"imported {len(result.cards)} cards into {report.path} "
        f"(added {report.added}, updated {report.updated}, unchanged {report.unchanged}, removed {report.removed}); "
        f"skipped {len(result.skipped)}"
    )


def _print_skipped(result) -> None:
    for s in result.skipped:
        click.echo(f"{s.source}:{s.line}: skipped: {s.why}", err=True)
