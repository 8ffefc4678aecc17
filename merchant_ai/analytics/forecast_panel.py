"""Sales lines turned into a dense (series x period) matrix, the shape every model works on.

Forecasting thousands of SKUs is fast only when each model is one numpy pass over all series at
once; a matrix with one row per series and one column per period makes that possible. Periods are
complete calendar buckets ending on or before `as_of` (a partly observed current week would read
as a sales drop), weeks start on the shop's `week_start` day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

LEVELS = ("shop", "channel", "category", "sku")
FREQS = ("D", "W", "M")
MEASURES = ("units", "revenue")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SEASON = {"D": 7, "W": 52, "M": 12}
NO_CATEGORY = "(no category)"


@dataclass
class Panel:
    """Aligned history of many series. `start[i]` is the first period series i had a sale."""

    keys: list[str]
    periods: pd.DatetimeIndex
    values: np.ndarray                 # float (n, T): units or revenue per period
    start: np.ndarray                  # int (n,)
    freq: str
    level: str
    measure: str
    week_start: str = "monday"
    category: list[str] = field(default_factory=list)
    price: np.ndarray | None = None    # float (n, T): mean unit price per period, NaN without sales
    censored: np.ndarray | None = None  # bool (n, T): demand unobserved (stockout)
    spikes: np.ndarray | None = None    # bool (n, T): winsorised one-off spikes

    @property
    def n(self) -> int:
        return len(self.keys)

    @property
    def T(self) -> int:  # noqa: N802 - the usual name for a series length
        return len(self.periods)

    def history_length(self) -> np.ndarray:
        return self.T - self.start


def to_date(value: dt.date | str | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def period_start(days: pd.Series | pd.DatetimeIndex, freq: str, week_start: str = "monday") -> pd.DatetimeIndex:
    """The first day of the bucket holding each day."""
    idx = pd.DatetimeIndex(days)
    if freq == "W" and idx.tz is None and week_start.lower() in WEEKDAYS:
        fast = _week_start_fast(idx, WEEKDAYS.index(week_start.lower()))
        if fast is not None:
            return fast
    idx = idx.normalize()
    if freq == "D":
        return idx
    if freq == "W":
        offset = (idx.day_of_week - WEEKDAYS.index(week_start.lower())) % 7
        return idx - pd.to_timedelta(offset, unit="D")
    if freq == "M":
        return idx - pd.to_timedelta(idx.day - 1, unit="D")
    raise ValueError(f"unknown frequency {freq!r} (use one of {FREQS})")


def _week_start_fast(idx: pd.DatetimeIndex, first_day: int) -> pd.DatetimeIndex | None:
    """Weekly `period_start` in integer day arithmetic (the same values, unit and name as the pandas
    route, which costs ~1 ms per call in index and timedelta objects; demand censoring calls it once
    per SKU and zero count: ~0.3 s of the demo shop's stock fit). None for NaT (left to pandas)."""
    values = idx.asi8
    if (values == np.iinfo(np.int64).min).any():
        return None
    unit = np.datetime_data(idx.dtype)[0]
    out_unit = "ns" if unit == "ns" else "us"               # as day offsets in µs give: the finer unit
    day = np.timedelta64(1, "D").astype(f"m8[{unit}]").astype(np.int64)
    days = values // day                                    # floor: days since 1970-01-01 (a Thursday)
    offset = (days + 3 - first_day) % 7                     # 1970-01-01 is weekday 3 (Monday = 0)
    return pd.DatetimeIndex((days - offset).astype("M8[D]").astype(f"M8[{out_unit}]"), name=idx.name)


def step(freq: str, periods: int = 1) -> pd.DateOffset:
    return {"D": pd.DateOffset(days=periods), "W": pd.DateOffset(weeks=periods),
            "M": pd.DateOffset(months=periods)}[freq]


def last_complete_start(as_of: pd.Timestamp, freq: str, week_start: str) -> pd.Timestamp:
    """Start of the last bucket that ends on or before `as_of`."""
    current = period_start(pd.DatetimeIndex([as_of]), freq, week_start)[0]
    next_start = current + step(freq)
    return current if as_of + pd.Timedelta(days=1) >= next_start else current - step(freq)


def future_periods(panel: Panel, horizon: int) -> pd.DatetimeIndex:
    first = panel.periods[-1] + step(panel.freq) if panel.T else None
    return pd.DatetimeIndex([first + step(panel.freq, k) for k in range(horizon)])


def series_keys(sales: pd.DataFrame, level: str) -> pd.Series:
    if level == "shop":
        return pd.Series("all", index=sales.index)
    if level == "channel":
        return sales["channel"].fillna("(unknown)").astype(str)
    if level == "category":
        return sales["category"].where(sales["category"].notna() & (sales["category"] != ""), NO_CATEGORY).astype(str)
    if level == "sku":
        return sales["sku"].astype(str)
    raise ValueError(f"unknown level {level!r} (use one of {LEVELS})")


def build_panel(sales: pd.DataFrame, *, level: str = "sku", freq: str = "W", as_of: dt.date | str,
                week_start: str = "monday", measure: str = "units", keys: list[str] | None = None) -> Panel:
    """Bucket sales lines (SALES_COLUMNS) into a Panel; lines after `as_of` are dropped here."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r} (use one of {MEASURES})")
    as_of_ts = to_date(as_of)
    df = sales[pd.to_datetime(sales["order_date"]) <= as_of_ts] if len(sales) else sales
    last = last_complete_start(as_of_ts, freq, week_start)
    key = series_keys(df, level) if len(df) else pd.Series(dtype=str)
    if keys is not None:
        mask = key.isin(set(keys))
        df, key = df[mask], key[mask]
    if len(df) == 0:
        return Panel([], pd.DatetimeIndex([]), np.zeros((0, 0)), np.zeros(0, int), freq, level, measure,
                     week_start, [], np.zeros((0, 0)), np.zeros((0, 0), bool), np.zeros((0, 0), bool))
    bucket = period_start(pd.to_datetime(df["order_date"]), freq, week_start)
    first = bucket.min()
    periods = pd.date_range(first, last, freq={"D": "D", "W": "7D", "M": "MS"}[freq]) if first <= last \
        else pd.DatetimeIndex([])
    qty = df["net_quantity"].astype(float).to_numpy()
    value = qty if measure == "units" else df["net_revenue"].astype(float).to_numpy()
    frame = pd.DataFrame({"key": key.to_numpy(), "bucket": bucket, "value": value, "qty": qty,
                          "rev": df["net_revenue"].astype(float).to_numpy()})
    frame = frame[frame["bucket"] <= last]
    all_keys = sorted(set(key.unique()) | set(keys or []))
    kpos = {k: i for i, k in enumerate(all_keys)}
    ppos = pd.Series(np.arange(len(periods)), index=periods)
    grouped = frame.groupby(["key", "bucket"], sort=False).agg(value=("value", "sum"), qty=("qty", "sum"),
                                                               rev=("rev", "sum")).reset_index()
    rows = grouped["key"].map(kpos).to_numpy()
    cols = ppos.reindex(grouped["bucket"]).to_numpy()
    n, t = len(all_keys), len(periods)
    values = np.zeros((n, t))
    price = np.full((n, t), np.nan)
    if len(grouped):
        values[rows, cols] = grouped["value"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            unit = np.where(grouped["qty"] > 0, grouped["rev"] / grouped["qty"], np.nan)
        price[rows, cols] = unit
    values = np.clip(values, 0, None)
    sold = values > 0
    start = np.where(sold.any(axis=1), sold.argmax(axis=1), t)
    category = [NO_CATEGORY] * n
    if level == "sku" and "category" in df:
        cats = (df.assign(_k=key).dropna(subset=["category"]).drop_duplicates("_k", keep="last")
                .set_index("_k")["category"])
        category = [str(cats.get(k, NO_CATEGORY)) or NO_CATEGORY for k in all_keys]
    elif level == "category":
        category = list(all_keys)
    return Panel(all_keys, periods, values, start.astype(int), freq, level, measure, week_start, category,
                 price, np.zeros((n, t), bool), np.zeros((n, t), bool))
