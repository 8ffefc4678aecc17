"""Build the demo shop into a store the way a real shop gets filled: by importing export files.

The simulated history is written as the platforms' own export files (in memory) and each goes
through `importers.pipeline.import_bytes`, so the demo exercises exactly the path a merchant's
files take. What no export carries is then set directly: suppliers with lead times, MOQs and
case packs (there is no supplier export format), each product's supplier, the purchase orders
still on their way (the stock tab counts them as incoming), the owner's weekly
stock counts (Sunday stocktakes: platforms export today's stock only, never past levels, and the
forecaster needs past zero counts to tell stockouts from lack of demand), and the shop settings.
Building again into the same shop re-imports the same keyed rows, so nothing is counted twice.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import pandas as pd

from merchant_ai.demo.exports import export_files
from merchant_ai.demo.generator import generate
from merchant_ai.demo.history import DemoHistory
from merchant_ai.importers.pipeline import import_bytes
from merchant_ai.importers.writer import ImportCancelled
from merchant_ai.store import Store

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]
DEMO_SETTINGS = {"currency": "USD", "week_start": "monday", "timezone": "America/New_York",
                 "default_lead_time_days": "21", "default_service_level": "0.95"}


def build_demo(store: Store, *, seed: int = 7, end_date: dt.date | None = None, progress: Progress | None = None,
               cancel: Cancel | None = None, n_skus: int = 250, days: int = 730,
               history: DemoHistory | None = None) -> dict:
    """Generate the demo shop, import its exports into `store`, set suppliers and settings.

    Returns counts: per file what the importer stored, the totals, and the generator's expected
    counts (`expected`) so a caller can check nothing was lost or doubled. `history` skips the
    generation step when the caller already has one (tests, benchmarks).
    """
    step = progress or (lambda f, m: None)
    started = time.perf_counter()

    def check() -> None:
        if cancel is not None and cancel():
            raise ImportCancelled("Demo build cancelled; the files imported so far stay (each was complete).")

    step(0.0, "simulating two years of Hearth & Thread")
    h = history or generate(seed, end_date, n_skus=n_skus, days=days)
    check()
    step(0.1, "writing the shop's export files")
    files = export_files(h)
    # Settings first, so imports see the shop's currency.
    for key, value in {"shop_name": h.shop_name, **DEMO_SETTINGS}.items():
        store.set_setting(key, value)
    imported = []
    for i, (name, fmt, data) in enumerate(files):
        check()
        lo, hi = 0.15 + 0.8 * i / len(files), 0.15 + 0.8 * (i + 1) / len(files)
        # The format is named (as `--format` would) because the demo knows what it wrote;
        # detection of these same files is covered by tests/demo. One backup, before the first file.
        result = import_bytes(store, name, data, format=fmt, cancel=cancel, backup=(i == 0),
                              progress=lambda f, m, lo=lo, hi=hi: step(lo + (hi - lo) * f, m))
        imported.append({"file": name, "format": result.format, "orders": result.orders,
                         "order_lines": result.order_lines, "products": result.products,
                         "customers": result.customers})
    check()
    step(0.96, "setting suppliers, lead times, pack sizes and past stock counts")
    suppliers, counts = _set_unexported(store, h)
    store.set_setting("demo", f"seed={h.seed};end={h.end.isoformat()}")
    store.bump_data_version()
    info = store.info()
    step(1.0, "demo shop ready")
    return {
        "seed": h.seed, "start": h.start.isoformat(), "end": h.end.isoformat(), "files": imported,
        "orders": info["orders"], "order_lines": info["order_lines"], "products": info["products"],
        "customers": info["customers"], "channels": info["channels"], "suppliers": suppliers, "stock_counts": counts,
        "expected": h.expected_counts(), "seconds": round(time.perf_counter() - started, 2),
    }


def _weekly_counts(h: DemoHistory) -> list[tuple[str, str, float, float, str]]:
    """(sku, location, on hand, available, day) at the end of every Sunday, for SKUs on sale then.

    Counted at the main location, which held all stock until the pop-up's share was moved there
    at the end; so the latest count per location still sums to the stock the inventory export gives.
    """
    main = h.inventory["location"].iloc[0]
    sundays = h.stock[h.stock.index.day_of_week == 6]
    prods = h.products.set_index("sku")
    rows = []
    for sku in sundays.columns:
        if prods.at[sku, "status"] == "draft":
            continue
        col = sundays[sku]
        if pd.notna(prods.at[sku, "launch_date"]):
            col = col[col.index >= prods.at[sku, "launch_date"]]
        rows += [(sku, main, float(q), float(q), day.date().isoformat()) for day, q in col.items()]
    return rows


def _set_unexported(store: Store, h: DemoHistory) -> tuple[int, int]:
    """Suppliers, each product's supplier and the weekly stock counts, in one transaction (upserts).

    The products export's location-less totals stay: the stock queries let the inventory
    export's per-location counts of the same day win over them (never a sum).
    """
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO suppliers(name, lead_time_days, moq, case_pack) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET lead_time_days = excluded.lead_time_days, moq = excluded.moq, "
            "case_pack = excluded.case_pack",
            [(r.supplier, float(r.lead_time_days), float(r.moq), float(r.case_pack)) for r in h.suppliers.itertuples()])
        ids = dict(conn.execute("SELECT name, id FROM suppliers").fetchall())
        supplier_of = dict(zip(h.products["sku"], h.products["supplier"], strict=True))
        conn.executemany("UPDATE products SET supplier_id = ? WHERE sku = ?",
                         [(ids[s], sku) for sku, s in zip(h.products["sku"], h.products["supplier"], strict=True)])
        counts = _weekly_counts(h)
        conn.executemany(
            "INSERT INTO inventory_levels(sku, location, quantity, available, as_of) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(sku, location, as_of) DO UPDATE SET quantity = excluded.quantity, "
            "available = excluded.available", counts)
        # Open purchase orders; inserted only where the same order is not there yet (rebuilds add nothing).
        open_pos = h.purchase_orders[h.purchase_orders["open"]]
        conn.executemany(
            "INSERT INTO purchase_orders(sku, quantity, expected_at, supplier_id, status) "
            "SELECT ?, ?, ?, ?, 'open' WHERE NOT EXISTS (SELECT 1 FROM purchase_orders "
            "WHERE sku = ? AND quantity = ? AND expected_at = ? AND status = 'open')",
            [(sku, float(q), when.date().isoformat(), ids[supplier_of[sku]], sku, float(q), when.date().isoformat())
             for sku, q, when in zip(open_pos["sku"], open_pos["quantity"], open_pos["received_on"], strict=True)])
    return len(ids), len(counts)
