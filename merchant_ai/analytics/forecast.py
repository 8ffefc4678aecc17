"""Sales forecasts a merchant can check: per series, the model that won its own backtest.

`Forecaster` follows scikit-learn: `__init__` stores options, `fit(sales, as_of=...)` learns and
returns self, results end in `_`. Every candidate in `forecast_backtest.CANDIDATES` is backtested
at rolling origins on each series; the best by MASE (ties to the simpler) forecasts the future, with
80/95% bands from its own backtest residuals. Per-series scores are shrunk toward the demand class's
mean (three origins alone pick the lucky model), series too young to score take their class's best,
and the inverse-error weighted mean of each series' three best is one more candidate. Forecasts are
scaled per (class, model) toward the median by a factor learnt on the latest backtest evidence
(the newest full-horizon origin and partial-horizon origins 4 and 8 weeks back; MASE rewards the
median); the forecast without that pull is kept as `expected_` (factors above 1, which correct a
level bias, stay): the mean an owner plans with and the trend compares against history (where naive
was chosen, which repeats one period, the mean of the last 8). Measured on the UCI file against the public tools: docs/accuracy.md, "Forecast". Censored
stockout periods and one-off spikes are cleaned first (`demand_censoring`); SKUs too new to backtest
borrow their category's shape.
Progress and cancel belong to the caller (see `forecast_task`); `fit` only takes a `monitor`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from merchant_ai.analytics import demand_censoring as dc
from merchant_ai.analytics import forecast_backtest as fb
from merchant_ai.analytics import forecast_models as fm
from merchant_ai.analytics.forecast_panel import NO_CATEGORY, SEASON, Panel, build_panel, future_periods
from merchant_ai.wording import counted

TOP_DOWN = "top_down_category"
# Bumped whenever a change alters forecasts or their summary (trend) for the same data: cached
# answers keyed by data version alone would otherwise outlive an upgrade (see forecast_task).
MODEL_VERSION = 13
MIN_TREND_UNITS = 5       # units sold in the last `horizon` periods before a trend % is shown
SHAPE_CANDIDATES = ["naive", "seasonal_naive", "moving_average_4", "moving_average_13", "ses", "damped_trend"]


@dataclass
class Monitor:
    """Progress and cancel hooks handed down by the task function (GUI job or CLI)."""

    progress: Callable[[float, str], None] | None = None
    cancelled: Callable[[], bool] | None = None

    def step(self, fraction: float, message: str) -> None:
        if self.cancelled is not None and self.cancelled():
            raise fb.Cancelled("forecast cancelled")
        if self.progress is not None:
            self.progress(min(max(fraction, 0.0), 1.0), message)


class Forecaster:
    """Per-series model selection by rolling-origin backtest, for one level/frequency/measure."""

    def __init__(self, level: str = "sku", freq: str = "W", horizon: int = 12, measure: str = "units",
                 week_start: str = "monday", candidates: list[str] | None = None, n_origins: int = 3,
                 min_train: int = 4, tie_tolerance: float = 0.01, combine: bool = True,
                 shrinkage: float = 30.0, combine_top: int = 3, calibrate: bool = True,
                 censor_stockouts: bool = True, damp_spikes: bool = True, new_product_periods: int = 8,
                 use_statsmodels: bool = True, use_global: bool = True, max_ets: int = 60,
                 max_arima: int = 12, n_threads: int = 1, random_state: int = 0) -> None:
        self.level = level
        self.freq = freq
        self.horizon = horizon
        self.measure = measure
        self.week_start = week_start
        self.candidates = candidates
        self.n_origins = n_origins
        self.min_train = min_train
        self.tie_tolerance = tie_tolerance
        self.combine = combine
        self.shrinkage = shrinkage
        self.combine_top = combine_top
        self.calibrate = calibrate
        self.censor_stockouts = censor_stockouts
        self.damp_spikes = damp_spikes
        self.new_product_periods = new_product_periods
        self.use_statsmodels = use_statsmodels
        self.use_global = use_global
        self.max_ets = max_ets
        self.max_arima = max_arima
        self.n_threads = n_threads
        self.random_state = random_state

    # --- fitting -----------------------------------------------------------------------------
    def fit(self, sales: pd.DataFrame, as_of: dt.date | str, *, inventory_history: pd.DataFrame | None = None,
            keys: list[str] | None = None, promotions: pd.DataFrame | None = None,
            monitor: Monitor | None = None) -> Forecaster:
        """Learn from `sales` (queries.SALES_COLUMNS) up to `as_of`; nothing later is looked at.

        `inventory_history` (queries.inventory_history) lets stockout periods be censored;
        `promotions` (columns `key`, `day`) flags periods the owner knows were unusual.

        BLAS/OpenMP threads are capped (`n_threads`): on a busy 2-core laptop oversubscribed
        threads made one ARIMA fit 15x and the boosted model 4x slower than a single thread.
        """
        with threadpool_limits(limits=self.n_threads):
            return self._fit(sales, as_of, inventory_history, keys, promotions, monitor)

    def _fit(self, sales: pd.DataFrame, as_of: dt.date | str, inventory_history: pd.DataFrame | None,
             keys: list[str] | None, promotions: pd.DataFrame | None, monitor: Monitor | None) -> Forecaster:
        if self.horizon < 1:
            raise ValueError("horizon must be at least 1 period")
        mon = monitor or Monitor()
        self.as_of_ = pd.Timestamp(as_of).normalize()
        names = list(self.candidates or fb.NAMES)
        unknown = set(names) - set(fb.NAMES)
        if unknown:
            raise ValueError(f"unknown candidate models: {sorted(unknown)}")
        mon.step(0.0, "building series")
        panel = build_panel(sales, level=self.level, freq=self.freq, as_of=self.as_of_,
                            week_start=self.week_start, measure=self.measure, keys=keys)
        if inventory_history is not None and len(inventory_history):
            inventory_history = inventory_history[pd.to_datetime(inventory_history["day"]) <= self.as_of_]
        self.panel_ = panel
        self.future_ = future_periods(panel, self.horizon) if panel.T else pd.DatetimeIndex([])
        n, h = panel.n, self.horizon
        self.forecast_ = np.zeros((n, h))
        self.expected_ = np.zeros((n, h))
        self.model_ = np.array([""] * n, dtype=object)
        self.backtest_mase_ = np.full(n, np.nan)
        self.naive_mase_ = np.full(n, np.nan)
        self.reason_ = [""] * n
        self.candidate_forecasts_: dict[str, np.ndarray] = {}
        self.candidate_scores_: dict[str, np.ndarray] = {}
        self.coverage_ = {"coverage80": float("nan"), "coverage95": float("nan"), "points": 0}
        self.cum_error_: dict[str, np.ndarray] = {}
        self.bands_ = {k: np.zeros((n, h)) for k in fb.QUANTILES}
        if n == 0 or panel.T == 0:
            self.classes_ = np.array([], dtype=object)
            self.scale_ = np.zeros(n)
            return self

        mon.step(0.03, "finding stockouts and spikes")
        Y = panel.values
        start = panel.start.copy()
        if self.censor_stockouts:
            panel.censored = dc.stockout_mask(panel, inventory_history)
        panel.censored = panel.censored | closed_periods(Y, start, self.freq)
        Y_fit = dc.impute_censored(Y, start, panel.censored)
        if self.damp_spikes:
            spikes, cap = dc.spike_mask(Y_fit, start, panel.censored)
            panel.spikes = spikes
            Y_fit = dc.winsorise(Y_fit, spikes, cap)
        if promotions is not None and len(promotions):
            # Periods the owner flagged (promotion, one-off deal): the baseline sees the usual level.
            flagged = dc.flagged_mask(panel, promotions)
            Y_fit = dc.impute_censored(Y_fit, start, flagged)
            panel.spikes = panel.spikes | flagged
        self.fitted_values_ = Y_fit
        weight = (~panel.censored).astype(float)
        m = SEASON[self.freq]
        ctx = fb.Context(h, m, self.freq, self.level, panel.periods, panel.price, panel.category, weight,
                         max_ets=self.max_ets, max_arima=self.max_arima, use_statsmodels=self.use_statsmodels,
                         use_global=self.use_global, seed=self.random_state)
        self.classes_ = fm.demand_class(Y_fit, start)
        self.scale_ = fb.naive_scale(Y, start, weight)

        base = [nm for nm in names if nm != fb.COMBO]
        n_cand = max(1, len(base))
        ticks = {"k": 0}
        n_recent = len(fb.recent_origins(panel.T, h, self.min_train)) if self.calibrate else 0
        n_recent = n_recent * len([nm for nm in base if nm not in fb.NOT_RECENT]) / n_cand

        def bt_tick(frac_origin: float, message: str) -> None:
            ticks["k"] += 1
            mon.step(0.05 + 0.70 * min(1.0, ticks["k"] / (n_cand * max(1, self.n_origins + n_recent))), message)

        result = fb.backtest(Y_fit, Y, start, ctx, names, self.n_origins, self.min_train, bt_tick)
        # The latest evidence for the calibration factors (see `forecast_backtest.calibrate`).
        recent = fb.recent_backtest(Y_fit, Y, start, ctx, base, self.min_train, bt_tick, panel.spikes) \
            if self.calibrate and result.origins else None
        live_ticks = {"k": 0}

        def live_tick(name: str) -> None:
            live_ticks["k"] += 1
            mon.step(0.75 + 0.2 * live_ticks["k"] / n_cand, f"forecasting: {name}")

        final_ctx = fb.Context(**{**ctx.__dict__, "final": True})
        live = fb.run_candidates(Y_fit, start, final_ctx, names, live_tick)
        available = {nm: ~np.isnan(live[nm]).any(axis=1) for nm in base}
        self.calibration_ = fb.calibrate(result, self.classes_, base, recent) if self.calibrate else {}
        raw = {nm: live[nm] for nm in base}  # for `expected_`: no pull toward the median
        for nm, fac in self.calibration_.items():
            # A factor below 1 moves a mean-type forecast toward the median of skewed demand: the
            # mean keeps the model's own level. A factor above 1 corrects a model that falls short
            # even of the median (last year's season in a growing shop): the mean keeps that too.
            raw[nm] = live[nm] * np.maximum(fac, 1.0)[:, None]
            live[nm] = live[nm] * fac[:, None]
        chosen, score = fb.select(result, names, available, self.tie_tolerance, self.combine,
                                  self.classes_, self.shrinkage, self.combine_top)
        if fb.COMBO in result.scores:
            members, weights = result.extra["combo_members"], result.extra["combo_weights"]
            stack = np.nan_to_num(np.stack([live[nm] for nm in base]))
            live[fb.COMBO] = fb.combine_forecasts(stack, members, weights)
            raw[fb.COMBO] = fb.combine_forecasts(np.nan_to_num(np.stack([raw[nm] for nm in base])), members, weights)
            self.combo_members_ = [tuple(base[members[j, i]] for j in range(len(members)) if weights[j, i] > 0)
                                   for i in range(n)]
        self.candidate_forecasts_ = live
        self.candidate_scores_ = result.scores
        self.backtest_ = result
        naive_scores = result.scores.get("naive", np.full(n, np.nan))
        mean = np.zeros((n, h))
        expected = np.zeros((n, h))
        for name in set(chosen) - {""}:
            rows = np.flatnonzero(chosen == name)
            mean[rows] = live[name][rows]
            expected[rows] = raw[name][rows]
        # No backtest possible (too little history): fall back to the mean since launch.
        unscored = chosen == ""
        fallback = fm.moving_average(Y_fit, start, h, 8)
        mean[unscored] = fallback[unscored]
        # Naive repeats one period (a single draw, 0 for most slow sellers), not a mean to plan with.
        copies = unscored | (chosen == "naive")
        expected[copies] = fallback[copies]
        self.model_ = np.where(unscored, "moving_average_8", chosen)
        young = (result.evaluated == 0) & ~unscored
        reasons = ["too little history to backtest: the best model of its demand class" if y else
                   "" if c else "too little history to backtest: mean of recent periods"
                   for c, y in zip(chosen, young, strict=True)]
        self.backtest_mase_ = np.where(young, np.nan, score)  # a class's score is not the series' own
        self.naive_mase_ = naive_scores

        mon.step(0.95, "intervals and new products")
        resid = fb.chosen_residuals(result, chosen) if result.origins else np.zeros((0, n, h))
        groups = self.classes_
        table = fb.interval_quantiles(resid, groups) if resid.size else {"_all": {
            k: np.full(h, np.nan) for k in fb.QUANTILES}}
        self.coverage_ = fb.coverage(resid, groups) if resid.size else self.coverage_
        self.cum_error_ = fb.cumulative_error_quantiles(resid, groups)
        self.interval_table_ = table
        new = (panel.history_length() < self.new_product_periods) & (panel.history_length() > 0)
        if self.level == "sku" and new.any():
            mean, reasons, expected = self._top_down(Y_fit, start, new, mean, reasons, expected)
        never = start >= panel.T
        mean[never] = 0.0
        expected[never] = 0.0
        self.model_ = np.where(never, "no_history", self.model_)
        for i in np.flatnonzero(never):
            reasons[i] = "no sales up to as_of"
        # Out of stock up to as_of: the owner sees zero sales and a forecast above it; say why.
        word = {"D": "day", "W": "week", "M": "month"}[self.freq]
        for i in np.flatnonzero(panel.censored[:, -1] & ~never):
            run = int(np.argmin(panel.censored[i, ::-1])) if not panel.censored[i].all() else panel.T
            note = (f"out of stock for the last {counted(run, word)}: this is what it would "
                    f"sell if in stock, from sales before the stockout")
            reasons[i] = f"{reasons[i]}; {note}" if reasons[i] else note
        mean = np.clip(np.nan_to_num(mean), 0, None)
        self.forecast_ = mean
        self.expected_ = np.clip(np.nan_to_num(expected), 0, None)
        self.bands_ = fb.band(mean, self.scale_, groups, table)
        self.reason_ = reasons
        mon.step(1.0, "done")
        return self

    def _top_down(self, Y: np.ndarray, start: np.ndarray, new: np.ndarray, mean: np.ndarray,
                  reasons: list[str], expected: np.ndarray) -> tuple[np.ndarray, list[str], np.ndarray]:
        """New SKUs: their own level (as their selected, calibrated model sees it) times their category's shape.

        The shape is the category forecast over the category's current SES level (a pure shape,
        mean about 1); the level is what the SKU's own selection forecasts, so it carries the class's
        calibration like every other series (using the SES level instead was 0.3 MASE worse on the
        118 new SKUs of the UCI 2011-06-05 origin). Scaling the SKU's raw mean since launch by the category's
        forecast-to-history ratio was 25% worse on the UCI bench (launch weeks are unlike later ones).
        `expected` (no pull toward the median) gets the same shape on its own level.
        """
        cats = np.array([c or NO_CATEGORY for c in self.panel_.category], dtype=object)
        groups = sorted(set(cats[new]))
        agg = np.vstack([Y[cats == g].sum(axis=0) for g in groups])
        agg_start = np.array([int(start[cats == g].min()) for g in groups])
        h, T = self.horizon, Y.shape[1]
        ctx = fb.Context(h, SEASON[self.freq], self.freq, "category", self.panel_.periods,
                         np.full(agg.shape, np.nan), groups, np.ones(agg.shape), final=True,
                         use_statsmodels=False, use_global=False)
        res = fb.backtest(agg, agg, agg_start, fb.Context(**{**ctx.__dict__, "final": False}),
                          SHAPE_CANDIDATES, self.n_origins, self.min_train)
        live = fb.run_candidates(agg, agg_start, ctx, SHAPE_CANDIDATES)
        avail = {nm: ~np.isnan(live[nm]).any(axis=1) for nm in SHAPE_CANDIDATES}
        chosen, _ = fb.select(res, SHAPE_CANDIDATES, avail, self.tie_tolerance, combine=False)
        shape_fc = np.vstack([live[c][j] if c else fm.moving_average(agg[j:j + 1], agg_start[j:j + 1], h, 8)[0]
                              for j, c in enumerate(chosen)])
        cat_level = fm.ses_level(agg, agg_start)  # the category "now", measured like the SKU's level
        model = self.model_.copy()
        for i in np.flatnonzero(new):
            j = groups.index(cats[i])
            length = int(T - start[i])
            own = float(mean[i].mean()) if np.isfinite(mean[i]).all() else float(Y[i, T - length:].mean())
            own_exp = float(expected[i].mean()) if np.isfinite(expected[i]).all() else float(Y[i, T - length:].mean())
            centre = cat_level[j]
            shape = shape_fc[j] / centre if centre > 0 else np.ones(h)
            mean[i] = own * shape
            expected[i] = own_exp * shape
            model[i] = TOP_DOWN
            where = "the whole shop" if cats[i] == NO_CATEGORY else f"category '{cats[i]}'"
            reasons[i] = (f"new product ({length} periods of sales): shape of {where} "
                          f"({chosen[j] or 'moving_average_8'}) scaled to its own sales")
        self.model_ = model
        return mean, reasons, expected

    # --- results -----------------------------------------------------------------------------
    def lead_time_error(self, periods: np.ndarray, level: float) -> np.ndarray:
        """Per series, the `level` quantile of (demand - forecast) summed over `periods` steps.

        From the chosen models' backtest errors (scaled per series, pooled per demand class);
        `periods` may be fractional; beyond the horizon it grows like sqrt(k). NaN: no evidence.
        """
        n = self.panel_.n
        out = np.full(n, np.nan)
        if not self.cum_error_:
            return out
        p = float(np.clip(level, fb.ERROR_PROBS[0], fb.ERROR_PROBS[-1]))
        curves = {}
        for g, table in self.cum_error_.items():
            curve = np.array([np.interp(p, fb.ERROR_PROBS, table[:, k]) if np.isfinite(table[:, k]).all()
                              else np.nan for k in range(table.shape[1])])
            curves[g] = curve
        for i in range(n):
            curve = curves.get(str(self.classes_[i]))
            if curve is None or np.isnan(curve).all():
                curve = curves.get("_all")
            if curve is None or np.isnan(curve).all():
                continue
            k = float(max(periods[i], 0.0))
            steps = np.arange(1, len(curve) + 1)
            finite = np.isfinite(curve)
            if k <= steps[finite][-1]:
                val = np.interp(k, np.concatenate([[0], steps[finite]]), np.concatenate([[0], curve[finite]]))
            else:  # beyond the horizon: grow like sqrt(k)
                val = curve[finite][-1] * np.sqrt(k / steps[finite][-1])
            out[i] = val * self.scale_[i]
        return out

    def series_frame(self) -> pd.DataFrame:
        """One row per series: chosen model, its backtest MASE next to naive's, next period, trend.

        `next_period`/`horizon_total` are the scored (median-calibrated) point; `expected_next`/
        `expected_total` the mean (no pull toward the median). The trend compares like with like: the expected
        mean ahead over the mean of the last `horizon` periods (the calibrated point of a slow
        seller sits far below its mean and read as sales collapsing).
        """
        p = self.panel_
        h = self.horizon
        T = p.T
        recent = p.values[:, max(0, T - h):].mean(axis=1) if T else np.zeros(p.n)
        expected = getattr(self, "expected_", self.forecast_)
        ahead = expected.mean(axis=1) if expected.size else np.zeros(p.n)
        with np.errstate(divide="ignore", invalid="ignore"):
            trend = np.where(recent > 0, ahead / recent - 1.0, np.nan)
        if self.measure == "units":
            # A percentage of a handful of units is noise (0.1 -> 0.2 a week read "+100%"): no trend
            # for a series that sold fewer than MIN_TREND_UNITS in the recent window.
            trend = np.where(recent * min(h, T) >= MIN_TREND_UNITS, trend, np.nan)
        return pd.DataFrame({
            "level": self.level, "key": p.keys, "measure": self.measure, "model": self.model_,
            "backtest_mase": self.backtest_mase_, "naive_mase": self.naive_mase_,
            "demand_class": self.classes_, "history_periods": p.history_length(),
            "next_period": self.forecast_[:, 0] if self.forecast_.size else np.zeros(p.n),
            "horizon_total": self.forecast_.sum(axis=1) if self.forecast_.size else np.zeros(p.n),
            "expected_next": expected[:, 0] if expected.size else np.zeros(p.n),
            "expected_total": expected.sum(axis=1) if expected.size else np.zeros(p.n),
            "trend": trend, "censored_periods": p.censored.sum(axis=1) if p.censored is not None else 0,
            "spikes_damped": p.spikes.sum(axis=1) if p.spikes is not None else 0,
            "reason": self.reason_,
        })

    def to_dict(self, keys: list[str] | None = None) -> list[dict]:
        """Series in the CLI contract's shape (plus extra fields).

        Each point's `mean` is the scored, median-calibrated forecast (contract key, unchanged);
        `expected` is the mean (no pull toward the median), the figure to plan units and money with.
        """
        frame = self.series_frame()
        pos = {k: i for i, k in enumerate(self.panel_.keys)}
        wanted = keys if keys is not None else self.panel_.keys
        out = []
        for key in wanted:
            if key not in pos:
                continue
            i = pos[key]
            row = frame.iloc[i]
            expected = getattr(self, "expected_", self.forecast_)
            points = [{"period_start": d.date().isoformat(), "mean": float(self.forecast_[i, j]),
                       "expected": float(expected[i, j]),
                       **{b: float(self.bands_[b][i, j]) for b in ("lower80", "upper80", "lower95", "upper95")}}
                      for j, d in enumerate(self.future_)]
            out.append({"level": self.level, "key": key, "measure": self.measure, "model": row["model"],
                        "backtest_mase": _num(row["backtest_mase"]), "naive_mase": _num(row["naive_mase"]),
                        "demand_class": row["demand_class"], "trend": _num(row["trend"]),
                        "censored_periods": int(row["censored_periods"]),
                        "spikes_damped": int(row["spikes_damped"]), "reason": row["reason"],
                        "points": points})
        return out

    def history_frame(self, key: str) -> pd.DataFrame:
        """The series as observed and as the models saw it (for the chart)."""
        i = self.panel_.keys.index(key)
        return pd.DataFrame({"period_start": self.panel_.periods, "actual": self.panel_.values[i],
                             "cleaned": self.fitted_values_[i] if hasattr(self, "fitted_values_") else np.nan,
                             "censored": self.panel_.censored[i], "spike": self.panel_.spikes[i]})


def closed_periods(Y: np.ndarray, start: np.ndarray, freq: str, min_open: float = 0.9) -> np.ndarray:
    """Bool (n, T): weeks or months the whole shop sold nothing, inside a history that sells ~always.

    That is the shop closed (the UCI shop, 23 Dec 2010 - 4 Jan 2011), not every product's demand
    falling to zero: such a period is censored like a stockout, so levels, demand classes and the
    backtest's error scale do not count it as demand. Days are left alone (a shop shut on Sundays
    has no Sunday demand), as are quiet periods of shops that often sell nothing in a period.
    """
    n, T = Y.shape
    out = np.zeros((n, T), bool)
    if freq == "D" or n == 0 or T < 3:
        return out
    sold = Y.sum(axis=0) > 0
    if not sold.any():
        return out
    first, last = int(np.argmax(sold)), T - 1 - int(np.argmax(sold[::-1]))
    inside = np.zeros(T, bool)
    inside[first + 1:last] = True
    closed = inside & ~sold
    if not closed.any() or sold[first:last + 1].mean() < min_open:
        return out
    return closed[None, :] & (np.arange(T)[None, :] > start[:, None])


def _num(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


__all__ = ["Forecaster", "Monitor", "Panel"]
