"""The weekly report's content model on a hand-checked shop (see weekly_shop.py for the numbers)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from weekly_shop import AFTER_WEEK, NOW, WEEK, WEEK_END, WEEK_START, fill

from merchant_ai.money import to_store
from merchant_ai.reports.weekly import BadWeek, Cancelled, build_weekly_report
from merchant_ai.reports.weeks import parse_week, week_label


def _kpis(report) -> dict[str, dict]:
    return {r.key: r for r in report.kpis.rows}


@pytest.fixture
def shop(store):
    fill(store)
    return store


def test_default_week_is_last_complete_sunday_week(shop):
    report = build_weekly_report(shop, now=NOW)
    assert (report.week, report.start, report.end) == (WEEK, WEEK_START, WEEK_END)
    assert report.week_start == "sunday" and report.shop_name == "Test shop"
    assert report.generated_at == NOW


def test_kpis_match_the_hand_counted_week(shop):
    report = build_weekly_report(shop, WEEK, now=NOW)
    k = _kpis(report)
    assert k["revenue_gross"].value == pytest.approx(70.0)
    assert k["refunds"].value == pytest.approx(10.0)
    assert k["revenue_net"].value == pytest.approx(60.0)
    assert k["orders"].value == 2 and k["units"].value == pytest.approx(5.0)
    assert k["aov"].value == pytest.approx(30.0)
    assert k["new_customers"].value == 1 and k["customers"].value == 2
    assert k["repeat_rate"].value == pytest.approx(50.0)          # shown in percent
    # the week before and 52 weeks earlier: alice's one mug
    assert k["revenue_net"].previous == pytest.approx(10.0) and k["revenue_net"].last_year == pytest.approx(10.0)
    assert k["revenue_net"].vs_previous_pct == pytest.approx(500.0)
    assert k["refund_rate"].change_in_points and k["refund_rate"].vs_previous_pct == pytest.approx(100 * 10 / 70)
    assert report.currency == "USD"
    # costs known only for MUG: profit on the mug lines, with a note on coverage
    assert k["gross_profit"].value == pytest.approx(40.0 - 4 * 4)
    assert "unit cost" in report.kpis.note


def test_monday_start_moves_the_sunday_order_out_of_the_week(shop):
    shop.set_setting("week_start", "monday")
    report = build_weekly_report(shop, WEEK, now=NOW)
    assert (report.start, report.end) == (dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    # order B (10 net) and order C (100) are in Mon 9 - Sun 15 Nov; order A (Sun 8) is not
    assert _kpis(report)["revenue_net"].value == pytest.approx(110.0)


def test_nothing_after_the_week_end_is_seen(shop):
    before = build_weekly_report(shop, WEEK, now=NOW).to_dict()
    week = before["revenue"]["points"][25]                  # the last of 26 weeks of history
    assert week["week_start"] == WEEK_START.isoformat() and week["revenue"] == pytest.approx(60.0)
    with shop.transaction() as conn:                 # a big week after the report week
        for i in range(20):
            day = AFTER_WEEK + dt.timedelta(days=i % 6)
            conn.execute("INSERT INTO orders(channel_id, external_id, customer_id, created_at, created_utc, "
                         "order_date, currency, total, status) VALUES (1, ?, 1, ?, ?, ?, 'USD', ?, 'paid')",
                         (f"late{i}", f"{day}T10:00:00", f"{day}T10:00:00Z", day.isoformat(), to_store(500.0)))
            oid = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
            conn.execute("INSERT INTO order_lines(order_id, line_key, sku, title, quantity, unit_price, line_total) "
                         "VALUES (?, '0', 'TEE', 'Tee', 25, ?, ?)", (oid, to_store(20.0), to_store(500.0)))
    shop.bump_data_version()
    after = build_weekly_report(shop, WEEK, now=NOW).to_dict()
    assert after == before


def test_forecast_starts_after_the_week(shop):
    report = build_weekly_report(shop, WEEK, now=NOW)
    ahead = [p for p in report.revenue.points if p.forecast is not None]
    history = [p for p in report.revenue.points if p.revenue is not None]
    assert len(history) == 26 and ahead, "26 weeks of history, then the forecast"
    assert ahead[0].week_start == WEEK_END + dt.timedelta(days=1)
    assert all(p.lower80 <= p.forecast <= p.upper80 for p in ahead)


def test_sections_degrade_with_a_sentence(shop):
    report = build_weekly_report(shop, WEEK, now=NOW)
    assert "inventory" in report.stock.note and not report.stock.suppliers
    assert "Too few identified customers" in report.customers.note
    assert report.margins.warnings == [] or all(w["sku"] == "MUG" for w in report.margins.warnings)
    with shop.transaction() as conn:
        conn.execute("UPDATE products SET unit_cost = NULL")
    shop.bump_data_version()
    report = build_weekly_report(shop, WEEK, now=NOW)
    assert report.margins.note == "Add unit costs to your products to see margins."
    assert _kpis(report)["gross_profit"].value is None


def test_freshness_warns_about_an_old_import(store):
    fill(store, imported_on="2026-10-01T08:00:00")
    report = build_weekly_report(store, WEEK, now=NOW)
    rows = {c["channel"]: c for c in report.freshness.channels}
    assert rows["shopify"]["last_import"] == dt.date(2026, 10, 1)
    assert rows["shopify"]["last_order"] == WEEK_START        # the order after the week is not counted
    assert rows["etsy"]["last_order"] == WEEK_END
    assert all(c["stale"] for c in rows.values())
    data = [a for a in report.actions() if a.kind == "data"]
    assert {a.key for a in data} == {"shopify", "etsy"} and all(a.tab == "import" for a in data)


def test_fresh_import_is_not_stale(shop):
    report = build_weekly_report(shop, WEEK, now=NOW)
    assert not any(c["stale"] for c in report.freshness.channels)
    assert not [a for a in report.actions() if a.kind == "data"]


def test_empty_shop_builds_with_notes(store):
    report = build_weekly_report(store, now=NOW)
    assert report.kpis.rows == [] and "No orders" in report.kpis.note
    assert [(a.kind, a.tab) for a in report.actions()] == [("data", "import")]
    json.dumps(report.to_dict())


def test_to_dict_is_json_and_actions_have_the_agreed_shape(shop):
    report = build_weekly_report(shop, WEEK, now=NOW)
    d = json.loads(json.dumps(report.to_dict()))
    assert d["week"] == WEEK and d["start"] == "2026-11-08" and d["end"] == "2026-11-14"
    for a in report.actions():
        assert a.kind in {"stock", "customers", "pricing", "recommendations", "data"}
        assert a.tab in {"stock", "customers", "pricing", "recommendations", "import"} and a.text


def test_progress_and_cancel(shop):
    seen = []
    build_weekly_report(shop, WEEK, progress=lambda f, m: seen.append(f), now=NOW)
    assert seen[-1] == 1.0 and all(b >= a - 1e-9 for a, b in zip(seen, seen[1:], strict=False))
    with pytest.raises(Cancelled):
        build_weekly_report(shop, WEEK, cancelled=lambda: True)


def test_week_labels():
    assert week_label(WEEK_START) == WEEK                               # Sunday-start week
    assert parse_week(WEEK, "sunday") == (WEEK_START, WEEK_END)
    assert parse_week("2026-W46", "monday") == (dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    assert week_label(dt.date(2020, 12, 28)) == "2020-W53"
    for bad in ("2026-46", "next week", "2026-W54", "2026-W00"):
        with pytest.raises(BadWeek):
            parse_week(bad)


def _many_customers(store) -> None:
    """40 customers: even ones buy every 10 days, odd ones every 120; customer c's last order is 3c
    days before the week's end, so recency quintiles shift during the week (one Loyal customer
    slips to At risk)."""
    with store.transaction() as conn:
        conn.execute("INSERT INTO channels(id, name, platform, currency) VALUES (1, 'shopify', 'shopify', 'USD')")
        n = 0
        for c in range(40):
            conn.execute("INSERT INTO customers(id, key) VALUES (?, ?)", (c + 1, f"cust{c:02d}"))
            gap = dt.timedelta(days=10 if c % 2 == 0 else 120)
            day = WEEK_END - dt.timedelta(days=3 * c)
            while day >= dt.date(2025, 6, 1):
                n += 1
                conn.execute("INSERT INTO orders(id, channel_id, external_id, customer_id, created_at, created_utc, "
                             "order_date, currency, total, status) VALUES (?, 1, ?, ?, ?, ?, ?, 'USD', ?, 'paid')",
                             (n, f"#{n}", c + 1, f"{day}T10:00:00", f"{day}T10:00:00Z", day.isoformat(),
                              to_store(10.0 + c)))
                conn.execute("INSERT INTO order_lines(order_id, line_key, sku, title, quantity, unit_price, "
                             "line_total) VALUES (?, '0', 'MUG', 'Mug', 1, ?, ?)",
                             (n, to_store(10.0 + c), to_store(10.0 + c)))
                day -= gap
    store.set_setting("week_start", "sunday")
    store.bump_data_version()


def test_segment_moves_match_line_level_rfm(store):
    """The section folds lines into orders first; its segments must equal RFM on the raw lines."""
    from merchant_ai.reports.customer_sections import RISK_SEGMENTS, segments_at
    from merchant_ai.store import queries

    _many_customers(store)
    report = build_weekly_report(store, WEEK, now=NOW)
    sales = queries.sales_lines(store, WEEK_END)
    direct = {when: segments_at(sales, WEEK_END - dt.timedelta(days=back))
              for when, back in (("now", 0), ("week_ago", 7), ("four_weeks_ago", 28))}
    for row in report.customers.segments:
        for when, seg in direct.items():
            assert row[when] == int((seg == row["segment"]).sum()), (row, when)
    assert sum(r["now"] for r in report.customers.segments) == 40
    was, now = direct["week_ago"], direct["now"]
    slipped = [k for k in now.index if now[k] in RISK_SEGMENTS and k in was.index
               and was[k] not in ("At risk", "Can't lose them", "Hibernating", "Lost")]
    assert report.customers.slipping == len(slipped)
    assert slipped, "the fixture has a customer slipping this week"
    assert {c["customer"] for c in report.customers.contacts} == set(slipped)
    assert all(c["segment_now"] in RISK_SEGMENTS for c in report.customers.contacts)
    assert [a for a in report.actions() if a.kind == "customers"]


def test_predicted_values_are_reused_while_the_data_is_unchanged(store, monkeypatch):
    """The value fit behind "whom to contact" is cached in the store's model cache (encrypted, keyed
    by the data version): the same week again gets exactly the same numbers without a refit."""
    import pandas as pd

    from merchant_ai.reports import customer_sections as cs

    fitted = pd.DataFrame({"p_alive": [0.1 + 0.2, float("nan"), 1 / 3], "predicted_clv": [12.5, 7.0, 1e-9]},
                          index=pd.Index(["a", "b", "c"], name="customer"))
    fits = []
    monkeypatch.setattr(cs, "expected_value", lambda orders, end: fits.append(end) or fitted)
    who = pd.Index(["c", "a"], name="customer")
    first = cs.cached_expected_value(store, None, WEEK_END, who)
    pd.testing.assert_frame_equal(first, fitted.reindex(who), check_exact=True)
    again = cs.cached_expected_value(store, None, WEEK_END, who)
    pd.testing.assert_frame_equal(again, first, check_exact=True, check_index_type=False)
    assert len(fits) == 1
    cs.cached_expected_value(store, None, WEEK_END, pd.Index(["b", "z"]))      # someone not cached: fit
    cs.cached_expected_value(store, None, AFTER_WEEK, who)                      # another week: fit
    store.bump_data_version()                                                   # an import: fit
    cs.cached_expected_value(store, None, WEEK_END, who)
    cs.cached_expected_value(None, None, WEEK_END, who)                         # no store: always fit
    assert len(fits) == 5
