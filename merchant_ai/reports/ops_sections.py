"""Reorder list, margin warnings and data freshness for the weekly report.

Each builder reads only what was true at the week's end: stock from `run_stock(as_of=end)`, sales
lines and fees up to `end`, imports whose orders fall on or before `end`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd

from merchant_ai.reports.model import FreshnessSection, MarginSection, StockSection, SupplierOrder
from merchant_ai.store import queries
from merchant_ai.store.store import Store

MARGIN_WINDOW_DAYS = 28
MAX_WARNINGS = 25
STALE_AFTER_DAYS = 8


def stock_section(store: Store, end: dt.date, stock: Callable[[], dict[str, Any]]) -> StockSection:
    """Order lines grouped by supplier (biggest spend first), from the stock policy at `end`."""
    if queries.inventory_on_hand(store, end).empty:
        return StockSection(note="No stock counts imported: import your inventory levels to get a reorder list.")
    answer = stock()
    counts: dict[str, int] = {}
    for item in answer.get("items", []):
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    titles = {i["sku"]: i.get("title") for i in answer.get("items", [])}
    suppliers: dict[str, SupplierOrder] = {}
    for line in answer.get("purchase_orders", []):
        name = line.get("supplier") or "(no supplier)"
        order = suppliers.setdefault(name, SupplierOrder(supplier=name))
        order.lines.append({"sku": line["sku"], "title": line.get("title") or titles.get(line["sku"]),
                            "quantity": line.get("quantity"), "order_by": line.get("order_by"),
                            "status": line.get("status"), "line_cost": line.get("line_cost")})
    for order in suppliers.values():
        costs = [ln["line_cost"] for ln in order.lines if ln["line_cost"] is not None]
        order.total_cost = float(sum(costs)) if costs else None
    chase = [{"sku": i["sku"], "title": i.get("title"), "supplier": i.get("supplier") or "(no supplier)",
              "stockout_date": i.get("stockout_date"), "incoming": i.get("incoming")}
             for i in answer.get("items", []) if i.get("action") in ("expedite", "order_and_expedite")]
    section = StockSection(suppliers=list(suppliers.values()), counts=counts, expedite=chase)
    if not suppliers and not chase:
        section.note = "Nothing to reorder this week."
    return section


def margin_section(store: Store, sales: pd.DataFrame, end: dt.date, target_margin_pct: float) -> MarginSection:
    """Products that sold below the target margin, or at a loss, over the four weeks to `end`."""
    from merchant_ai.pricing.presets import PresetLibrary
    from merchant_ai.pricing.profit import TrueProfit

    start = end - dt.timedelta(days=MARGIN_WINDOW_DAYS - 1)
    section = MarginSection(target_margin_pct=target_margin_pct, window_start=start)
    window = sales[pd.to_datetime(sales["order_date"]) >= pd.Timestamp(start)] if len(sales) else sales
    if window.empty:
        section.note = "No sales in the last four weeks to check margins on."
        return section
    if window["unit_cost"].isna().all():
        section.note = "Add unit costs to your products to see margins."
        return section
    orders = queries.orders(store, end)
    fees = queries.fees(store, end)
    country = store.get_setting("country") or "US"
    profit = TrueProfit(country=country, target_margin_pct=target_margin_pct).fit(
        window, orders, fees, library=PresetLibrary.from_store(store), as_of=end)
    alerts = profit.alerts()
    titles = window.drop_duplicates("sku").set_index("sku")["title"]
    for a in alerts.head(MAX_WARNINGS).to_dict("records"):
        section.warnings.append({"sku": a["sku"], "title": titles.get(a["sku"]), "channel": a["channel"],
                                 "alert": a["alert"], "margin_pct": _finite(a["margin_pct"]),
                                 "profit": _finite(a["profit"]), "revenue": _finite(a["revenue"]),
                                 "units": _finite(a["units"])})
    unknown = profit.unknown_cost_skus()
    total = float(window["revenue"].sum())
    section.unknown_cost_share = float(unknown["revenue"].sum()) / total if total and len(unknown) else 0.0
    if len(alerts) > MAX_WARNINGS:
        section.note = f"{len(alerts) - MAX_WARNINGS} more in the Pricing tab."
    elif not len(alerts):
        section.note = f"Every product with a known cost made at least the {target_margin_pct:.0f}% target margin."
    if section.unknown_cost_share and section.unknown_cost_share > 0.05:
        extra = (f"{100 * section.unknown_cost_share:.0f}% of revenue has no unit cost, so its margin is not "
                 "checked: add unit costs to see it.")
        section.note = f"{section.note} {extra}" if section.note else extra
    return section


def freshness_section(store: Store, end: dt.date, now: dt.datetime) -> FreshnessSection:
    """Last import and last order per channel; a channel is stale when its last import is more than
    `STALE_AFTER_DAYS` before the report was made, or its last order more than that before `end`."""
    rows = store.connection().execute(
        "SELECT c.name, MAX(i.finished_at), MAX(o.order_date) FROM orders o "
        "JOIN channels c ON c.id = o.channel_id LEFT JOIN imports i ON i.id = o.import_id AND i.status = 'done' "
        "WHERE o.order_date <= ? GROUP BY c.name ORDER BY c.name", (end.isoformat(),)).fetchall()
    section = FreshnessSection(stale_after_days=STALE_AFTER_DAYS)
    today = now.date()
    for name, imported, last_order in rows:
        imported_day = _day(imported)
        order_day = _day(last_order)
        import_age = (today - imported_day).days if imported_day else None
        order_gap = (end - order_day).days if order_day else None
        stale = (import_age is not None and import_age > STALE_AFTER_DAYS) or \
                (order_gap is not None and order_gap > STALE_AFTER_DAYS)
        section.channels.append({"channel": name, "last_import": imported_day, "last_order": order_day,
                                 "import_age_days": import_age, "days_without_orders": order_gap, "stale": stale})
    if not rows:
        section.note = "Nothing imported yet: import your orders from each sales channel."
    return section


def _day(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _finite(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)
