"""`studytui settings`: show or change the scheduler's knobs (stored in the database)."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta

import click

from studytui.errors import StudytuiError
from studytui.textsafe import clean_line

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_STEP_S = 365 * 86400


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def parse_steps(text: str) -> tuple[timedelta, ...]:
    """"1m,10m" -> (1 minute, 10 minutes); units s, m, h, d."""
    steps = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = re.fullmatch(r"(\d{1,12}(?:\.\d{1,6})?)\s*([smhd])", part)
        if not match:
            raise StudytuiError(f"learning step {clean_line(part)!r} must look like 1m, 10m, 1h or 1d")
        seconds = float(match[1]) * UNITS[match[2]]
        if not 1 <= seconds <= MAX_STEP_S:  # checked before timedelta(), which overflows first
            raise StudytuiError(f"learning step {part} must be between 1s and 365d")
        steps.append(timedelta(seconds=seconds))
    if not steps:
        raise StudytuiError("give at least one learning step, e.g. 1m,10m")
    return tuple(steps)


def show_steps(steps: tuple[timedelta, ...]) -> str:
    def one(step: timedelta) -> str:
        seconds = int(step.total_seconds())
        for unit in ("d", "h", "m"):
            if seconds % UNITS[unit] == 0:
                return f"{seconds // UNITS[unit]}{unit}"
        return f"{seconds}s"

    return ",".join(one(s) for s in steps)


@click.command()
@click.option("--retention", type=float, help="Desired retention, 0.5-0.99 (default 0.9).")
@click.option("--new-per-day", type=int, help="New cards a day (default 20).")
@click.option("--reviews-per-day", type=int, help="Reviews a day (default 200).")
@click.option("--learning-steps", metavar="STEPS", help="Learning steps, e.g. 1m,10m.")
@click.option("--leech-lapses", type=int, help="Lapses that flag and suspend a card (default 8).")
@click.option("--exam-date", metavar="YYYY-MM-DD", help="Date of your exam (plan and forecast); 'none' clears it.")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
@click.pass_context
def settings(ctx: click.Context, retention: float | None, new_per_day: int | None, reviews_per_day: int | None,
             learning_steps: str | None, leech_lapses: int | None, exam_date: str | None, as_json: bool) -> None:
    """Show the scheduler settings, or change the ones given (they apply from the next session)."""
    from studytui.study import readiness
    from studytui.study.scheduler import StudySession

    session = StudySession.open(ctx.obj.get("db"))
    try:
        changes = {key: value for key, value in (
            ("desired_retention", retention), ("new_per_day", new_per_day),
            ("reviews_per_day", reviews_per_day), ("leech_lapses", leech_lapses),
            ("learning_steps", parse_steps(learning_steps) if learning_steps else None)) if value is not None}
        current = session.settings
        if session.settings_problem:
            click.echo(f"warning: {session.settings_problem}", err=True)
        if exam_date is not None:  # checked before anything is saved: a bad date changes nothing
            exam_day = readiness.parse_exam_date(exam_date, today=readiness.study_day(session, _now()))
        if changes:
            current = dataclasses.replace(current, **changes)  # validates (one-line errors)
            session.save_settings(current)
        if exam_date is not None:
            readiness.save_exam_date(session.store, exam_day)
        saved_exam = readiness.load_exam_date(session.store)
    finally:
        session.close()
    if as_json:
        click.echo(json.dumps({**current.to_json(), "exam_date": saved_exam.isoformat() if saved_exam else None}))
        return
    click.echo(f"desired retention  {current.desired_retention}")
    click.echo(f"new per day        {current.new_per_day}")
    click.echo(f"reviews per day    {current.reviews_per_day}")
    click.echo(f"learning steps     {show_steps(current.learning_steps)}")
    click.echo(f"relearning steps   {show_steps(current.relearning_steps)}")
    click.echo(f"leech after        {current.leech_lapses} lapses")
    click.echo(f"exam date          {saved_exam.isoformat() if saved_exam else 'none'}")
    if changes or exam_date is not None:
        click.echo("saved.")
