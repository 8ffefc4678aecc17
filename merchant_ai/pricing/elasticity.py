"""Price elasticity of demand per SKU from the shop's own weekly price and quantity history.

Model (statsmodels OLS, one per SKU)::

    log(units_w) = a + e * log(price_w) + b * trend_w + seasonal Fourier terms + error

`e` is the elasticity: +1% price -> about e% units. The weekly price is the average price paid
(revenue / units), so discounts and promotions are the variation we learn from. Trend and
seasonality are controlled for, otherwise a December price rise that coincides with the Christmas
peak would read as "customers like higher prices". Weeks without sales carry no price and are left
out (a known bias toward the weeks a product sold).

We refuse to estimate, with a reason, when the price never varied (or by less than
`min_price_sd` in log terms, ~2%), or there are too few weeks with sales. A SKU whose own price
varied too little borrows its category's estimate: a pooled regression over the category's SKUs
with a fixed effect per SKU, so only price changes within each SKU count.

Caveat shown with the numbers: prices a shop sets in response to demand (raising them when
selling well) bias these estimates toward zero; quantity discounts to big buyers bias them away
from zero. The confidence interval covers sampling noise only.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

RESULT_COLUMNS = ["sku", "category", "elasticity", "ci_low", "ci_high", "std_err", "n_weeks", "level",
                  "price_sd", "last_price", "units_per_week", "reason"]


def weekly_history(sales: pd.DataFrame, as_of: dt.date | str | None = None, by: str = "sku") -> pd.DataFrame:
    """Units and average price per `by` and week (weeks start Monday), up to `as_of`."""
    df = sales
    if as_of is not None:
        df = df[pd.to_datetime(df["order_date"]) <= pd.Timestamp(as_of)]
    df = df[(pd.to_numeric(df["quantity"], errors="coerce") > 0) & (pd.to_numeric(df["revenue"], errors="coerce") > 0)]
    if df.empty:
        return pd.DataFrame(columns=[by, "category", "week", "units", "revenue", "price"])
    week = pd.to_datetime(df["order_date"]).dt.to_period("W-SUN").dt.start_time
    out = (df.assign(week=week, category=df["category"].fillna(""))
             .groupby([by, "week"], as_index=False)
             .agg(units=("quantity", "sum"), revenue=("revenue", "sum"), category=("category", "first")))
    out["price"] = out["revenue"] / out["units"]
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


class PriceElasticity:
    """Per-SKU log-log elasticity with confidence intervals; results in `results_` (one row per SKU)."""

    def __init__(self, min_weeks: int = 8, min_price_sd: float = 0.02, alpha: float = 0.05,
                 category_fallback: bool = True) -> None:
        self.min_weeks = min_weeks
        self.min_price_sd = min_price_sd
        self.alpha = alpha
        self.category_fallback = category_fallback

    def fit(self, sales: pd.DataFrame, as_of: dt.date | str | None = None) -> PriceElasticity:
        hist = weekly_history(sales, as_of).sort_values(["sku", "week"], kind="stable", ignore_index=True)
        self.as_of_ = as_of
        rows = []
        flat_by_category: dict[str, list[str]] = {}
        skus = hist["sku"].to_numpy()
        days = (hist["week"].to_numpy().astype("datetime64[D]").astype(np.int64)).astype(float)
        price, units = hist["price"].to_numpy(float), hist["units"].to_numpy(float)
        category = hist["category"].to_numpy()
        edges = np.flatnonzero(np.r_[True, skus[1:] != skus[:-1], True])
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            row = self._fit_one(skus[lo], category[lo] or None, days[lo:hi], price[lo:hi], units[lo:hi])
            rows.append(row)
            if row["reason"] and row["reason"].startswith("price") and row["category"]:
                flat_by_category.setdefault(row["category"], []).append(skus[lo])
        results = pd.DataFrame(rows, columns=RESULT_COLUMNS)
        if self.category_fallback and flat_by_category:
            for cat, members in flat_by_category.items():
                est = self._fit_pooled(hist[hist["category"] == cat])
                if est is None:
                    continue
                mask = results["sku"].isin(members)
                for key, value in est.items():
                    results.loc[mask, key] = value
                results.loc[mask, "level"] = "category"
                results.loc[mask, "reason"] = "the SKU's own price varied too little: its category's estimate"
        self.results_ = results
        return self

    def _fit_one(self, sku: str, category: str | None, days: np.ndarray, price: np.ndarray,
                 units: np.ndarray) -> dict:
        n = len(days)
        log_p = np.log(price)
        row = {"sku": sku, "category": category, "elasticity": np.nan, "ci_low": np.nan, "ci_high": np.nan,
               "std_err": np.nan, "n_weeks": int(n), "level": None, "price_sd": float(np.std(log_p)),
               "last_price": float(price[-1]), "units_per_week": float(units[-8:].mean()), "reason": None}
        if n < self.min_weeks:
            row["reason"] = f"too few weeks with sales ({n} < {self.min_weeks})"
            return row
        if len(np.unique(np.round(price, 2))) < 2:
            row["reason"] = "price never varied"
            return row
        if row["price_sd"] < self.min_price_sd:
            row["reason"] = f"price varied too little (log-price SD {row['price_sd']:.3f} < {self.min_price_sd})"
            return row
        span = (days[-1] - days[0]) / 7.0 + 1
        controls = _controls(days, days[0], span, n)
        # Keep at least 4 residual degrees of freedom: drop seasonal terms first.
        while controls.shape[1] > 1 and n - (controls.shape[1] + 2) < 4:
            controls = controls[:, :-2] if controls.shape[1] >= 3 else controls[:, :1]
        X = np.column_stack([np.ones(n), log_p, controls])
        fit = sm.OLS(np.log(units), X).fit()
        low, high = fit.conf_int(self.alpha)[1]
        row.update(elasticity=float(fit.params[1]), ci_low=float(low), ci_high=float(high),
                   std_err=float(fit.bse[1]), level="sku")
        return row

    def _fit_pooled(self, g: pd.DataFrame) -> dict | None:
        """Category estimate: within-SKU regression (SKU fixed effects), degrees of freedom corrected."""
        g = g.sort_values(["sku", "week"])
        counts = g.groupby("sku")["week"].transform("size")
        g = g[counts >= 3]
        n_groups = g["sku"].nunique()
        if n_groups < 2:
            return None
        log_p = np.log(g["price"].to_numpy())
        log_q = np.log(g["units"].to_numpy())
        days = g["week"].to_numpy().astype("datetime64[D]").astype(np.int64).astype(float)
        span = (days.max() - days.min()) / 7.0 + 1
        controls = _controls(days, days.min(), span, len(g))
        X = np.column_stack([log_p, controls])
        demean = lambda a: a - pd.DataFrame(a).groupby(g["sku"].to_numpy()).transform("mean").to_numpy()  # noqa: E731
        Xd, yd = demean(X), demean(log_q.reshape(-1, 1)).ravel()
        if np.std(Xd[:, 0]) < self.min_price_sd:
            return None
        df_resid = len(g) - X.shape[1] - n_groups
        if df_resid < 4:
            return None
        fit = sm.OLS(yd, Xd).fit()
        se = float(fit.bse[0]) * np.sqrt(fit.df_resid / df_resid)
        t = stats.t.ppf(1 - self.alpha / 2, df_resid)
        est = float(fit.params[0])
        return {"elasticity": est, "ci_low": est - t * se, "ci_high": est + t * se, "std_err": se}
