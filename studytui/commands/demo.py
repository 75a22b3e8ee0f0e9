"""`studytui demo [NAME] [-- ARGS]`: list the demos in demos/, or run one in a subprocess.

The listing reads each demo's module docstring with `ast` (no demo is imported, so listing is
instant and torch is never loaded). Running uses the same interpreter, streams the demo's
output as it comes and exits with the demo's exit code.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import click

from studytui.errors import StudytuiError
from studytui.paths import DEMOS_DIR


def list_demos(demos_dir: Path = DEMOS_DIR) -> dict[str, str]:
    """name -> first line of the module docstring, for every demos/*.py (sorted by name)."""
    demos = {}
    for path in sorted(demos_dir.glob("*.py")):
        if path.name.startswith("_"):
            continue
        try:
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        except SyntaxError:
            doc = "(cannot be parsed)"
        demos[path.stem] = doc.strip().splitlines()[0] if doc.strip() else ""
    return demos


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("name", required=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def demo(name: str | None, args: tuple[str, ...]) -> None:
    """List the demos, or run demo NAME with ARGS (e.g. `studytui demo onecycle -- --quick`)."""
    demos = list_demos()
    if name is None:
        width = max((len(n) for n in demos), default=0)
        for demo_name, line in demos.items():
            click.echo(f"{demo_name:<{width}}  {line}")
        click.echo("\nrun one: studytui demo NAME -- [ARGS]   (e.g. studytui demo onecycle -- --quick)")
        return
    name = name.removesuffix(".py")
    if name not in demos:
        raise StudytuiError(f"unknown demo {name!r}; demos: {', '.join(demos)}")
    args = args[1:] if args[:1] == ("--",) else args
    cmd = [sys.executable, str(DEMOS_DIR / f"{name}.py"), *args]
    try:
        # inherit stdout/stderr: the demo's progress bar and lines appear as they are written
        code = subprocess.call(cmd)
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)
