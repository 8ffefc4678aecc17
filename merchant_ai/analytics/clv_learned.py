"""Who comes back, learned from the shop's own history: features, two learners, the median point.

Why: a shop-wide rate ("orders so far / days of history x horizon") is a strong baseline on a real
shop (UCI: BG/NBD does not beat it), because the level of the coming window is seasonal and cannot
be learned from under a year of data. What the history *can* teach is which customers order more or
less than their count suggests. Measured on UCI (docs/accuracy.md, "## Customers"): bigger baskets
(quantity and distinct products per order) and recent activity predict coming back among customers
with the same order count, and recency alone does not.

Everything here is a pure function of the lines up to a cutoff. `CustomerValueModel` (clv.py) trains
these on an earlier cutoff inside the calibration window, with the orders between that cutoff and
as_of as target, and applies them to the features as of as_of.

The learners predict a per-customer multiplier on the naive rate (a Poisson fit with the naive rate
as offset), so a model trained on a shorter window transfers to the target horizon. The MAE-optimal
point for a count is the median of its predictive distribution, not its mean: `predictive_median`
gives that from the negative-binomial dispersion measured on the training window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from merchant_ai.analytics.clv import activity_features, rate_features


def behaviour_features(sales: pd.DataFrame, cutoff: pd.Timestamp, shop_start: pd.Timestamp) -> pd.DataFrame:
    """`activity_features` plus basket shape: distinct products, lines and units per order.

    Only lines with an order day up to `cutoff` and a customer key count (cancelled lines left out).
    """
    f = activity_features(sales, cutoff, shop_start)
    if f.empty:
        return f.assign(n_skus=[], lines_per_order=[], units_per_order=[])
    lines = sales[(pd.to_datetime(sales["order_date"]) <= cutoff) & sales["customer"].notna()]
    if "status" in lines:
        lines = lines[lines["status"].fillna("") != "cancelled"]
    from merchant_ai.analytics.customers import normalise_customer_key

    keys = lines["customer"].map(normalise_customer_key)
    qty = lines["net_quantity"] if "net_quantity" in lines else lines["quantity"]
    g = lines.assign(customer=keys, _qty=pd.to_numeric(qty, errors="coerce").fillna(0.0)).groupby("customer")
    f["n_skus"] = g["sku"].nunique().reindex(f.index).fillna(1.0).astype(float)
    f["lines_per_order"] = (g.size().reindex(f.index).fillna(1.0) / f["n_orders"]).astype(float)
    f["units_per_order"] = (g["_qty"].sum().reindex(f.index).fillna(0.0) / f["n_orders"]).clip(lower=0.0)
    return f


def learned_features(f: pd.DataFrame) -> pd.DataFrame:
    """Model inputs: the rate model's log-scale activity inputs plus basket shape (all history-length free)."""
    x = rate_features(f)
    x["log_skus"] = np.log1p(f["n_skus"])
    x["log_lines_per_order"] = np.log(f["lines_per_order"].clip(lower=1.0))
    x["log_units_per_order"] = np.log1p(f["units_per_order"])
    return x


def dispersion(y: np.ndarray, mu: np.ndarray) -> float:
    """Negative-binomial shape k from the excess of squared residuals over the Poisson variance.

    In a pure gamma-Poisson world k is the Gamma shape of the customers' rates and does not depend on
    the window length, which is why a value measured on the training window is used for the target
    horizon. On UCI it does move with the window (customers leaving make longer windows look more
    dispersed: k ~ 9 on 91 days, ~ 5 on 122), so the median is an approximation, measured in
    docs/accuracy.md. inf = no overdispersion.
    """
    y, mu = np.asarray(y, float), np.asarray(mu, float)
    excess = float(np.sum((y - mu) ** 2 - mu) / max(np.sum(mu ** 2), 1e-9))
    return 1.0 / excess if excess > 1e-6 else np.inf


def predictive_quantile(mu: np.ndarray, k: float, q: float) -> np.ndarray:
    """Quantile `q` of the count: negative binomial with mean `mu` and shape `k` (Poisson if k is inf)."""
    mu = np.maximum(np.asarray(mu, float), 1e-9)
    if not np.isfinite(k):
        return stats.poisson.ppf(q, mu)
    return stats.nbinom.ppf(q, k, k / (k + mu))


def predictive_median(mu: np.ndarray, k: float) -> np.ndarray:
    """The point that minimises the expected absolute error of a count: its predictive median."""
    return predictive_quantile(mu, k, 0.5)


class LearnedRateModel:
    """Naive rate x a multiplier learned from behaviour: Poisson GLM or gradient boosting.

    `kind="glm"`: standardised inputs, L2-penalised Poisson regression (robust on a few thousand
    customers). `kind="boosted"`: HistGradientBoostingRegressor with Poisson loss, shallow trees and
    monotone constraints where the direction is not in doubt (more orders, more recent orders and a
    higher past rate never lower the prediction). Both fit y / base with weight base, which is a
    Poisson fit of y with offset log(base). Predictions are re-levelled so their total equals the
    base total: the level of the coming window is the naive rate's guess (see module docstring).
    After `fit`: `k_` (dispersion on the training window).
    """

    MONOTONE = {"log_orders": 1, "log_days": 1, "log_orders_90d": 1, "log_orders_30d": 1, "log_rate": 1}

    def __init__(self, kind: str = "glm", alpha: float = 0.1, max_iter: int = 80, random_state: int = 0) -> None:
        self.kind = kind
        self.alpha = alpha
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, features: pd.DataFrame, y: np.ndarray, base: np.ndarray) -> LearnedRateModel:
        x = learned_features(features)
        base = np.maximum(np.asarray(base, float), 1e-9)
        target = np.asarray(y, float) / base
        if self.kind == "glm":
            from sklearn.linear_model import PoissonRegressor
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

            self.model_ = make_pipeline(StandardScaler(),
                                        PoissonRegressor(alpha=self.alpha, solver="newton-cholesky", max_iter=300))
            self.model_.fit(x, target, poissonregressor__sample_weight=base)
        elif self.kind == "boosted":
            from sklearn.ensemble import HistGradientBoostingRegressor

            self.model_ = HistGradientBoostingRegressor(
                loss="poisson", max_iter=self.max_iter, learning_rate=0.05, max_leaf_nodes=7, min_samples_leaf=40,
                l2_regularization=1.0, monotonic_cst=[self.MONOTONE.get(c, 0) for c in x.columns],
                random_state=self.random_state)
            # Binned here, unweighted: scikit-learn's weighted binning costs ~1 s per fit on 3k rows,
            # the boosting itself a tenth of that; with <= 255 distinct codes its own binning is exact.
            self.edges_ = [np.unique(np.quantile(col, np.linspace(0, 1, 256)[1:-1])) for col in x.to_numpy().T]
            self.model_.fit(self._codes(x), target, sample_weight=base)
        else:
            raise ValueError(f"unknown kind {self.kind!r} (glm or boosted)")
        self.k_ = dispersion(y, self.predict(features, base))
        return self

    def _codes(self, x: pd.DataFrame) -> pd.DataFrame:
        codes = [np.searchsorted(e, col, side="right") for e, col in zip(self.edges_, x.to_numpy().T, strict=True)]
        return pd.DataFrame(np.column_stack(codes).astype(float), columns=x.columns, index=x.index)

    def predict(self, features: pd.DataFrame, base: np.ndarray) -> np.ndarray:
        """Expected orders: base x learned multiplier, re-levelled to the base total."""
        x = learned_features(features)
        mult = self.model_.predict(self._codes(x) if self.kind == "boosted" else x)
        base = np.asarray(base, float)
        level = np.average(mult, weights=base) if base.sum() > 0 else 1.0
        return base * mult / level

    def band(self, mu: np.ndarray, level: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
        """Predictive interval for the count itself (negative binomial around the mean)."""
        return predictive_quantile(mu, self.k_, (1 - level) / 2), predictive_quantile(mu, self.k_, (1 + level) / 2)
