"""The `studytui` command: a click group whose subcommands load only when they are called.

Each subcommand lives in its own module under `studytui.commands`, so `studytui --help` and the
TUI start without importing torch, sympy or the other subcommands' dependencies.
"""

from __future__ import annotations

import importlib
import sqlite3
import sys

import click

from studytui import __version__
from studytui.errors import StudytuiError
from studytui.paths import EmptyDbPath
from studytui.textsafe import clean, clean_line

# command name -> "module:attribute"; the module is imported only when the command runs.
COMMANDS: dict[str, str] = {
    "review": "studytui.commands.review:review",
    "drill": "studytui.commands.drill:drill",
    "calc": "studytui.commands.calc:calc",
    "check": "studytui.commands.check:check",
    "import": "studytui.commands.importer:import_cmd",
    "export": "studytui.commands.export:export",
    "stats": "studytui.commands.stats:stats",
    "demo": "studytui.commands.demo:demo",
    "exam": "studytui.commands.exam:exam",
    "optimize": "studytui.commands.optimize:optimize",
    "settings": "studytui.commands.settings:settings",
    "cards": "studytui.commands.cards:cards",
    "unsuspend": "studytui.commands.unsuspend:unsuspend",
    "unbury": "studytui.commands.unsuspend:unbury",
    "unflag": "studytui.commands.unsuspend:unflag",
}

SHORT_HELP: dict[str, str] = {
    "review": "Open the TUI straight into review.",
    "drill": "Generated shape/params/rf/MACs problems.",
    "calc": "Output shape, params, MACs and receptive field of layers.",
    "check": "Validate cards/ and drills/ (file:line errors).",
    "import": "Import Markdown Q&A notes as cards.",
    "export": "Export the deck to Anki (.apkg).",
    "stats": "Review and drill statistics.",
    "demo": "List the demos, or run one.",
    "exam": "A timed mock exam.",
    "optimize": "Fit FSRS parameters to your review log.",
    "settings": "Show or change retention, daily limits, learning steps.",
    "cards": "List cards: --suspended, --buried, --flagged, --leech, --topic.",
    "unsuspend": "Bring suspended cards back into review.",
    "unbury": "Bring buried cards back today.",
    "unflag": "Remove the flag of cards.",
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # the command is listed but not built yet
                return _not_available(name)
            raise
        return _accept_db(getattr(module, attr))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help comes from a table so `--help` does not import every command.
        rows = [(name, SHORT_HELP.get(name, "")) for name in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _accept_db(command: click.Command) -> click.Command:
    """Let `--db` follow the subcommand too (`studytui stats --db x.db`), as people type it."""
    if any(p.name == "db_after_command" for p in command.params):
        return command

    def remember(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value is not None:
            ctx.find_root().ensure_object(dict)["db"] = value

    command.params.append(click.Option(
        ["--db", "db_after_command"], type=click.Path(dir_okay=False), expose_value=False,
        is_eager=True, callback=remember, help="Database file (same as the global --db)."))
    return command


def _announce_new_databases() -> None:
    """Say where a new database is created (a mistyped --db would otherwise start from nothing)."""
    from studytui.study import store

    store.on_create = lambda path: click.echo(f"creating a new database at {path.resolve()}", err=True)


def _not_available(name: str) -> click.Command:
    @click.command(name=name, context_settings={"ignore_unknown_options": True})
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def missing(args: tuple[str, ...]) -> None:
        raise click.ClickException(f"'{name}' is not available in this build yet")

    return missing


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.option(
    "--db",
    "db_path",
    envvar="STUDYTUI_DB",
    type=click.Path(dir_okay=False),
    help="Database file (env STUDYTUI_DB; default in the user data dir).",
)
@click.version_option(__version__, prog_name="studytui")
@click.pass_context
def cli(ctx: click.Context, db_path: str | None) -> None:
    """Study CNN and ResNet theory: spaced-repetition cards, generated drills, live demos.

    Run with no command to open the terminal app.
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db_path
    if ctx.invoked_subcommand is not None:
        _announce_new_databases()
    if ctx.invoked_subcommand is None:
        try:
            from studytui.tui.app import run_app
        except ModuleNotFoundError:
            click.echo(ctx.get_help())
            return
        run_app(db_path=db_path)


def main() -> None:
    """Entry point: user mistakes become one line on stderr and exit code 1."""
    try:
        # Without standalone mode click returns ctx.exit(code) instead of exiting: pass it on.
        code = cli.main(prog_name="studytui", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except StudytuiError as exc:
        click.echo(f"error: {clean(str(exc))}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        sys.exit(0)
    except OSError as exc:  # a full disk, a read-only folder, a path through a file...
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(clean_line(f"error: {where}{exc.strerror or exc}"), err=True)
        sys.exit(1)
    except sqlite3.Error as exc:
        click.echo(clean_line(f"error: the database: {exc}"), err=True)
        sys.exit(1)
    except EmptyDbPath as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except MemoryError:
        click.echo("error: out of memory (an input too large to handle)", err=True)
        sys.exit(1)
    except RecursionError:
        click.echo("error: the input is nested too deeply to handle", err=True)
        sys.exit(1)
