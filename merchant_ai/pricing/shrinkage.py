"""From SKU and category estimates to one elasticity per SKU whose interval means what it says.

Two layers of partial pooling (random effects, normal approximations):

1. Categories toward the shop. Each category's pooled estimate e_k (standard error s_k) is treated
   as the shop mean m plus a category deviation of spread tau_c, estimated from how much the
   category estimates disagree beyond their standard errors (DerSimonian-Laird). The category's
   value is then w e_k + (1 - w) m with w = tau_c^2 / (tau_c^2 + s_k^2), variance w s_k^2 plus the
   uncertainty of m. Whether the disagreement is real (categories differ) or error the standard
   errors miss (on the demo shops: where in a quiet gap a promotion started), this interval is the
   honest one either way; with fewer than 3 categories the estimates are used as they are.
2. SKUs toward their category. A SKU's own estimate (e_i, s_i) and its category's value (v_k) are
   combined by precision, with the category's value widened by the spread of SKUs within a
   category, tau_s: max(`sku_spread`, what the SKU estimates show). A SKU whose own price never
   varied gets the category's value with variance v_k + tau_s^2: that is a prediction for one SKU,
   not the category average, so it must include how much SKUs differ. `sku_spread` = 0.25 is a
   prior: within a category, elasticities usually differ by a few tenths; own estimates are far too
   noisy (standard errors of 1-3 on the demo shops) to measure it smaller.

Before this, a category's interval was its average's sampling interval, applied to every SKU: on
the demo shops those held the truth for 45-63% of SKUs (most of that was the estimates' bias, fixed
in `price_panel`; the rest is here). The shop's mean over a handful of categories gets the t
quantile for K - 1 degrees of freedom (Hartung-Knapp), as its standard error from so few is rough.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

SKU_SPREAD = 0.25


def random_effects(est: np.ndarray, se: np.ndarray) -> tuple[float, float, float]:
    """DerSimonian-Laird: (mean, its standard error, tau^2) of estimates with standard errors `se`."""
    est, var = np.asarray(est, float), np.asarray(se, float) ** 2
    w = 1 / var
    fixed = float(np.sum(w * est) / np.sum(w))
    q = float(np.sum(w * (est - fixed) ** 2))
    denom = float(np.sum(w) - np.sum(w ** 2) / np.sum(w))
    tau2 = max(0.0, (q - (len(est) - 1)) / denom) if denom > 0 else 0.0
    w_re = 1 / (var + tau2)
    mean = float(np.sum(w_re * est) / np.sum(w_re))
    return mean, float(np.sqrt(1 / np.sum(w_re))), tau2


def category_values(pooled: dict[str, dict]) -> dict[str, tuple[float, float]]:
    """Category -> (value, variance) after shrinking toward the shop mean (layer 1)."""
    names = [k for k, v in pooled.items() if np.isfinite(v["elasticity"]) and v["std_err"] > 0]
    if len(names) < 3:
        return {k: (pooled[k]["elasticity"], pooled[k]["std_err"] ** 2) for k in names}
    est = np.array([pooled[k]["elasticity"] for k in names])
    se = np.array([pooled[k]["std_err"] for k in names])
    mean, mean_se, tau2 = random_effects(est, se)
    # A mean of a handful of categories: its error on the t scale with K - 1 degrees of freedom
    # (as Hartung-Knapp), carried over to the normal intervals used downstream.
    mean_se *= float(stats.t.ppf(0.975, len(names) - 1) / stats.norm.ppf(0.975))
    w = tau2 / (tau2 + se ** 2)
    value = w * est + (1 - w) * mean
    var = w * se ** 2 + (1 - w) ** 2 * mean_se ** 2
    return {k: (float(value[i]), float(var[i])) for i, k in enumerate(names)}


def combine(results: pd.DataFrame, pooled: dict[str, dict], alpha: float = 0.05, max_ci_width: float = 4.0,
            sku_spread: float = SKU_SPREAD) -> pd.DataFrame:
    """Final elasticity per SKU (layer 2), its interval, level and reason; own and pooled inputs kept."""
    out = results.copy()
    out["own_elasticity"] = out["elasticity"]
    out["own_std_err"] = out["std_err"]
    out["category_elasticity"] = np.nan
    out["category_std_err"] = np.nan
    out["own_weight"] = np.where(out["elasticity"].notna(), 1.0, np.nan)
    z = float(stats.norm.ppf(1 - alpha / 2))
    values = category_values(pooled)
    if values:
        cat = out["category"].fillna("")
        in_cat = cat.isin(list(values))
        own = out["own_elasticity"].to_numpy(float)
        own_se = out["own_std_err"].to_numpy(float)
        c_val = cat.map({k: v[0] for k, v in values.items()}).to_numpy(float)
        c_var = cat.map({k: v[1] for k, v in values.items()}).to_numpy(float)
        has_own = in_cat.to_numpy() & np.isfinite(own) & (own_se > 0)
        prior_var = c_var + sku_spread ** 2
        # No own estimate because its price (hardly) varied, or its own regression failed: the category's.
        reason = out["reason"].fillna("")
        flat = in_cat.to_numpy() & (reason.str.startswith("price") | reason.str.startswith("the regression")).to_numpy()
        use = has_own | flat
        prec_own = np.where(has_own, 1 / np.where(has_own, own_se, 1.0) ** 2, 0.0)
        prec = prec_own + 1 / prior_var
        value = (np.where(has_own, own, 0.0) * prec_own + c_val / prior_var) / prec
        se = np.sqrt(1 / prec)
        weight = prec_own / prec
        out.loc[in_cat, "category_elasticity"] = c_val[in_cat.to_numpy()]
        out.loc[in_cat, "category_std_err"] = np.sqrt(c_var[in_cat.to_numpy()])
        out.loc[use, "elasticity"] = value[use]
        out.loc[use, "std_err"] = se[use]
        out.loc[use, "ci_low"] = value[use] - z * se[use]
        out.loc[use, "ci_high"] = value[use] + z * se[use]
        out.loc[use, "own_weight"] = weight[use]
        own_width = 2 * z * own_se
        vague = has_own & (own_width > max_ci_width)
        borrowed = use & (weight < 0.5)
        out.loc[use & (weight >= 0.5), "level"] = "sku"
        out.loc[borrowed, "level"] = "category"
        reasons = out["reason"].to_numpy(object).copy()
        for i in np.flatnonzero(use):
            if flat[i] and not has_own[i]:
                reasons[i] = ("the SKU's own price varied too little: its category's estimate"
                              if str(reasons[i]).startswith("price") else
                              "its own prices could not be fitted: its category's estimate")
            elif vague[i] and borrowed[i]:
                reasons[i] = (f"its own estimate is too uncertain (interval {own_width[i]:.1f} wide): "
                              f"its category's estimate")
            elif borrowed[i]:
                reasons[i] = f"mostly its category's estimate ({weight[i]:.0%} from its own prices)"
            elif weight[i] < 0.95:
                reasons[i] = f"its own prices ({weight[i]:.0%}) with its category's estimate"
        out["reason"] = reasons
    # Still too uncertain (no category to lean on, or a wide one): shown, never used for a suggestion:
    # a +-20% price move would be extrapolated from noise.
    wide = out["level"].isin(["sku", "category"]) & (out["ci_high"] - out["ci_low"] > max_ci_width)
    out.loc[wide, "level"] = "uncertain"
    return out
