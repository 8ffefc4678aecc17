"""Stock policy on synthetic SKUs whose right answer is known; PO CSV safety; policy replay."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from merchant_ai.analytics.forecast import Forecaster
from merchant_ai.analytics.stock_backtest import PolicyBacktest
from merchant_ai.analytics.stock_policy import StockPolicy, po_suggestions, round_order, to_csv
from tests.analytics.test_forecast import MONDAY, week_end, weekly_sales

WEEKS = 40
AS_OF = week_end(WEEKS - 1)


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(11)
    series = {"FAST": rng.poisson(70, WEEKS), "SLOW": rng.poisson(7, WEEKS),
              "IDLE": np.r_[rng.poisson(5, 20), np.zeros(WEEKS - 20)], "HEAP": rng.poisson(7, WEEKS)}
    sales = weekly_sales(series)
    return sales, Forecaster(use_global=False).fit(sales, AS_OF)


def _products():
    return pd.DataFrame({"sku": ["FAST", "SLOW", "IDLE", "HEAP", "NOCOUNT"],
                         "title": ["Fast", "Slow", "Idle", "Heap", "No count"],
                         "supplier": ["=cmd|' /C calc'!A0", "Beta", "Beta", "Beta", None],
                         "unit_cost": [2.0, 3.0, 4.0, 1.0, 1.0],
                         "lead_time_days": [14.0, 7.0, np.nan, np.nan, np.nan],
                         "order_cycle_days": [7.0, 7.0, 7.0, 7.0, 7.0],
                         "moq": [100.0, np.nan, np.nan, np.nan, np.nan],
                         "case_pack": [24.0, 6.0, np.nan, np.nan, np.nan]})


def _on_hand(fast=50.0):
    day = str(AS_OF.date())
    return pd.DataFrame({"sku": ["FAST", "SLOW", "IDLE", "HEAP"], "on_hand": [fast, 60.0, 30.0, 5000.0],
                         "incoming": [0.0] * 4, "counted_at": [day] * 4})


def test_statuses_and_quantities(fitted):
    sales, fc = fitted
    pol = StockPolicy().fit(sales, AS_OF, fc, _on_hand(), None, _products())
    items = pol.items_.set_index("sku")
    fast = items.loc["FAST"]  # ~10 a day, 50 on hand, 14-day lead time: out in ~5 days
    assert fast["status"] == "order_now" and fast["stockout_before_arrival"]
    assert 3 <= fast["days_of_cover"] <= 7
    assert fast["stockout_date"] == (AS_OF + pd.Timedelta(days=int(fast["days_of_cover"]))).date()
    assert fast["suggested_qty"] >= 100 and fast["suggested_qty"] % 24 == 0
    # Order-up-to covers lead time + cycle (21 days, ~210 units) plus safety stock. The 50 on hand
    # run out long before the order arrives and the rest of the lead time's ~140 units are lost
    # sales, so the order buys the week after arrival plus safety stock (up-to minus lead-time
    # demand, ~110 -> 120 in cases of 24), not up-to minus stock (~195 -> 216).
    lead_demand = fast["reorder_point"] - fast["safety_stock"]
    assert 120 <= lead_demand <= 160
    assert fast["suggested_qty"] == round_order(fast["order_up_to"] - lead_demand, 100, 24)
    assert fast["suggested_qty"] < fast["order_up_to"] - 50 - 24
    assert fast["safety_stock"] > 0 and fast["reorder_point"] > fast["safety_stock"]
    assert items.loc["HEAP", "status"] == "overstock"
    assert items.loc["IDLE", "status"] == "dead_stock"
    assert items.loc["IDLE", "cash_tied_up"] == pytest.approx(30 * 4.0)
    assert items.loc["NOCOUNT", "status"] == "no_stock_data"
    assert pol.items_["sku"].iloc[0] == "FAST"  # ranked by urgency
    assert list(pol.items_["status"]).index("overstock") < list(pol.items_["status"]).index("no_stock_data")


def test_safety_stock_grows_with_service_level_and_lead_time(fitted):
    sales, fc = fitted
    lo = StockPolicy(service_level=0.8).fit(sales, AS_OF, fc, _on_hand(), None, _products()).items_.set_index("sku")
    hi = StockPolicy(service_level=0.99).fit(sales, AS_OF, fc, _on_hand(), None, _products()).items_.set_index("sku")
    assert hi.loc["SLOW", "safety_stock"] > lo.loc["SLOW", "safety_stock"] > 0
    short = StockPolicy(default_lead_time_days=7).fit(sales, AS_OF, fc, _on_hand(), None, _products())
    long = StockPolicy(default_lead_time_days=35).fit(sales, AS_OF, fc, _on_hand(), None, _products())
    assert long.items_.set_index("sku").loc["HEAP", "safety_stock"] > short.items_.set_index("sku").loc["HEAP", "safety_stock"]


def test_incoming_purchase_order_moves_stockout(fitted):
    sales, fc = fitted
    base = StockPolicy().fit(sales, AS_OF, fc, _on_hand(fast=150.0), None, _products()).items_.set_index("sku")
    po = pd.DataFrame({"sku": ["FAST"], "quantity": [300.0], "expected_at": [str((AS_OF + pd.Timedelta(days=5)).date())]})
    with_po = StockPolicy().fit(sales, AS_OF, fc, _on_hand(fast=150.0), po, _products()).items_.set_index("sku")
    assert with_po.loc["FAST", "days_of_cover"] > base.loc["FAST", "days_of_cover"] + 20
    assert with_po.loc["FAST", "incoming"] == 300


def test_stock_an_export_reports_as_incoming_counts_unless_purchase_orders_say_otherwise(fitted):
    """Shopify's "Incoming" and Amazon's FBA inbound arrive with the count; without an open purchase
    order entered here they were ignored, and the owner was told to order what was on its way."""
    sales, fc = fitted
    counts = _on_hand(fast=150.0).assign(incoming=[400.0, np.nan, 0.0, 0.0])
    plain = StockPolicy().fit(sales, AS_OF, fc, _on_hand(fast=150.0), None, _products()).items_.set_index("sku")
    inbound = StockPolicy().fit(sales, AS_OF, fc, counts, None, _products()).items_.set_index("sku")
    assert plain.loc["FAST", "incoming"] == 0 and plain.loc["FAST", "suggested_qty"] > 0
    assert inbound.loc["FAST", "incoming"] == 400
    assert inbound.loc["FAST", "suggested_qty"] < plain.loc["FAST", "suggested_qty"]
    assert inbound.loc["SLOW", "incoming"] == 0                       # NaN incoming: nothing on its way
    po = pd.DataFrame({"sku": ["FAST"], "quantity": [100.0], "expected_at": [str((AS_OF + pd.Timedelta(days=5)).date())]})
    both = StockPolicy().fit(sales, AS_OF, fc, counts, po, _products()).items_.set_index("sku")
    assert both.loc["FAST", "incoming"] == 100                        # the entered order is the truth


def test_open_order_arriving_after_the_stockout_asks_to_chase_it_not_to_order_again(fitted):
    sales, fc = fitted
    # 50 on hand (~5 days), 500 arriving in 12 days: runs out first, but the order covers the cycle.
    po = pd.DataFrame({"sku": ["FAST"], "quantity": [500.0], "expected_at": [str((AS_OF + pd.Timedelta(days=12)).date())]})
    fast = StockPolicy().fit(sales, AS_OF, fc, _on_hand(), po, _products()).items_.set_index("sku").loc["FAST"]
    assert fast["status"] == "order_now" and fast["stockout_before_arrival"]
    assert fast["suggested_qty"] == 0 and fast["action"] == "expedite"
    plain = StockPolicy().fit(sales, AS_OF, fc, _on_hand(), None, _products()).items_.set_index("sku").loc["FAST"]
    assert plain["action"] == "order" and plain["suggested_qty"] > 0
    small = po.assign(quantity=24.0)  # too small to last: chase it and order more
    both = StockPolicy().fit(sales, AS_OF, fc, _on_hand(), small, _products()).items_.set_index("sku").loc["FAST"]
    assert both["action"] == "order_and_expedite" and both["suggested_qty"] > 0


def test_count_is_rolled_forward_by_later_sales(fitted):
    sales, fc = fitted
    old = _on_hand(fast=500.0)
    old["counted_at"] = str((AS_OF - pd.Timedelta(days=14)).date())  # two weeks of ~70/week sold since
    items = StockPolicy().fit(sales, AS_OF, fc, old, None, _products()).items_.set_index("sku")
    sold = sales[(sales["sku"] == "FAST") & (sales["order_date"] > AS_OF - pd.Timedelta(days=14))]["net_quantity"].sum()
    assert items.loc["FAST", "on_hand"] == pytest.approx(500 - sold)


def test_round_order_and_csv_is_formula_safe(fitted):
    assert round_order(0, 50, 12) == 0
    assert round_order(5, 50, 12) == 60
    assert round_order(61, None, 12) == 72
    assert round_order(3.2, None, None) == 4
    sales, fc = fitted
    pol = StockPolicy().fit(sales, AS_OF, fc, _on_hand(), None, _products())
    po = po_suggestions(pol.items_)
    assert "FAST" in set(po["sku"])
    text = to_csv(po)
    assert "'=cmd" in text
    for line in text.splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "@")), line


def test_policy_backtest_reports_both_policies():
    rng = np.random.default_rng(12)
    weeks = 60
    series = {f"S{i}": rng.poisson(rng.uniform(3, 40), weeks * 7) for i in range(12)}
    rows = []
    for sku, days in series.items():
        for d, q in enumerate(days):
            if q:
                day = MONDAY + pd.Timedelta(days=d)
                rows.append({"order_date": day, "sku": sku, "net_quantity": float(q), "net_revenue": q * 5.0,
                             "channel": "shop", "category": None})
    sales = pd.DataFrame(rows)
    end = MONDAY + pd.Timedelta(days=weeks * 7 - 1)
    bt = PolicyBacktest(weeks=8).fit(sales, end)
    r = bt.result_
    assert r["skus"] == 12 and r["weeks"] == 8
    for name in ("ours", "velocity"):
        assert 0.5 < r[name]["fill_rate"] <= 1.0 and r[name]["avg_stock_units"] > 0
    # Safety stock from the forecast error buys service the velocity rule (none) does not have.
    assert r["ours"]["fill_rate"] > r["velocity"]["fill_rate"]


def _daily_sales(series: dict[str, np.ndarray], price: float = 5.0) -> pd.DataFrame:
    rows = []
    for sku, days in series.items():
        for d, q in enumerate(days):
            if q:
                rows.append({"order_date": MONDAY + pd.Timedelta(days=d), "sku": sku, "net_quantity": float(q),
                             "net_revenue": q * price, "channel": "shop", "category": None})
    return pd.DataFrame(rows)


def test_policy_backtest_traces_both_trade_offs_and_reads_them_at_matched_points():
    rng = np.random.default_rng(13)
    weeks = 60
    sales = _daily_sales({f"S{i}": rng.poisson(rng.uniform(1, 30), weeks * 7) for i in range(10)})
    end = MONDAY + pd.Timedelta(days=weeks * 7 - 1)
    r = PolicyBacktest(weeks=8).fit(sales, end).result_
    ours, velo = r["curves"]["ours"], r["curves"]["velocity"]
    assert [p["service_level"] for p in ours] == sorted(p["service_level"] for p in ours) and len(ours) >= 5
    assert [p["cover_days"] for p in velo][:2] == [0, 7] and max(p["cover_days"] for p in velo) >= 60
    # More service or more cover: more stock, never less fill.
    for curve in (ours, velo):
        stock = [p["avg_stock_units"] for p in curve]
        fill = [p["fill_rate"] for p in curve]
        assert stock == sorted(stock) and all(b >= a - 0.01 for a, b in zip(fill, fill[1:], strict=False))
    # The headline points are points of the curves (the old keys stay).
    assert r["ours"]["fill_rate"] == next(p["fill_rate"] for p in ours if p["service_level"] == 0.95)
    assert r["velocity"]["avg_stock_units"] == next(p["avg_stock_units"] for p in velo if p["cover_days"] == 7)
    m = r["matched"]["units"]
    if m["velocity_fill_at_our_stock"] is not None:
        lo = max(p["fill_rate"] for p in velo if p["avg_stock_units"] <= m["our_avg_stock"])
        assert m["velocity_fill_at_our_stock"] >= lo - 1e-9
    if m["velocity_stock_for_our_fill"] is not None:
        assert m["velocity_extra_stock_pct"] == pytest.approx((m["velocity_stock_for_our_fill"] / m["our_avg_stock"] - 1) * 100)
    for p in ours + velo:
        assert 0 <= p["median_sku_fill_rate"] <= 1 and 0 <= p["fill_rate_value"] <= 1
    assert r["value_basis"] == "average selling price" and r["matched"]["value"]["our_fill_rate"] == r["ours"]["fill_rate_value"]


def test_matched_reading_interpolates_and_says_when_the_curve_cannot_reach():
    from merchant_ai.analytics.stock_backtest import _fill_at, _stock_for

    curve = [{"fill_rate": f, "avg_stock_units": s} for f, s in ((0.5, 100.0), (0.7, 200.0), (0.8, 400.0))]
    assert _stock_for(curve, 0.75, "fill_rate", "avg_stock_units") == pytest.approx(300.0)
    assert _fill_at(curve, 150.0, "fill_rate", "avg_stock_units") == pytest.approx(0.6)
    assert _stock_for(curve, 0.9, "fill_rate", "avg_stock_units") is None  # beyond the most stock traced
    assert _fill_at(curve, 50.0, "fill_rate", "avg_stock_units") is None
    # A setting with more stock but less fill is never the answer: the best fill at most that stock is.
    bumpy = curve + [{"fill_rate": 0.78, "avg_stock_units": 500.0}, {"fill_rate": 0.9, "avg_stock_units": 600.0}]
    assert _fill_at(bumpy, 500.0, "fill_rate", "avg_stock_units") == pytest.approx(0.8)


def test_order_up_to_never_plans_below_the_recent_rate():
    # Quiet for months, then busy for the last five weeks: a MASE-chosen (median-leaning, lagging)
    # forecast plans less than the shop sells now; the order must cover at least the recent rate.
    rng = np.random.default_rng(14)
    series = {"RISE": np.r_[rng.poisson(3, WEEKS - 5), rng.poisson(60, 5)], "FLAT": rng.poisson(20, WEEKS)}
    sales = weekly_sales(series)
    fc = Forecaster(use_global=False, use_statsmodels=False).fit(sales, AS_OF)
    on_hand = pd.DataFrame({"sku": ["RISE", "FLAT"], "on_hand": [0.0, 0.0], "incoming": [0.0, 0.0],
                            "counted_at": [str(AS_OF.date())] * 2})
    items = StockPolicy(default_lead_time_days=14, default_order_cycle_days=14).fit(
        sales, AS_OF, fc, on_hand).items_.set_index("sku")
    recent = sales[pd.to_datetime(sales["order_date"]) > AS_OF - pd.Timedelta(days=30)]
    for sku in series:
        rate = recent.loc[recent["sku"] == sku, "net_quantity"].sum() / 30
        assert items.loc[sku, "forecast_per_day"] >= rate - 1e-9, sku  # the planned rate over lead + cycle
        assert items.loc[sku, "order_up_to"] >= rate * 28 - 1e-6, sku


def test_safety_stock_follows_the_square_root_of_demand_not_the_naive_error():
    """A lumpy SKU's week-to-week (naive) error is large next to its sales: scaling a pooled error
    quantile by it gave small lumpy SKUs the most safety stock for their sales. The policy now
    learns, per demand class, how far demand over lead time + cycle ran past the recent-rate plan,
    in units of sqrt(plan), from the shop's own days; both SKUs below sell the same per day."""
    from merchant_ai.analytics.stock_policy import daily_units, demand_error_quantiles

    rng = np.random.default_rng(3)
    days = pd.date_range(end=AS_OF, periods=280, freq="D")
    steady = rng.poisson(10, len(days)).astype(float)
    lumpy = np.where(rng.random(len(days)) < 0.2, 50.0, 0.0)  # orders of 50, one day in five
    rows = [{"order_id": i, "order_date": d, "created_at": d, "channel": "shop", "customer": None, "sku": k,
             "title": k, "category": None, "quantity": q, "unit_price": 10.0, "net_quantity": q,
             "net_revenue": q * 10.0, "revenue": q * 10.0, "status": "paid", "unit_cost": 5.0}
            for i, (k, d, q) in enumerate((k, d, q) for k, qs in (("STEADY", steady), ("LUMPY", lumpy))
                                          for d, q in zip(days, qs, strict=True) if q > 0)]
    sales = pd.DataFrame(rows)
    daily = daily_units(sales, ["STEADY", "LUMPY"], AS_OF, 240)
    assert daily.sum() == steady[-240:].sum() + lumpy[-240:].sum()
    assert daily_units(sales, ["STEADY"], AS_OF - pd.Timedelta(days=1), 1)[0, 0] == steady[-2]  # nothing later
    q = demand_error_quantiles(daily, np.array([21, 21]), np.array(["smooth", "smooth"]), [0.5, 0.95])
    assert np.all(q[:, 0] == q[:, 1])  # pooled per class
    q = demand_error_quantiles(daily[:1], np.array([21]), np.array(["smooth"]), [0.5, 0.95])[:, 0]
    assert abs(q[0]) < 1.0 and 1.0 < q[1] < 4.0  # (demand - plan) / sqrt(plan): Poisson noise
    assert np.isnan(demand_error_quantiles(np.zeros((1, 200)), np.array([21]), np.array(["smooth"]), 0.95)).all()

    fc = Forecaster(use_global=False, use_statsmodels=False).fit(sales, AS_OF)
    on_hand = pd.DataFrame({"sku": ["STEADY", "LUMPY"], "on_hand": [0.0, 0.0], "incoming": [0.0, 0.0],
                            "counted_at": [str(AS_OF.date())] * 2})
    items = StockPolicy().fit(sales, AS_OF, fc, on_hand).items_.set_index("sku")
    # Same class, same units per day: about the same safety stock (the naive error gave LUMPY 6x).
    ratio = items.loc["LUMPY", "safety_stock"] / items.loc["STEADY", "safety_stock"]
    assert 0.7 < ratio < 1.4


def test_units_sold_since_each_count_do_not_depend_on_line_order_or_index(fitted):
    """The per-SKU lines are found by position once per fit: shuffled lines with a gappy index give
    the same items, and each counted SKU is rolled forward by its own later sales only."""
    sales, fc = fitted
    old = _on_hand(fast=500.0)
    old["counted_at"] = [str((AS_OF - pd.Timedelta(days=d)).date()) for d in (14, 21, 3, 0)]
    base = StockPolicy().fit(sales, AS_OF, fc, old, None, _products()).items_
    shuffled = sales.sample(frac=1.0, random_state=3)
    shuffled.index = np.arange(len(shuffled))[::-1] * 7 + 100
    again = StockPolicy().fit(shuffled, AS_OF, fc, old, None, _products()).items_
    pd.testing.assert_frame_equal(base, again)
    items = base.set_index("sku")
    for sku, start, counted in zip(old["sku"], old["on_hand"], old["counted_at"], strict=True):
        sold = sales[(sales["sku"] == sku) & (sales["order_date"] > pd.Timestamp(counted))]["net_quantity"].sum()
        assert items.loc[sku, "on_hand"] == pytest.approx(start - sold)


def test_policy_replay_gives_its_forecasts_the_owners_promotions_up_to_each_cutoff(monkeypatch):
    """The replay plans with what the live forecast sees: a flagged four-week sale at six times the
    usual rate, just before the replayed weeks, must not be planned for again; and no forecast is
    shown a flag (or stock count) after its own cutoff."""
    import merchant_ai.analytics.stock_backtest as sb

    rng = np.random.default_rng(21)
    weeks = 40
    daily = rng.poisson(10, weeks * 7).astype(float)
    end = MONDAY + pd.Timedelta(days=weeks * 7 - 1)
    first = end - pd.Timedelta(days=8 * 7 - 1)
    promo = pd.date_range(first - pd.Timedelta(days=5 * 7), first - pd.Timedelta(days=7 + 1), freq="D")
    days = MONDAY + pd.to_timedelta(np.arange(weeks * 7), unit="D")
    daily[np.isin(days, promo)] *= 6
    sales = _daily_sales({"MUG": daily.astype(int)})
    flags = pd.DataFrame({"key": ["MUG"] * len(promo) + [None], "day": list(promo) + [end]})
    seen: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    real_fit = sb.Forecaster.fit

    def spy(self, sales, as_of, **kwargs):
        if kwargs.get("promotions") is not None and len(kwargs["promotions"]):
            seen.append((pd.Timestamp(as_of), kwargs["promotions"]["day"].max()))
        return real_fit(self, sales, as_of, **kwargs)

    monkeypatch.setattr(sb.Forecaster, "fit", spy)
    plain = PolicyBacktest(weeks=8).fit(sales, end).result_
    flagged = PolicyBacktest(weeks=8).fit(sales, end, promotions=flags).result_
    assert seen and all(last <= cutoff for cutoff, last in seen)     # the flag on `end` never shown
    assert flagged["ours"]["avg_stock_units"] < 0.8 * plain["ours"]["avg_stock_units"]
    assert flagged["ours"]["fill_rate"] > 0.85


def test_the_recent_rate_floor_leaves_out_flagged_days():
    """The live policy's floor (units/day over the last 30 days) skips the owner's flagged days, for
    that SKU or, with no SKU, for every one; a SKU flagged on every recent day has no floor."""
    from merchant_ai.analytics.stock_policy import recent_rate

    days = pd.date_range("2024-01-01", periods=30)
    sales = _daily_sales({"A": np.r_[np.full(20, 10), np.full(10, 60)].astype(int), "B": np.ones(30, dtype=int)})
    sales["order_date"] = sales["order_date"] - MONDAY + days[0]
    as_of = days[-1]
    assert recent_rate(sales, as_of, ["A", "B"]).tolist() == pytest.approx([800 / 30, 1.0])
    sale = pd.DataFrame({"key": ["A"] * 10, "day": days[20:]})
    assert recent_rate(sales, as_of, ["A", "B"], promotions=sale).tolist() == pytest.approx([10.0, 1.0])
    sitewide = pd.DataFrame({"key": [None] * 10, "day": days[20:]})
    assert recent_rate(sales, as_of, ["A", "B"], promotions=sitewide).tolist() == pytest.approx([10.0, 1.0])
    always = pd.DataFrame({"key": ["B"] * 30, "day": days})
    assert recent_rate(sales, as_of, ["A", "B"], promotions=always).tolist() == pytest.approx([800 / 30, 0.0])
