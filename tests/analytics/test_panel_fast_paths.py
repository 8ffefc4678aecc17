"""Fast numpy paths of the forecasting inputs give exactly what the pandas expressions they replace gave.

`period_start` (weekly) and the GBM's last observed price run hundreds of times per stock fit; their
integer/array versions must match the pandas originals value for value, unit and name included,
since a changed unit or one shifted day would move every forecast silently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from merchant_ai.analytics.forecast_global import _last_observed
from merchant_ai.analytics.forecast_panel import WEEKDAYS, period_start


def _pandas_week_start(days, week_start: str) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(days).normalize()
    offset = (idx.day_of_week - WEEKDAYS.index(week_start.lower())) % 7
    return idx - pd.to_timedelta(offset, unit="D")


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_weekly_period_start_matches_pandas_for_every_unit_week_start_and_shape(unit):
    rng = np.random.default_rng(4)
    seconds = rng.integers(-20_000 * 86_400, 30_000 * 86_400, 2_000)   # 1915 .. 2052, times of day included
    seconds[:3] = [0, -1, 86_399]                                       # around the epoch (a Thursday)
    values = (seconds * {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]).astype(f"datetime64[{unit}]")
    shapes = [pd.DatetimeIndex(values), pd.DatetimeIndex(values, name="day"), pd.Series(values, name="order_date"),
              pd.Series(values), pd.DatetimeIndex(values[:0]), pd.DatetimeIndex(values[:1])]
    for days in shapes:
        for week_start in (*WEEKDAYS, "Sunday"):
            got, want = period_start(days, "W", week_start), _pandas_week_start(days, week_start)
            assert got.equals(want) and got.dtype == want.dtype and got.name == want.name
            assert (got.day_of_week == WEEKDAYS.index(week_start.lower())).all()


def test_weekly_period_start_with_missing_days_and_time_zones_still_matches():
    missing = pd.Series(pd.to_datetime(["2024-01-03 10:00", None, "2024-02-29 23:59"]))
    assert period_start(missing, "W", "sunday").equals(_pandas_week_start(missing, "sunday"))
    zoned = pd.DatetimeIndex(["2024-03-31 03:30", "2024-10-27 12:00"]).tz_localize("Europe/London")
    assert period_start(zoned, "W").equals(_pandas_week_start(zoned, "monday"))


def test_last_observed_price_is_the_forward_fill_of_each_row():
    rng = np.random.default_rng(9)
    for shape in [(60, 26), (4, 1), (0, 5), (9, 3)]:
        p = rng.normal(10, 2, shape)
        p[rng.random(shape) < 0.6] = np.nan
        if shape[0] > 2:
            p[0] = np.nan          # never priced
            p[1, -1] = np.inf      # a fill carries values, NaN only is missing
        want = pd.DataFrame(p).ffill(axis=1).iloc[:, -1].to_numpy()
        assert np.array_equal(_last_observed(p), want, equal_nan=True)
