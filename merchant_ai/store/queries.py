"""The read side of the store: tidy DataFrames that analytics take as input.

Analytics never run SQL and never read files; they get these frames (pure functions of data).
Every loader takes `as_of` (a date: data up to and including that day) so no model can see the
future. Money comes out as float here (analytics are statistical); the store keeps it exact.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from merchant_ai.money import SCALE
from merchant_ai.store.store import Store

SALES_COLUMNS = [
    "order_id", "order_ref", "channel", "created_at", "order_date", "customer", "sku", "title",
    "category", "quantity", "unit_price", "discount", "revenue", "refunded_qty", "refunded_amount",
    "net_quantity", "net_revenue", "currency", "status", "unit_cost",
]


def _frame(store: Store, sql: str, params: tuple = ()) -> pd.DataFrame:
    cur = store.connection().execute(sql, params)
    cols = [d[0] for d in cur.description]
    return pd.DataFrame.from_records(cur.fetchall(), columns=cols)


def _as_of_text(as_of: dt.date | str | None) -> str:
    if as_of is None:
        return "9999-12-31"
    return as_of if isinstance(as_of, str) else as_of.isoformat()


def sales_lines(store: Store, as_of: dt.date | str | None = None, include_cancelled: bool = False) -> pd.DataFrame:
    """One row per order line up to `as_of`, with refunds applied.

    Columns (see SALES_COLUMNS): `order_date` is the shop-local day (datetime64, midnight);
    `created_at` is local wall time; `customer` is the customer key or None for guests;
    `revenue` = quantity x unit_price - discount; `refunded_amount` is the line's refunded quantity at
    its unit price, or else its share of an order-level refund; `unit_cost` is NaN when unknown.
    """
    sql = f"""
        SELECT o.id AS order_id, o.external_id AS order_ref, c.name AS channel, o.created_at,
               o.order_date, cu.key AS customer, COALESCE(l.sku, l.channel_sku, l.title) AS sku,
               COALESCE(l.title, p.title) AS title, p.category, l.quantity,
               l.unit_price, l.discount, l.line_total, l.refunded_qty, o.refunded AS order_refunded,
               o.currency, o.status, p.unit_cost
        FROM order_lines l
        JOIN orders o ON o.id = l.order_id
        JOIN channels c ON c.id = o.channel_id
        LEFT JOIN customers cu ON cu.id = o.customer_id
        LEFT JOIN products p ON p.sku = l.sku
        WHERE o.order_date <= ? {"" if include_cancelled else "AND o.status != 'cancelled'"}
        ORDER BY o.order_date, o.id, l.id
    """
    df = _frame(store, sql, (_as_of_text(as_of),))
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in SALES_COLUMNS})
    for col in ("unit_price", "discount", "line_total", "order_refunded", "unit_cost"):
        df[col] = pd.to_numeric(df[col], errors="coerce") / SCALE
    df["quantity"] = df["quantity"].astype(float)
    df["refunded_qty"] = df["refunded_qty"].astype(float).fillna(0.0)
    df["discount"] = df["discount"].fillna(0.0)
    revenue = df["line_total"].where(df["line_total"].notna(), df["quantity"] * df["unit_price"] - df["discount"])
    df["revenue"] = revenue.fillna(0.0)
    # Refunds: per-line quantities where the export has them, else the order's refund pro rata.
    line_refund = (df["refunded_qty"] * df["unit_price"].fillna(0.0)).clip(lower=0)
    order_rev = df.groupby("order_id")["revenue"].transform("sum")
    order_line_refund = line_refund.groupby(df["order_id"]).transform("sum")
    share = np.where(order_rev > 0, df["revenue"] / order_rev.replace(0, np.nan), 0.0)
    pro_rata = (df["order_refunded"].fillna(0.0) * np.nan_to_num(share)).clip(lower=0)
    df["refunded_amount"] = np.where(order_line_refund > 0, line_refund, np.minimum(pro_rata, df["revenue"].clip(lower=0)))
    df["net_quantity"] = (df["quantity"] - df["refunded_qty"]).clip(lower=0)
    df["net_revenue"] = df["revenue"] - df["refunded_amount"]
    df["created_at"] = pd.to_datetime(df["created_at"].str.slice(0, 19), errors="coerce")
    df["order_date"] = pd.to_datetime(df["order_date"])
    return df[SALES_COLUMNS]


def orders(store: Store, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """One row per order (all statuses) with money as float and the customer key."""
    df = _frame(store, """
        SELECT o.id AS order_id, o.external_id AS order_ref, c.name AS channel, o.created_at, o.order_date,
               cu.key AS customer, o.currency, o.subtotal, o.shipping, o.tax, o.discount, o.total,
               o.refunded, o.status
        FROM orders o JOIN channels c ON c.id = o.channel_id LEFT JOIN customers cu ON cu.id = o.customer_id
        WHERE o.order_date <= ? ORDER BY o.order_date, o.id""", (_as_of_text(as_of),))
    for col in ("subtotal", "shipping", "tax", "discount", "total", "refunded"):
        df[col] = pd.to_numeric(df[col], errors="coerce") / SCALE
    df["order_date"] = pd.to_datetime(df["order_date"])
    return df


def products(store: Store) -> pd.DataFrame:
    """Master SKU list with supplier settings resolved (per-SKU override, else supplier, else NaN)."""
    df = _frame(store, """
        SELECT p.sku, p.parent_sku, p.title, p.variant, p.vendor, s.name AS supplier, p.category,
               p.unit_cost, p.list_price, p.currency, p.status,
               COALESCE(p.lead_time_days, s.lead_time_days) AS lead_time_days,
               s.order_cycle_days, COALESCE(p.moq, s.moq) AS moq, COALESCE(p.case_pack, s.case_pack) AS case_pack
        FROM products p LEFT JOIN suppliers s ON s.id = p.supplier_id ORDER BY p.sku""")
    for col in ("unit_cost", "list_price"):
        df[col] = pd.to_numeric(df[col], errors="coerce") / SCALE
    return df


def _one_count_per_sku(df: pd.DataFrame, when: str) -> pd.DataFrame:
    """Rows that make up each SKU's stock: a products export gives a location-less total, an
    inventory export the same units per location. Summing both would count the stock twice, so
    the newer of the two wins (per-location counts on a tie: they carry more detail)."""
    named = df["location"].fillna("").ne("")
    newest_named = df[when].where(named).groupby(df["sku"]).transform("max")
    newest_total = df[when].where(~named).groupby(df["sku"]).transform("max")
    use_named = newest_named.notna() & (newest_total.isna() | (newest_named >= newest_total))
    return df[named.eq(use_named)]


def inventory_on_hand(store: Store, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Latest stock count per SKU taken on or before `as_of`: the newest count per location,
    summed, or the newest location-less total when that is newer (see `_one_count_per_sku`)."""
    df = _frame(store, """
        SELECT i.sku, i.location, i.quantity, i.available, i.incoming, i.as_of
        FROM inventory_levels i
        JOIN (SELECT sku, location, max(as_of) AS as_of FROM inventory_levels
              WHERE substr(as_of, 1, 10) <= ? GROUP BY sku, location) last
          ON last.sku = i.sku AND last.location = i.location AND last.as_of = i.as_of""",
        (_as_of_text(as_of),))
    if df.empty:
        return pd.DataFrame({"sku": [], "on_hand": [], "incoming": [], "counted_at": []})
    df = _one_count_per_sku(df, "as_of")
    return (df.groupby("sku", as_index=False)
              .agg(on_hand=("quantity", "sum"), incoming=("incoming", "sum"), counted_at=("as_of", "max")))


def inventory_history(store: Store, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Every stock count up to `as_of` (for stockout censoring), summed over locations per day
    (a day with per-location counts ignores a location-less total of the same day)."""
    df = _frame(store, "SELECT sku, location, quantity, substr(as_of, 1, 10) AS day FROM inventory_levels "
                       "WHERE substr(as_of, 1, 10) <= ?", (_as_of_text(as_of),))
    if df.empty:
        return pd.DataFrame({"sku": [], "day": [], "on_hand": []})
    named = df["location"].fillna("").ne("")
    day_has_named = named.groupby([df["sku"], df["day"]]).transform("any")
    df = df[named | ~day_has_named]
    out = df.groupby(["sku", "day"], as_index=False)["quantity"].sum().rename(columns={"quantity": "on_hand"})
    out["day"] = pd.to_datetime(out["day"])
    return out


def open_purchase_orders(store: Store) -> pd.DataFrame:
    return _frame(store, "SELECT sku, quantity, expected_at FROM purchase_orders WHERE status = 'open'")


def fees(store: Store, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Real fees carried by exports (negative = charged to the seller)."""
    df = _frame(store, """
        SELECT c.name AS channel, f.order_external_id AS order_ref, f.sku, f.kind, f.amount, f.currency, f.posted_at
        FROM fees f JOIN channels c ON c.id = f.channel_id
        WHERE COALESCE(substr(f.posted_at, 1, 10), '') <= ?""", (_as_of_text(as_of),))
    df["amount"] = pd.to_numeric(df["amount"], errors="coerce") / SCALE
    return df
