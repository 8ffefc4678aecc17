"""Pairs, similar products, next-best picks and the offline evaluation on small synthetic shops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from merchant_ai.analytics.recommend import FrequentPairs, Recommender, min_orders_for
from merchant_ai.analytics.recommend_eval import leave_last_order_out, next_window
from merchant_ai.store.queries import SALES_COLUMNS


def basket_lines(orders: list[tuple[int, str, str | None, list[str]]], cost: float = np.nan) -> pd.DataFrame:
    recs = []
    for oid, day, cust, skus in orders:
        for sku in skus:
            recs.append({"order_id": oid, "order_ref": str(oid), "channel": "shopify", "created_at": pd.Timestamp(day),
                         "order_date": pd.Timestamp(day), "customer": cust, "sku": sku, "title": f"Title {sku}",
                         "category": "Kitchen" if sku in "ABC" else "Garden", "quantity": 1.0, "unit_price": 10.0,
                         "discount": 0.0, "revenue": 10.0, "refunded_qty": 0.0, "refunded_amount": 0.0,
                         "net_quantity": 1.0, "net_revenue": 10.0, "currency": "USD", "status": "paid",
                         "unit_cost": cost})
    return pd.DataFrame(recs, columns=SALES_COLUMNS)


def synthetic_shop(n_customers: int = 300, seed: int = 0) -> pd.DataFrame:
    """Two taste groups (items 0-9, 10-19), some loyal re-buyers of a staple, over 200 days."""
    rng = np.random.default_rng(seed)
    orders, oid = [], 0
    for c in range(n_customers):
        group = c % 2
        staple = f"S{c % 5}" if c % 3 == 0 else None
        for _ in range(int(rng.integers(2, 6))):
            oid += 1
            items = {f"I{group * 10 + int(i)}" for i in rng.integers(0, 10, 3)}
            if staple:
                items.add(staple)
            day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 200)))
            orders.append((oid, day, f"c{c}", sorted(items)))
    return basket_lines(orders)


def test_pair_counts_support_confidence_lift_by_hand():
    df = basket_lines([(1, "2024-01-01", "a", ["A", "B"]), (2, "2024-01-02", "b", ["A", "B"]),
                       (3, "2024-01-03", "c", ["A"]), (4, "2024-01-04", "d", ["C"])], cost=4.0)
    fp = FrequentPairs(min_orders=2).fit(df)
    assert len(fp.pairs_) == 1
    p = fp.pairs_.iloc[0]
    assert {p["a"], p["b"]} == {"A", "B"} and p["orders"] == 2
    assert p["support"] == pytest.approx(2 / 4)
    assert p["confidence"] == pytest.approx(1.0)          # B -> A: both B orders have A
    assert p["lift"] == pytest.approx(2 * 4 / (3 * 2))
    b = fp.bundles(min_lift=1.0)
    assert b["combined_margin"].iat[0] == pytest.approx(20 - 8)


def test_min_support_adapts_to_shop_size():
    assert min_orders_for(40) == 2 and min_orders_for(20_000) == 30


def test_pairs_never_materialise_below_support():
    shop = synthetic_shop(400)
    fp = FrequentPairs().fit(shop)
    assert (fp.pairs_["orders"] >= fp.min_orders_).all()
    # Cross-group pairs do not exist in this shop; same-group pairs do.
    same = fp.pairs_.apply(lambda r: (int(r["a"][1:]) < 10) == (int(r["b"][1:]) < 10)
                           if r["a"][0] == "I" and r["b"][0] == "I" else True, axis=1)
    assert same.all()


def test_similar_items_stay_in_group_and_new_product_falls_back_to_category():
    model = Recommender().fit(synthetic_shop(300))
    sims = model.similar("I3", k=5)
    assert len(sims) == 5 and all(int(p.sku[1:]) < 10 for p in sims if p.sku.startswith("I"))
    assert "also bought" in sims[0].reason
    fallback = model.similar("NEW-ITEM", k=3)
    assert len(fallback) == 3 and all("best-seller" in p.reason for p in fallback)


def test_buy_again_for_re_buyers_and_new_only_excludes_history():
    model = Recommender().fit(synthetic_shop(300))
    picks = model.recommend("c0", k=5)  # c0 re-buys staple S0 in every order
    assert picks[0].sku == "S0" and "re-order" in picks[0].reason
    fresh = model.recommend("c0", k=5, new_only=True)
    bought = set(model.items_[model.history_[model.customer_index_["c0"]].indices])
    assert not {p.sku for p in fresh} & bought
    unbought_own_group = {f"I{i}" for i in range(10)} - bought
    if unbought_own_group:  # c0's taste group first
        assert fresh[0].sku in unbought_own_group
    unknown = model.recommend("nobody", k=3)
    assert len(unknown) == 3 and "best-seller" in unknown[0].reason


def test_offline_evaluation_beats_popularity_on_structured_data():
    shop = synthetic_shop(300)
    res = leave_last_order_out(shop, k=5)
    assert set(res) >= {"popularity", "buy_again", "item_knn", "ease", "ours"}
    assert res["ours"]["hit_rate"] > res["popularity"]["hit_rate"] + 0.1
    assert 0 <= res["ours"]["recall"] <= 1 and res["ours"]["customers"] > 200
    new = leave_last_order_out(shop, k=5, new_only=True)
    assert new["ours"]["hit_rate"] > new["popularity"]["hit_rate"]


def test_next_window_uses_only_data_up_to_as_of():
    shop = synthetic_shop(200)
    res = next_window(shop, "2024-05-31", days=30, k=5)
    assert res["ours"]["customers"] > 0
    model = Recommender(as_of="2024-05-31").fit(shop)
    assert model.as_of_ == pd.Timestamp("2024-05-31")
    assert np.asarray(model.last_days_.data).min() >= 1  # no purchase after as_of (stored as days + 1)
