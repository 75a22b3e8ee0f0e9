"""Everything the home screen, the stats screen and `studytui stats --json` say about the exam:
one JSON-ready dict built from readiness (forecast, trend) and exam_plan (today's plan, effect).

    report(session, now=..., trend_days=30) -> dict | None    # None: no exam date

    {"date": "2026-12-20", "days_left": 18, "target": 0.9,
     "forecast": {"overall": 0.62, "by_topic": {"conv-basics": 0.71, ...}, "cards": 120, "unseen": 30},
     "trend": [{"day": "2026-11-03", "forecast": 0.41}, ...],        # oldest first, today last
     "plan": {"new": 6, "new_per_day_needed": 6, "new_limit": 20, "reviews_due": 14,
              "brought_forward": 3, "problem": null, "following": 0.92, "skipping": 0.89}}

"plan" is null on the exam day itself (plain scheduling is back from then on). Once the date has
passed: {"date": ..., "days_left": -2, "passed": true, "target": 0.9, "forecast": null, "trend": [],
"plan": null}, so the student is told the plan ended rather than seeing it vanish.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from studytui.study import exam_plan
from studytui.study import readiness as rd

if TYPE_CHECKING:
    from studytui.study.scheduler import StudySession


def trend(session: "StudySession", exam_day, *, now: datetime, days: int = 30) -> list[dict[str, Any]]:
    """The forecast for `exam_day` as it stood each of the last `days` study days, oldest first."""
    return [{"day": d.isoformat(), "forecast": round(v, 4)}
            for d, v in rd.forecast_history(session, exam_day, days=days, now=now)]


def report(session: "StudySession", *, now: datetime | None = None, trend_days: int = 30) -> dict[str, Any] | None:
    now = datetime.now(timezone.utc) if now is None else now.astimezone(timezone.utc)
    exam_day = rd.load_exam_date(session.store)
    if exam_day is None:
        return None
    days_left = (exam_day - rd.study_day(session, now)).days
    if days_left < 0:
        return {"date": exam_day.isoformat(), "days_left": days_left, "passed": True,
                "target": session.settings.desired_retention, "forecast": None, "trend": [], "plan": None}
    f = rd.forecast(session, exam_day)
    out: dict[str, Any] = {
        "date": exam_day.isoformat(),
        "days_left": days_left,
        "passed": False,
        "target": session.settings.desired_retention,
        "forecast": {"overall": round(f.overall, 4), "by_topic": {t: round(v, 4) for t, v in f.by_topic.items()},
                     "cards": f.cards, "unseen": f.unseen},
        "trend": trend(session, exam_day, now=now, days=trend_days) if trend_days else [],
        "plan": None,
    }
    plan = exam_plan.plan_today(session, now=now)
    if plan is not None:
        effect = exam_plan.effect(session, plan, now=now)
        out["plan"] = {
            "new": plan.new_today, "new_per_day_needed": plan.pace.needed_per_day, "new_limit": plan.pace.limit,
            "reviews_due": plan.reviews_due, "brought_forward": len(plan.brought_forward), "problem": plan.problem,
            "following": round(effect.following, 4), "skipping": round(effect.skipping, 4),
        }
    return out
