"""Candidate forecasting methods, each one vectorised across all series of a panel.

Every function takes `Y` (n series x T periods, non-negative floats), `start` (the first period
each series had a sale: values before it are not history, only "not launched yet") and the
horizon `h`, and returns an (n, h) array of forecasts, NaN where the method does not apply (too
little history). Per-series statsmodels fits cost milliseconds each; these loops over time with
numpy over series cost microseconds per series, so the cheap methods run on every series.
Smoothing parameters are picked per series from a small grid by in-sample one-step error.
"""

from __future__ import annotations

import itertools

import numpy as np

ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5)


def _active(start: np.ndarray, t: int) -> np.ndarray:
    return start < t


def naive(Y: np.ndarray, start: np.ndarray, h: int) -> np.ndarray:
    """The last observed value, repeated."""
    return np.repeat(Y[:, -1:], h, axis=1)


def seasonal_naive(Y: np.ndarray, start: np.ndarray, h: int, m: int) -> np.ndarray:
    """Same period one season ago; only for series with at least two full seasons."""
    n, T = Y.shape
    out = np.full((n, h), np.nan)
    if T < 2 * m:
        return out
    idx = T - m + (np.arange(h) % m)
    out[:] = Y[:, idx]
    out[(T - start) < 2 * m] = np.nan
    return out


def moving_average(Y: np.ndarray, start: np.ndarray, h: int, k: int) -> np.ndarray:
    """Mean of the last k periods since launch (fewer when the series is younger)."""
    T = Y.shape[1]
    k = min(k, T)
    total = Y[:, T - k:].sum(axis=1)
    count = np.clip(np.minimum(k, T - start), 1, None)
    return np.repeat((total / count)[:, None], h, axis=1)


def _ses_run(Y: np.ndarray, start: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Final level and in-sample one-step squared error of SES with per-series alpha."""
    n, T = Y.shape
    level = np.zeros(n)
    sse = np.zeros(n)
    for t in range(T):
        y = Y[:, t]
        init = start == t
        level[init] = y[init]
        upd = start < t
        err = np.where(upd, y - level, 0.0)
        sse += err * err
        level = level + alpha * err
    return level, sse


def ses_level(Y: np.ndarray, start: np.ndarray, alphas: tuple[float, ...] = ALPHAS) -> np.ndarray:
    n = Y.shape[0]
    best_level = np.zeros(n)
    best_sse = np.full(n, np.inf)
    for a in alphas:
        level, sse = _ses_run(Y, start, np.full(n, a))
        better = sse < best_sse - 1e-12
        best_level[better], best_sse[better] = level[better], sse[better]
    return best_level


def ses(Y: np.ndarray, start: np.ndarray, h: int) -> np.ndarray:
    """Simple exponential smoothing, alpha chosen per series from a grid."""
    return np.repeat(ses_level(Y, start)[:, None], h, axis=1)


def damped_holt(Y: np.ndarray, start: np.ndarray, h: int) -> np.ndarray:
    """Additive damped-trend exponential smoothing (Gardner-McKenzie), grid-fitted per series.

    Needs 8 periods of history; the damping keeps long-horizon forecasts from running away.
    """
    n, T = Y.shape
    best_sse = np.full(n, np.inf)
    best_fc = np.full((n, h), np.nan)
    steps = np.arange(1, h + 1)
    for alpha, beta, phi in itertools.product((0.1, 0.2, 0.4), (0.02, 0.1), (0.8, 0.9, 0.98)):
        level = np.zeros(n)
        trend = np.zeros(n)
        sse = np.zeros(n)
        for t in range(T):
            y = Y[:, t]
            init = start == t
            level[init] = y[init]
            trend[init] = 0.0
            upd = start < t
            fit = level + phi * trend
            err = np.where(upd, y - fit, 0.0)
            sse += err * err
            new_level = fit + alpha * err
            trend = np.where(upd, phi * trend + alpha * beta * err, trend)
            level = np.where(upd, new_level, level)
        cum_phi = np.cumsum(phi ** steps)
        fc = level[:, None] + trend[:, None] * cum_phi[None, :]
        better = sse < best_sse - 1e-12
        best_sse[better] = sse[better]
        best_fc[better] = fc[better]
    best_fc[(T - start) < 8] = np.nan
    return np.clip(best_fc, 0, None)


def croston_sba(Y: np.ndarray, start: np.ndarray, h: int, alpha: float = 0.1) -> np.ndarray:
    """Croston with the Syntetos-Boylan bias correction: demand size over interval, x (1 - a/2)."""
    n, T = Y.shape
    size = np.zeros(n)
    interval = np.ones(n)
    since = np.zeros(n)
    for t in range(T):
        y = Y[:, t]
        init = start == t
        size[init] = y[init]
        interval[init] = 1.0
        since[init] = 0.0
        upd = start < t
        since = np.where(upd, since + 1, since)
        hit = upd & (y > 0)
        size = np.where(hit, size + alpha * (y - size), size)
        interval = np.where(hit, interval + alpha * (since - interval), interval)
        since = np.where(hit, 0.0, since)
    rate = (1 - alpha / 2) * size / np.clip(interval, 1e-9, None)
    return np.repeat(rate[:, None], h, axis=1)


def tsb(Y: np.ndarray, start: np.ndarray, h: int, alpha_d: float = 0.2, alpha_p: float = 0.2) -> np.ndarray:
    """Teunter-Syntetos-Babai: smooths the chance of a sale every period, so obsolescence shows."""
    n, T = Y.shape
    size = np.zeros(n)
    prob = np.zeros(n)
    for t in range(T):
        y = Y[:, t]
        init = start == t
        size[init] = y[init]
        prob[init] = 1.0
        upd = start < t
        hit = upd & (y > 0)
        prob = np.where(upd, prob + alpha_p * (hit - prob), prob)
        size = np.where(hit, size + alpha_d * (y - size), size)
    return np.repeat((prob * size)[:, None], h, axis=1)


def _aggregate(Y: np.ndarray, start: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping sums of k periods aligned to the end; buckets holding pre-launch periods dropped."""
    n, T = Y.shape
    nb = T // k
    if nb == 0:
        return np.zeros((n, 0)), np.zeros(n, int)
    A = Y[:, T - nb * k:].reshape(n, nb, k).sum(axis=2)
    agg_start = nb - (T - start) // k
    return A, np.clip(agg_start, 0, nb).astype(int)


def intervals_between_sales(Y: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Mean number of periods per sale since launch (1 = sells every period)."""
    sales = (Y > 0).sum(axis=1)
    length = Y.shape[1] - start
    return np.where(sales > 0, length / np.clip(sales, 1, None), np.inf)


def adida(Y: np.ndarray, start: np.ndarray, h: int) -> np.ndarray:
    """Aggregate-disaggregate: SES on buckets as long as the mean interval between sales, spread back."""
    n, T = Y.shape
    k_all = np.clip(np.rint(intervals_between_sales(Y, start)), 1, max(1, T // 3)).astype(int)
    out = np.full((n, h), np.nan)
    for k in np.unique(k_all):
        rows = np.flatnonzero(k_all == k)
        A, astart = _aggregate(Y[rows], start[rows], int(k))
        ok = astart < A.shape[1]
        if not ok.any():
            continue
        level = ses_level(A[ok], astart[ok])
        out[rows[ok]] = (level / k)[:, None]
    return out


def imapa(Y: np.ndarray, start: np.ndarray, h: int) -> np.ndarray:
    """Mean over aggregation levels 1..k of the per-level SES forecast (Petropoulos-Kourentzes)."""
    n, T = Y.shape
    k_max = np.clip(np.rint(intervals_between_sales(Y, start)), 1, max(1, T // 3)).astype(int)
    total = np.zeros(n)
    count = np.zeros(n)
    for k in range(1, int(k_max.max(initial=1)) + 1):
        rows = np.flatnonzero(k_max >= k)
        A, astart = _aggregate(Y[rows], start[rows], k)
        ok = astart < A.shape[1]
        if not ok.any():
            continue
        level = ses_level(A[ok], astart[ok])
        total[rows[ok]] += level / k
        count[rows[ok]] += 1
    rate = np.where(count > 0, total / np.clip(count, 1, None), np.nan)
    return np.repeat(rate[:, None], h, axis=1)


def demand_class(Y: np.ndarray, start: np.ndarray) -> np.ndarray:
    """'smooth' (sales in >= 50% of periods since launch), 'intermittent' (10-50%), 'lumpy' (< 10%)."""
    length = np.clip(Y.shape[1] - start, 1, None)
    share = (Y > 0).sum(axis=1) / length
    return np.where(share >= 0.5, "smooth", np.where(share >= 0.1, "intermittent", "lumpy"))
