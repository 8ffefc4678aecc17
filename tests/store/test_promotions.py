"""Promotions the owner flags: stored, validated, listed, removed, and seen by forecasts and stock."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from merchant_ai.money import to_store
from merchant_ai.store import promotions as promo

START = dt.date(2024, 1, 1)   # a Monday
WEEKS = 40
AS_OF = START + dt.timedelta(weeks=WEEKS) - dt.timedelta(days=1)
PROMO_WEEKS = range(34, 38)   # a four-week sale near the end: too long to pass for a one-off spike


def _fill(store) -> None:
    rng = np.random.default_rng(4)
    with store.transaction() as conn:
        conn.execute("INSERT INTO channels(id, name, platform, currency) VALUES (1, 'shopify', 'shopify', 'USD')")
        for sku in ("MUG", "TEA"):
            conn.execute("INSERT INTO products(sku, title, unit_cost, list_price) VALUES (?, ?, ?, ?)",
                         (sku, sku.title(), to_store(4.0), to_store(12.0)))
        oid = 0
        for week in range(WEEKS):
            day = START + dt.timedelta(weeks=week, days=2)
            for sku, base in (("MUG", 10), ("TEA", 10)):
                qty = int(rng.poisson(40 if sku == "MUG" and week in PROMO_WEEKS else base))
                if qty == 0:
                    continue
                oid += 1
                conn.execute("INSERT INTO orders(id, channel_id, external_id, created_at, created_utc, order_date, "
                             "currency, total, status) VALUES (?, 1, ?, ?, ?, ?, 'USD', ?, 'paid')",
                             (oid, f"#{oid}", f"{day}T10:00:00", f"{day}T10:00:00Z", day.isoformat(),
                              to_store(qty * 12.0)))
                conn.execute("INSERT INTO order_lines(order_id, line_key, sku, title, quantity, unit_price, "
                             "line_total) VALUES (?, '1', ?, ?, ?, ?, ?)",
                             (oid, sku, sku.title(), float(qty), to_store(12.0), to_store(qty * 12.0)))


def _sale_days() -> tuple[dt.date, dt.date]:
    return START + dt.timedelta(weeks=PROMO_WEEKS[0]), START + dt.timedelta(weeks=PROMO_WEEKS[-1], days=6)


def test_add_list_remove_and_every_change_invalidates_cached_results(store):
    _fill(store)
    v0 = store.data_version()
    first, last = _sale_days()
    pid = promo.add_promotion(store, first, last.isoformat(), sku="MUG", note="  spring sale ")
    site = promo.add_promotion(store, "2024-03-01", "2024-03-01", note="newsletter")
    assert store.data_version() == v0 + 2
    listed = promo.list_promotions(store)
    assert [p["id"] for p in listed] == [pid, site]           # newest period first
    assert listed[0] == {**listed[0], "sku": "MUG", "from": first.isoformat(), "to": last.isoformat(),
                         "note": "spring sale"}
    assert listed[1]["sku"] is None
    assert {p["id"] for p in promo.list_promotions(store, sku="TEA")} == {site}   # sitewide ones apply to it
    days = promo.flag_days(store, as_of=first + dt.timedelta(days=2))
    assert len(days) == 3 + 1                                  # cut at as_of, plus the sitewide day
    assert days["key"].isna().sum() == 1
    assert promo.remove_promotion(store, site) and not promo.remove_promotion(store, site)
    assert store.data_version() == v0 + 3
    assert [p["id"] for p in promo.list_promotions(store)] == [pid]


@pytest.mark.parametrize(("start", "end", "sku", "field"), [
    ("2024-05-02", "2024-05-01", None, "to:"),
    ("2024-13-01", "2024-05-01", None, "from:"),
    ("2024-01-01", "2025-06-01", None, "longer than 366 days"),
    ("2024-05-01", "2024-05-02", "NOPE", "sku:"),
])
def test_a_flag_that_makes_no_sense_is_refused_with_the_field_named(store, start, end, sku, field):
    _fill(store)
    v0 = store.data_version()
    with pytest.raises(promo.PromotionError, match=field):
        promo.add_promotion(store, start, end, sku=sku)
    assert promo.list_promotions(store) == [] and store.data_version() == v0


def test_forecast_and_stock_ignore_a_flagged_sale_and_a_cached_answer_is_not_reused(store):
    from merchant_ai.analytics.forecast_task import fit_stock, run_forecast

    _fill(store)
    plain = run_forecast(store, level="sku", as_of=AS_OF)
    mug = next(s for s in plain["series"] if s["key"] == "MUG")
    first, last = _sale_days()
    promo.add_promotion(store, first, last, sku="MUG", note="four weeks at 30% off")
    flagged = run_forecast(store, level="sku", as_of=AS_OF)
    assert not flagged["cached"]
    mug_flagged = next(s for s in flagged["series"] if s["key"] == "MUG")
    tea = [next(s for s in a["series"] if s["key"] == "TEA") for a in (plain, flagged)]
    level = lambda s: np.mean([p["expected"] for p in s["points"]])  # noqa: E731
    assert level(mug_flagged) < 16 < 25 < level(mug)             # near the usual ~10 a week, not the sale's 40
    assert level(tea[0]) == pytest.approx(level(tea[1]))         # a SKU's flag leaves other SKUs alone
    _policy, forecaster = fit_stock(store, AS_OF)
    i = forecaster.panel_.keys.index("MUG")
    assert forecaster.panel_.spikes[i, -6:-2].all()              # the stock alerts' forecast sees the flag too
