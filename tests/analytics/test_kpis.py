"""KPIs from a hand-made frame where every number can be checked by eye."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from merchant_ai.analytics import kpis
from merchant_ai.store.queries import SALES_COLUMNS


def _line(order_id, day, customer, sku, qty, price, refunded_qty=0.0, cost=np.nan, channel="shopify", currency="USD"):
    revenue = qty * price
    refunded = refunded_qty * price
    return {"order_id": order_id, "order_ref": f"#{order_id}", "channel": channel,
            "created_at": pd.Timestamp(day), "order_date": pd.Timestamp(day), "customer": customer,
            "sku": sku, "title": sku.title(), "category": None, "quantity": qty, "unit_price": price,
            "discount": 0.0, "revenue": revenue, "refunded_qty": refunded_qty, "refunded_amount": refunded,
            "net_quantity": qty - refunded_qty, "net_revenue": revenue - refunded, "currency": currency,
            "status": "paid", "unit_cost": cost}


@pytest.fixture
def sales():
    rows = [
        _line(1, "2025-11-12", "a", "mug", 2, 10.0, cost=4.0),          # a year (364 d) before 2026-11-11
        _line(2, "2026-11-03", "a", "mug", 1, 10.0, cost=4.0),           # previous week
        _line(3, "2026-11-10", "a", "mug", 3, 10.0, cost=4.0),           # this week: returning customer
        _line(3, "2026-11-10", "a", "tee", 1, 20.0),                     # cost unknown
        _line(4, "2026-11-12", "b", "mug", 2, 10.0, refunded_qty=1, cost=4.0, channel="etsy"),  # new, refund
        _line(5, "2026-11-15", None, "tee", 1, 20.0, currency="EUR"),   # other currency: left out
    ]
    return pd.DataFrame(rows)[SALES_COLUMNS]


def test_period_kpis(sales):
    k = kpis.period_kpis(sales, dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    assert k.currency == "USD"
    assert k.revenue_gross == 70.0 and k.refunds == 10.0 and k.revenue_net == 60.0
    assert k.orders == 2 and k.units == 5.0 and k.aov == 30.0
    assert (k.customers, k.new_customers, k.returning_customers) == (2, 1, 1)
    assert k.repeat_rate == 0.5 and k.refund_rate == pytest.approx(10 / 70)
    # Known-cost lines: mug 3x10 + mug net 1x10 = 40 revenue, cost 4 x (3 + 1) = 16.
    assert k.gross_profit == 24.0 and k.margin_pct == pytest.approx(60.0)
    assert k.cost_coverage == pytest.approx(40 / 60)
    assert [c["channel"] for c in k.by_channel] == ["shopify", "etsy"]


def test_compare_previous_and_last_year(sales):
    c = kpis.compare(sales, dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    assert c["previous"]["revenue_net"] == 10.0
    assert c["last_year"]["revenue_net"] == 20.0
    assert c["changes"]["revenue_net"]["vs_previous_pct"] == pytest.approx(500.0)
    assert c["changes"]["revenue_net"]["vs_last_year_pct"] == pytest.approx(200.0)


def test_weeks_honour_week_start():
    assert kpis.week_bounds(dt.date(2026, 11, 11), "monday") == (dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    assert kpis.week_bounds(dt.date(2026, 11, 11), "sunday") == (dt.date(2026, 11, 8), dt.date(2026, 11, 14))
    assert kpis.last_complete_week(dt.date(2026, 11, 11)) == (dt.date(2026, 11, 2), dt.date(2026, 11, 8))
    assert kpis.last_complete_week(dt.date(2026, 11, 15)) == (dt.date(2026, 11, 9), dt.date(2026, 11, 15))


def test_weekly_revenue_fills_gaps_and_overlays_last_year(sales):
    w = kpis.weekly_revenue(sales, dt.date(2026, 11, 15), weeks=3)
    assert list(w["week_start"]) == [dt.date(2026, 10, 26), dt.date(2026, 11, 2), dt.date(2026, 11, 9)]
    assert list(w["revenue_net"]) == [0.0, 10.0, 60.0]
    assert list(w["last_year"]) == [0.0, 0.0, 20.0]


def test_top_movers(sales):
    m = kpis.top_movers(sales, dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    assert [(r["sku"], r["change"]) for r in m["up"]] == [("mug", 30.0), ("tee", 20.0)]  # EUR line left out


def test_empty_frame():
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in SALES_COLUMNS})
    empty["order_date"] = pd.to_datetime(empty["order_date"])
    k = kpis.period_kpis(empty, dt.date(2026, 1, 1), dt.date(2026, 1, 7))
    assert k.orders == 0 and k.aov is None and k.gross_profit is None


@pytest.mark.parametrize(("name", "as_of", "week_start", "expected"), [
    ("last_week", "2026-11-11", "monday", ("2026-11-02", "2026-11-08")),
    ("last_week", "2026-11-11", "sunday", ("2026-11-01", "2026-11-07")),
    ("last_4_weeks", "2026-11-15", "monday", ("2026-10-19", "2026-11-15")),   # Sunday: its week is complete
    ("this_month", "2026-11-11", "monday", ("2026-11-01", "2026-11-11")),
    ("last_month", "2026-03-05", "monday", ("2026-02-01", "2026-02-28")),
    ("last_month", "2026-01-20", "monday", ("2025-12-01", "2025-12-31")),
    ("this_quarter", "2026-11-11", "monday", ("2026-10-01", "2026-11-11")),
    ("this_year", "2026-11-11", "monday", ("2026-01-01", "2026-11-11")),
])
def test_named_periods(name, as_of, week_start, expected):
    start, end = kpis.named_period(name, dt.date.fromisoformat(as_of), week_start)
    assert (start.isoformat(), end.isoformat()) == expected


def test_unknown_period_is_refused():
    with pytest.raises(ValueError, match="unknown period"):
        kpis.named_period("fortnight", dt.date(2026, 11, 11))


def test_channel_filter_and_table(sales):
    etsy = kpis.period_kpis(sales, dt.date(2026, 11, 9), dt.date(2026, 11, 15), channel="etsy")
    assert (etsy.revenue_gross, etsy.revenue_net, etsy.orders) == (20.0, 10.0, 1)
    assert [c["channel"] for c in etsy.by_channel] == ["etsy"]
    # a bought on shopify before: on etsy for the first time, a is still a returning customer.
    first_on_etsy = pd.concat([sales, pd.DataFrame([_line(6, "2026-11-13", "a", "tee", 1, 20.0, channel="etsy")])])
    etsy = kpis.period_kpis(first_on_etsy, dt.date(2026, 11, 9), dt.date(2026, 11, 15), channel="etsy")
    assert (etsy.customers, etsy.new_customers, etsy.returning_customers) == (2, 1, 1)
    c = kpis.compare(sales, dt.date(2026, 11, 9), dt.date(2026, 11, 15), channel="shopify")
    assert c["current"]["revenue_net"] == 50.0 and c["previous"]["revenue_net"] == 10.0
    rows = kpis.channel_table(kpis.compare(sales, dt.date(2026, 11, 9), dt.date(2026, 11, 15)))
    by = {r["channel"]: r for r in rows}
    assert by["shopify"]["revenue_net"] == 50.0 and by["shopify"]["aov"] == 50.0
    assert by["shopify"]["vs_previous_pct"] == pytest.approx(400.0)     # 10 -> 50
    assert by["shopify"]["vs_last_year_pct"] == pytest.approx(150.0)    # 20 -> 50
    assert by["etsy"]["vs_previous_pct"] is None                        # sold nothing the week before


def test_channel_table_keeps_a_channel_that_stopped_selling(sales):
    rows = kpis.channel_table(kpis.compare(sales, dt.date(2026, 11, 16), dt.date(2026, 11, 22)))
    shopify = next(r for r in rows if r["channel"] == "shopify")
    assert shopify["revenue_net"] == 0.0 and shopify["vs_previous_pct"] == pytest.approx(-100.0)
