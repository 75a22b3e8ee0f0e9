"""The exam readiness lines shared by home and stats (the report: studytui/study/exam_report.py)."""

from __future__ import annotations

from rich.text import Text


def exam_summary(exam: dict) -> Text:
    """Days left, the exam-day forecast, today's plan and its effect (studytui/study/exam_report.py)."""
    days = exam["days_left"]
    if exam.get("passed"):
        ago = "yesterday" if days == -1 else f"{-days} days ago"
        return Text.assemble(("Exam ", "b"), (exam["date"], "b"), f" was {ago}: cards are scheduled as usual "
                             "again. Press x to set the next exam date.")
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    f = exam["forecast"]
    text = Text.assemble(("Exam ", "b"), (f"{exam['date']}", "b"), f" ({when}): predicted recall on exam day ",
                         (f"{f['overall']:.0%}", "b"), f" (target {exam['target']:.0%})")
    plan = exam["plan"]
    if plan:
        text.append(f"\nToday's plan: {plan['new']} new, {plan['reviews_due']} reviews, "
                    f"{plan['brought_forward']} brought forward. Following it: ")
        text.append(f"{plan['following']:.0%}", "b")
        text.append(" on exam day; skipping today: ")
        text.append(f"{plan['skipping']:.0%}", "b")
        if plan["problem"]:
            text.append(f"\n{plan['problem']}", "yellow")
    return text
