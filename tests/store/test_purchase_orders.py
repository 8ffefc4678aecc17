"""Open purchase orders the owner enters: validated, listed, received into a count, cancelled."""

from __future__ import annotations

import datetime as dt

import pytest

from merchant_ai.store import purchase_orders as po
from tests.store.test_promotions import AS_OF, _fill


def _count(store, sku: str, qty: float, day: dt.date) -> None:
    with store.transaction() as conn:
        conn.execute("INSERT INTO inventory_levels(sku, location, quantity, as_of) VALUES (?, '', ?, ?)",
                     (sku, qty, day.isoformat()))


def test_add_list_receive_cancel_and_each_change_invalidates_cached_results(store):
    _fill(store)
    v0 = store.data_version()
    later = po.add_order(store, "MUG", 48, AS_OF + dt.timedelta(days=20))
    sooner = po.add_order(store, "TEA", "12", (AS_OF + dt.timedelta(days=5)).isoformat())
    undated = po.add_order(store, "TEA", 6)
    assert store.data_version() == v0 + 3
    orders = po.list_orders(store)
    assert [o["id"] for o in orders] == [sooner, later, undated]      # soonest first, unknown dates last
    assert orders[1] == {**orders[1], "sku": "MUG", "title": "Mug", "quantity": 48.0, "status": "open"}
    assert po.cancel_order(store, undated) and not po.cancel_order(store, undated)
    assert [o["id"] for o in po.list_orders(store, "cancelled")] == [undated]
    assert store.data_version() == v0 + 4


def test_receiving_records_the_count_it_leads_to(store):
    _fill(store)
    counted = AS_OF - dt.timedelta(days=20)
    _count(store, "MUG", 100, counted)
    sold = sum(r[0] for r in store.connection().execute(
        "SELECT l.quantity FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.sku = 'MUG' "
        "AND o.order_date > ? AND o.order_date <= ?", (counted.isoformat(), AS_OF.isoformat())))
    assert po.estimated_on_hand(store, "MUG", AS_OF) == pytest.approx(100 - sold)
    pid = po.add_order(store, "MUG", 48)
    got = po.receive_order(store, pid, day=AS_OF)
    assert got["count"] == pytest.approx(max(100 - sold, 0) + 48)
    assert po.estimated_on_hand(store, "MUG", AS_OF) == pytest.approx(got["count"])
    assert po.list_orders(store) == [] and [o["id"] for o in po.list_orders(store, "received")] == [pid]
    # The owner's own count wins; without any count the order is received and no count is invented.
    pid = po.add_order(store, "MUG", 10)
    assert po.receive_order(store, pid, count=7, day=AS_OF)["count"] == 7
    assert po.estimated_on_hand(store, "MUG", AS_OF) == 7
    pid = po.add_order(store, "TEA", 10)
    assert po.receive_order(store, pid, day=AS_OF)["count"] is None
    assert po.estimated_on_hand(store, "TEA", AS_OF) is None


@pytest.mark.parametrize(("sku", "qty", "expected", "field"), [
    ("NOPE", 5, None, "sku:"), ("MUG", 0, None, "quantity:"), ("MUG", "lots", None, "quantity:"),
    ("MUG", 5, "next week", "expected:"),
])
def test_an_order_that_makes_no_sense_is_refused_with_the_field_named(store, sku, qty, expected, field):
    _fill(store)
    v0 = store.data_version()
    with pytest.raises(po.PurchaseOrderError, match=field):
        po.add_order(store, sku, qty, expected)
    assert po.list_orders(store) == [] and store.data_version() == v0
    with pytest.raises(po.PurchaseOrderError, match="no open purchase order 99"):
        po.receive_order(store, 99)


def test_stock_alerts_count_an_entered_order(store):
    from merchant_ai.analytics.forecast_task import run_stock

    _fill(store)
    _count(store, "MUG", 5, AS_OF)
    before = {i["sku"]: i for i in run_stock(store, AS_OF)["items"]}["MUG"]
    po.add_order(store, "MUG", 500, AS_OF + dt.timedelta(days=3))
    after = run_stock(store, AS_OF)
    assert not after["cached"]
    mug = {i["sku"]: i for i in after["items"]}["MUG"]
    assert before["incoming"] == 0 and mug["incoming"] == 500
    assert mug["suggested_qty"] < before["suggested_qty"]
