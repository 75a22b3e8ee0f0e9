"""`studytui check [PATH ...]`: validate topic files (cards/) and drill families (drills/), and
recompute every card's numeric `check` with the calculator (torch is not needed here).

Every problem is printed as `file:line: message`; the exit code is 1 if there was any. A path
is a drill file when it sits in a directory named `drills`, a card file otherwise.
"""

from __future__ import annotations

from pathlib import Path

import click

from studytui.errors import StudytuiError
from studytui.textsafe import clean


def _split_paths(paths: tuple[str, ...]) -> tuple[list[Path], list[Path], list[str]]:
    from studytui.paths import CARDS_DIR, DRILLS_DIR
    from studytui.study.deck import topic_files

    if not paths:
        cards = topic_files([CARDS_DIR]) if CARDS_DIR.is_dir() else []
        drills = topic_files([DRILLS_DIR]) if DRILLS_DIR.is_dir() else []
        return cards, drills, []
    cards: list[Path] = []
    drills: list[Path] = []
    missing: list[str] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            missing.append(f"{path}:1: no such file or directory")
            continue
        for file in topic_files([path]):
            is_drill = file.resolve().parent.name == "drills" or (path.is_dir() and path.resolve().name == "drills")
            (drills if is_drill else cards).append(file)
    return cards, drills, missing


def _check_drills(files: list[Path]) -> tuple[list[str], str | None]:
    if not files:
        return [], None
    try:
        from studytui.drills.families import load_family_file
    except ImportError:
        return [], f"note: drill files not checked ({len(files)}): studytui.drills.families is not available"
    from studytui.yamlload import YamlFileError

    problems: list[str] = []
    for path in files:
        try:
            load_family_file(path)
        except YamlFileError as exc:
            problems += exc.lines()
        except StudytuiError as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            problems.append(msg if msg.startswith(str(path)) else f"{path}:1: {msg}")
        except Exception as exc:  # a bug in the drill loader must still not print a traceback
            problems.append(f"{path}:1: could not load ({type(exc).__name__}: {exc})")
    return problems, None


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.pass_context
def check(ctx: click.Context, paths: tuple[str, ...]) -> None:
    """Validate cards/ and drills/ (or the given files and directories)."""
    from studytui.study.deck import load_deck

    card_files, drill_files, problems = _split_paths(paths)
    deck, deck_problems = load_deck(files=card_files)
    problems += [str(p) for p in deck_problems]
    from studytui.study.claims import claim_problems

    problems += claim_problems(card_files)  # each card's numeric `check`, by the calculator
    drill_problems, note = _check_drills(drill_files)
    problems += drill_problems
    for line in problems:
        click.echo(clean(line))  # keys, paths and values are the file's, not ours: no escapes reach the terminal
    if note:
        click.echo(note, err=True)
    if problems:
        click.echo(f"{len(problems)} problem{'s' * (len(problems) != 1)}", err=True)
        # SystemExit, not ctx.exit: cli.main runs click with standalone_mode=False, which turns
        # ctx.exit(1) into a return value that is then dropped (exit status 0).
        raise SystemExit(1)
    from studytui.words import plural

    click.echo(f"ok: {plural(len(deck.cards), 'card')} in {plural(len(deck.topics), 'topic')}, "
               f"{plural(len(drill_files), 'drill file')}")
