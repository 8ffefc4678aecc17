"""Customer segment moves, customers to contact and product pairs for the weekly report.

Segments are the RFM cells of `analytics.customers` computed at the week's end and again a week and
four weeks earlier, each from the orders known on that day only. "Slipping" means a customer who is
At risk (or Can't lose them) now but was in a healthier cell a week earlier; they are ranked by the
value BG/NBD x Gamma-Gamma (`analytics.clv`) expects from them over 90 days, so the owner calls the
ones worth most first. (The Customers tab's backtested value model is more accurate but takes
seconds on a large shop; for ranking a handful of customers the classic pair is enough.)

Lines are folded into orders once (`customer_orders`) and the RFM functions run on that frame:
they accept it as it has the columns they read, and it is ~20x smaller than the order lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from merchant_ai.analytics.customers import customer_orders, quintile_score, rf_segment, rfm_table
from merchant_ai.reports.model import CustomerSection, PairsSection
from merchant_ai.store import forecast_inputs as fi
from merchant_ai.store.store import Store

RISK_SEGMENTS = ("At risk", "Can't lose them")
GONE_SEGMENTS = ("At risk", "Can't lose them", "Hibernating", "Lost")
SEGMENT_ORDER = ["Champions", "Loyal", "Potential loyalists", "New", "Promising", "Need attention",
                 "About to sleep", "At risk", "Can't lose them", "Hibernating", "Lost"]
MAX_CONTACTS = 10
MIN_CUSTOMERS = 20
VALUE_HORIZON_DAYS = 90
PAIR_WINDOW_DAYS = 365
MAX_PAIRS = 8
# Predicted values are kept in the store's model cache (encrypted, dropped by any import or edit) so
# a second report on unchanged data skips the fit. Bump when analytics.clv's models change.
VALUE_CACHE_VERSION = 1
# The columns each part reads: filtering a narrow frame copies far less than all of `sales_lines`.
ORDER_COLUMNS = ["customer", "order_id", "order_date", "channel", "net_revenue", "status"]
PAIR_COLUMNS = ["order_id", "order_date", "customer", "sku", "title", "status", "net_quantity", "unit_price",
                "unit_cost"]


def segments_at(sales: pd.DataFrame, day: dt.date) -> pd.Series:
    """RFM segment per customer from the orders up to `day` (index: customer key)."""
    known = sales[pd.to_datetime(sales["order_date"]) <= pd.Timestamp(day)]
    return _segments(rfm_table(known, day))


def _segments(table: pd.DataFrame) -> pd.Series:
    """RFM segment per customer of an `rfm_table` (index: customer key)."""
    if table.empty:
        return pd.Series(dtype=object)
    r = quintile_score(table["recency_days"], higher_is_better=False)
    f = quintile_score(table["frequency"])
    return pd.Series([rf_segment(a, b) for a, b in zip(r, f, strict=True)], index=table["customer"], name="segment")


def order_frame(sales: pd.DataFrame, end: dt.date) -> pd.DataFrame:
    """One row per customer order up to `end`, shaped like order lines (net_revenue = order value)."""
    orders = customer_orders(sales[[c for c in ORDER_COLUMNS if c in sales]], end)
    return orders.rename(columns={"value": "net_revenue"})


def expected_value(orders: pd.DataFrame, end: dt.date) -> pd.DataFrame:
    """Per customer (index): p_alive and predicted_clv (expected orders x expected spend, 90 days)."""
    from merchant_ai.analytics.clv import BetaGeoModel, GammaGammaModel, rfm_summary

    summary = rfm_summary(orders, end)
    bg = BetaGeoModel(n_starts=2).fit(summary)
    spend = GammaGammaModel(n_starts=2).fit(summary).expected_spend(summary)
    return pd.DataFrame({"p_alive": bg.p_alive(summary),
                         "predicted_clv": bg.expected_orders(summary, VALUE_HORIZON_DAYS) * spend},
                        index=summary.index)


def cached_expected_value(store: Store | None, orders: pd.DataFrame, end: dt.date,
                          customers: pd.Index) -> pd.DataFrame:
    """`expected_value` for `customers`, from the store's model cache when the data has not changed
    since it was fitted for this `end` (None store: always fitted)."""
    params = {"as_of": end.isoformat(), "horizon_days": VALUE_HORIZON_DAYS, "version": VALUE_CACHE_VERSION}
    wanted = [str(c) for c in customers]
    hit = fi.cache_get(store, "report_value", params) if store is not None else None
    if hit is not None and all(c in hit for c in wanted):
        return pd.DataFrame([hit[c] for c in wanted], index=customers, columns=["p_alive", "predicted_clv"])
    pred = expected_value(orders, end).reindex(customers)
    if store is not None:
        payload = {c: [float(a), float(v)] for c, a, v in zip(wanted, pred["p_alive"], pred["predicted_clv"],
                                                               strict=True)}
        try:
            fi.cache_put(store, "report_value", params, payload)
        except Exception:  # noqa: BLE001 - a cache that cannot be written (shop busy) only costs a refit
            pass
    return pred


def customer_section(sales: pd.DataFrame, end: dt.date, check: Callable[[], None] = lambda: None,
                     store: Store | None = None) -> CustomerSection:
    """Segment sizes now vs a week and four weeks ago, the customers newly At risk, and whom to contact.
    With `store`, the predicted values come from its model cache when the data is unchanged."""
    orders = order_frame(sales, end)
    if orders["customer"].nunique() < MIN_CUSTOMERS:
        return CustomerSection(note="Too few identified customers for segments (marketplaces that hide buyers "
                                    "count as none).")
    table_now = rfm_table(orders, end)      # every order is on or before `end`: segments_at(orders, end)'s table
    now = _segments(table_now)
    week_ago = segments_at(orders, end - dt.timedelta(days=7))
    month_ago = segments_at(orders, end - dt.timedelta(days=28))
    check()
    section = CustomerSection()
    sizes = pd.DataFrame({"now": now.value_counts(), "week_ago": week_ago.value_counts(),
                          "four_weeks_ago": month_ago.value_counts()}).fillna(0).astype(int)
    for name in [s for s in SEGMENT_ORDER if s in sizes.index]:
        row = sizes.loc[name]
        section.segments.append({"segment": name, "now": int(row["now"]), "week_ago": int(row["week_ago"]),
                                 "four_weeks_ago": int(row["four_weeks_ago"]),
                                 "change_week": int(row["now"] - row["week_ago"])})

    def slipped(before: pd.Series) -> pd.Index:
        was = before.reindex(now.index)
        mask = now.isin(RISK_SEGMENTS) & was.notna() & ~was.isin(GONE_SEGMENTS)
        return now.index[mask.to_numpy()]

    this_week = slipped(week_ago)
    section.slipping, section.slipping_4w = len(this_week), len(slipped(month_ago))
    if not len(this_week):
        section.note = "No customer slipped to At risk this week."
        return section
    table = table_now.set_index("customer").loc[this_week]
    table["segment_before"] = week_ago.reindex(this_week).to_numpy()
    table["segment_now"] = now.reindex(this_week).to_numpy()
    try:
        pred = cached_expected_value(store, orders, end, table.index)
        section.value_method = "bgnbd"
        table["predicted_clv"] = pred["predicted_clv"].reindex(table.index)
        table["p_alive"] = pred["p_alive"].reindex(table.index)
    except ValueError:                      # NotEnoughData (or a fit that failed): rank by spend so far
        table["predicted_clv"] = table["p_alive"] = float("nan")
        section.note = "Too little repeat history to predict customer value: ranked by what they spent."
    rank = table["predicted_clv"].fillna(table["monetary"])
    table = table.assign(_rank=rank).sort_values(["_rank", "monetary"], ascending=False).head(MAX_CONTACTS)
    for key, r in table.iterrows():
        section.contacts.append({
            "customer": str(key), "segment_before": r["segment_before"], "segment_now": r["segment_now"],
            "orders": int(r["frequency"]), "spent": float(r["monetary"]),
            "last_order": pd.Timestamp(r["last_order"]).date(),
            "predicted_clv": None if pd.isna(r["predicted_clv"]) else float(r["predicted_clv"]),
            "p_alive": None if pd.isna(r["p_alive"]) else float(r["p_alive"]),
        })
    return section


def pairs_section(sales: pd.DataFrame, end: dt.date) -> PairsSection:
    """Products bought together most often over the year to `end` (lift >= 1.5, ranked by orders x lift)."""
    from merchant_ai.analytics.recommend import FrequentPairs

    start = pd.Timestamp(end - dt.timedelta(days=PAIR_WINDOW_DAYS - 1))
    sales = sales[[c for c in PAIR_COLUMNS if c in sales]]
    window = sales[pd.to_datetime(sales["order_date"]) >= start] if len(sales) else sales
    section = PairsSection(window_days=PAIR_WINDOW_DAYS)
    if window.empty:
        section.note = "No orders in the last year to find product pairs in."
        return section
    model = FrequentPairs(as_of=end).fit(window)
    bundles = model.bundles(min_lift=1.5, top=MAX_PAIRS)
    for b in bundles.to_dict("records"):
        section.pairs.append({"a": b["a"], "b": b["b"], "title_a": model.titles_.get(b["a"]),
                              "title_b": model.titles_.get(b["b"]), "orders": int(b["orders"]),
                              "confidence": float(b["confidence"]), "lift": float(b["lift"]),
                              "combined_price": _maybe(b.get("combined_price")),
                              "combined_margin": _maybe(b.get("combined_margin"))})
    if not section.pairs:
        section.note = (f"No pair of products was bought together often enough (at least {model.min_orders_} "
                        "orders) to suggest a bundle.")
    return section


def _maybe(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)
