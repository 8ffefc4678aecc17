"""Rows/s writing and reading 1,000,000 order lines: our encrypted store vs plain sqlite3, same run.

Usage: python bench/store.py [N_LINES] [REPEATS]
Prints medians over REPEATS (default 3) and the encrypted/plain ratio (target: within 1.5x).
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("MERCHANT_AI_KDF_LOG2N", "14")

from merchant_ai.store import Store  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
LINES_PER_ORDER = 4


def make_rows(n: int) -> tuple[list[tuple], list[tuple]]:
    rng = np.random.default_rng(1)
    n_orders = n // LINES_PER_ORDER
    orders = [(i + 1, 1, f"#{100000 + i}", "2011-01-01T10:00:00", "2011-01-01 10:00:00",
               f"2011-{1 + i % 12:02d}-{1 + i % 28:02d}", "GBP") for i in range(n_orders)]
    skus = rng.integers(0, 4000, n)
    qty = rng.integers(1, 12, n)
    price = rng.integers(1000, 200000, n)
    lines = [(i // LINES_PER_ORDER + 1, str(i % LINES_PER_ORDER), f"SKU{skus[i]:05d}", int(qty[i]),
              int(price[i]), int(qty[i] * price[i])) for i in range(n)]
    return orders, lines


def load(conn, orders, lines) -> float:
    t = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute("INSERT OR IGNORE INTO channels(id, name, platform) VALUES (1, 'bench', 'generic')")
    conn.executemany("INSERT INTO orders(id, channel_id, external_id, created_at, created_utc, order_date, currency) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", orders)
    conn.executemany("INSERT INTO order_lines(order_id, line_key, sku, quantity, unit_price, line_total) "
                     "VALUES (?, ?, ?, ?, ?, ?)", lines)
    conn.execute("COMMIT")
    return time.perf_counter() - t


def read(conn) -> float:
    t = time.perf_counter()
    rows = conn.execute("SELECT o.order_date, l.sku, l.quantity, l.line_total FROM order_lines l "
                        "JOIN orders o ON o.id = l.order_id").fetchall()
    agg = conn.execute("SELECT sku, strftime('%Y-%W', o.order_date) AS wk, sum(quantity) FROM order_lines l "
                       "JOIN orders o ON o.id = l.order_id GROUP BY sku, wk").fetchall()
    assert len(rows) == N and agg
    return time.perf_counter() - t


def plain_conn(path: Path, schema_source: Store) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("temp_store = MEMORY", "journal_mode = WAL", "synchronous = NORMAL", "cache_size = -262144"):
        conn.execute(f"PRAGMA {pragma}")
    for (sql,) in schema_source.connection().execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"):
        conn.execute(sql)
    return conn


def main() -> None:
    orders, lines = make_rows(N)
    results = {"encrypted": {"write": [], "read": []}, "plain": {"write": [], "read": []}}
    for rep in range(REPEATS):
        with tempfile.TemporaryDirectory() as tmp:
            store, _ = Store.create(Path(tmp) / "shop", "bench")
            plain = plain_conn(Path(tmp) / "plain.db", store)
            # Alternate order each repeat so neither side always runs on a warmer machine.
            sides = [("encrypted", store.connection()), ("plain", plain)]
            for name, conn in (sides if rep % 2 == 0 else sides[::-1]):
                results[name]["write"].append(load(conn, orders, lines))
                results[name]["read"].append(read(conn))
            plain.close()
            store.close()
    print(f"{N:,} order lines, {REPEATS} repeats, medians")
    print(f"{'':>10} {'write s':>9} {'write rows/s':>14} {'read s':>8} {'read rows/s':>13}")
    med = {k: {op: statistics.median(v) for op, v in d.items()} for k, d in results.items()}
    for name in ("encrypted", "plain"):
        w, r = med[name]["write"], med[name]["read"]
        print(f"{name:>10} {w:9.2f} {N / w:14,.0f} {r:8.2f} {N / r:13,.0f}")
    print(f"ratio encrypted/plain: write {med['encrypted']['write'] / med['plain']['write']:.2f}x, "
          f"read {med['encrypted']['read'] / med['plain']['read']:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
