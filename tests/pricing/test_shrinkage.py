"""Partial pooling of SKU and category elasticities: the intervals mean what they say."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from merchant_ai.pricing.elasticity import RESULT_COLUMNS, PriceElasticity
from merchant_ai.pricing.shrinkage import SKU_SPREAD, category_values, combine, random_effects
from tests.pricing.shops import promo_shop


def test_random_effects_finds_no_spread_among_agreeing_estimates():
    mean, mean_se, tau2 = random_effects(np.array([-2.0, -2.1, -1.9, -2.05]), np.full(4, 0.5))
    assert tau2 == 0.0 and mean == pytest.approx(-2.0125)
    assert mean_se == pytest.approx(0.25)
    _, _, tau2 = random_effects(np.array([-4.0, -1.0, -2.5, 0.5]), np.full(4, 0.2))
    assert tau2 > 1.0


def test_categories_are_pulled_toward_the_shop_by_how_much_they_disagree():
    pooled = {c: {"elasticity": e, "std_err": 0.6} for c, e in zip("abcd", [-3.0, -2.0, -1.8, -1.2], strict=True)}
    values = category_values(pooled)
    assert -3.0 < values["a"][0] < -2.0 and -1.8 < values["d"][0]       # toward the middle
    assert all(var > 0 for _, var in values.values())
    two = category_values({"a": {"elasticity": -3.0, "std_err": 0.6}, "b": {"elasticity": -1.0, "std_err": 0.6}})
    assert two["a"] == (-3.0, pytest.approx(0.36))                      # too few categories to pool


def test_sku_without_own_estimate_gets_the_category_value_widened_by_the_spread():
    rows = pd.DataFrame([
        {"sku": "FLAT", "category": "mugs", "reason": "price never varied"},
        {"sku": "OWN", "category": "mugs", "elasticity": -1.0, "ci_low": -1.98, "ci_high": -0.02, "std_err": 0.5,
         "level": "sku"},
    ], columns=RESULT_COLUMNS)
    out = combine(rows, {"mugs": {"elasticity": -2.0, "std_err": 0.3}}).set_index("sku")
    flat, own = out.loc["FLAT"], out.loc["OWN"]
    assert flat["level"] == "category" and flat["elasticity"] == pytest.approx(-2.0)
    assert flat["std_err"] == pytest.approx(np.sqrt(0.3 ** 2 + SKU_SPREAD ** 2))
    # Precision weighting: 1/0.25 for its own estimate against 1/(0.09 + 0.0625) for the category's.
    w = (1 / 0.25) / (1 / 0.25 + 1 / (0.09 + SKU_SPREAD ** 2))
    assert own["own_weight"] == pytest.approx(w)
    assert own["elasticity"] == pytest.approx(w * -1.0 + (1 - w) * -2.0)
    assert own["level"] == "category" and "category" in own["reason"]


def test_intervals_hold_skus_that_differ_within_their_category():
    """SKUs of one category with elasticities spread around its mean (-2 +- 0.3): each SKU's interval
    should hold its own truth about 95% of the time, not just the category average."""
    rng = np.random.default_rng(8)
    truth = {}
    frames = []
    for k in range(3):
        e = float(np.clip(rng.normal(-2.0, 0.3), -2.6, -1.4))
        shop = promo_shop(elasticity=e, n_skus=8, days=400, seed=10 + k, rate=0.6, category="mugs")
        shop["sku"] = shop["sku"] + f"-{k}"
        truth.update({s: e for s in shop["sku"].unique()})
        frames.append(shop)
    sales = pd.concat(frames, ignore_index=True)
    res = PriceElasticity().fit(sales).results_
    res = res[res["elasticity"].notna()]
    held = ((res["ci_low"] <= res["sku"].map(truth)) & (res["sku"].map(truth) <= res["ci_high"])).mean()
    assert len(res) >= 20 and held >= 0.85
