"""The price check before any price suggestion: allowed where the shop's own history backs the
elasticities, withheld (with a plain reason) where price has no effect or moved with demand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from merchant_ai.pricing.price_backtest import PriceBacktest, order_size_elasticity
from merchant_ai.pricing.price_panel import price_panel
from merchant_ai.pricing.product_table import sku_channel_table
from tests.pricing.shops import promo_shop, tier_shop


@pytest.fixture(scope="module")
def known():
    return promo_shop(elasticity=-2.0, seed=1)


def test_known_elasticity_passes_and_prices_are_suggested(known):
    check = PriceBacktest().fit(known)
    assert check.shop_["status"] == "passed" and check.shop_["allowed"]
    assert check.shop_["deviance_model"] < check.shop_["deviance_no_price_effect"]
    assert check.folds_ >= 2 and check.shop_["price_move_weeks"] >= 10
    table = sku_channel_table(known, None, None, as_of=known["order_date"].max().date())
    suggested = [i for i in table["items"] if i["suggested_price"] is not None]
    assert len(suggested) >= 10
    assert all(i["price_check"] == "passed" and not i["suggestion"]["withheld"] for i in suggested)
    assert table["price_check"]["status"] == "passed"


def test_promotions_timed_with_demand_are_withheld():
    """Price has no effect, but the first year's promotions ran when the SKU's demand peaked: the
    estimates say "cuts sell more", and the later, randomly timed promotions contradict them."""
    shop = promo_shop(elasticity=0.0, endogenous_until=365, seed=2)
    check = PriceBacktest().fit(shop)
    assert check.shop_["status"] == "withheld" and not check.shop_["allowed"]
    assert check.shop_["deviance_model"] > check.shop_["deviance_no_price_effect"]
    assert "doesn't predict sales better than ignoring price" in check.shop_["reason"]
    table = sku_channel_table(shop, None, None, as_of=shop["order_date"].max().date())
    items = [i for i in table["items"] if i["elasticity"] is not None]
    assert items and all(i["suggested_price"] is None for i in table["items"])
    withheld = [i for i in items if i["suggestion"]["withheld"]]
    assert withheld and all("ignoring price" in i["suggestion"]["reason"] for i in withheld)
    assert all(i["elasticity_ci"] is not None for i in items)          # the estimate is still shown


def test_quantity_tiers_are_withheld():
    shop = tier_shop(seed=0)
    size, se = order_size_elasticity(price_panel(shop).rows)
    assert size < -5 and se < 1                          # lower price, bigger orders: who bought
    check = PriceBacktest().fit(shop)
    assert check.shop_["status"] == "withheld" and "bigger orders" in check.shop_["reason"]
    table = sku_channel_table(shop, None, None, as_of=shop["order_date"].max().date(), country="GB")
    assert all(i["suggested_price"] is None for i in table["items"])


def test_no_price_effect_gets_no_suggestion():
    shop = promo_shop(elasticity=0.0, seed=3)
    table = sku_channel_table(shop, None, None, as_of=shop["order_date"].max().date())
    items = [i for i in table["items"] if i["elasticity_level"] in ("sku", "category")]
    assert items and all(i["suggested_price"] is None for i in items)
    assert all(i["suggestion"]["withheld"] and "no clear reaction to price" in i["suggestion"]["reason"]
               for i in items)
    # One SKU in twenty has an interval without zero by chance; its category's does not.
    assert sum(i["elasticity_ci"][0] < 0 < i["elasticity_ci"][1] for i in items) >= 0.8 * len(items)


def test_order_size_is_flat_when_price_changes_bring_more_buyers(known):
    size, se = order_size_elasticity(price_panel(known).rows)
    assert abs(size) < 1e-9


def test_too_few_price_changes_are_not_checked():
    shop = promo_shop(elasticity=-2.0, seed=4, days=400, n_skus=2)
    check = PriceBacktest(min_moved=500).fit(shop)
    assert check.shop_["status"] == "not_checked" and not check.allowed(None)[0]
    assert "changed too rarely" in check.shop_["reason"]


def test_never_sees_data_after_as_of(known):
    as_of = "2025-03-02"
    base = PriceBacktest().fit(known, as_of=as_of)
    later = known[known["order_date"] > pd.Timestamp(as_of)].copy()
    later["quantity"] *= 50
    later["unit_price"] *= 3
    later["revenue"] = later["quantity"] * later["unit_price"]
    changed = pd.concat([known[known["order_date"] <= pd.Timestamp(as_of)], later], ignore_index=True)
    again = PriceBacktest().fit(changed, as_of=as_of)
    assert again.shop_["deviance_model"] == pytest.approx(base.shop_["deviance_model"])
    assert again.shop_["status"] == base.shop_["status"]
    assert max(pd.Timestamp(o) for o in base.summary()["origins"]) < pd.Timestamp(as_of)
    assert np.isfinite(base.shop_["deviance_no_price_effect"])


def test_margin_json_keeps_its_contract_and_adds_the_price_check(store, capsys, monkeypatch):
    from tests.cli.test_margin_cli import _fill, run_json

    _fill(store)
    store.close()
    monkeypatch.setenv("MERCHANT_AI_PASSPHRASE", "test-pass")
    code, data = run_json(capsys, ["margin", "--store", str(store.folder), "--json"])
    assert code == 0
    for item in data["items"]:
        for key in ("sku", "channel", "units", "revenue", "fees", "cogs", "profit", "margin_pct", "cost_known",
                    "elasticity", "elasticity_ci", "suggested_price"):             # ../shared/cli-contract.md
            assert key in item
        assert item["price_check"] in ("passed", "withheld", "not_checked")
        assert isinstance(item["suggestion"]["withheld"], bool)
    check = data["price_check"]
    for key in ("status", "allowed", "reason", "weeks", "sku_weeks", "price_move_weeks", "deviance_model",
                "deviance_no_price_effect", "origins", "categories"):
        assert key in check
    mug = next(i for i in data["items"] if i["sku"] == "MUG")
    assert check["status"] == "passed" and mug["suggested_price"] is not None, check
