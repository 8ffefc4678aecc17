"""Writer: one transaction, idempotent upserts, updates from later exports, undo, migration 2."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from merchant_ai.importers.batch import ImportBatch
from merchant_ai.importers.writer import ImportCancelled, UndoError, list_imports, undo_import, write_batch
from merchant_ai.store import Store
from merchant_ai.store.schema import MIGRATIONS


def _batch(status: str = "paid", refunded: int = 0, lines: bool = True, qty: float = 2.0,
           cost: int | None = 40000, email: str = "Ann@Example.com") -> ImportBatch:
    b = ImportBatch(format="test-orders", channel="shop", platform="shopify")
    b.orders = pd.DataFrame({
        "external_id": ["#1", "#2"], "created_at": ["2021-05-13T11:01:13+02:00", "2021-05-14T10:00:00+02:00"],
        "created_utc": ["2021-05-13 09:01:13", "2021-05-14 08:00:00"], "order_date": ["2021-05-13", "2021-05-14"],
        "currency": ["EUR", "EUR"], "customer_ref": [email, None],
        "total": pd.array([250000, 100000], dtype="Int64"), "refunded": pd.array([refunded, 0], dtype="Int64"),
        "status": [status, "paid"]})
    if lines:
        b.lines = pd.DataFrame({
            "order_external_id": ["#1", "#1", "#2"], "line_key": ["1", "2", "1"],
            "channel_sku": ["MUG-1", "CAP-1", "MUG-1"], "title": ["Mug", "Cap", "Mug"],
            "quantity": [qty, 1.0, 1.0], "unit_price": pd.array([100000, 50000, 100000], dtype="Int64"),
            "line_total": pd.array([int(qty * 100000), 50000, 100000], dtype="Int64")})
    b.products = pd.DataFrame({"sku": ["MUG-1"], "title": ["Mug"],
                               "unit_cost": pd.array([cost], dtype="Int64")})
    b.customers = pd.DataFrame({"customer_ref": [email], "email": [email], "first_name": ["Ann"],
                                "last_name": ["Lee"], "phone": ["+44 1"], "country": ["GB"]})
    b.inventory = pd.DataFrame({"sku": ["MUG-1"], "location": ["Main"], "quantity": [5.0], "as_of": ["2021-05-15"]})
    b.fees = pd.DataFrame({"order_external_id": ["#1"], "kind": ["Commission"],
                           "amount": pd.array([-30000], dtype="Int64"), "currency": ["EUR"],
                           "posted_at": ["2021-05-13"], "source_key": ["fee-1"]})
    return b.conform()


def _counts(store: Store) -> dict:
    conn = store.connection()
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("orders", "order_lines", "products", "customers", "inventory_levels", "fees", "sku_aliases")}


def _write(store: Store, batch: ImportBatch, **kw):
    return write_batch(store, batch, file_name="f.csv", sha256="0" * 64, backup=False, **kw)


def test_write_is_idempotent(store: Store) -> None:
    first = _write(store, _batch())
    counts = _counts(store)
    assert counts == {"orders": 2, "order_lines": 3, "products": 2, "customers": 1, "inventory_levels": 1,
                      "fees": 1, "sku_aliases": 2}
    assert first.orders_new == 2 and first.products_new == 2       # CAP-1 comes from the lines
    second = _write(store, _batch())
    assert _counts(store) == counts
    # Nothing changed: no order is rewritten or kept for undo, and they stay the first import's.
    assert second.orders_new == 0 and second.orders_updated == 0 and second.orders_unchanged == 2
    assert second.products_updated == 0 and second.lines == 0
    assert store.data_version() == 2
    assert [r["status"] for r in list_imports(store)] == ["done", "done"]
    conn = store.connection()
    assert conn.execute("SELECT DISTINCT import_id FROM orders").fetchall() == [(first.import_id,)]
    assert conn.execute("SELECT count(*) FROM import_undo WHERE import_id = ? AND table_name = 'orders'",
                        (second.import_id,)).fetchone() == (0,)
    # A later export that changes one order rewrites that one only; undo puts it back.
    third = _write(store, _batch(status="refunded", refunded=250000))
    assert (third.orders_updated, third.orders_unchanged) == (1, 1)
    assert conn.execute("SELECT external_id, status, import_id FROM orders ORDER BY id").fetchall() == \
        [("#1", "refunded", third.import_id), ("#2", "paid", first.import_id)]
    undo_import(store, third.import_id, backup=False)
    assert conn.execute("SELECT external_id, status, refunded, import_id FROM orders ORDER BY id").fetchall() == \
        [("#1", "paid", 0, first.import_id), ("#2", "paid", 0, first.import_id)]


def test_later_export_updates_status_refunds_and_lines(store: Store) -> None:
    _write(store, _batch())
    _write(store, _batch(status="partially_refunded", refunded=100000, qty=3.0, cost=None))
    conn = store.connection()
    assert conn.execute("SELECT status, refunded FROM orders WHERE external_id = '#1'").fetchone() == \
        ("partially_refunded", 100000)
    assert conn.execute("SELECT quantity FROM order_lines l JOIN orders o ON o.id = l.order_id "
                        "WHERE o.external_id = '#1' AND l.line_key = '1'").fetchone() == (3.0,)
    assert conn.execute("SELECT count(*) FROM order_lines").fetchone()[0] == 3
    # a known unit cost is never overwritten by an export that lacks it
    assert conn.execute("SELECT unit_cost FROM products WHERE sku = 'MUG-1'").fetchone() == (40000,)


def test_orders_only_batch_keeps_lines(store: Store) -> None:
    _write(store, _batch())
    b = _batch(status="refunded", refunded=250000, lines=False)
    b.orders_only = True
    _write(store, b)
    assert _counts(store)["order_lines"] == 3


def test_undo_restores_updates_and_removes_inserts(store: Store) -> None:
    first = _write(store, _batch())
    second = _write(store, _batch(status="refunded", refunded=250000, qty=5.0))
    conn = store.connection()
    undo_import(store, second.import_id, backup=False)
    assert conn.execute("SELECT status, refunded FROM orders WHERE external_id = '#1'").fetchone() == ("paid", 0)
    assert conn.execute("SELECT sum(quantity) FROM order_lines").fetchone() == (4.0,)
    assert _counts(store)["orders"] == 2
    with pytest.raises(UndoError):
        undo_import(store, second.import_id, backup=False)
    undo_import(store, first.import_id, backup=False)
    assert _counts(store) == {"orders": 0, "order_lines": 0, "products": 0, "customers": 0,
                              "inventory_levels": 0, "fees": 0, "sku_aliases": 0}
    assert [r["status"] for r in list_imports(store)] == ["undone", "undone"]


def test_cancel_rolls_everything_back(store: Store) -> None:
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 3          # cancel after customers and products were written

    with pytest.raises(ImportCancelled):
        _write(store, _batch(), cancel=cancel)
    assert sum(_counts(store).values()) == 0
    assert list_imports(store) == []


def test_pseudonymous_mode_keeps_no_identities(store: Store) -> None:
    _write(store, _batch())
    conn = store.connection()
    key, pseudo = conn.execute("SELECT key, pseudonymous FROM customers").fetchone()
    assert key.startswith("c_") and pseudo == 1 and "ann" not in key.lower()
    assert conn.execute("SELECT count(*) FROM customer_contacts").fetchone()[0] == 0
    # the same buyer spelled differently gets the same key
    _write(store, _batch(email=" ann@example.COM "))
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 1


def test_identities_kept_when_the_owner_turns_pseudonyms_off(store: Store) -> None:
    store.set_setting("pseudonymize_customers", "0")
    _write(store, _batch())
    conn = store.connection()
    assert conn.execute("SELECT key FROM customers").fetchone() == ("ann@example.com",)
    assert conn.execute("SELECT first_name, phone FROM customer_contacts").fetchone() == ("Ann", "+44 1")


def test_backup_is_taken_before_writing(store: Store) -> None:
    res = write_batch(store, _batch(), file_name="f.csv", sha256="0" * 64)
    assert res.backup and "before-import" in res.backup
    assert store.list_backups()


def test_version_1_store_migrates_to_2(tmp_path) -> None:
    shop, _ = Store.create(tmp_path / "old", "pw")
    conn = shop.connection()
    # rebuild as a version-1 database: drop what migration 2 added
    conn.execute("DROP TABLE import_undo")
    conn.execute("ALTER TABLE sku_aliases DROP COLUMN import_id")
    conn.execute("ALTER TABLE imports DROP COLUMN channel")
    conn.execute("DROP TABLE promotions")                            # and what later migrations add
    conn.execute("ALTER TABLE products DROP COLUMN order_cycle_days")
    conn.execute("PRAGMA user_version = 1")
    shop.close()
    reopened = Store.open(tmp_path / "old", "pw")
    assert reopened.schema_version() == len(MIGRATIONS) >= 2
    _write(reopened, _batch())
    assert json.loads(reopened.connection().execute("SELECT counts FROM imports").fetchone()[0])["orders_new"] == 2


def _big_batch(n_orders: int = 6_000, per_order: int = 10) -> ImportBatch:
    """Enough lines (60,000) for the bulk path: indexes dropped and rebuilt, rows in chunks."""
    b = ImportBatch(format="test-orders", channel="shop", platform="shopify")
    ids = [f"#{i}" for i in range(n_orders)]
    b.orders = pd.DataFrame({"external_id": ids, "created_at": ["2021-05-13"] * n_orders,
                             "created_utc": ["2021-05-13 00:00:00"] * n_orders, "order_date": ["2021-05-13"] * n_orders,
                             "currency": ["EUR"] * n_orders, "status": ["paid"] * n_orders})
    n = n_orders * per_order
    b.lines = pd.DataFrame({
        "order_external_id": [i for i in ids for _ in range(per_order)],
        "line_key": [str(k + 1) for _ in ids for k in range(per_order)],
        "channel_sku": [f"SKU-{k % 37}" for k in range(n)], "title": [f"Item {k % 37}" for k in range(n)],
        "quantity": [1.0] * n, "unit_price": pd.array([10_000] * n, dtype="Int64"),
        "line_total": pd.array([10_000] * n, dtype="Int64")})
    return b.conform()


def _lines_indexes(store: Store) -> set[str]:
    return {r[0] for r in store.connection().execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'order_lines'")}


def test_bulk_lines_keep_indexes_and_cancel_mid_insert_rolls_back(store: Store) -> None:
    import gc

    indexes = _lines_indexes(store)
    assert {"idx_lines_order_key"} <= indexes
    seen: list[tuple[float, str]] = []

    def cancel() -> bool:   # once the first chunks of lines are in (inside the bulk insert)
        return sum(1 for _, m in seen if m == "order lines") >= 3

    with pytest.raises(ImportCancelled):
        _write(store, _big_batch(), progress=lambda f, m: seen.append((f, m)), cancel=cancel)
    assert _counts(store)["order_lines"] == 0 and _counts(store)["orders"] == 0
    assert _lines_indexes(store) == indexes          # the dropped indexes came back with the rollback
    assert gc.isenabled()                            # the collector is on again after the import
    res = _write(store, _big_batch())
    assert res.lines == 60_000 and _counts(store)["order_lines"] == 60_000
    assert _lines_indexes(store) == indexes
    conn = store.connection()
    assert conn.execute("SELECT count(DISTINCT sku), sum(line_total) FROM order_lines").fetchone() == (37, 60_000 * 10_000)
    plan = " ".join(str(r) for r in conn.execute("EXPLAIN QUERY PLAN SELECT * FROM order_lines WHERE order_id = 7"))
    assert "idx_lines_order_key" in plan


def test_bulk_reimport_keeps_unchanged_lines_and_replaces_changed_orders(store: Store) -> None:
    """Lines are only looked up for orders stored before the import; a big re-import rewrites
    nothing, a changed one replaces the changed orders' lines (keys stay unique per order)."""
    _write(store, _big_batch())
    conn = store.connection()
    before = conn.execute("SELECT * FROM order_lines ORDER BY id").fetchall()
    again = _write(store, _big_batch())
    assert again.lines == 0 and again.lines_unchanged == 60_000
    assert conn.execute("SELECT * FROM order_lines ORDER BY id").fetchall() == before
    changed = _big_batch()
    changed.lines.loc[changed.lines["order_external_id"].isin(["#0", "#5"]), "quantity"] = 3.0
    res = _write(store, changed)
    assert res.lines == 20 and res.lines_unchanged == 59_980
    assert conn.execute("SELECT sum(quantity) FROM order_lines").fetchone()[0] == 60_000 + 20 * 2
    assert conn.execute("SELECT count(*) FROM (SELECT order_id, line_key FROM order_lines "
                        "GROUP BY 1, 2 HAVING count(*) > 1)").fetchone()[0] == 0
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_bulk_path_still_enforces_unique_line_keys(store: Store) -> None:
    """The unique (order, line key) index is dropped during a bulk insert like the others; its
    rebuild refuses duplicates, inside the transaction, so nothing stays."""
    import sqlcipher3

    from merchant_ai.importers.writer import _bulk_indexes

    _write(store, _batch())
    indexes = _lines_indexes(store)
    order_id = store.connection().execute("SELECT id FROM orders LIMIT 1").fetchone()[0]
    with pytest.raises(sqlcipher3.IntegrityError):
        with store.transaction() as conn:
            with _bulk_indexes(conn, "order_lines", 60_000):
                assert _lines_indexes(store) == set()
                conn.executemany("INSERT INTO order_lines(order_id, line_key, quantity) VALUES (?, 'dup', 1)",
                                 [(order_id,)] * 2)
    assert _lines_indexes(store) == indexes
    assert store.connection().execute("SELECT count(*) FROM order_lines WHERE line_key = 'dup'").fetchone()[0] == 0


def test_lines_with_aliases_discounts_and_missing_or_repeated_keys(store: Store) -> None:
    _write(store, _batch())
    conn = store.connection()
    conn.execute("UPDATE sku_aliases SET sku = 'MUG-MASTER', confirmed = 1 WHERE channel_sku = 'MUG-1'")
    b = _batch()
    b.lines = pd.DataFrame({
        "order_external_id": ["#1", "#1", "#1", "#2"], "line_key": [None, "a", "a", None],
        "channel_sku": ["MUG-1", "CAP-1", "", "MUG-1"], "title": ["Mug", None, "Gift", "Mug"],
        "quantity": [1.0, 1.0, 2.0, 1.0], "unit_price": pd.array([100000, 50000, None, 100000], dtype="Int64"),
        "discount": pd.array([500, 0, 0, None], dtype="Int64"),
        "line_total": pd.array([99500, 50000, 0, 100000], dtype="Int64")})
    _write(store, b.conform())
    rows = conn.execute("SELECT o.external_id, l.line_key, l.sku, l.channel_sku, COALESCE(l.title, p.title), "
                        "l.unit_price, l.discount FROM order_lines l JOIN orders o ON o.id = l.order_id "
                        "LEFT JOIN products p ON p.sku = l.sku ORDER BY o.external_id, l.id").fetchall()
    assert rows == [("#1", "1", "MUG-MASTER", "MUG-1", "Mug", 100000, 500),
                    ("#1", "a", "CAP-1", "CAP-1", "Cap", 50000, 0),     # no title: its product's
                    ("#1", "a#2", None, None, "Gift", None, 0),
                    ("#2", "1", "MUG-MASTER", "MUG-1", "Mug", 100000, 0)]
    # Stored: no copy of the product's title on its lines; a line without a product keeps its own.
    assert [r[0] for r in conn.execute("SELECT title FROM order_lines ORDER BY id")][-4:] == [None, None, "Gift", None]


def test_a_line_stores_its_title_only_where_it_differs_from_its_products(store: Store) -> None:
    """Readers see every line's title (its own, else its product's); only titles that differ are
    stored, and a product renamed later shows its new name on the lines that carried the old one."""
    from merchant_ai.store import queries

    b = _batch()
    b.products = pd.DataFrame({"sku": ["MUG-1"], "title": ["Blue mug"]})
    b.lines = pd.DataFrame({
        "order_external_id": ["#1", "#1", "#2"], "line_key": ["1", "2", "1"],
        "channel_sku": ["MUG-1", "CAP-1", "MUG-1"], "title": ["Blue mug", "Cap", "Blue mug (sale)"],
        "quantity": [1.0, 1.0, 1.0], "unit_price": pd.array([100000, 50000, 80000], dtype="Int64"),
        "line_total": pd.array([100000, 50000, 80000], dtype="Int64")})
    _write(store, b.conform())
    conn = store.connection()
    assert [r[0] for r in conn.execute("SELECT title FROM order_lines ORDER BY id")] == [None, None, "Blue mug (sale)"]
    sales = queries.sales_lines(store, include_cancelled=True)
    assert sales.sort_values("unit_price")["title"].tolist() == ["Cap", "Blue mug (sale)", "Blue mug"]
    conn.execute("UPDATE products SET title = 'Blue mug, 300 ml' WHERE sku = 'MUG-1'")
    store.bump_data_version()
    sales = queries.sales_lines(store, include_cancelled=True)
    assert sales.sort_values("unit_price")["title"].tolist() == ["Cap", "Blue mug (sale)", "Blue mug, 300 ml"]
    # Re-importing the same lines finds them unchanged (the comparison sees the stored form).
    b2 = _batch()
    b2.products, b2.lines = b.products.copy(), b.lines.copy()
    res = _write(store, b2.conform())
    assert res.lines == 0 and res.lines_unchanged == 3


@pytest.mark.parametrize("arrays", [False, True])
@pytest.mark.parametrize("n", [0, 1, 110, 111, 112, 1_000, 2_345])
def test_multi_row_insert_stores_what_row_by_row_inserts_store(store: Store, n: int, arrays: bool) -> None:
    """bulk.insert_columns (many rows per statement) gives the same rows, ids and storage types as
    one executemany row per statement, whatever is left over after whole statements and chunks,
    from lists or from numpy arrays (converted a chunk at a time)."""
    from merchant_ai.importers import bulk

    conn = store.connection()
    for table in "ab":
        conn.execute(f"CREATE TEMP TABLE {table} (id INTEGER PRIMARY KEY, k TEXT, s TEXT, s2 TEXT, q REAL, "
                     "p INTEGER, o INTEGER, c INTEGER)")
    keys = [str(i % 7 + 1) for i in range(n)]
    skus = [None if i % 5 == 0 else f"SKU-{i % 13}" for i in range(n)]
    qty = [i / 4 for i in range(n)]
    price = [None if i % 9 == 0 else i * 100 for i in range(n)]
    order = [i // 3 for i in range(n)]
    conn.executemany("INSERT INTO a(k, s, s2, q, p, o, c) VALUES (?1, ?2, ?2, ?3, ?4, ?5, 7)",
                     zip(keys, skus, qty, price, order, strict=True))
    fractions: list[float] = []
    columns = ([np.array(keys, dtype=object), np.array(skus, dtype=object), np.array(qty, dtype=float),
                np.array(price, dtype=object), np.array(order, dtype=np.int64)] if arrays
               else [keys, skus, qty, price, order])
    bulk.insert_columns(conn, "INSERT INTO b(k, s, s2, q, p, o, c)", [0, 1, 1, 2, 3, 4, "7"], columns, n,
                        chunk=500, between=fractions.append)
    dump = "SELECT id, k, s, s2, q, p, o, c, typeof(q), typeof(p), typeof(s), typeof(o) FROM {} ORDER BY id"
    assert conn.execute(dump.format("b")).fetchall() == conn.execute(dump.format("a")).fetchall()
    assert fractions == sorted(fractions) and (not n or fractions[-1] == 1.0)


def test_multi_row_insert_stops_where_between_raises(store: Store) -> None:
    """An exception from `between` (a cancel) stops the insert after that chunk: with the caller's
    transaction rolled back, nothing stays."""
    from merchant_ai.importers import bulk

    conn = store.connection()
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")

    def stop(fraction: float) -> None:
        raise ImportCancelled("stop")

    with pytest.raises(ImportCancelled):
        with store.transaction() as tx:
            bulk.insert_columns(tx, "INSERT INTO t(v)", [0], [list(range(5_000))], 5_000, chunk=1_000, between=stop)
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_import_leaves_its_checkpoint_for_later_and_restores_the_setting(store: Store) -> None:
    """A big import's commit does not copy its pages into the database file (the WAL holds them,
    every connection reads them); the connection's autocheckpoint comes back, also after a cancel,
    and the next import first writes back what the previous one left."""
    import threading

    conn = store.connection()
    (setting,) = conn.execute("PRAGMA wal_autocheckpoint").fetchone()
    assert setting > 0
    with pytest.raises(ImportCancelled):
        _write(store, _big_batch(), cancel=lambda: True)
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (setting,)
    _write(store, _big_batch())
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (setting,)
    seen: list = []
    reader = threading.Thread(target=lambda: seen.append(
        store.connection().execute("SELECT count(*) FROM order_lines").fetchone()[0]))
    reader.start()
    reader.join()
    assert seen == [60_000]
    wal = store.db_path.with_name(store.db_path.name + "-wal")
    assert wal.stat().st_size > 4 * store.db_path.stat().st_size   # the lines are still only in the WAL
    _write(store, _batch())                          # the next import writes them back first
    assert store.db_path.stat().st_size > wal.stat().st_size / 2
    busy, log, _done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert busy == 0 and log < setting               # the WAL holds the small import only


def test_stored_lines_read_packed_or_row_by_row_compare_the_same(store: Store, monkeypatch) -> None:
    """A big re-import reads the stored lines packed (arrow text, float numbers); both reads must
    find every order unchanged, whatever the text holds (quotes, accents, empty or no title, the
    packing's own separator, which sends the read back to rows)."""
    from merchant_ai.importers import writer

    b = _batch()
    b.lines = pd.DataFrame({
        "order_external_id": ["#1", "#1", "#1", "#2"], "line_key": ["1", "2", "3", "1"],
        "channel_sku": ["MUG-1", "O'NEIL", "", "MUG-1"], "title": ["Mug", "Café \u00e9 'x'", "", None],
        "quantity": [1.5, 1.0, 2.0, 1.0], "unit_price": pd.array([100000, None, 5, 100000], dtype="Int64"),
        "line_total": pd.array([150000, None, 10, 100000], dtype="Int64")})
    _write(store, b.conform())
    conn = store.connection()
    ids = [r[0] for r in conn.execute("SELECT id FROM orders ORDER BY id")]
    rows = writer._stored_lines(conn, ids)
    monkeypatch.setattr(writer, "_PACKED_FROM", 1)
    served: list[int] = []
    real = writer.packed_columns

    def spy(*args):
        out = real(*args)
        served.append(len(out["order_id"]))
        return out

    monkeypatch.setattr(writer, "packed_columns", spy)
    packed = writer._stored_lines(conn, ids)
    assert served == [4]                  # read packed, not row by row
    assert packed["title"].dtype == "str" and len(packed) == len(rows) == 4
    assert writer._unchanged_orders(rows, packed) == writer._unchanged_orders(packed, rows) == set(ids)
    conn.execute("UPDATE order_lines SET title = 'a' || char(31) || 'b' WHERE line_key = '3'")
    fallback = writer._stored_lines(conn, ids)
    assert "\x1f" in set(fallback["title"].dropna()).pop() and writer._unchanged_orders(rows, fallback) == {ids[1]}
