"""`studytui drill`: generated shape, parameter, receptive-field and MAC problems.

--json prints the problems with their answers; --plain asks them one per line on stdin; by
default the TUI's drill screen opens (plain mode when not on a terminal). Plain mode only
prints: attempts are recorded by the TUI.
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys

import click

from studytui.drills.families import KINDS


@click.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--count", "-n", type=click.IntRange(1, 10_000), default=10, show_default=True,
              help="How many problems.")
@click.option("--seed", type=int, default=None, help="Seed (same seed, same problems); random if not given.")
@click.option("--level", type=click.IntRange(1, 3), default=1, show_default=True,
              help="1: one layer; 2: short stacks; 3: dilation, groups, transposed convs, blocks, networks.")
@click.option("--plain", is_flag=True, help="Line mode: one answer per line on stdin.")
@click.option("--json", "as_json", is_flag=True, help="Print the problems with answers as JSON.")
@click.option("--worked", is_flag=True, help="The fixed worked problems from the study material instead.")
@click.pass_context
def drill(ctx: click.Context, kind: str, count: int, seed: int | None, level: int, plain: bool,
          as_json: bool, worked: bool) -> None:
    """Drill KIND problems: shapes, params, rf, macs or mixed.

    Answers may be arithmetic (3*3*3*16 + 16, 1.2M, 1,234); shapes are written 32x16x16,
    [32, 16, 16] or in the order the problem asks for.
    """
    from studytui.errors import StudytuiError

    if plain and as_json:
        raise StudytuiError("choose one of --plain and --json")
    chosen_seed = seed if seed is not None else random.SystemRandom().randrange(1_000_000)
    if as_json:
        click.echo(json.dumps([p.to_json() for p in _problems(kind, level, chosen_seed, count, worked)],
                              indent=1, ensure_ascii=False))
        return
    if not plain and _tui_available() and sys.stdin.isatty() and sys.stdout.isatty() and not worked:
        from studytui.tui.app import run_app

        run_app(db_path=(ctx.obj or {}).get("db"), screen="drill", kind=kind, level=level, seed=chosen_seed)
        return
    _plain(kind, level, chosen_seed, count, worked)


def _tui_available() -> bool:
    try:
        return importlib.util.find_spec("studytui.tui.app") is not None
    except ModuleNotFoundError:
        return False


def _problems(kind: str, level: int, seed: int, count: int, worked: bool):
    """Problems one at a time (plain mode starts at once even for a large --count)."""
    if worked:
        from studytui.drills.generate import worked_problems

        yield from worked_problems(kind)[:count]
        return
    from studytui.drills.generate import problem

    for i in range(count):
        yield problem(kind, level, seed, i)


MAX_ANSWER = 4096


def _plain(kind: str, level: int, seed: int, count: int, worked: bool) -> None:
    from studytui.drills.check import check_answer
    from studytui.errors import StudytuiError

    if worked:
        click.echo(f"worked problems from the study material ({kind})")
    else:
        click.echo(f"drill {kind}, level {level}, seed {seed} "
                   f"(replay: studytui drill {kind} --level {level} --seed {seed})")
    if worked:
        from studytui.drills.generate import worked_problems

        count = min(count, len(worked_problems(kind)))
    answered = right = 0
    for i, problem in enumerate(_problems(kind, level, seed, count, worked)):
        click.echo("")
        click.echo(f"problem {i + 1}/{count} [{problem.id}]")
        click.echo(problem.prompt)
        # A person at a terminal gets a prompt; piped input gets verdict lines that start
        # with "correct"/"incorrect" (the CLI contract), so no prompt is printed in front.
        interactive = sys.stdin.isatty()
        if interactive:
            click.echo("answer> ", nl=False)
        line = sys.stdin.readline(MAX_ANSWER + 1)  # bounded: `< /dev/zero` has no newline
        if len(line) > MAX_ANSWER and not line.endswith("\n"):
            raise StudytuiError(f"an answer line is longer than {MAX_ANSWER} characters; stopping")
        if not line:
            if interactive:
                click.echo("")
            break
        feedback = check_answer(problem, line.strip())
        answered += 1
        right += feedback.correct
        for text in feedback.lines():
            click.echo(text)
    click.echo(f"score: {right}/{answered}")
