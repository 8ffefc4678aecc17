"""The weekly report's faster paths give exactly what the straightforward code gave: the pair
counting of `FrequentPairs` (co-occurrence over frequent items only) and the channel mix of
`rfm_table` (counted with groupby, not pd.crosstab), on random shops with ties and rare items."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from merchant_ai.analytics.customers import customer_orders, rfm_table
from merchant_ai.analytics.recommend import FrequentPairs, binary_matrix, clean_lines


def _sales(seed: int, n_lines: int = 3000, n_items: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # a few popular items and a long tail of rare ones, so the minimum support drops many
    sku = (rng.zipf(1.6, n_lines) % n_items).astype(str)
    order = rng.integers(0, n_lines // 3, n_lines)
    day = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 300, n_lines), unit="D")
    return pd.DataFrame({
        "order_id": order, "order_date": day, "customer": [None if o % 9 == 0 else f"c{o % 97}" for o in order],
        "sku": "S" + pd.Series(sku), "title": "T" + pd.Series(sku), "status": "paid",
        "net_quantity": rng.choice([0.0, 1.0, 2.0], n_lines, p=[0.05, 0.8, 0.15]),
        "unit_price": rng.choice([5.0, 9.5, 20.0], n_lines), "unit_cost": rng.choice([np.nan, 2.0], n_lines),
        "channel": rng.choice(["shopify", "etsy", "amazon"], n_lines), "net_revenue": rng.choice([0.0, 10.0, 25.5], n_lines),
    })


def _pairs_before(sales: pd.DataFrame, min_orders: int) -> pd.DataFrame:
    """`FrequentPairs.pairs_` as computed before: the full co-occurrence matrix, then its upper triangle."""
    lines = clean_lines(sales, None)
    n = float(lines["order_id"].nunique())
    order_idx, orders = pd.factorize(lines["order_id"])
    item_idx, items = pd.factorize(lines["sku"])
    x = binary_matrix(pd.Series(order_idx), pd.Series(item_idx), len(orders), len(items))
    counts = np.asarray(x.sum(axis=0)).ravel()
    co = sparse.triu((x.T @ x).tocsr(), k=1).tocoo()
    keep = co.data >= min_orders
    a, b, n_ab = co.row[keep], co.col[keep], co.data[keep]
    pairs = pd.DataFrame({"a": items[a], "b": items[b], "support": n_ab / n, "confidence": n_ab / counts[a],
                          "lift": n_ab * n / (counts[a] * counts[b]), "orders": n_ab.astype(int)})
    swap = counts[a] > counts[b]
    pairs.loc[swap, ["a", "b"]] = pairs.loc[swap, ["b", "a"]].to_numpy()
    pairs["confidence"] = n_ab / np.minimum(counts[a], counts[b])
    cols = ["a", "b", "support", "confidence", "lift", "orders"]
    return pairs.sort_values(["lift", "orders"], ascending=False).reset_index(drop=True)[cols]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("min_orders", [None, 1, 2, 5, 40])
def test_pairs_are_the_same_as_from_the_full_matrix(seed: int, min_orders: int | None) -> None:
    sales = _sales(seed)
    model = FrequentPairs(min_orders=min_orders).fit(sales)
    pd.testing.assert_frame_equal(model.pairs_, _pairs_before(sales, model.min_orders_), check_exact=True)
    assert len(model.pairs_) or min_orders == 40


@pytest.mark.parametrize("seed", range(4))
def test_channel_mix_is_the_crosstab(seed: int) -> None:
    sales = _sales(seed)
    table = rfm_table(sales, "2025-10-31")
    orders = customer_orders(sales, "2025-10-31")
    mix = pd.crosstab(orders["customer"], orders["channel"], normalize="index")
    mix.columns = [f"share_{c}" for c in mix.columns]
    got = table.set_index("customer")[list(mix.columns)]
    pd.testing.assert_frame_equal(got, mix.rename_axis("customer"), check_exact=True, check_names=False)
    assert list(table.columns[-len(mix.columns):]) == list(mix.columns)
