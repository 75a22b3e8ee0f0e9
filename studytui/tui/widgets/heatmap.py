"""A GitHub-style calendar of reviews per day: one column per week, one row per weekday."""

from __future__ import annotations

from datetime import date, timedelta

from rich.text import Text
from textual.color import Color
from textual.widget import Widget

LEVELS = (" ·", " ▪", " ■", " ■", " ■")  # none, few, some, many, lots
WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")


class Heatmap(Widget):
    DEFAULT_CSS = """
    Heatmap { height: 10; width: 1fr; }
    """

    def __init__(self, per_day: dict[str, int], today: date, weeks: int = 26, **kwargs):
        super().__init__(**kwargs)
        self.per_day = per_day
        self.today = today
        self.weeks = weeks

    def render(self) -> Text:
        theme = self.app.theme_variables
        background = Color.parse(theme.get("background", "#000000"))
        success = Color.parse(theme.get("success", "#00aa00"))
        colors = ["dim"] + [background.blend(success, f).hex for f in (0.45, 0.65, 0.85, 1.0)]
        weeks = max(4, min(self.weeks, (self.size.width - 5) // 2))
        last_monday = self.today - timedelta(days=self.today.weekday())
        first = last_monday - timedelta(weeks=weeks - 1)
        peak = max(self.per_day.values(), default=0)
        text = Text()
        # month labels above the first week of each month
        header = [" "] * (weeks * 2)
        for w in range(weeks):
            day = first + timedelta(weeks=w)
            if day.day <= 7:
                label = day.strftime("%b")
                header[w * 2 : w * 2 + len(label)] = list(label)
        text.append("    " + "".join(header)[: weeks * 2] + "\n", style="dim")
        for weekday in range(7):
            text.append(f"{WEEKDAYS[weekday]:<4}", style="dim")
            for w in range(weeks):
                day = first + timedelta(weeks=w, days=weekday)
                if day > self.today:
                    text.append("  ")
                    continue
                count = self.per_day.get(day.isoformat(), 0)
                level = 0 if count == 0 else min(4, 1 + (4 * count - 1) // max(peak, 1))
                text.append(LEVELS[level], style=colors[level])
            text.append("\n")
        total = sum(self.per_day.values())
        active = sum(1 for v in self.per_day.values() if v)
        reviews = "review" if total == 1 else "reviews"
        days = "day" if active == 1 else "days"
        text.append(f"    {total} {reviews} on {active} {days}   less ·▪■ more", style="dim")
        return text
