"""Open purchase orders (incoming stock) the owner enters, receives or cancels.

The stock policy counts open orders as arriving on their expected day (or at the end of the lead
time when none is given). Receiving an order records a stock count dated that day, since on-hand
figures here are counts minus the units sold after them: the new count is the owner's figure, or
the current estimate plus the quantity received. Every change bumps the store's data version, so
cached stock alerts are recomputed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from merchant_ai.store.edits import bump, known_sku, parse_day, write_stock_count
from merchant_ai.store.store import Store


class PurchaseOrderError(ValueError):
    """An order that cannot be stored or changed as given; the message names the field."""


def add_order(store: Store, sku: str, quantity: float, expected_at: dt.date | str | None = None) -> int:
    """Record `quantity` of `sku` on its way (from the SKU's supplier); returns the order's id."""
    sku = (sku or "").strip()
    try:
        qty = float(quantity)
    except (TypeError, ValueError):
        raise PurchaseOrderError(f"quantity: {quantity!r} is not a number.") from None
    if not qty > 0:
        raise PurchaseOrderError(f"quantity: {qty:g} is not a positive number of units.")
    day = parse_day(expected_at, "expected", PurchaseOrderError) if expected_at not in (None, "") else None
    with store.transaction() as conn:
        if not known_sku(conn, sku):
            raise PurchaseOrderError(f"sku: no product or sale with SKU {sku!r} in this shop.")
        row = conn.execute("SELECT supplier_id FROM products WHERE sku = ?", (sku,)).fetchone()
        cur = conn.execute("INSERT INTO purchase_orders(sku, quantity, expected_at, supplier_id, status) "
                           "VALUES (?, ?, ?, ?, 'open')",
                           (sku, qty, day.isoformat() if day else None, row[0] if row else None))
        bump(conn, store)
        return int(cur.lastrowid)


def list_orders(store: Store, status: str = "open") -> list[dict[str, Any]]:
    """Orders with that status, soonest expected first (unknown dates last)."""
    rows = store.connection().execute(
        "SELECT po.id, po.sku, p.title, po.quantity, po.expected_at, s.name, po.status FROM purchase_orders po "
        "LEFT JOIN products p ON p.sku = po.sku LEFT JOIN suppliers s ON s.id = po.supplier_id "
        "WHERE po.status = ? ORDER BY po.expected_at IS NULL, po.expected_at, po.id", (status,)).fetchall()
    return [{"id": r[0], "sku": r[1], "title": r[2], "quantity": r[3], "expected_at": r[4], "supplier": r[5],
             "status": r[6]} for r in rows]


def estimated_on_hand(store: Store, sku: str, day: dt.date) -> float | None:
    """One SKU's `estimates_on_hand`."""
    return estimates_on_hand(store, [sku], day)[sku]


def estimates_on_hand(store: Store, skus: list[str], day: dt.date) -> dict[str, float | None]:
    """Each SKU's latest count on or before `day` (as the stock policy reads it) minus the units
    sold after it; None without a count. One read of the counts and one pass over the lines."""
    from merchant_ai.store import queries

    counts = queries.inventory_on_hand(store, day)
    counts = counts[counts["sku"].astype(str).isin(set(skus))]
    out: dict[str, float | None] = dict.fromkeys(skus)
    if counts.empty:
        return out
    counted = {str(k): str(c)[:10] for k, c in zip(counts["sku"], counts["counted_at"], strict=True)}
    marks = ", ".join("?" * len(counted))
    sold: dict[str, float] = {}
    for sku, when, qty in store.connection().execute(
            f"SELECT l.sku, o.order_date, max(l.quantity - l.refunded_qty, 0) FROM order_lines l "
            f"JOIN orders o ON o.id = l.order_id WHERE l.sku IN ({marks}) AND o.status != 'cancelled' "
            f"AND o.order_date > ? AND o.order_date <= ?",
            (*counted, min(counted.values()), day.isoformat())):
        if when > counted[sku]:
            sold[sku] = sold.get(sku, 0.0) + float(qty or 0.0)
    for sku, on_hand in zip(counts["sku"].astype(str), counts["on_hand"], strict=True):
        out[sku] = float(on_hand) - sold.get(sku, 0.0)
    return out


def receive_order(store: Store, order_id: int, count: float | None = None,
                  day: dt.date | None = None) -> dict[str, Any]:
    """Mark an open order received on `day` (today) and record the stock count it leads to."""
    day = day or dt.date.today()
    conn = store.connection()
    row = conn.execute("SELECT sku, quantity FROM purchase_orders WHERE id = ? AND status = 'open'",
                       (int(order_id),)).fetchone()
    if row is None:
        raise PurchaseOrderError(f"id: no open purchase order {order_id}.")
    sku, qty = row
    if count is None:
        before = estimated_on_hand(store, sku, day)
        count = None if before is None else max(before, 0.0) + float(qty)
    elif float(count) < 0:
        raise PurchaseOrderError(f"count: {count:g} is below zero.")
    with store.transaction() as tx:
        tx.execute("UPDATE purchase_orders SET status = 'received' WHERE id = ?", (int(order_id),))
        if count is not None:
            write_stock_count(tx, sku, count, day)
        bump(tx, store)
    return {"id": int(order_id), "sku": sku, "quantity": float(qty), "count": count, "day": day.isoformat()}


def cancel_order(store: Store, order_id: int) -> bool:
    """Cancel an open order; False if there was no open order with that id."""
    with store.transaction() as conn:
        n = conn.execute("UPDATE purchase_orders SET status = 'cancelled' WHERE id = ? AND status = 'open'",
                         (int(order_id),)).rowcount
        if n:
            bump(conn, store)
    return bool(n)
