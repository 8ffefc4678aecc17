"""Demand, not sales: find the periods where sales were capped by an empty shelf, and damp spikes.

A week with the SKU out of stock shows zero sales but not zero demand; fitting on it teaches the
model that demand fell, so the next order is too small and the stockout repeats. Such periods are
marked censored: models see an imputed value (recent uncensored mean) and backtests do not score
them. One-off spikes (a promotion, one wholesale order) are winsorised so they do not lift the
baseline for months.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from merchant_ai.analytics.forecast_panel import Panel, period_start


def stockout_mask(panel: Panel, inventory_history: pd.DataFrame | None) -> np.ndarray:
    """Bool (n, T): periods whose demand was not observed because stock was at zero.

    Two signals, both from counts of zero (or less): (a) from a zero count until stock is back
    (a positive count, or the first later period with sales); (b) the run of zero-sales periods just
    before a zero count, when it follows steady selling (the shelf emptied before anyone counted).
    """
    mask = np.zeros((panel.n, panel.T), bool)
    if inventory_history is None or len(inventory_history) == 0 or panel.T == 0 or panel.level != "sku":
        return mask
    inv = inventory_history[inventory_history["sku"].astype(str).isin(set(panel.keys))]
    if inv.empty:
        return mask
    inv = inv.assign(day=pd.to_datetime(inv["day"]).dt.normalize()).sort_values(["sku", "day"])
    inv = inv[inv["day"] <= panel.periods[-1] + pd.Timedelta(days=400)]
    pos = {k: i for i, k in enumerate(panel.keys)}
    pidx = pd.Series(np.arange(panel.T), index=panel.periods)
    for sku, group in inv.groupby("sku", sort=False):
        i = pos[str(sku)]
        y = panel.values[i]
        days = group["day"].to_numpy()
        qty = group["on_hand"].to_numpy(dtype=float)
        buckets = period_start(pd.DatetimeIndex(days), panel.freq, panel.week_start)
        for j in np.flatnonzero(qty <= 0):
            b = buckets[j]
            if b > panel.periods[-1]:
                continue
            p0 = int(pidx.get(b, -1)) if b >= panel.periods[0] else 0
            if p0 < 0:
                continue
            later_pos = np.flatnonzero((qty > 0) & (days > days[j]))
            end = panel.T
            if len(later_pos):
                back = period_start(pd.DatetimeIndex([days[later_pos[0]]]), panel.freq, panel.week_start)[0]
                end = min(end, int(np.searchsorted(panel.periods, back)) + 1)
            sale_after = np.flatnonzero(y[p0 + 1:] > 0)
            if len(sale_after):
                end = min(end, p0 + 1 + int(sale_after[0]))
            mask[i, p0:max(end, p0 + 1)] = True
            # (b): zero-sales run ending at the count, after steady sales.
            k = p0 - (0 if y[p0] == 0 else 1)
            run_end = k
            while k >= 0 and y[k] == 0:
                k -= 1
            before = y[max(0, k - 3):k + 1]
            if run_end > k and len(before) >= 3 and (before > 0).mean() >= 0.75:
                mask[i, k + 1:run_end + 1] = True
    return mask


def flagged_mask(panel: Panel, flags: pd.DataFrame) -> np.ndarray:
    """Bool (n, T): the periods holding the flagged (`key`, `day`) rows; a row without a key (a
    sitewide sale) marks every series."""
    mask = np.zeros((panel.n, panel.T), bool)
    if panel.T == 0 or flags is None or flags.empty:
        return mask
    buckets = period_start(pd.to_datetime(flags["day"]), panel.freq, panel.week_start)
    cols = np.searchsorted(panel.periods, buckets)
    inside = cols < panel.T
    inside[inside] = panel.periods[cols[inside]] == buckets[inside]
    _mark(mask, flags["key"].to_numpy()[inside], cols[inside], panel.keys)
    return mask


def flagged_days(flags: pd.DataFrame | None, keys: list[str], first: pd.Timestamp, days: int) -> np.ndarray:
    """Bool (len(keys), days): the days from `first` that the flagged (`key`, `day`) rows mark,
    the same way `flagged_mask` marks periods (a row without a key marks every key)."""
    mask = np.zeros((len(keys), days), bool)
    if flags is None or flags.empty or days <= 0:
        return mask
    cols = (pd.to_datetime(flags["day"]).dt.normalize() - pd.Timestamp(first).normalize()).dt.days.to_numpy()
    inside = (cols >= 0) & (cols < days)
    _mark(mask, flags["key"].to_numpy()[inside], cols[inside], keys)
    return mask


def _mark(mask: np.ndarray, flag_keys: np.ndarray, cols: np.ndarray, keys) -> None:
    pos = {k: i for i, k in enumerate(keys)}
    for key, c in zip(flag_keys, cols, strict=True):
        if key is None or (isinstance(key, float) and np.isnan(key)):
            mask[:, c] = True
        elif str(key) in pos:
            mask[pos[str(key)], c] = True


def _quiet_nanmean(a: np.ndarray, axis: int) -> np.ndarray:
    """nanmean whose all-NaN slices give NaN silently: they are routine here, not a fault to print."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(a, axis=axis)


def impute_censored(Y: np.ndarray, start: np.ndarray, censored: np.ndarray, window: int = 4,
                    long_window: int = 13) -> np.ndarray:
    """Censored cells replaced by the mean of the last uncensored periods since launch.

    The first `window` periods of a censored run take the last `window` observed periods; later
    ones widen the mean by a period each, up to `long_window`. A short stockout is best filled with
    the level just before it, but the longer demand goes unseen the less those few weeks say: a
    SKU out of stock for a year straight after its Christmas peak was filled with that peak for
    the whole year, and the boosted model then added its Christmas lift on top (demo shop,
    HT-BEHAPA: 40 a week forecast, 15 the best week it ever sold).
    """
    if not censored.any():
        return Y
    out = Y.copy()
    n, T = Y.shape
    width = max(window, long_window)
    buf = np.full((n, width), np.nan)      # the last observed values, most recent first
    filled = np.zeros(n, int)
    run = np.zeros(n, int)                  # censored periods in a row so far
    for t in range(T):
        live = start <= t
        cens = censored[:, t] & live
        run = np.where(cens, run + 1, 0)
        if cens.any():
            use = np.minimum(np.clip(run[cens], window, width), filled[cens])
            mean = _quiet_nanmean(np.where(np.arange(width)[None, :] < use[:, None], buf[cens], np.nan), axis=1)
            out[cens, t] = mean
        obs = live & ~censored[:, t]
        if obs.any():
            buf[obs] = np.roll(buf[obs], 1, axis=1)
            buf[obs, 0] = Y[obs, t]
            filled[obs] = np.minimum(filled[obs] + 1, width)
    # Censored before any observation: take the first uncensored value after it (or 0).
    nan_rows = np.isnan(out)
    if nan_rows.any():
        back = pd.DataFrame(np.where(nan_rows, np.nan, out)).bfill(axis=1).fillna(0.0).to_numpy()
        out = np.where(nan_rows, back, out)
    return out


def spike_mask(Y: np.ndarray, start: np.ndarray, censored: np.ndarray, k_mad: float = 6.0,
               min_ratio: float = 2.5, min_sales: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """One-off spikes and the cap they are winsorised to.

    A spike is far above the series' typical non-zero sale (median + k MADs, and at least
    `min_ratio` x median) and more than twice its neighbours: a seasonal peak rises over several
    periods and is kept, a one-week promotion or wholesale order is not.
    """
    n, T = Y.shape
    live = (np.arange(T)[None, :] >= start[:, None]) & ~censored
    nz = np.where(live & (Y > 0), Y, np.nan)
    enough = (~np.isnan(nz)).sum(axis=1) >= min_sales
    with warnings.catch_warnings():
        # All-NaN rows (SKUs with no sale yet) are expected and come out NaN, which is what we want.
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(nz, axis=1)
        mad = np.nanmedian(np.abs(nz - med[:, None]), axis=1) * 1.4826
    cap = np.maximum(med + k_mad * np.maximum(mad, 0.25 * med), min_ratio * med)
    prev = np.concatenate([np.full((n, 1), np.nan), Y[:, :-1]], axis=1)
    nxt = np.concatenate([Y[:, 1:], np.full((n, 1), np.nan)], axis=1)
    neighbours = _quiet_nanmean(np.stack([prev, nxt]), axis=0)
    with np.errstate(invalid="ignore"):
        spikes = enough[:, None] & live & (Y > cap[:, None]) & (Y > 2 * np.nan_to_num(neighbours))
    return spikes, np.where(np.isfinite(cap), cap, 0.0)


def winsorise(Y: np.ndarray, spikes: np.ndarray, cap: np.ndarray) -> np.ndarray:
    return np.where(spikes, np.minimum(Y, cap[:, None]), Y)
