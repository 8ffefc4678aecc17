"""What the owner's small edits share: dates typed by people, and the data-version bump.

Edits (stock counts, supplier settings, promotions, purchase orders) run in one transaction with
the bump, so cached forecasts and alerts never outlive the data they were computed from.
"""

from __future__ import annotations

import datetime as dt

from merchant_ai.store.store import Store


def parse_day(value: dt.date | str, field: str, error: type[ValueError] = ValueError) -> dt.date:
    """An ISO date, or `error` naming the field the person typed it in."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise error(f"{field}: {value!r} is not a date (use YYYY-MM-DD).") from None


def known_sku(conn, sku: str) -> bool:
    """A SKU the shop has as a product or has sold (edits refuse typos instead of storing them)."""
    return conn.execute("SELECT 1 FROM products WHERE sku = ? UNION ALL "
                        "SELECT 1 FROM order_lines WHERE sku = ? LIMIT 1", (sku, sku)).fetchone() is not None


def write_stock_count(conn, sku: str, quantity: float, day: dt.date, location: str = "") -> None:
    """A stock count (replaces one of the same SKU, location and day), inside the caller's transaction."""
    conn.execute("INSERT INTO inventory_levels(sku, location, quantity, as_of) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT(sku, location, as_of) DO UPDATE SET quantity = excluded.quantity",
                 (sku, location, float(quantity), day.isoformat()))


def bump(conn, store: Store) -> None:
    """Bump the data version on `conn`, inside the caller's transaction."""
    conn.execute("INSERT INTO settings(key, value) VALUES ('data_version', ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (str(store.data_version() + 1),))
