"""The Reports tab's jobs: which weeks can be reported, and building one week's report content.

Plain functions run on the job runner's threads (`fn(jc, ...)`); they call the Qt-free core and
return plain values, so the tab only lays out the document (the one part Qt needs on the GUI thread).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ui.jobs import JobContext

RECENT_WEEKS = 12   # weeks offered in the week picker, newest (the last complete one) first


@dataclass(frozen=True)
class WeekChoice:
    label: str          # "2026-W47"
    start: dt.date
    end: dt.date        # inclusive

    @property
    def text(self) -> str:
        """What the picker shows: the label and the days it covers."""
        same_year = self.start.year == self.end.year
        first = f"{self.start:%d %b}" if same_year else f"{self.start:%d %b %Y}"
        return f"{self.label}  ·  {first} – {self.end:%d %b %Y}"


def recent_weeks(last_order_day: dt.date, week_start: str = "monday", count: int = RECENT_WEEKS) -> list[WeekChoice]:
    """The last `count` complete shop weeks up to `last_order_day`, newest first (week_start honoured)."""
    from merchant_ai.analytics.kpis import last_complete_week
    from merchant_ai.reports.weeks import week_label

    start, end = last_complete_week(last_order_day, week_start)
    out = []
    for i in range(count):
        s, e = start - dt.timedelta(weeks=i), end - dt.timedelta(weeks=i)
        out.append(WeekChoice(week_label(s), s, e))
    return out


def load_week_choices(jc: JobContext) -> list[WeekChoice]:
    """Weeks the owner can pick; empty for a shop without orders."""
    from merchant_ai.store import forecast_inputs

    last = forecast_inputs.last_order_day(jc.store)
    if last is None:
        return []
    return recent_weeks(last, forecast_inputs.setting(jc.store, "week_start").lower() or "monday")


def build_report(jc: JobContext, week: str | None):
    """The week's `WeeklyReport` (the slow part: KPIs, forecast, stock, segments, pairs, margins)."""
    from merchant_ai.reports.weekly import build_weekly_report

    return build_weekly_report(jc.store, week, progress=lambda f, m: jc.progress(f, m), cancelled=jc.cancelled)
