"""Migrations 3, 4 and 7: order lines' UNIQUE (order_id, line_key) becomes a named, droppable unique
index (3), the SKU index no query used goes (4), and so does `idx_lines_order` (7): the unique index
finds an order's lines, and the sales read sorts each order's lines by id itself.

The rows must come through unchanged (ids, values, types), uniqueness must still hold, the
queries that read lines by order must find them through an index without sorting on disk, and
the sales read must still give each order's lines in id order.
"""

from __future__ import annotations

import pytest
import sqlcipher3

from merchant_ai.store import Store
from merchant_ai.store.schema import SCHEMA_VERSION


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch):
    monkeypatch.setenv("MERCHANT_AI_KDF_LOG2N", "12")


_ROWS = [  # id, order_id, line_key, sku, channel_sku, title, quantity, unit_price, discount, line_total, refunded_qty, import_id
    (1, 1, "1", "A-1", "A-1", "Lamp", 2.0, 12_500, 0, 25_000, 0.0, 1),
    (2, 1, "2", None, None, None, 1.5, None, 0, None, 0.5, 1),
    (5, 2, "L-9", "B", "b-etsy", "Mug \u00e9", -1.0, 3_000, 500, -3_500, 0.0, None),
    (9, 2, "10", "B", "B", "", 0.0, 0, 0, 0, 0.0, 1),
]


def _v2_shop(tmp_path) -> Store:
    """A shop at schema version 2 holding a few order lines of every shape."""
    store, _ = Store.create(tmp_path / "v2", "pw")
    conn = store.connection()
    conn.execute("PRAGMA foreign_keys = OFF")
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
        conn.execute(f"DROP TABLE IF EXISTS {name}")
    conn.execute("PRAGMA user_version = 0")
    store._apply_migrations_until(2)
    conn.execute("PRAGMA foreign_keys = ON")
    with store.transaction() as c:
        c.execute("INSERT INTO imports(id, file_name, sha256, format, started_at) VALUES (1, 'f', 'x', 'generic', 't')")
        c.execute("INSERT INTO channels(id, name, platform) VALUES (1, 'generic', 'generic')")
        c.executemany("INSERT INTO orders(id, channel_id, external_id, created_at, created_utc, order_date) "
                      "VALUES (?, 1, ?, '2024-01-01', '2024-01-01 00:00:00', '2024-01-01')", [(1, "o1"), (2, "o2")])
        c.executemany("INSERT INTO order_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", _ROWS)
    return store


def _lines(store: Store) -> list[tuple]:
    rows = store.connection().execute("SELECT * FROM order_lines ORDER BY id").fetchall()
    return [tuple((type(v).__name__, v) for v in r) for r in rows]


def _plan(conn, sql: str, params=()) -> str:
    return " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params))


def test_migration_3_keeps_lines_and_makes_the_unique_index_droppable(tmp_path):
    store = _v2_shop(tmp_path)
    before = _lines(store)
    columns = [r[1:3] for r in store.connection().execute("PRAGMA table_info(order_lines)")]
    store.close()
    store = Store.open(tmp_path / "v2", "pw")          # migrates, after a backup
    conn = store.connection()
    assert store.schema_version() == SCHEMA_VERSION
    assert any(f"before-migration-2-to-{SCHEMA_VERSION}" in p.name for p in store.list_backups())
    assert _lines(store) == before
    assert [r[1:3] for r in conn.execute("PRAGMA table_info(order_lines)")] == columns
    indexes = {r[0]: r[1] for r in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'order_lines'")}
    assert set(indexes) == {"idx_lines_order_key"}      # migration 4 dropped idx_lines_sku, 7 idx_lines_order
    assert all(sql is not None for sql in indexes.values())   # no constraint index: each one can be dropped
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    # Uniqueness still holds, and the cascade from orders still reaches the lines.
    with pytest.raises(sqlcipher3.IntegrityError):
        conn.execute("INSERT INTO order_lines(order_id, line_key, quantity) VALUES (1, '1', 1)")
    conn.execute("INSERT INTO order_lines(order_id, line_key, quantity) VALUES (1, '3', 1)")
    conn.execute("DELETE FROM orders WHERE id = 2")
    assert conn.execute("SELECT count(*) FROM order_lines WHERE order_id = 2").fetchone()[0] == 0
    store.close()


def test_lookups_by_order_keep_their_plans(tmp_path):
    store, _ = Store.create(tmp_path / "new", "pw")
    conn = store.connection()
    # The sales read: each order's lines through the unique index, no sort on SQLite's side.
    sales = _plan(conn, "SELECT l.sku FROM order_lines l JOIN orders o ON o.id = l.order_id "
                        "JOIN channels c ON c.id = o.channel_id WHERE o.order_date <= ? "
                        "ORDER BY o.order_date, o.id", ("2099",))
    assert "INDEX idx_lines_order_key (order_id=?)" in sales and "TEMP B-TREE" not in sales
    assert "COVERING INDEX idx_lines_order_key" in _plan(
        conn, "SELECT o.id FROM orders o WHERE EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id)")
    assert "INDEX idx_lines_order_key" in _plan(conn, "SELECT * FROM order_lines WHERE order_id = ? ORDER BY id", (1,))
    assert "INDEX idx_lines_order_key" in _plan(conn, "DELETE FROM order_lines WHERE order_id IN (?, ?)", (1, 2))
    # No index by SKU (migration 4): the Data view's sort by SKU sorts in memory, never on disk.
    assert "USE TEMP B-TREE FOR ORDER BY" in _plan(conn, "SELECT l.id FROM order_lines l ORDER BY l.sku, l.id")
    assert "INDEX idx_lines_order_key" in _plan(
        conn, "SELECT id FROM order_lines WHERE order_id = ? AND line_key = ?", (1, "1"))
    store.close()


def test_migration_7_drops_the_order_index_and_sales_keep_each_orders_lines_in_id_order(tmp_path):
    from merchant_ai.store import queries

    store = _v2_shop(tmp_path)
    store._apply_migrations_until(6)
    conn = store.connection()
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'idx_lines_order'").fetchone()[0] == 1
    # Order 1 gets lines keyed "3".."12" after its "1" and "2": by key "10" < "2" < "3", by id not.
    with store.transaction() as c:
        c.executemany("INSERT INTO order_lines(id, order_id, line_key, sku, quantity, unit_price) "
                      "VALUES (?, 1, ?, ?, 1, 100)", [(20 + k, str(k), f"S{k}") for k in range(3, 13)])
    before = _lines(store)
    store.close()
    store = Store.open(tmp_path / "v2", "pw")
    conn = store.connection()
    assert store.schema_version() == SCHEMA_VERSION >= 7
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'idx_lines_order'").fetchone()[0] == 0
    assert _lines(store) == before
    for packed in (True, False):        # the packed read and the row-by-row one
        if not packed:
            queries._TEXT, saved = None, queries._TEXT
        try:
            sales = queries.sales_lines(store, include_cancelled=True)
        finally:
            if not packed:
                queries._TEXT = saved
        assert sales["order_id"].tolist() == [1] * 12 + [2, 2]
        assert sales["sku"].tolist()[2:12] == [f"S{k}" for k in range(3, 13)]
        # Ids 1, 2, 21..30, then order 2's id 5 (key "L-9") before id 9 (key "10").
        assert sales["quantity"].tolist() == [2.0, 1.5] + [1.0] * 10 + [-1.0, 0.0]
    store.close()


def test_migration_4_drops_the_lines_sku_index_and_keeps_the_rows(tmp_path):
    store = _v2_shop(tmp_path)
    store._apply_migrations_until(3)
    conn = store.connection()
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'idx_lines_sku'").fetchone()[0] == 1
    before = _lines(store)
    store.close()
    store = Store.open(tmp_path / "v2", "pw")
    conn = store.connection()
    assert store.schema_version() == SCHEMA_VERSION >= 4
    assert any(f"before-migration-3-to-{SCHEMA_VERSION}" in p.name for p in store.list_backups())
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'idx_lines_sku'").fetchone()[0] == 0
    assert _lines(store) == before
    assert [r[0] for r in conn.execute("SELECT id FROM order_lines ORDER BY sku, id")] == [2, 1, 5, 9]
    store.close()
