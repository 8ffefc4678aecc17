"""Timestamps the store keeps in UTC ('2026-11-28T05:43:00Z'), shown in this computer's time zone."""

from __future__ import annotations

import datetime as dt


def local_time(stamp: str | None) -> str:
    """'YYYY-MM-DD HH:MM' local; text that is not a timestamp is shown as it is (trimmed)."""
    if not stamp:
        return ""
    try:
        when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp[:16].replace("T", " ")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone().strftime("%Y-%m-%d %H:%M")
