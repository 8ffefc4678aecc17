"""Shop-local time for the demo: US Eastern offsets with DST, and the demand calendar.

The demo shop sits in New York, so its Shopify export carries `-0500` in winter and `-0400` in
summer inside one file, as real exports do. The DST rule is computed here (second Sunday of March
to first Sunday of November, 02:00 local) rather than read from a time-zone database, because
Windows Pythons ship without one and the demo must build identically everywhere.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

TIMEZONE = "America/New_York"
# Relative order intensity by weekday, Monday first: small shops sell most early in the week
# and on Sunday evenings, least on Friday/Saturday.
WEEKDAY = np.array([1.12, 1.06, 1.02, 1.0, 0.92, 0.84, 1.04])
# Share of a day's orders by local hour (evening peak, a few night owls).
HOURLY = np.array([1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 3.5, 4, 4.2, 4.5, 4.2, 4, 4, 4.2, 4.6,
                   5.2, 6, 6.2, 5.5, 4, 2.2])
HOURLY = HOURLY / HOURLY.sum()


def _nth_sunday(year: int, month: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (6 - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


def dst_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """Local wall-clock start and end of daylight saving time in a US Eastern year."""
    start = dt.datetime.combine(_nth_sunday(year, 3, 2), dt.time(2))
    end = dt.datetime.combine(_nth_sunday(year, 11, 1), dt.time(2))
    return start, end


def utc_offset_minutes(local: np.ndarray) -> np.ndarray:
    """UTC offset in minutes (-240 or -300) for naive local datetime64 values."""
    local = np.asarray(local, dtype="datetime64[s]")
    years = local.astype("datetime64[Y]").astype(int) + 1970
    out = np.full(local.shape, -300, dtype=np.int64)
    for year in np.unique(years):
        start, end = dst_bounds(int(year))
        in_dst = (years == year) & (local >= np.datetime64(start)) & (local < np.datetime64(end))
        out[in_dst] = -240
    return out


def format_offset(minutes: np.ndarray) -> np.ndarray:
    """-300 -> '-0500'."""
    minutes = np.asarray(minutes)
    sign = np.where(minutes < 0, "-", "+")
    absm = np.abs(minutes)
    return np.char.add(sign, np.char.add(np.char.zfill((absm // 60).astype(str), 2),
                                         np.char.zfill((absm % 60).astype(str), 2)))


def thanksgiving(year: int) -> dt.date:
    first = dt.date(year, 11, 1)
    return first + dt.timedelta(days=(3 - first.weekday()) % 7 + 21)


def holiday_multiplier(days: np.ndarray) -> np.ndarray:
    """Extra demand around Black Friday / Cyber Monday and the December gift rush.

    December rises towards the last shipping days (~Dec 18) and falls off after them; the week
    after Christmas is quiet; Black Friday to Cyber Monday is the peak of the year.
    """
    days = np.asarray(days, dtype="datetime64[D]")
    mult = np.ones(days.shape)
    years = days.astype("datetime64[Y]").astype(int) + 1970
    for year in np.unique(years):
        tg = np.datetime64(thanksgiving(int(year)))
        bf = tg + 1
        cm = tg + 4
        mask = years == year
        mult[mask & (days >= bf) & (days <= cm)] *= 2.6
        mult[mask & (days == tg)] *= 1.3
        dec1 = np.datetime64(f"{year}-12-01")
        in_rush = mask & (days >= dec1) & (days <= np.datetime64(f"{year}-12-18"))
        ramp = (days - dec1).astype(int) / 17.0
        mult[in_rush] *= 1.3 + 0.6 * ramp[in_rush]
        lull = mask & (days >= np.datetime64(f"{year}-12-22")) & (days <= np.datetime64(f"{year}-12-31"))
        mult[lull] *= 0.55
        mult[mask & (days >= np.datetime64(f"{year}-02-07")) & (days <= np.datetime64(f"{year}-02-13"))] *= 1.25
    return mult


def month_index(days: np.ndarray) -> np.ndarray:
    """0..11 for each day."""
    days = np.asarray(days, dtype="datetime64[D]")
    return (days.astype("datetime64[M]").astype(int) % 12).astype(int)


def weekday_index(days: np.ndarray) -> np.ndarray:
    """Monday=0 .. Sunday=6 (1970-01-01 was a Thursday)."""
    return ((np.asarray(days, dtype="datetime64[D]").astype(int) + 3) % 7).astype(int)
