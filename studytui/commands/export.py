"""`studytui export --anki OUT.apkg [--topic T]`: the deck (cards/ and imports) as an Anki package."""

from __future__ import annotations

import click

from studytui.errors import StudytuiError


@click.command()
@click.option("--anki", "out", required=True, type=click.Path(dir_okay=False), help="The .apkg file to write.")
@click.option("--topic", default=None, help="Export only this topic.")
@click.pass_context
def export(ctx: click.Context, out: str, topic: str | None) -> None:
    """Export the deck to Anki (.apkg); re-exporting updates the same notes."""
    from studytui.paths import default_db_path
    from studytui.textsafe import clean_line
    from studytui.study.anki import write_apkg
    from studytui.study.deck import imported_dir, load_deck

    if not out.endswith(".apkg"):
        raise StudytuiError(f"{out}: the Anki file name must end with .apkg")
    db = (ctx.obj or {}).get("db") or default_db_path()
    deck, problems = load_deck(extra_dirs=[imported_dir(db)])
    for p in problems:
        click.echo(clean_line(f"warning: {p} (topic left out)"), err=True)
    import zipfile
    from pathlib import Path

    from studytui.atomic_write import private_tempdir, replacing

    dest = Path(out)
    # a temp file beside OUT renamed over it at the end: a kill or a full disk never leaves a
    # truncated package, and genanki's own temp copy of the deck goes into a folder removed after
    with replacing(dest, check_existing=zipfile.is_zipfile, what="Anki package (.apkg zip)") as tmp, private_tempdir():
        summary = write_apkg(deck, tmp, topic=topic)
    click.echo(clean_line(f"wrote {summary.notes} notes in {len(summary.decks)} decks to {dest}"))
