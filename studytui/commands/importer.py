"""`studytui import FILE ... [--deck NAME] [--dry-run] [--json] [--prune]`: notes -> cards.

Reads Markdown Q&A notes in their many shapes, Anki packages (.apkg) and text exports, and Mochi
exports (see studytui.study.importing). Without --dry-run the cards go to `imported/<deck>.yaml`
beside the database, which the deck loader reads. Importing the same files again updates that
file; nothing is deleted except by `--prune`, which removes the deck's orphaned cards.
Every question-like thing that is not imported is listed with its line and the reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from studytui.errors import StudytuiError
from studytui.textsafe import clean, clean_line

_C1 = re.compile(r"[\x7f-\x9f]")


def _json(doc: dict) -> str:
    """JSON with every control character escaped (json leaves C1 and DEL raw with ensure_ascii=False)."""
    return _C1.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(doc, ensure_ascii=False, indent=2))


@click.command("import")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--deck", "deck_name", default=None, help="Deck (topic) name; default: the first file's name.")
@click.option("--dry-run", is_flag=True, help="Show what would be imported and skipped; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: {cards: [{id, question, answer}], skipped: [{line, why}]}.")
@click.option("--prune", is_flag=True, help="Remove the deck's orphaned cards (questions gone from their notes).")
@click.pass_context
def import_cmd(ctx: click.Context, files: tuple[str, ...], deck_name: str | None, dry_run: bool, as_json: bool,
               prune: bool) -> None:
    """Import notes: Markdown Q&A (headings, Q:/A:, lists, Obsidian/Logseq/RemNote cards, cloze,
    <details>, tables), Anki .apkg and text exports, Mochi exports."""
    from studytui.study.importing import check_deck_name, parse_files, slugify

    if not files and not (prune and deck_name):
        raise StudytuiError("name the notes to import (studytui import FILE ...), or --prune --deck NAME")
    deck = slugify(deck_name or Path(files[0]).stem)
    if not deck:
        raise StudytuiError(f"cannot make a deck name from {clean_line(deck_name or files[0])!r}; pass --deck NAME")
    check_deck_name(deck)
    paths = [Path(f) for f in files]
    if not paths:
        return _prune_only(ctx, deck, as_json, dry_run)
    result = parse_files(paths, deck)
    if dry_run:
        if as_json:
            click.echo(_json(result.to_json(with_source=len(paths) > 1)))
            return
        for card in result.cards:
            kind = "" if card.type == "basic" else f" [{card.type}]"
            click.echo(clean_line(f"{card.source}:{card.line}: {card.id}{kind}  {card.question}"))
        _print_skipped(result.skipped + result.truncated)
        click.echo(clean_line(f"would import into deck '{deck}': {result.summary()}"))
        return

    from studytui.paths import default_db_path
    from studytui.study.deck import imported_dir, load_deck
    from studytui.study.importing import merge_topic

    db = (ctx.obj or {}).get("db") or default_db_path()
    builtin, _ = load_deck()
    if any(t.topic == deck for t in builtin.topics):
        raise StudytuiError(f"deck name '{deck}' is a built-in topic; choose another with --deck")
    if not result.cards and not prune:
        _print_skipped(result.skipped)
        raise StudytuiError(clean_line(f"no questions with answers found in {', '.join(files)}; nothing imported "
                                       f"({result.summary()})"))
    report = merge_topic(result, deck, imported_dir(db), prune=prune)
    skipped = result.skipped + report.duplicates
    if as_json:
        doc = result.to_json(with_source=len(paths) > 1)
        doc["skipped"] = [{"line": s.line, "why": s.why} for s in sorted(skipped, key=lambda s: (s.source, s.line))]
        doc.update(file=str(report.path), added=report.added, updated=report.updated, unchanged=report.unchanged,
                   orphaned=report.orphaned, removed=report.removed, adopted=report.adopted)
        click.echo(_json(doc))
        return
    _print_skipped(skipped + result.truncated)
    imported = len(result.cards) - len(report.duplicates)
    click.echo(clean_line(
        f"imported {imported} cards into {report.path} (added {report.added}, updated {report.updated}, "
        f"unchanged {report.unchanged}, orphaned {report.orphaned}, removed {report.removed}); "
        f"{imported} cards, {len(skipped)} skipped"))
    if report.orphaned:
        click.echo(f"{report.orphaned} questions are gone from their notes or reworded beyond recognition: each new "
                   "wording is a new card; the old one keeps its history and is marked orphaned "
                   f"(studytui import --prune --deck {deck} removes them)")


def _prune_only(ctx: click.Context, deck: str, as_json: bool, dry_run: bool) -> None:
    from studytui.paths import default_db_path
    from studytui.study.deck import imported_dir
    from studytui.study.importing import ORPHAN_TAG, prune_topic
    from studytui.study.importing.merge import load_existing

    out = imported_dir((ctx.obj or {}).get("db") or default_db_path())
    if dry_run:
        old = load_existing(out / f"{deck}.yaml")
        count = sum(ORPHAN_TAG in c.tags for c in old.cards) if old else 0
        click.echo(_json({"would_remove": count}) if as_json else f"would remove {count} orphaned cards")
        return
    report = prune_topic(deck, out)
    click.echo(_json({"file": str(report.path), "removed": report.removed}) if as_json
               else clean_line(f"removed {report.removed} orphaned cards from {report.path}"))


def _print_skipped(skipped) -> None:
    for s in skipped:
        click.echo(clean_line(f"{s.source}:{s.line}: skipped: {s.why}"), err=True)
