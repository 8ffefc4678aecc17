"""Price elasticity of demand per SKU from the shop's own price and quantity history.

The data is `price_panel`: per SKU x channel, from its first to its last sale day, one row per
week and price posted that week, with the share of the week at that price (`exposure`) and the
units sold at it; days without sales whose price is unknown (between sales at two prices) are
shared between the two prices by the model. The model is log-log (constant elasticity)::

    log E[units] = log(exposure) + a_c + e * log(price) + b * trend + annual Fourier terms

`e` is the elasticity (+1% price -> about e% units); `a_c` is a level per channel, so a channel
that sells at a 10% higher price (marketplace fees priced in) is not mistaken for customers buying
more at higher prices: only price changes *within* a channel over time identify `e`. Trend and
seasonality are controlled for, otherwise a December price rise during the Christmas peak would
read as "customers like higher prices".

Estimators:
- `method="poisson"` (default): Poisson regression with log link and Pearson-scaled standard errors
  (quasi-Poisson: over-dispersion widens the interval), in `poisson_fe` (all SKUs' own fits at once in
  `sku_poisson`). Small shops sell 0-3 units
  of most products a week; it keeps the zero weeks that `log(units)` cannot take. Where in a quiet
  gap the price changed is unknown: the estimate is the mean of two fits with different priors for
  it (uniform, and spells whose lengths are learnt from the shop's prices), and half their
  difference is added to the standard error (it is as large as the sampling error on the demo
  shops, whose SKUs sell a unit or two a week).
- `method="ols"`: log-log OLS on rows with sales, for dense series.

We refuse, with a reason, when the price never varied within a channel (or by less than
`min_price_sd` in log terms, ~2%) or there are too few weeks with sales. Every category is also
estimated as a whole: a level per SKU x channel and one per week shared by the category's SKUs
(its own season, holidays and trend, whatever their shape), errors clustered by SKU. `shrinkage`
then combines each SKU's own estimate with its category's (categories first pulled toward the
shop's mean by how much they disagree), with an interval for that SKU, not for the category
average. An estimate still wider than `max_ci_width` gets `level="uncertain"`: shown, never used
for a price suggestion.

Measured (bench/pricing.py, docs/accuracy.md), demo shops 7 / 11 / 23 / 42 (true elasticities
-2.5 to -1.5): 95% intervals hold the truth for 100 / 96 / 79 / 100% of SKUs (before: 45 / 63 /
32 / 34%), median |error| 0.20 / 0.28 / 0.48 / 0.23 (before 0.73 / 0.87 / 1.55 / 1.47; the
textbook OLS on average prices 1.7-1.9). Most of the old error was bias, not SKUs differing:
dropping the quiet weeks around promotions and crediting a promotion's part-week to the old price.

Caveat: prices a shop sets in response to demand bias these estimates toward zero; quantity
discounts to big buyers (wholesale) bias them away from zero. The interval cannot show that; the
shop's own backtest (`price_backtest`) decides whether the estimates are fit to suggest prices.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from threadpoolctl import threadpool_limits

from merchant_ai.pricing.poisson_fe import Gaps, fit_poisson_fe
from merchant_ai.pricing.price_panel import PricePanel, price_panel
from merchant_ai.pricing.shrinkage import SKU_SPREAD, combine
from merchant_ai.pricing.sku_poisson import fit_skus

RESULT_COLUMNS = ["sku", "category", "elasticity", "ci_low", "ci_high", "std_err", "n_weeks", "level",
                  "price_sd", "last_price", "units_per_week", "reason"]


def weekly_history(sales: pd.DataFrame, as_of: dt.date | str | None = None,
                   by: tuple[str, ...] = ("sku", "channel")) -> pd.DataFrame:
    """Units and the week's price per `by` and week (weeks start Monday) up to `as_of`, sales weeks only.

    The price is the highest line unit price of the week: the price the shop posted for a single
    buyer. (The estimators use `price_panel`, which splits a week by the price of each day; this
    weekly view is for the textbook baseline and summaries.)
    """
    df = sales
    if as_of is not None:
        df = df[pd.to_datetime(df["order_date"]) <= pd.Timestamp(as_of)]
    qty = pd.to_numeric(df["quantity"], errors="coerce")
    rev = pd.to_numeric(df["revenue"], errors="coerce")
    df = df[(qty > 0) & (rev > 0)]
    keys = list(by)
    if df.empty:
        return pd.DataFrame(columns=[*keys, "category", "week", "units", "revenue", "price"])
    week = pd.to_datetime(df["order_date"]).dt.to_period("W-SUN").dt.start_time
    unit_price = pd.to_numeric(df["unit_price"], errors="coerce")
    posted = unit_price.where(unit_price > 0, rev / qty)
    out = (df.assign(week=week, category=df["category"].fillna(""), posted=posted)
             .groupby([*keys, "week"], as_index=False, sort=True)
             .agg(units=("quantity", "sum"), revenue=("revenue", "sum"), category=("category", "first"),
                  price=("posted", "max")))
    return out


def _controls(days: np.ndarray, origin: float, span_weeks: float, n: int) -> np.ndarray:
    """Trend and (when the history allows it) annual Fourier terms; `days` as day numbers."""
    t = (np.asarray(days, dtype=float) - origin) / 7.0
    cols = [t / 52.0]
    harmonics = 2 if span_weeks >= 52 and n >= 30 else (1 if span_weeks >= 26 and n >= 20 else 0)
    for k in range(1, harmonics + 1):
        angle = 2 * np.pi * k * t / 52.18
        cols += [np.sin(angle), np.cos(angle)]
    return np.column_stack(cols)


def _levels(codes: np.ndarray) -> np.ndarray:
    """Dummy columns for all but the first level (the intercept carries it)."""
    uniq = np.unique(codes)
    return (codes[:, None] == uniq[None, 1:]).astype(float)


class PriceElasticity:
    """Per-SKU constant elasticity with confidence intervals; results in `results_` (one row per SKU)."""

    def __init__(self, method: str = "poisson", min_weeks: int = 8, min_price_sd: float = 0.02,
                 alpha: float = 0.05, category_fallback: bool = True, max_ci_width: float = 4.0,
                 sku_spread: float = SKU_SPREAD) -> None:
        self.method = method
        self.max_ci_width = max_ci_width
        self.min_weeks = min_weeks
        self.min_price_sd = min_price_sd
        self.alpha = alpha
        self.category_fallback = category_fallback
        self.sku_spread = sku_spread

    def fit(self, sales: pd.DataFrame, as_of: dt.date | str | None = None,
            skus: Iterable[str] | None = None) -> PriceElasticity:
        """Estimate from the lines up to `as_of`. `skus`: estimate only these (every SKU still counts in
        its category's estimate, so theirs are the same as in a fit of all)."""
        self.as_of_ = as_of
        return self.fit_panel(price_panel(sales, as_of), skus)

    def fit_panel(self, panel: PricePanel, skus: Iterable[str] | None = None) -> PriceElasticity:
        """The same from a `price_panel` already built (the caller chose its lines)."""
        if self.method not in ("poisson", "ols"):
            raise ValueError("method must be 'poisson' or 'ols'")
        with threadpool_limits(1):          # thousands of tiny solves: BLAS threads only spin
            return self._fit(panel, None if skus is None else set(skus))

    def _fit(self, panel: PricePanel, only: set | None) -> PriceElasticity:
        rows = []
        pooled: dict[str, dict] = {}
        if not panel.empty:
            r = panel.rows
            cols = {"price": r["price"].to_numpy(float), "units": r["units"].to_numpy(float),
                    "day": r["day"].to_numpy(float), "exposure": r["exposure"].to_numpy(float),
                    "level": r["level"].to_numpy(), "pair": r["pair"].to_numpy(),
                    "per_line": r["units_per_line"].to_numpy(float), "edge": r["edge"].to_numpy(bool),
                    "channel": pd.factorize(r["channel"])[0], "category": r["category"].to_numpy()}
            jobs = []          # (result row, row lo, hi, ambiguous lo, hi, design columns used)
            for sku, lo, hi, a_lo, a_hi in panel.by_sku():
                if only is not None and sku not in only:
                    continue
                g = {k: v[lo:hi] for k, v in cols.items()}
                g["amb"] = {k: v[a_lo:a_hi] for k, v in panel.amb.items()}
                g["amb"]["a"], g["amb"]["b"] = g["amb"]["a"] - lo, g["amb"]["b"] - lo
                row, n_controls = self._check_one(sku, g, panel)
                rows.append(row)
                if n_controls is not None:
                    jobs.append((row, lo, hi, a_lo, a_hi, n_controls))
            if jobs:
                self._fit_jobs(panel, cols, jobs)
            if self.category_fallback:
                # Every category is pooled (not only those a fitted SKU needs), so that the shrinkage
                # across categories, and with it each SKU's value, does not depend on `skus`.
                category = r["category"].to_numpy()
                for name in sorted(set(category) - {""}):
                    est = self._fit_pooled(panel.subset(category == name))
                    if est is not None:
                        pooled[name] = est
        results = pd.DataFrame(rows, columns=RESULT_COLUMNS)
        self.categories_ = pd.DataFrame.from_dict(pooled, orient="index")
        self.results_ = combine(results, pooled, alpha=self.alpha, max_ci_width=self.max_ci_width,
                                sku_spread=self.sku_spread)
        return self

    # --- one SKU -----------------------------------------------------------------------------------
    def _check_one(self, sku: str, g: dict, panel: PricePanel) -> tuple[dict, int | None]:
        """The SKU's result row, and the number of trend/season columns its Poisson fit gets (None: no
        fit, the row says why). OLS is fitted here, one SKU at a time."""
        price, units, day = g["price"], g["units"], g["day"]
        sold = units > 0
        channel = np.unique(g["channel"], return_inverse=True)[1]
        log_p = np.log(price)
        n_ch = int(channel.max()) + 1
        counts = np.bincount(channel[sold], minlength=n_ch)
        means = np.bincount(channel[sold], weights=log_p[sold], minlength=n_ch) / np.maximum(counts, 1)
        within = log_p[sold] - means[channel[sold]]
        sold_weeks = np.unique(channel[sold] * 1e7 + day[sold])          # weeks with sales, per channel
        recent = day >= day.max() - 7 * 8
        last = np.flatnonzero(sold)[np.argmax(day[sold])] if sold.any() else len(day) - 1
        row = {"sku": sku, "category": g["category"][0] or None, "elasticity": np.nan,
               "ci_low": np.nan, "ci_high": np.nan, "std_err": np.nan, "n_weeks": int(len(sold_weeks)),
               "level": None, "price_sd": float(np.std(within)) if within.size else np.nan,
               "last_price": float(price[last]),
               "units_per_week": float(units[recent].sum() / max(1, len(np.unique(day[recent])))),
               "reason": None}
        if len(sold_weeks) < self.min_weeks:
            row["reason"] = f"too few weeks with sales ({len(sold_weeks)} < {self.min_weeks})"
            return row, None
        pairs = np.unique(channel[sold] * 1e12 + np.round(price[sold] * 100))       # (channel, cents)
        if np.bincount((pairs // 1e12).astype(int)).max() < 2:
            row["reason"] = "price never varied"
            return row, None
        if row["price_sd"] < self.min_price_sd:
            row["reason"] = f"price varied too little (log-price SD {row['price_sd']:.3f} < {self.min_price_sd})"
            return row, None
        if self.method == "ols":
            gaps = Gaps.from_arrays(g["amb"], g["level"], g["pair"], g["per_line"], panel.spells, panel.known_days)
            est = self._estimate_ols(log_p, units, day, _levels(channel), sold, g["exposure"], gaps)
            if est is None:
                row["reason"] = "the regression could not be estimated (too few informative weeks)"
            else:
                row.update(est, level="sku")
            return row, None
        # Trend and season as room allows: keep at least 4 residual degrees of freedom.
        n_weeks = len(np.unique(day))
        span = (day.max() - day.min()) / 7.0 + 1
        n_controls = _controls(day, day.min(), span, n_weeks).shape[1]
        while n_controls > 1 and n_weeks - (n_controls + n_ch + 1) < 4:
            n_controls = n_controls - 2 if n_controls >= 3 else 1
        return row, n_controls

    def _fit_jobs(self, panel: PricePanel, cols: dict, jobs: list) -> None:
        """The Poisson fits of all SKUs that need one, in two batches (one per change-point prior)."""
        def batch(chosen: list):
            idx = np.concatenate([np.arange(lo, hi) for _, lo, hi, _, _, _ in chosen])
            starts = np.cumsum([0] + [hi - lo for _, lo, hi, _, _, _ in chosen])
            amb = {k: [] for k in panel.amb}
            for j, (_, lo, _hi, a_lo, a_hi, _) in enumerate(chosen):
                for k, v in panel.amb.items():
                    part = v[a_lo:a_hi]
                    amb[k].append(part - lo + starts[j] if k in ("a", "b") else part)
            amb = {k: np.concatenate(v) if v else np.zeros(0, np.int64) for k, v in amb.items()}
            day = cols["day"][idx]
            sku = np.repeat(np.arange(len(chosen)), np.diff(starts))
            X = np.zeros((len(idx), 6))
            X[:, 0] = np.log(cols["price"][idx])
            used = np.zeros((len(chosen), 6), bool)
            used[:, 0] = True
            for j, (*_unused, k) in enumerate(chosen):
                d = day[starts[j]:starts[j + 1]]
                X[starts[j]:starts[j + 1], 1:1 + k] = _controls(d, d.min(), (d.max() - d.min()) / 7.0 + 1, 99)[:, :k]
                used[j, 1:1 + k] = True
            pair = np.unique(cols["pair"][idx], return_inverse=True)[1]
            gaps = Gaps.from_arrays(amb, cols["level"][idx], cols["pair"][idx], cols["per_line"][idx],
                                    panel.spells, panel.known_days)
            return cols["units"][idx], X, used, sku, pair, cols["exposure"][idx], gaps, cols["edge"][idx]

        z = _z(self.alpha)
        y, X, used, sku, pair, t, gaps, edge = batch(jobs)
        first = fit_skus(y, X, used, sku, pair, t, gaps, prior="uniform", edge=edge)
        est = first.beta[:, 0].copy()
        var = first.cov[:, 0, 0].copy()
        spread = np.zeros(len(jobs))
        # The second prior where some day is ambiguous and the estimate is not already too wide.
        has_amb = np.bincount(sku[gaps.a], minlength=len(jobs)) > 0 if gaps is not None else np.zeros(len(jobs), bool)
        again = np.flatnonzero(first.ok & has_amb & (2 * z * np.sqrt(np.maximum(var, 0)) <= self.max_ci_width))
        if len(again):
            y2, X2, used2, sku2, pair2, t2, gaps2, edge2 = batch([jobs[j] for j in again])
            second = fit_skus(y2, X2, used2, sku2, pair2, t2, gaps2, prior="spells", edge=edge2)
            e2, v2 = second.beta[:, 0], second.cov[:, 0, 0]
            good = second.ok
            j = again[good]
            spread[j] = np.abs(e2[good] - est[j]) / 2
            est[j] = (e2[good] + est[j]) / 2
            var[j] = (v2[good] + var[j]) / 2
            first.ok[again[~good]] = False
        for j, (row, *_rest) in enumerate(jobs):
            out = _summary(float(est[j]), float(np.sqrt(var[j] + spread[j] ** 2)), self.alpha) if first.ok[j] else None
            if out is None:
                row["reason"] = "the regression could not be estimated (too few informative weeks)"
            else:
                row.update(out, level="sku")

    def _design(self, log_p: np.ndarray, days: np.ndarray, levels: np.ndarray, keep: np.ndarray):
        n = int(keep.sum())
        span = (days[keep].max() - days[keep].min()) / 7.0 + 1
        controls = _controls(days[keep], days[keep].min(), span, n)
        lv = levels[keep]
        lv = lv[:, lv.any(axis=0)] if lv.size else lv.reshape(n, 0)
        # Keep at least 4 residual degrees of freedom: drop seasonal terms first.
        while controls.shape[1] > 1 and n - (controls.shape[1] + lv.shape[1] + 2) < 4:
            controls = controls[:, :-2] if controls.shape[1] >= 3 else controls[:, :1]
        if n - (controls.shape[1] + lv.shape[1] + 2) < 2:
            return None
        return np.column_stack([np.ones(n), log_p[keep], controls, lv])

    def _estimate_ols(self, log_p: np.ndarray, units: np.ndarray, days: np.ndarray, levels: np.ndarray,
                      sold: np.ndarray, exposure: np.ndarray, gaps: Gaps | None) -> dict | None:
        """Log-log OLS of units per week of exposure on rows with sales (quiet days shared evenly)."""
        t = exposure if gaps is None else gaps.exposure(exposure, gaps.initial())
        X = self._design(log_p, days, levels, sold)
        if X is None:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = sm.OLS(np.log(units[sold] / t[sold]), X).fit()
            except (np.linalg.LinAlgError, ValueError):
                return None
        est, se = float(fit.params[1]), float(fit.bse[1])
        if not (np.isfinite(est) and np.isfinite(se)):
            return None
        low, high = fit.conf_int(self.alpha)[1]
        return {"elasticity": est, "ci_low": float(low), "ci_high": float(high), "std_err": se}

    # --- a category ----------------------------------------------------------------------------------
    def _fit_pooled(self, panel: PricePanel) -> dict | None:
        """Category estimate: a level per SKU x channel and one per week, so only price changes of some
        of the category's SKUs against the others' in the same weeks count (its season, holidays and
        trend, whatever their shape, are the week levels). Errors clustered by SKU."""
        r = panel.rows
        if r.empty or r["pair"].nunique() < 2:
            return None
        pair = r["pair"].to_numpy()
        units = r["units"].to_numpy(float)
        sold = units > 0
        log_p = np.log(r["price"].to_numpy(float))
        within = log_p[sold] - pd.Series(log_p[sold]).groupby(pair[sold]).transform("mean").to_numpy()
        if np.std(within) < self.min_price_sd:
            return None
        days = r["day"].to_numpy(float)
        gaps = Gaps.from_panel(panel)
        if self.method == "ols":
            t = r["exposure"].to_numpy(float)
            t = t if gaps is None else gaps.exposure(t, gaps.initial())
            return self._ols_within(log_p[sold], np.log(units[sold] / t[sold]), days[sold], pair[sold])
        est = _two_priors(units, log_p.reshape(-1, 1), pair, r["exposure"].to_numpy(float), gaps, self.alpha,
                          clusters=pd.factorize(r["sku"])[0], weeks=days, edge=r["edge"].to_numpy(bool))
        if est is not None:
            est["n_skus"] = int(r["sku"].nunique())
        return est

    def _ols_within(self, log_p: np.ndarray, log_q: np.ndarray, days: np.ndarray, pair: np.ndarray) -> dict | None:
        """Log-log OLS with a level per SKU x channel (within transform, degrees of freedom corrected)."""
        n_groups = len(np.unique(pair))
        span = (days.max() - days.min()) / 7.0 + 1
        X = np.column_stack([log_p, _controls(days, days.min(), span, len(days))])
        demean = lambda a: a - pd.DataFrame(a).groupby(pair).transform("mean").to_numpy()  # noqa: E731
        Xd, yd = demean(X), demean(log_q.reshape(-1, 1)).ravel()
        dof = len(log_q) - X.shape[1] - n_groups
        if dof < 4:
            return None
        fit = sm.OLS(yd, Xd).fit()
        se = float(fit.bse[0]) * np.sqrt(fit.df_resid / dof)
        half = float(stats.t.ppf(1 - self.alpha / 2, dof)) * se
        est = float(fit.params[0])
        return {"elasticity": est, "ci_low": est - half, "ci_high": est + half, "std_err": se}


def _two_priors(y: np.ndarray, X: np.ndarray, groups: np.ndarray, exposure: np.ndarray, gaps: Gaps | None,
                alpha: float, clusters: np.ndarray | None = None, weeks: np.ndarray | None = None,
                max_ci_width: float = np.inf, edge: np.ndarray | None = None) -> dict | None:
    """The estimate under both change-point priors: their mean, with half their difference as extra error.

    Where no day's price is ambiguous both are the same single fit, and so is an estimate already
    wider than `max_ci_width` under the first prior (the second could only widen it: it will not
    be used for a suggestion either way). The standard error is the larger of the quasi-Poisson
    and (with 5+ clusters) the cluster-robust one.
    """
    first = fit_poisson_fe(y, X, groups, exposure, gaps, prior="uniform", clusters=clusters, weeks=weeks, edge=edge)
    if first is None:
        return None
    fits = [first]
    if gaps is not None and 2 * _z(alpha) * np.sqrt(first.cov[0, 0]) <= max_ci_width:
        fits.append(fit_poisson_fe(y, X, groups, exposure, gaps, prior="spells", clusters=clusters, weeks=weeks,
                                   start=first, edge=edge))
        if fits[1] is None:
            return None
    ests = np.array([f.beta[0] for f in fits])
    var = np.array([max(f.cov[0, 0], f.cov_robust[0, 0] if f.cov_robust is not None and f.n_clusters >= 5 else 0.0)
                    for f in fits])
    spread = (ests.max() - ests.min()) / 2
    out = _summary(float(ests.mean()), float(np.sqrt(var.mean() + spread ** 2)), alpha)
    if out is not None:
        out["price_path_spread"] = float(spread)
    return out


@functools.lru_cache(maxsize=8)
def _z(alpha: float) -> float:
    return float(stats.norm.ppf(1 - alpha / 2))


def _summary(est: float, se: float, alpha: float) -> dict | None:
    if not (np.isfinite(est) and np.isfinite(se)):
        return None
    half = _z(alpha) * se
    return {"elasticity": float(est), "ci_low": float(est) - half, "ci_high": float(est) + half, "std_err": se}
