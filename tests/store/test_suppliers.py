"""Suppliers: created, edited, assigned (also from product vendors), deleted; the stock policy uses them."""

from __future__ import annotations

import pandas as pd
import pytest

from merchant_ai.store import forecast_inputs, queries
from merchant_ai.store import suppliers as sup
from tests.store.test_promotions import AS_OF, _fill


def _settings(store, sku: str) -> dict:
    return queries.products(store).set_index("sku").loc[sku, ["supplier", "lead_time_days", "order_cycle_days",
                                                             "moq", "case_pack"]].to_dict()


def test_create_edit_assign_delete_and_sku_overrides_win(store):
    _fill(store)
    v0 = store.data_version()
    sid = sup.save_supplier(store, " Highland Fibre ", lead_time_days=30, order_cycle_days="14", moq=24)
    assert sup.save_supplier(store, "Highland Fibre", case_pack=12, moq="") == sid      # update, clear MOQ
    assert sup.assign(store, ["MUG", "TEA"], "Highland Fibre") == 2
    got = _settings(store, "MUG")
    assert got == {"supplier": "Highland Fibre", "lead_time_days": 30, "order_cycle_days": 14,
                   "moq": got["moq"], "case_pack": 12} and pd.isna(got["moq"])        # cleared
    forecast_inputs.update_product_stock_settings(store, "MUG", order_cycle_days=7, lead_time_days=10)
    assert _settings(store, "MUG")["order_cycle_days"] == 7 and _settings(store, "MUG")["lead_time_days"] == 10
    assert _settings(store, "TEA")["order_cycle_days"] == 14                           # the supplier's
    assert sup.list_suppliers(store)[0] == {**sup.list_suppliers(store)[0], "name": "Highland Fibre", "skus": 2}
    assert sup.delete_supplier(store, "Highland Fibre") == 2
    assert sup.list_suppliers(store) == [] and _settings(store, "TEA")["supplier"] != "Highland Fibre"
    assert store.data_version() > v0


@pytest.mark.parametrize(("call", "field"), [
    (lambda s: sup.save_supplier(s, "  "), "name:"),
    (lambda s: sup.save_supplier(s, "A", moq=0), "moq:"),
    (lambda s: sup.save_supplier(s, "A", lead_time_days="soon"), "lead_time_days:"),
    (lambda s: sup.save_supplier(s, "A", lead_time_days=400), "over a year"),
    (lambda s: sup.save_supplier(s, "A", colour="red"), "colour:"),
    (lambda s: sup.assign(s, ["MUG"], "Nobody"), "supplier:"),
    (lambda s: sup.assign(s, ["NOPE"], None), "sku:"),
    (lambda s: sup.delete_supplier(s, "Nobody"), "name:"),
])
def test_mistakes_are_refused_with_the_field_named(store, call, field):
    _fill(store)
    with pytest.raises(sup.SupplierError, match=field):
        call(store)
    assert sup.list_suppliers(store) == []


def test_suppliers_from_product_vendors(store):
    _fill(store)
    with store.transaction() as conn:
        conn.execute("UPDATE products SET vendor = ' Old Kiln ' WHERE sku = 'MUG'")
        conn.execute("UPDATE products SET vendor = 'Tea Co' WHERE sku = 'TEA'")
    sup.save_supplier(store, "Mine")
    sup.assign(store, ["TEA"], "Mine")                       # already has one: kept
    assert sup.from_vendors(store) == {"Old Kiln": 1}
    assert _settings(store, "MUG")["supplier"] == "Old Kiln" and _settings(store, "TEA")["supplier"] == "Mine"
    assert sup.from_vendors(store) == {}                     # nothing left to do


def test_stock_alerts_use_the_supplier_settings(store):
    from merchant_ai.analytics.forecast_task import run_stock

    _fill(store)
    with store.transaction() as conn:
        conn.execute("INSERT INTO inventory_levels(sku, location, quantity, as_of) VALUES ('MUG', '', 5, ?)",
                     (AS_OF.isoformat(),))
    before = {i["sku"]: i for i in run_stock(store, AS_OF)["items"]}["MUG"]
    sup.save_supplier(store, "Slow Boat", lead_time_days=60, order_cycle_days=30, case_pack=50)
    sup.assign(store, ["MUG"], "Slow Boat")
    after = run_stock(store, AS_OF)
    mug = {i["sku"]: i for i in after["items"]}["MUG"]
    assert not after["cached"] and (mug["lead_time_days"], mug["order_cycle_days"]) == (60, 30)
    assert mug["suggested_qty"] > before["suggested_qty"] and mug["suggested_qty"] % 50 == 0
    assert {p["supplier"] for p in after["purchase_orders"] if p["sku"] == "MUG"} == {"Slow Boat"}
