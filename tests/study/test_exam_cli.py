"""`studytui stats` with an exam date: the forecast, today's plan, its effect and the trend."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

from fsrs import Rating


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "studytui", *args], capture_output=True, text=True)


def test_stats_show_the_exam_forecast_plan_and_trend(tmp_path):
    db = tmp_path / "s.db"
    assert json.loads(run("stats", "--json", "--db", str(db)).stdout)["exam"] is None
    from studytui.study.scheduler import StudySession

    now = datetime.now(timezone.utc)
    with StudySession.open(db) as s:
        first = list(s.deck.cards)[:3]
        for day in (3, 2):  # three cards learned over the last days
            for cid in first:
                s.answer(cid, Rating.Good, now=now - timedelta(days=day))
                s.answer(cid, Rating.Good, now=now - timedelta(days=day, minutes=-10))
        total = len(s.deck.cards)
    exam = (date.today() + timedelta(days=12)).isoformat()
    assert run("settings", "--db", str(db), "--exam-date", exam).returncode == 0
    out = run("stats", "--json", "--db", str(db))
    assert out.returncode == 0, out.stderr
    e = json.loads(out.stdout)["exam"]
    assert e["date"] == exam and e["days_left"] in (11, 12, 13)
    f = e["forecast"]
    assert f["cards"] == total and f["unseen"] == total - 3 and 0 < f["overall"] < 3 / total
    assert max(f["by_topic"].values()) > 0 and min(f["by_topic"].values()) == 0
    plan = e["plan"]
    assert plan["new_limit"] == 20 and plan["new"] == min(20, plan["new_per_day_needed"]) > 0
    assert (plan["problem"] is None) == (plan["new_per_day_needed"] <= 20)
    assert 0 <= plan["skipping"] <= plan["following"] <= 1
    trend = [p["forecast"] for p in e["trend"]]
    assert len(trend) == 30 and trend[0] == 0 and trend[-1] == f["overall"]
    assert trend == sorted(trend)  # each day only added answers (Good): the forecast only rose
    human = run("stats", "--db", str(db))
    assert human.returncode == 0, human.stderr
    assert f"exam {exam} (in " in human.stdout and "predicted recall on exam day" in human.stdout
    assert (plan["problem"] or "today's plan:") in human.stdout
    assert "today's plan:" in human.stdout and "following it:" in human.stdout and "skipping today:" in human.stdout
    assert "forecast, last 30 days: " in human.stdout


def test_a_past_exam_is_said_to_be_over(tmp_path):
    from studytui.study import readiness
    from studytui.study.scheduler import StudySession

    db = tmp_path / "s.db"
    past = date.today() - timedelta(days=3)
    with StudySession.open(db) as s:  # the CLI refuses a past date: the day simply went by
        readiness.save_exam_date(s.store, past)
    e = json.loads(run("stats", "--json", "--db", str(db)).stdout)["exam"]
    assert e["passed"] is True and e["date"] == past.isoformat() and e["days_left"] in (-4, -3, -2)
    assert e["forecast"] is None and e["plan"] is None
    human = run("stats", "--db", str(db)).stdout
    assert f"exam {past.isoformat()} was " in human and "scheduled as usual again" in human
    assert "predicted recall" not in human
