"""Report weeks: ISO-style labels ("2026-W47") for weeks that start on the shop's week-start day.

A shop week that starts on Sunday or Saturday straddles two ISO weeks. It takes the label of the ISO
week holding most of its days, which is the ISO week of its one Thursday (every 7-day window holds
exactly one). For Monday-start shops this is plain ISO 8601.
"""

from __future__ import annotations

import datetime as dt
import re

from merchant_ai.analytics.kpis import week_bounds

_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)


class BadWeek(ValueError):
    """The --week text is not a week label, or names a week that does not exist."""


def week_label(start: dt.date) -> str:
    """Label of the 7-day week starting on `start`."""
    thursday = next(start + dt.timedelta(days=i) for i in range(7) if (start + dt.timedelta(days=i)).weekday() == 3)
    year, week, _ = thursday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(text: str, week_start: str = "monday") -> tuple[dt.date, dt.date]:
    """(start, end inclusive) of the shop week labelled `text` (e.g. "2026-W47")."""
    m = _WEEK.match(text or "")
    if not m:
        raise BadWeek(f"not a week: {text!r} (a week looks like 2026-W47)")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        thursday = dt.date.fromisocalendar(year, week, 4)
    except ValueError:
        last = dt.date(year, 12, 28).isocalendar()[1]
        raise BadWeek(f"{year} has no week {week}: its weeks run from {year}-W01 to {year}-W{last:02d} "
                      "(a week looks like 2026-W47)") from None
    return week_bounds(thursday, week_start)
