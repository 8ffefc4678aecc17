"""Turning baskets into orders: channel ids, prices, discount codes, shipping, tax, refunds, status.

All arithmetic is in integer cents so totals add up exactly the way the platforms print them
(Subtotal + Shipping + Taxes = Total to the cent); frames get currency units at the end.
Rules per channel follow what the exports show: Shopify charges $5.95 shipping under $50 and
uses discount codes; Etsy charges flat shipping with an occasional thank-you coupon; Amazon
lines carry their own tax and most ship free. About 3% of Shopify and Etsy orders are refunded
(a bit over half in full), a few orders are cancelled, and Amazon's last two days hold pending
orders whose price is not known yet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from merchant_ai.demo import shop_calendar as cal
from merchant_ai.demo.names import TOWNS

REFUND_SHARE = 0.032
FULL_REFUND_SHARE = 0.55


def price_orders(rng: np.random.Generator, events: pd.DataFrame, lines: pd.DataFrame, products: pd.DataFrame,
                 prices: np.ndarray, base_prices: np.ndarray, customers: pd.DataFrame, dates: np.ndarray,
                 channels: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders and lines with money, ids and statuses; `events` must be sorted by local time."""
    n = len(events)
    n_days = len(dates)
    order_id = pd.Series(np.arange(1, n + 1), index=events.index)
    ch = events["channel"].to_numpy()
    day = events["day"].to_numpy()
    cust = events["customer"].to_numpy()
    ctab = customers.set_index("customer")
    rate = np.array([t[6] for t in TOWNS])[ctab.loc[cust, "town"].to_numpy()]

    lines = lines.copy()
    lines["order_id"] = order_id.loc[lines["event"]].to_numpy()
    lines = lines.sort_values(["order_id", "role", "sku"], kind="stable").reset_index(drop=True)
    l_ord = lines["order_id"].to_numpy() - 1
    l_ch, l_day, l_sku = ch[l_ord], day[l_ord], lines["sku"].to_numpy()
    unit_c = np.round(prices[l_ch, l_day, l_sku] * 100).astype(np.int64)
    base_c = np.round(base_prices[l_ch, l_day, l_sku] * 100).astype(np.int64)
    qty = lines["quantity"].to_numpy().astype(np.int64)
    total_c = unit_c * qty
    items = np.bincount(l_ord, weights=total_c, minlength=n).astype(np.int64)

    # Discount codes: Shopify welcomes first orders and runs a Black Friday code; Etsy thanks repeat buyers.
    first_order = ~pd.Series(cust).duplicated().to_numpy()
    bf = cal.holiday_multiplier(dates)[day] > 2.0
    code = np.full(n, "", dtype=object)
    pct = np.zeros(n)
    u = rng.random(n)
    welcome = (ch == 0) & first_order & (u < 0.08)
    cyber = (ch == 0) & bf & (u > 0.6)
    thanks = (ch == 1) & ~first_order & (u < 0.10)
    code[welcome], pct[welcome] = "WELCOME10", 0.10
    code[cyber], pct[cyber] = "CYBER15", 0.15
    code[thanks], pct[thanks] = "THANKYOU10", 0.10
    discount = np.round(items * pct).astype(np.int64)
    # Shopify and Etsy spread an order's code over its lines by value; the first line takes the cents left.
    line_disc = np.floor(discount[l_ord] * total_c / np.maximum(items[l_ord], 1)).astype(np.int64)
    first_line = np.r_[0, np.flatnonzero(np.diff(l_ord)) + 1]
    left = discount - np.bincount(l_ord, weights=line_disc, minlength=n).astype(np.int64)
    line_disc[first_line] += left[l_ord[first_line]]
    net_items = items - discount
    shipping = np.select([ch == 0, ch == 1], [np.where(net_items < 5000, 595, 0), np.where(net_items < 3500, 495, 0)],
                         np.where(rng.random(n) < 0.2, 399, 0)).astype(np.int64)
    line_tax = np.round(total_c * rate[l_ord]).astype(np.int64)
    tax = np.where(ch == 2, np.bincount(l_ord, weights=line_tax, minlength=n),
                   np.round(net_items * rate)).astype(np.int64)
    total = net_items + shipping + tax

    # Status: cancelled (decided before stock), pending (Amazon's last two days), refunds.
    cancelled = events["cancelled"].to_numpy()
    pending = (ch == 2) & (day >= n_days - 2) & (rng.random(n) < 0.5) & ~cancelled
    refundable = (ch != 2) & ~cancelled & ~pending
    refund = refundable & (rng.random(n) < REFUND_SHARE)
    full = refund & (rng.random(n) < FULL_REFUND_SHARE)
    n_lines = np.bincount(l_ord, minlength=n)
    refunded = np.zeros(n, dtype=np.int64)
    refunded_qty = np.zeros(len(lines), dtype=np.int64)
    last_line = np.r_[np.flatnonzero(np.diff(l_ord)), len(lines) - 1]   # last line of each order
    partial = refund & ~full
    single_unit = (n_lines == 1) & (qty[last_line] == 1)
    full |= partial & single_unit
    partial &= ~single_unit
    pl = last_line[partial]
    refunded_qty[pl] = np.where(qty[pl] > 1, 1, qty[pl])
    share = 1 - discount[partial] / np.maximum(items[partial], 1)
    refunded[partial] = np.round(unit_c[pl] * refunded_qty[pl] * share * (1 + rate[partial])).astype(np.int64)
    full_lines = full[l_ord]
    refunded_qty[full_lines] = qty[full_lines]
    refunded[full] = total[full]
    # Shopify cancellations after payment are refunded; those before capture are voided.
    voided = cancelled & (ch == 0) & (rng.random(n) < 0.3)
    cancel_refund = cancelled & (ch == 0) & ~voided
    refunded[cancel_refund] = total[cancel_refund]
    status = np.select([cancelled, pending, full, partial], ["cancelled", "pending", "refunded", "partially_refunded"],
                       "paid")
    financial = np.select([voided, cancel_refund, pending, full, partial],
                          ["voided", "refunded", "pending", "refunded", "partially_refunded"], "paid")

    local = events["local"].to_numpy().astype("datetime64[s]")
    offset_min = cal.utc_offset_minutes(local)
    utc = local - offset_min.astype("timedelta64[m]")
    ship_delay = rng.integers(1, 4, n).astype("timedelta64[D]") + rng.integers(3600, 30000, n).astype(
        "timedelta64[s]")
    shipped = local + ship_delay
    shipped_ok = (shipped.astype("datetime64[D]") <= dates[-1]) & ~cancelled & ~pending
    keys = ctab.loc[cust, "key"].to_numpy()

    orders = pd.DataFrame({
        "order_id": order_id.to_numpy(),
        "channel": np.array(channels)[ch],
        "external_id": _external_ids(rng, ch),
        "platform_id": 5_600_000_000_000 + np.cumsum(rng.integers(1_000, 90_000, n)),
        "customer": cust,
        "customer_key": keys,
        "created_local": pd.to_datetime(local),
        "utc_offset": cal.format_offset(offset_min),
        "created_utc": pd.to_datetime(utc),
        "order_date": pd.to_datetime(local.astype("datetime64[D]")),
        "currency": "USD",
        "items": items / 100, "discount": discount / 100, "subtotal": net_items / 100,
        "shipping": shipping / 100, "tax": tax / 100, "total": total / 100, "refunded": refunded / 100,
        "status": status, "financial_status": financial, "discount_code": code,
        "tax_rate": rate, "shipped_local": pd.to_datetime(np.where(shipped_ok, shipped, np.datetime64("NaT"))),
        "cancelled_local": pd.to_datetime(np.where(cancelled, local + np.timedelta64(2, "h"),
                                                   np.datetime64("NaT"))),
    })
    line_no = lines.groupby("order_id").cumcount().to_numpy() + 1
    compare_at = np.where(base_c > unit_c, base_c / 100, np.nan)
    out_lines = pd.DataFrame({
        "order_id": lines["order_id"].to_numpy(),
        "line_no": line_no,
        "line_key": _line_keys(rng, l_ch, line_no),
        "sku": products["sku"].to_numpy()[l_sku],
        "quantity": qty.astype(float),
        "unit_price": unit_c / 100,
        "compare_at": compare_at,
        "discount": line_disc / 100,
        "line_total": (total_c - line_disc) / 100,
        "tax": line_tax / 100,
        "refunded_qty": refunded_qty.astype(float),
        "role": np.array(["primary", "complement", "extra"])[lines["role"].to_numpy()],
    })
    return orders, out_lines


def _external_ids(rng: np.random.Generator, ch: np.ndarray) -> np.ndarray:
    """Shopify '#1001'..., Etsy 10-digit ascending numbers, Amazon '1xx-xxxxxxx-xxxxxxx'."""
    n = len(ch)
    out = np.empty(n, dtype=object)
    shop = ch == 0
    out[shop] = [f"#{1001 + i}" for i in range(int(shop.sum()))]
    etsy = ch == 1
    out[etsy] = (2_950_000_000 + np.cumsum(rng.integers(2_000, 60_000, int(etsy.sum())))).astype(str)
    amz = ch == 2
    k = int(amz.sum())
    a = rng.integers(111, 115, k)
    b = rng.choice(10_000_000, k, replace=False)
    c = rng.integers(0, 10_000_000, k)
    out[amz] = [f"{x}-{y:07d}-{z:07d}" for x, y, z in zip(a, b, c, strict=True)]
    return out


def _line_keys(rng: np.random.Generator, ch: np.ndarray, line_no: np.ndarray) -> np.ndarray:
    """Etsy transaction ids and Amazon order-item codes are unique numbers; Shopify lines are positions."""
    out = line_no.astype(str).astype(object)
    etsy = ch == 1
    out[etsy] = (3_950_000_000 + np.cumsum(rng.integers(1_000, 40_000, int(etsy.sum())))).astype(str)
    amz = ch == 2
    out[amz] = (40_000_000_000_000 + np.cumsum(rng.integers(10_000, 900_000, int(amz.sum())))).astype(str)
    return out
