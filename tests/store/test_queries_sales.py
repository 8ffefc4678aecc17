"""`queries.sales_lines` reads orders, lines and products separately and puts them together in
pandas (several times faster than one SQL join on half a million lines). It must give exactly the
frame the one-join read gave: that read is kept below as the reference, and both run on a shop with
every awkward case (guests, lines without SKU or title, SKUs without a product, per-line and
order-level refunds, zero-value orders, missing prices, cancelled orders, an order without lines,
a stray text cell in a money column, dates with and without offsets)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from merchant_ai.money import SCALE, to_store
from merchant_ai.store import Store, queries
from merchant_ai.store.queries import SALES_COLUMNS, _as_of_text, _frame


def _sales_lines_joined(store: Store, as_of: dt.date | str | None = None,
                        include_cancelled: bool = False) -> pd.DataFrame:
    """The one-join read `sales_lines` used before (the reference)."""
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
    line_refund = (df["refunded_qty"] * df["unit_price"].fillna(0.0)).clip(lower=0)
    order_rev = df.groupby("order_id")["revenue"].transform("sum")
    order_line_refund = line_refund.groupby(df["order_id"]).transform("sum")
    share = np.where(order_rev > 0, df["revenue"] / order_rev.replace(0, np.nan), 0.0)
    pro_rata = (df["order_refunded"].fillna(0.0) * np.nan_to_num(share)).clip(lower=0)
    df["refunded_amount"] = np.where(order_line_refund > 0, line_refund,
                                     np.minimum(pro_rata, df["revenue"].clip(lower=0)))
    df["net_quantity"] = (df["quantity"] - df["refunded_qty"]).clip(lower=0)
    df["net_revenue"] = df["revenue"] - df["refunded_amount"]
    df["created_at"] = pd.to_datetime(df["created_at"].str.slice(0, 19), errors="coerce")
    df["order_date"] = pd.to_datetime(df["order_date"])
    return df[SALES_COLUMNS]


def _fill(store: Store, seed: int = 0, n_orders: int = 300) -> None:
    rng = np.random.default_rng(seed)
    with store.transaction() as conn:
        conn.execute("INSERT INTO channels(id, name, platform, currency) VALUES (1, 'shopify', 'shopify', 'USD'), "
                     "(2, 'etsy', 'etsy', 'EUR'), (3, 'amazon', 'amazon', NULL)")
        conn.executemany("INSERT INTO customers(id, key) VALUES (?, ?)", [(i, f"c{i}") for i in range(1, 40)])
        conn.executemany("INSERT INTO products(sku, title, category, unit_cost) VALUES (?, ?, ?, ?)", [
            ("MUG", "Mug", "Kitchen", to_store(4.0)), ("TEE", "Tee", None, None),
            ("CAP", None, "Hats", to_store(2.5)), ("NA", "NA", "NA", 0)])
        line_id = 0
        for o in range(1, n_orders + 1):
            day = dt.date(2025, 1, 1) + dt.timedelta(days=int(rng.integers(0, 400)))
            created = f"{day}T{int(rng.integers(0, 24)):02d}:15:00" + ("+02:00" if o % 3 else "")
            status = ["paid", "paid", "refunded", "partially_refunded", "cancelled", "pending"][o % 6]
            customer = None if o % 7 == 0 else int(rng.integers(1, 40))
            refunded = to_store(float(rng.choice([0, 0, 5, 12.5]))) if o % 5 == 0 else 0
            conn.execute("INSERT INTO orders(id, channel_id, external_id, customer_id, created_at, created_utc, "
                         "order_date, currency, total, refunded, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (o, int(rng.integers(1, 4)), f"#{1000 + o}", customer, created, created, day.isoformat(),
                          [None, "USD", "EUR"][o % 3], to_store(20.0), refunded, status))
            for k in range(int(rng.integers(0 if o % 11 == 0 else 1, 5))):
                line_id += 1
                sku = [None, "MUG", "TEE", "CAP", "GHOST", "NA"][int(rng.integers(0, 6))]
                channel_sku = "CH-" + str(k) if rng.random() < 0.5 else None
                title = [None, "A mug", "Mug", "NA", "Café ☕"][int(rng.integers(0, 5))]
                qty = float(rng.choice([1, 2, 3, 0.5, 0]))
                price = None if rng.random() < 0.1 else to_store(float(rng.choice([0, 9.99, 20, 0.3333])))
                discount = to_store(float(rng.choice([0, 0, 1.5])))
                total = None if rng.random() < 0.3 or price is None else int(qty * price) - discount
                refunded_qty = float(rng.choice([0, 0, 0, 1]))
                conn.execute("INSERT INTO order_lines(id, order_id, line_key, sku, channel_sku, title, quantity, "
                             "unit_price, discount, line_total, refunded_qty) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             (line_id, o, str(k), sku, channel_sku, title, qty, price, discount, total, refunded_qty))
        # lines stored out of id order within an order, and a stray text cell in a money column
        conn.execute("UPDATE order_lines SET id = id + 100000 WHERE id % 13 = 0")
        conn.execute("UPDATE order_lines SET unit_price = 'n/a' WHERE id = 5")
    store.bump_data_version()


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("as_of", [None, "2025-06-30", dt.date(2025, 1, 1), "2024-01-01"])
@pytest.mark.parametrize("include_cancelled", [False, True])
def test_sales_lines_is_the_joined_read(store: Store, seed: int, as_of, include_cancelled: bool) -> None:
    _fill(store, seed)
    expected = _sales_lines_joined(store, as_of, include_cancelled)
    got = queries.sales_lines(store, as_of, include_cancelled)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_empty_shop_gives_the_empty_frame(store: Store) -> None:
    pd.testing.assert_frame_equal(queries.sales_lines(store), _sales_lines_joined(store))


def test_reuse_shares_one_read_per_store_version_and_day(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(store)
    reads = []
    real = queries._read_sales_lines
    monkeypatch.setattr(queries, "_read_sales_lines", lambda *a: reads.append(a[1:]) or real(*a))
    with queries.reuse_sales_lines():
        first = queries.sales_lines(store, "2025-06-30")
        first["net_revenue"] = 0.0                      # a caller's edit stays its own
        first["extra"] = 1
        again = queries.sales_lines(store, dt.date(2025, 6, 30))
        queries.sales_lines(store, "2025-06-30", include_cancelled=True)
        store.bump_data_version()                       # an import in between: read again
        queries.sales_lines(store, "2025-06-30")
    queries.sales_lines(store, "2025-06-30")            # outside the block: always read
    assert reads == [("2025-06-30", False), ("2025-06-30", True), ("2025-06-30", False), ("2025-06-30", False)]
    assert "extra" not in again and again["net_revenue"].ne(0).any()
    pd.testing.assert_frame_equal(again, _sales_lines_joined(store, "2025-06-30"), check_exact=True)


def test_the_three_reads_see_one_snapshot(store: Store, tmp_path) -> None:
    """An import committed by another connection between the reads must not leave lines without
    their order: the reads share one read transaction (and run inside a caller's, if any)."""
    _fill(store)
    conn = store.connection()
    real_execute = type(conn).execute
    other = Store.open(tmp_path / "shop", "test-pass")
    calls = []

    class Spy:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def execute(self, sql, *args):
            cur = real_execute(self.inner, sql, *args)
            calls.append(sql)
            if "FROM order_lines l JOIN orders o" in sql:      # after the lines, before the orders
                with other.transaction() as w:
                    w.execute("DELETE FROM order_lines")
                    w.execute("DELETE FROM orders")
            return cur

    expected = _sales_lines_joined(store, "2025-06-30")
    store.connection = lambda: Spy(conn)
    try:
        got = queries.sales_lines(store, "2025-06-30")
    finally:
        del store.connection
        other.close()
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert not conn.in_transaction and calls[0] == "BEGIN"
    assert queries.sales_lines(store).empty                   # the deletion is seen afterwards
    with store.transaction():
        assert queries.sales_lines(store).empty               # inside a caller's transaction too


def _spy_packed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record whether each packed read served the lines ("packed") or gave way ("rows")."""
    seen: list[str] = []
    real = queries._packed_columns

    def spy(*args):
        try:
            out = real(*args)
        except queries.NotPacked:
            seen.append("rows")
            raise
        seen.append("packed")
        return out
    monkeypatch.setattr(queries, "_packed_columns", spy)
    return seen


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("as_of", [None, "2025-06-30", "2024-01-01"])
@pytest.mark.parametrize("include_cancelled", [False, True])
def test_packed_line_read_gives_the_joined_read(store: Store, monkeypatch: pytest.MonkeyPatch, seed: int, as_of,
                                                include_cancelled: bool) -> None:
    """Without the stray text cell the lines come from the packed read: same frame, dtypes included,
    with empty titles kept apart from missing ones and fractional quantities and prices exact."""
    _fill(store, seed)
    with store.transaction() as conn:
        conn.execute("UPDATE order_lines SET unit_price = NULL WHERE id = 5")
        conn.execute("UPDATE order_lines SET title = '' WHERE id % 17 = 0")
        conn.execute("UPDATE order_lines SET quantity = 0.1 + id / 3.0 WHERE id % 19 = 0")
    seen = _spy_packed(monkeypatch)
    got = queries.sales_lines(store, as_of, include_cancelled)
    pd.testing.assert_frame_equal(got, _sales_lines_joined(store, as_of, include_cancelled), check_exact=True)
    assert seen == ["packed"]
    assert as_of == "2024-01-01" or (got["title"] == "").any()


def test_packed_read_gives_way_to_rows_for_a_separator_in_a_title_or_text_in_a_number(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(store)
    seen = _spy_packed(monkeypatch)
    pd.testing.assert_frame_equal(queries.sales_lines(store), _sales_lines_joined(store), check_exact=True)
    with store.transaction() as conn:
        conn.execute("UPDATE order_lines SET unit_price = 100 WHERE id = 5")
        conn.execute("UPDATE order_lines SET title = 'two' || char(31) || 'parts' WHERE id % 7 = 0")
    store.bump_data_version()
    got = queries.sales_lines(store)
    pd.testing.assert_frame_equal(got, _sales_lines_joined(store), check_exact=True)
    assert got["title"].str.contains("\x1f").any()
    assert seen == ["rows", "rows"]


def test_shop_without_categories_keeps_the_object_column_pandas_infers(store: Store,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(store)
    with store.transaction() as conn:
        conn.execute("UPDATE order_lines SET unit_price = NULL WHERE id = 5")
        conn.execute("UPDATE products SET category = NULL")
    seen = _spy_packed(monkeypatch)
    got = queries.sales_lines(store)
    pd.testing.assert_frame_equal(got, _sales_lines_joined(store), check_exact=True)
    assert got["category"].dtype == object and got["category"].isna().all() and seen == ["packed"]


def test_packed_lines_out_of_order_are_sorted_by_order_position_then_line_id() -> None:
    import pyarrow as pa

    at = np.array([0, 0, 1, 1, 2])
    line_id = np.array([5, 9, 3, 4, 1])
    line = {"line_id": line_id.astype(float), "quantity": np.arange(5.0), "title": pa.array(list("abcde"))}
    same, order_id, got_at = queries._in_line_order(dict(line), at * 10, at)
    assert same["quantity"].tolist() == [0, 1, 2, 3, 4] and got_at.tolist() == at.tolist()
    shuffle = np.array([3, 0, 4, 2, 1])
    mixed = {k: (v.take(shuffle) if isinstance(v, pa.Array) else v[shuffle]) for k, v in line.items()}
    fixed, order_id, got_at = queries._in_line_order(mixed, at[shuffle] * 10, at[shuffle])
    assert fixed["quantity"].tolist() == [0, 1, 2, 3, 4] and fixed["title"].to_pylist() == list("abcde")
    assert got_at.tolist() == at.tolist() and order_id.tolist() == (at * 10).tolist() and "line_id" not in fixed
