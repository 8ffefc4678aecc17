"""Per-series statsmodels fits (seasonal ETS, ARIMA), kept to the series where they can help.

A statsmodels fit costs 5-50 ms per series (perf-notes: damped ETS 30 s for 1,635 SKUs), so these
run only where a cheap vectorised method cannot capture the structure: seasonal ETS for steady
sellers with two full seasons and a visible seasonal pattern, ARIMA for the few aggregate series
(shop, channel, category). `max_series` caps the bill on large shops: the biggest sellers first.
"""

from __future__ import annotations

import warnings

import numpy as np


def seasonal_strength(Y: np.ndarray, start: np.ndarray, m: int) -> np.ndarray:
    """Autocorrelation at the seasonal lag over each series' history (NaN when too short)."""
    n, T = Y.shape
    out = np.full(n, np.nan)
    for i in np.flatnonzero(T - start >= 2 * m):
        y = Y[i, start[i]:]
        y = y - y.mean()
        denom = (y * y).sum()
        if denom > 0:
            out[i] = (y[m:] * y[:-m]).sum() / denom
    return out


def ets_candidates(Y: np.ndarray, start: np.ndarray, m: int, max_series: int = 150,
                   min_strength: float = 0.2) -> np.ndarray:
    """Rows that get a seasonal ETS fit: two seasons, selling in >= 80% of periods, seasonal."""
    length = Y.shape[1] - start
    share = (Y > 0).sum(axis=1) / np.clip(length, 1, None)
    strength = seasonal_strength(Y, start, m)
    ok = (length >= 2 * m) & (share >= 0.8) & (np.nan_to_num(strength) >= min_strength)
    rows = np.flatnonzero(ok)
    if len(rows) > max_series:
        rows = rows[np.argsort(-Y[rows].sum(axis=1))[:max_series]]
    return np.sort(rows)


def seasonal_ets(Y: np.ndarray, start: np.ndarray, h: int, m: int, rows: np.ndarray) -> np.ndarray:
    """Holt-Winters with damped additive trend and additive seasonality for the given rows."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    out = np.full((Y.shape[0], h), np.nan)
    for i in rows:
        y = Y[i, start[i]:]
        if len(y) < 2 * m:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = ExponentialSmoothing(y, trend="add", damped_trend=True, seasonal="add",
                                           seasonal_periods=m, initialization_method="heuristic").fit()
                out[i] = fit.forecast(h)
            except (ValueError, np.linalg.LinAlgError):
                continue
    return np.clip(out, 0, None)


def arima(Y: np.ndarray, start: np.ndarray, h: int, rows: np.ndarray) -> np.ndarray:
    """ARIMA(1,1,1) with drift-free differencing, for series with 20+ periods."""
    from statsmodels.tsa.arima.model import ARIMA

    out = np.full((Y.shape[0], h), np.nan)
    for i in rows:
        y = Y[i, start[i]:]
        if len(y) < 20:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = ARIMA(y, order=(1, 1, 1)).fit()
                out[i] = fit.forecast(h)
            except (ValueError, np.linalg.LinAlgError):
                continue
    return np.clip(out, 0, None)
