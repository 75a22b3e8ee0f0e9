"""`studytui stats [--json]`: what you have studied, what is due, how well you remember."""

from __future__ import annotations

import json

import click


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON (keys: cards, due, reviews, retention, ...).")
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Review and drill statistics."""
    from studytui.study.scheduler import StudySession

    with StudySession.open((ctx.obj or {}).get("db")) as session:
        data = session.stats()
    label_mistakes(data["mistakes"])
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    _print_tables(data)


def label_mistakes(rows: list[dict]) -> None:
    """Give each top-mistake row its name for people (the keys come from the drill rules)."""
    from studytui.drills.diagnose import label

    for row in rows:
        row["label"] = label(row["key"])


TREND_MARK = {"rising": "rising ↑", "falling": "falling ↓", "steady": "steady", "quiet": "quiet"}


def _mistakes_table(rows: list[dict]):
    from rich.table import Table
    from rich.text import Text

    from studytui.textsafe import clean_line

    table = Table(title="Top mistakes in drills (this week vs the week before)")
    for col in ("mistake", "times", "this week", "week before", "trend", "aimed"):
        table.add_column(col, justify="left" if col in ("mistake", "trend") else "right")
    for m in rows:
        table.add_row(Text(clean_line(m["label"])), str(m["count"]), str(m["this_week"]), str(m["week_before"]),
                      TREND_MARK.get(m["trend"], m["trend"]), "yes" if m["aimed"] else "")
    return table


def _exams_table(exams: list[dict]):
    """The latest mock exams: the score beside the forecast made before each began."""
    from rich.table import Table

    table = Table(title="Mock exams (score vs the forecast made before it)")
    for col in ("#", "finished", "score", "forecast"):
        table.add_column(col, justify="left" if col == "finished" else "right")
    for e in exams:
        score = "-" if e["score"] is None else f"{e['correct']}/{e['total']} {e['score']:.0%}"
        forecast = "-" if e.get("forecast") is None else f"{e['forecast']:.0%}"
        table.add_row(str(e["id"]), e["finished_at"][:16].replace("T", " "), score, forecast)
    return table


def _print_tables(data: dict) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    retention = "-" if data["retention"] is None else f"{data['retention']:.0%}"
    console.print(Text(f"database: {data['db']}", style="dim"))
    console.print(
        f"[bold]{data['cards']}[/] cards, [bold]{data['due']}[/] due now, [bold]{data['new']}[/] new; "
        f"{data['reviews']} reviews logged ({data['reviews_today']} today); retention {retention}"
    )
    if data.get("exam"):
        for line in exam_lines(data["exam"]):
            console.print(Text(line), soft_wrap=True)  # long lines stay whole (greppable)
    if data.get("new_today"):
        budget = data["new_today"]
        console.print(f"new cards today: {budget['studied']} of {budget['limit']} studied, "
                      f"{budget['available']} more available now")
    table = Table(title="Topics")
    for col in ("topic", "total", "new", "learning", "due", "learned", "suspended"):
        table.add_column(col, justify="left" if col == "topic" else "right")
    for topic, c in data["topics"].items():
        table.add_row(topic, *(str(c[k]) for k in ("total", "new", "learning", "due", "learned", "suspended")))
    console.print(table)
    if data["drills"]:
        drills = Table(title="Drills")
        for col in ("family", "level", "attempts", "accuracy"):
            drills.add_column(col, justify="left" if col == "family" else "right")
        for family, levels in sorted(data["drills"].items()):
            for level, d in sorted(levels.items()):
                drills.add_row(family, level, str(d["attempts"]), f"{d['accuracy']:.0%}")
        console.print(drills)
    if data["mistakes"]:
        console.print(_mistakes_table(data["mistakes"]))
    if data["reviews_per_day"]:
        days = Table(title="Reviews per day")
        days.add_column("day")
        days.add_column("reviews", justify="right")
        for day, n in list(data["reviews_per_day"].items())[-14:]:
            days.add_row(day, str(n))
        console.print(days)
    if data["exams"]:
        console.print(_exams_table(data["exams"][-10:]))
    if data["leeches"]:
        console.print(f"leeches (suspended): {', '.join(data['leeches'])}")


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float]) -> str:
    """Values in 0..1 as a row of block characters (0 -> ▁, 1 -> █)."""
    return "".join(SPARK[min(len(SPARK) - 1, max(0, int(v * len(SPARK))))] for v in values)


def exam_lines(exam: dict) -> list[str]:
    """The exam section of `studytui stats`: forecast, per topic, today's plan and its effect, trend."""
    from studytui.textsafe import clean_line

    days = exam["days_left"]
    if exam.get("passed"):
        ago = "yesterday" if days == -1 else f"{-days} days ago"
        return [f"exam {exam['date']} was {ago}: cards are scheduled as usual again "
                "(next one: studytui settings --exam-date YYYY-MM-DD; none clears it)"]
    f = exam["forecast"]
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    lines = [f"exam {exam['date']} ({when}): predicted recall on exam day {f['overall']:.0%} "
             f"(target {exam['target']:.0%}; {f['unseen']} of {f['cards']} cards unseen)"]
    if f["by_topic"]:
        lines.append("  by topic: " + "  ".join(f"{clean_line(t)} {v:.0%}" for t, v in f["by_topic"].items()))
    plan = exam["plan"]
    if plan:
        lines.append(f"  today's plan: {plan['new']} new, {plan['reviews_due']} reviews due, "
                     f"{plan['brought_forward']} brought forward")
        lines.append(f"  following it: {plan['following']:.0%} on exam day; skipping today: {plan['skipping']:.0%}")
        if plan["problem"]:
            lines.append(f"  {plan['problem']}")
    trend = exam["trend"]
    if trend:
        values = [p["forecast"] for p in trend]
        lines.append(f"  forecast, last {len(values)} days: {sparkline(values)} {values[0]:.0%} -> {values[-1]:.0%}")
    return lines
