"""A small shop whose weekly report can be checked by hand (shared by the report, PDF and CLI tests).

The shop's weeks start on Sunday. The report week is Sun 8 - Sat 14 Nov 2026 (label 2026-W46:
its Thursday, 12 Nov, is in ISO week 46):
  order A  Sun  8 Nov, shopify, alice (bought before): MUG 3 x 10 + TEE 1 x 20       = 50
  order B  Sat 14 Nov, etsy, bob (new): MUG 2 x 10, one mug refunded               = 20 gross, 10 net
  order C  Sun 15 Nov, shopify, bob: TEE 5 x 20 = 100, AFTER the week: never counted
Every Monday from 1 Sep 2025 until 2 Nov 2026 alice bought one MUG (10). So the week: gross 70,
refunds 10, net 60, 2 orders, 5 units, AOV 30, 1 new + 1 returning; the week before (Mon 2 Nov)
and the same week a year earlier (Mon 10 Nov 2025): net 10. MUG costs 4, TEE's cost is unknown.
A Monday-start shop would put order A in the week before: the week start matters.
"""

from __future__ import annotations

import datetime as dt

from merchant_ai.money import to_store

WEEK = "2026-W46"
WEEK_START, WEEK_END = dt.date(2026, 11, 8), dt.date(2026, 11, 14)
AFTER_WEEK = dt.date(2026, 11, 15)
NOW = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)


def fill(store, chinese: bool = False, imported_on: str | None = "2026-11-15T08:00:00") -> None:
    """The orders above; `chinese` gives the products Chinese titles; `imported_on` is the time of
    the one import the orders came from (None: orders without an import)."""
    mug, tee = ("马克杯 Mug", "T恤 Tee") if chinese else ("Mug", "Tee")
    store.set_setting("week_start", "sunday")
    with store.transaction() as conn:
        if imported_on:
            conn.execute("INSERT INTO imports(id, file_name, sha256, format, started_at, finished_at) "
                         "VALUES (1, 'orders.csv', 'x', 'generic', ?, ?)", (imported_on, imported_on))
        conn.execute("INSERT INTO channels(id, name, platform, currency) VALUES (1, 'shopify', 'shopify', 'USD')")
        conn.execute("INSERT INTO channels(id, name, platform, currency) VALUES (2, 'etsy', 'etsy', 'USD')")
        conn.execute("INSERT INTO customers(id, key) VALUES (1, 'alice'), (2, 'bob')")
        conn.execute("INSERT INTO products(sku, title, unit_cost, list_price) VALUES ('MUG', ?, ?, ?)",
                     (mug, to_store(4.0), to_store(10.0)))
        conn.execute("INSERT INTO products(sku, title, list_price) VALUES ('TEE', ?, ?)", (tee, to_store(20.0)))
        titles = {"MUG": mug, "TEE": tee}
        n = 0

        def order(day, channel, customer, lines, refunded=0.0, refunded_qty=0.0):
            nonlocal n
            n += 1
            total = sum(q * p for _, q, p in lines)
            conn.execute("INSERT INTO orders(id, channel_id, external_id, customer_id, created_at, created_utc, "
                         "order_date, currency, total, refunded, status, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, "
                         "'USD', ?, ?, 'paid', ?)",
                         (n, channel, f"#{n}", customer, f"{day}T10:00:00", f"{day}T10:00:00Z", day.isoformat(),
                          to_store(total), to_store(refunded), 1 if imported_on else None))
            for i, (sku, qty, price) in enumerate(lines):
                conn.execute("INSERT INTO order_lines(order_id, line_key, sku, title, quantity, unit_price, "
                             "line_total, refunded_qty) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             (n, str(i), sku, titles[sku], float(qty), to_store(price), to_store(qty * price),
                              refunded_qty if i == 0 else 0.0))

        day = dt.date(2025, 9, 1)
        while day < WEEK_START:
            order(day, 1, 1, [("MUG", 1, 10.0)])
            day += dt.timedelta(weeks=1)
        order(WEEK_START, 1, 1, [("MUG", 3, 10.0), ("TEE", 1, 20.0)])
        order(WEEK_END, 2, 2, [("MUG", 2, 10.0)], refunded=10.0, refunded_qty=1.0)
        order(AFTER_WEEK, 1, 2, [("TEE", 5, 20.0)])
    store.bump_data_version()
