"""build_demo fills a real (encrypted) store through the import pipeline, idempotently."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from merchant_ai.demo.build import build_demo
from merchant_ai.demo.generator import generate
from merchant_ai.importers.writer import ImportCancelled
from merchant_ai.store import Store, queries


@pytest.fixture(scope="module")
def small():
    return generate(5, dt.date(2025, 6, 30), n_skus=60, days=120)


@pytest.fixture(scope="module")
def built(small, tmp_path_factory):
    """One demo build shared by the checks below (importing is the slow part)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MERCHANT_AI_KDF_LOG2N", "14")
        shop, _ = Store.create(tmp_path_factory.mktemp("demo") / "shop", "test-pass")
        summary = build_demo(shop, history=small)
        yield shop, summary
        shop.close()


def test_build_matches_the_generator_and_rebuilding_doubles_nothing(built, small):
    store, first = built
    info = store.info()
    expected = small.expected_counts()
    for key in ("orders", "order_lines", "products", "customers", "channels"):
        assert info[key] == expected[key], key
    assert first["expected"] == expected
    assert {f["format"] for f in first["files"]} == {
        "shopify-products", "shopify-inventory", "shopify-orders", "etsy-order-items", "etsy-orders",
        "amazon-all-orders"}
    assert store.get_setting("shop_name").startswith("Demo")
    assert store.get_setting("currency") == "USD" and store.get_setting("week_start") == "monday"

    build_demo(store, history=small)
    again = store.info()
    for key in ("orders", "order_lines", "products", "customers"):
        assert again[key] == info[key], key


def test_store_holds_the_truth(built, small):
    store, _ = built
    prods = queries.products(store)
    assert prods["supplier"].notna().all()
    assert prods["lead_time_days"].between(7, 60).all() and (prods["moq"] > 0).all()
    truth_status = small.products.set_index("sku")["status"]
    assert (prods.set_index("sku")["status"] == truth_status.loc[prods["sku"]].to_numpy()).all()
    # Stock: the latest count per SKU and location sums to the simulated final stock ...
    on_hand = queries.inventory_on_hand(store).set_index("sku")["on_hand"]
    assert on_hand.sum() == small.stock.iloc[-1].sum()
    # ... and the weekly counts show the true stockouts (zero on a Sunday inside a window).
    hist = queries.inventory_history(store, small.end)
    zero = set(map(tuple, hist.loc[hist["on_hand"] <= 0, ["sku", "day"]].astype(str).to_numpy()))
    inside = {(w.sku, str(day.date())) for w in small.stockouts.itertuples()
              for day in pd.date_range(w.start, w.end) if day.day_of_week == 6}
    assert inside and inside <= {(s, d[:10]) for s, d in zero}
    # Supplier orders still on their way are open purchase orders.
    pos = queries.open_purchase_orders(store)
    truth = small.purchase_orders[small.purchase_orders["open"]]
    assert len(pos) == len(truth) > 0 and pos["quantity"].sum() == truth["quantity"].sum()
    # Sales: the store's lines are the generator's (pending Amazon items have no price yet).
    stored = queries.sales_lines(store)
    truth = small.sales_frame()
    assert len(stored) == len(truth)
    assert stored["quantity"].sum() == truth["quantity"].sum()
    priced = truth["status"] != "pending"
    assert np.isclose(stored["revenue"].sum(), truth.loc[priced, "revenue"].sum(), atol=0.05)
    refunds = small.orders.loc[small.orders["channel"] != "amazon", "refunded"].sum()
    assert np.isclose(queries.orders(store)["refunded"].sum(), refunds, atol=0.05)


def test_customer_data_never_lands_on_disk_in_plaintext(built, small):
    store, _ = built
    store.close()           # checkpoint the WAL too: every file is scanned as it rests on disk
    markers = [small.customers.loc[small.customers["channel"] == "shopify", "email"].iloc[0],
               small.customers.loc[small.customers["channel"] == "etsy", "username"].iloc[0],
               small.products["title"].iloc[0]]
    for path in store.folder.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            for m in markers:
                assert m.encode() not in blob, (path.name, m)


def test_cancel_stops_before_anything_is_imported(store, small):
    with pytest.raises(ImportCancelled):
        build_demo(store, history=small, cancel=lambda: True)
    assert store.info()["orders"] == 0
