"""Suppliers and which SKUs each one supplies: lead time, order cycle, MOQ and case pack per supplier.

A SKU's own setting (Stock tab) overrides its supplier's; an empty supplier setting falls back to
the shop default (Settings). Purchase-order suggestions are grouped by supplier. Shops usually have
a "Vendor" on their products (Shopify, WooCommerce): `from_vendors` makes one supplier per vendor.
Every change bumps the data version, so cached stock alerts are recomputed.
"""

from __future__ import annotations

import math
from typing import Any

from merchant_ai.store.edits import bump
from merchant_ai.store.store import Store

FIELDS = ("lead_time_days", "order_cycle_days", "moq", "case_pack")
DAY_FIELDS = ("lead_time_days", "order_cycle_days")     # 0 days is a setting; 0 units is not


class SupplierError(ValueError):
    """A supplier change that cannot be made as given; the message names the field."""


def _value(field: str, value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SupplierError(f"{field}: {value!r} is not a number.") from None
    if math.isnan(number) or number < 0 or (number == 0 and field not in DAY_FIELDS):
        raise SupplierError(f"{field}: {number:g} is not allowed (leave it empty for the default).")
    if field in DAY_FIELDS and number > 365:
        raise SupplierError(f"{field}: {number:g} days is over a year.")
    return number


def list_suppliers(store: Store) -> list[dict[str, Any]]:
    """Suppliers by name, with how many SKUs each supplies."""
    rows = store.connection().execute(
        "SELECT s.id, s.name, s.lead_time_days, s.order_cycle_days, s.moq, s.case_pack, count(p.id) "
        "FROM suppliers s LEFT JOIN products p ON p.supplier_id = s.id GROUP BY s.id ORDER BY s.name").fetchall()
    return [{"id": r[0], "name": r[1], "lead_time_days": r[2], "order_cycle_days": r[3], "moq": r[4],
             "case_pack": r[5], "skus": r[6]} for r in rows]


def save_supplier(store: Store, name: str, **settings: Any) -> int:
    """Create the supplier `name`, or update the settings given (None or "" clears one); returns its id."""
    name = (name or "").strip()
    if not name:
        raise SupplierError("name: a supplier needs a name.")
    unknown = set(settings) - set(FIELDS)
    if unknown:
        raise SupplierError(f"{sorted(unknown)[0]}: not a supplier setting ({', '.join(FIELDS)}).")
    values = {k: _value(k, v) for k, v in settings.items()}
    with store.transaction() as conn:
        row = conn.execute("SELECT id FROM suppliers WHERE name = ?", (name,)).fetchone()
        if row is None:
            cols = ["name", *values]
            cur = conn.execute(f"INSERT INTO suppliers({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                               (name, *values.values()))
            supplier_id = int(cur.lastrowid)
        else:
            supplier_id = int(row[0])
            if values:
                conn.execute(f"UPDATE suppliers SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                             (*values.values(), supplier_id))
        bump(conn, store)
    return supplier_id


def delete_supplier(store: Store, name: str) -> int:
    """Delete a supplier; its SKUs (returned: how many) fall back to their own or the default settings."""
    with store.transaction() as conn:
        row = conn.execute("SELECT id FROM suppliers WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise SupplierError(f"name: no supplier called {name!r}.")
        n = conn.execute("UPDATE products SET supplier_id = NULL WHERE supplier_id = ?", (row[0],)).rowcount
        conn.execute("UPDATE purchase_orders SET supplier_id = NULL WHERE supplier_id = ?", (row[0],))
        conn.execute("DELETE FROM suppliers WHERE id = ?", (row[0],))
        bump(conn, store)
    return int(n)


def assign(store: Store, skus: list[str], name: str | None) -> int:
    """Make `name` (None: no supplier) the supplier of these SKUs; returns how many were assigned."""
    skus = [s.strip() for s in skus if s and s.strip()]
    if not skus:
        raise SupplierError("sku: name at least one SKU.")
    with store.transaction() as conn:
        supplier_id = None
        if name is not None:
            row = conn.execute("SELECT id FROM suppliers WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise SupplierError(f"supplier: no supplier called {name!r} (create it first).")
            supplier_id = row[0]
        known = {r[0] for r in conn.execute(
            f"SELECT sku FROM products WHERE sku IN ({', '.join('?' * len(skus))})", skus)}
        missing = [s for s in skus if s not in known]
        if missing:
            raise SupplierError(f"sku: no product {missing[0]!r} in this shop.")
        n = conn.execute(f"UPDATE products SET supplier_id = ? WHERE sku IN ({', '.join('?' * len(skus))})",
                         (supplier_id, *skus)).rowcount
        bump(conn, store)
    return int(n)


def from_vendors(store: Store) -> dict[str, int]:
    """One supplier per product vendor, each vendor's SKUs without a supplier assigned to it.

    Returns {vendor: SKUs assigned}. SKUs that already have a supplier keep it.
    """
    conn = store.connection()
    vendors = [r[0] for r in conn.execute(
        "SELECT DISTINCT trim(vendor) FROM products WHERE supplier_id IS NULL AND trim(coalesce(vendor, '')) != '' "
        "ORDER BY 1")]
    out: dict[str, int] = {}
    with store.transaction() as tx:
        for vendor in vendors:
            tx.execute("INSERT INTO suppliers(name) VALUES (?) ON CONFLICT(name) DO NOTHING", (vendor,))
            (sid,) = tx.execute("SELECT id FROM suppliers WHERE name = ?", (vendor,)).fetchone()
            out[vendor] = int(tx.execute("UPDATE products SET supplier_id = ? WHERE supplier_id IS NULL "
                                         "AND trim(vendor) = ?", (sid, vendor)).rowcount)
        if out:
            bump(tx, store)
    return out
