"""Where does the student keep slipping? Their mistake profile, read from the drill log.

Every wrong drill answer whose mistake was diagnosed logs the rule keys of that mistake
(`drill_attempt.mistakes`, e.g. "params.bias_forgotten"). From that log:

- `mistake_profile(attempts)`: how much each mistake weighs now. Each slip counts 1, halved for
  every HALF_LIFE drill answers given since, so a mistake the student stopped making fades as they
  keep drilling, and one they still make stays on top.
- `aim_weights(profile)`: what the drill generator aims at (studytui.drills.generate.aimed_problem):
  the recurring mistakes only (weight at least MIN_RECURRING: one slip is not a pattern), at most
  AIM_TOP of them, scaled so the heaviest is 1. An empty dict means the normal mix.
- `top_mistakes(attempts, now=...)`: the list the stats show, with counts and the trend (this
  week against the week before).

Keys only: the names for people live with the rules (studytui.drills.diagnose.MISTAKES), which the
shells look up (study and drills do not import each other).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Protocol, Sequence

HALF_LIFE = 30  # drill answers after which a slip counts half
MIN_RECURRING = 1.5  # about two recent slips: the least that makes a mistake "recurring"
AIM_TOP = 5  # mistakes the generator aims at, at most
TREND_DAYS = 7


class Attempt(Protocol):
    """What is read of a drill attempt (studytui.study.store.DrillAttempt has it)."""

    at: datetime
    correct: bool
    mistakes: tuple[str, ...]


def mistake_profile(attempts: Sequence[Attempt]) -> dict[str, float]:
    """Mistake key -> its recent-weighted count (attempts oldest first, as the store lists them)."""
    n = len(attempts)
    profile: dict[str, float] = {}
    for i, a in enumerate(attempts):
        if a.correct or not a.mistakes:
            continue
        weight = 0.5 ** ((n - 1 - i) / HALF_LIFE)
        for key in a.mistakes:
            profile[key] = profile.get(key, 0.0) + weight
    return profile


def aim_weights(profile: dict[str, float], *, top: int = AIM_TOP,
                min_weight: float = MIN_RECURRING) -> dict[str, float]:
    """The recurring mistakes the generator should aim at, heaviest = 1 (empty: the normal mix).

    Rounded to 3 digits: the generator's choices depend on these numbers, and a profile that
    differs only in float noise should draw the same problems."""
    recurring = sorted(((k, w) for k, w in profile.items() if w >= min_weight), key=lambda kw: (-kw[1], kw[0]))[:top]
    if not recurring:
        return {}
    heaviest = recurring[0][1]
    return {k: round(w / heaviest, 3) for k, w in recurring}


@dataclass(frozen=True)
class MistakeTrend:
    key: str
    count: int  # slips ever logged
    weight: float  # recent-weighted count (mistake_profile)
    this_week: int  # slips in the last TREND_DAYS days
    week_before: int  # slips in the TREND_DAYS days before those
    last: datetime  # the latest slip

    @property
    def trend(self) -> str:
        """"rising", "falling" or "steady" (this week against the week before), "quiet" if neither had any."""
        if self.this_week > self.week_before:
            return "rising"
        if self.this_week < self.week_before:
            return "falling"
        return "steady" if self.this_week else "quiet"

    def to_json(self) -> dict:
        data = asdict(self)
        data["weight"] = round(self.weight, 3)
        data["last"] = self.last.isoformat()
        data["trend"] = self.trend
        data["aimed"] = False
        return data


def top_mistakes(attempts: Sequence[Attempt], *, now: datetime, limit: int = 8) -> list[MistakeTrend]:
    """The student's mistakes, heaviest now first (ties: more slips, then the key)."""
    profile = mistake_profile(attempts)
    count: Counter[str] = Counter()
    this_week: Counter[str] = Counter()
    week_before: Counter[str] = Counter()
    last: dict[str, datetime] = {}
    week = timedelta(days=TREND_DAYS)
    for a in attempts:
        if a.correct:
            continue
        for key in a.mistakes:
            count[key] += 1
            last[key] = max(last.get(key, a.at), a.at)
            if now - week <= a.at <= now:
                this_week[key] += 1
            elif now - 2 * week <= a.at < now - week:
                week_before[key] += 1
    ranked = sorted(count, key=lambda k: (-round(profile.get(k, 0.0), 9), -count[k], k))[:limit]
    return [MistakeTrend(k, count[k], profile.get(k, 0.0), this_week[k], week_before[k], last[k]) for k in ranked]


def mistakes_json(attempts: Sequence[Attempt], *, now: datetime, limit: int = 8) -> list[dict]:
    """top_mistakes as JSON rows, each saying whether drills aim at it now (`aimed`)."""
    aimed = aim_weights(mistake_profile(attempts))
    rows = []
    for m in top_mistakes(attempts, now=now, limit=limit):
        row = m.to_json()
        row["aimed"] = m.key in aimed
        rows.append(row)
    return rows
