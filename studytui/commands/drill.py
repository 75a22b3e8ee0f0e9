"""`studytui drill`: generated shape, parameter, receptive-field and MAC problems.

--json prints the problems with their answers; --plain asks them one per line on stdin; by
default the TUI's drill screen opens (plain mode when not on a terminal). Plain mode records
each graded attempt in the study database, as the TUI does (drill statistics and the drill's
schedule); an empty or unreadable answer is not graded: it is asked again ("skip" moves on).
Plain mode and the TUI aim their problems at the student's recurring mistakes, read from the
same database (--no-aim: the usual mix); --json never reads the database.
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys

import click

from studytui.drills.families import KINDS


DEFAULT_COUNT = 10
SKIP_WORDS = ("skip", "s", "?")


class AttemptLog:
    """Saves plain-mode attempts to the study database, opened at the first answer (so the first
    problem is on screen at once). A database that cannot be opened is said once; drilling goes on."""

    def __init__(self, db_path: str | None):
        self.db_path = db_path
        self.session = None
        self.failed = False

    def record(self, problem, correct: bool, typed: str, mistakes: tuple[str, ...] = ()) -> None:
        from studytui.errors import StudytuiError

        if self.failed:
            return
        try:
            if self.session is None:
                from studytui.study.scheduler import StudySession

                self.session = StudySession.open(self.db_path)
            generated = problem.source == "generated"  # worked problems count in the stats only
            self.session.record_drill(problem.family, problem.level, correct, typed=typed,
                                      seed=problem.seed if generated else None, schedule=generated,
                                      mistakes=mistakes)
        except StudytuiError as exc:
            self.failed = True
            click.echo(f"note: attempts are not being saved ({exc})", err=True)

    def aim(self) -> dict[str, float]:
        """The mistakes to aim the next problem at (empty: the usual mix), from the drill log."""
        from studytui.errors import StudytuiError
        from studytui.study.mistakes import aim_weights, mistake_profile

        if self.failed:
            return {}
        try:
            attempts = (self.session.store.drill_attempts() if self.session is not None
                        else _stored_attempts(self.db_path))
        except StudytuiError:
            return {}  # the first answer will say why nothing is saved
        return aim_weights(mistake_profile(attempts))

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


def _stored_attempts(db_path: str | None) -> list:
    """The drill log of an existing database (none is created just to read it)."""
    from pathlib import Path

    from studytui.paths import default_db_path
    from studytui.study.store import Store

    try:
        path = Path(db_path).expanduser() if db_path else default_db_path()
    except ValueError:  # STUDYTUI_DB set but empty: the first answer says so
        return []
    if not path.is_file():
        return []
    with Store.open(path) as store:
        return store.drill_attempts()


@click.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--count", "-n", type=click.IntRange(1, 10_000), default=None,
              help="How many problems [default: 10; every worked problem with --worked].")
@click.option("--seed", type=int, default=None, help="Seed (same seed, same problems); random if not given.")
@click.option("--level", type=click.IntRange(1, 3), default=1, show_default=True,
              help="1: one layer (rf: 2-4 plain windows, since one window's field is its kernel); "
                   "2: short stacks; 3: dilation, groups, transposed convs, blocks, networks.")
@click.option("--plain", is_flag=True, help="Line mode: one answer per line on stdin.")
@click.option("--json", "as_json", is_flag=True, help="Print the problems with answers as JSON.")
@click.option("--worked", is_flag=True, help="The fixed worked problems from the study material instead.")
@click.option("--no-aim", is_flag=True,
              help="The usual mix, not aimed at your recurring mistakes (--json never aims).")
@click.pass_context
def drill(ctx: click.Context, kind: str, count: int | None, seed: int | None, level: int, plain: bool,
          as_json: bool, worked: bool, no_aim: bool) -> None:
    """Drill KIND problems: shapes, params, rf, macs or mixed.

    Answers may be arithmetic (3*3*3*16 + 16, 1.2M, 1,234); shapes are written 32x16x16,
    [32, 16, 16] or in the order the problem asks for.
    """
    from studytui.errors import StudytuiError

    if plain and as_json:
        raise StudytuiError("choose one of --plain and --json")
    chosen_seed = seed if seed is not None else random.SystemRandom().randrange(1_000_000)
    if count is None:
        count = 10_000 if worked else DEFAULT_COUNT  # --worked: all of them unless told otherwise
    if as_json:
        click.echo(json.dumps([p.to_json() for p in _problems(kind, level, chosen_seed, count, worked)],
                              indent=1, ensure_ascii=False))
        return
    if not plain and _tui_available() and sys.stdin.isatty() and sys.stdout.isatty() and not worked:
        from studytui.tui.app import run_app

        run_app(db_path=(ctx.obj or {}).get("db"), screen="drill", kind=kind, level=level, seed=chosen_seed,
                aim=not no_aim)
        return
    _plain(kind, level, chosen_seed, count, worked, AttemptLog((ctx.obj or {}).get("db")), aim=not no_aim)


def _tui_available() -> bool:
    try:
        return importlib.util.find_spec("studytui.tui.app") is not None
    except ModuleNotFoundError:
        return False


def _problems(kind: str, level: int, seed: int, count: int, worked: bool, aim=None):
    """Problems one at a time (plain mode starts at once even for a large --count); `aim()`, if
    given, says before each problem which mistakes to aim it at."""
    if worked:
        from studytui.drills.generate import worked_problems

        yield from worked_problems(kind)[:count]
        return
    from studytui.drills.generate import aimed_problem

    for i in range(count):
        yield aimed_problem(kind, level, seed, i, aim() if aim else None)


MAX_ANSWER = 4096


def _plain(kind: str, level: int, seed: int, count: int, worked: bool, log: AttemptLog, aim: bool = True) -> None:
    from studytui.drills.check import check_answer
    from studytui.errors import StudytuiError
    from studytui.textsafe import clean

    if worked:
        from studytui.drills.generate import worked_problems

        click.echo(f"worked problems from the study material ({kind})")
        count = min(count, len(worked_problems(kind)))
    else:
        click.echo(f"drill {kind}, level {level}, seed {seed} "
                   f"(replay: studytui drill {kind} --level {level} --seed {seed})")
        aimed = log.aim() if aim else {}
        if aimed:
            from studytui.drills.diagnose import label

            click.echo(clean("aimed at your recurring mistakes: " + "; ".join(label(k) for k in aimed)
                             + " (--no-aim: the usual mix)"))
    # A person at a terminal gets a prompt; piped input gets verdict lines that start
    # with "correct"/"incorrect" (the CLI contract), so no prompt is printed in front.
    interactive = sys.stdin.isatty()
    answered = right = 0
    try:
        for i, problem in enumerate(_problems(kind, level, seed, count, worked, log.aim if aim else None)):
            click.echo("")
            click.echo(f"problem {i + 1}/{count} [{problem.id}]")
            click.echo(problem.prompt)
            while True:  # until a readable answer, a skip, or the end of the input
                if interactive:
                    click.echo("answer> ", nl=False)
                line = sys.stdin.readline(MAX_ANSWER + 1)  # bounded: `< /dev/zero` has no newline
                if len(line) > MAX_ANSWER and not line.endswith("\n"):
                    raise StudytuiError(f"an answer line is longer than {MAX_ANSWER} characters; stopping")
                if not line:
                    if interactive:
                        click.echo("")
                    click.echo(f"score: {right}/{answered}")
                    return
                typed = line.strip()
                if typed.lower() in SKIP_WORDS:
                    click.echo(f"skipped: expected {problem.answer_text}")
                    break
                if not typed:
                    click.echo("no answer given: type one (or skip)")
                    continue
                feedback = check_answer(problem, typed)
                if feedback.error:  # a typo is not a wrong answer: ask again, as the TUI does
                    click.echo(f"could not read that as an answer ({feedback.error}); try again (or skip)")
                    continue
                answered += 1
                right += feedback.correct
                for text in feedback.lines():
                    click.echo(text)
                log.record(problem, feedback.correct, typed, feedback.mistakes)
                break
    finally:
        log.close()
    click.echo(f"score: {right}/{answered}")
