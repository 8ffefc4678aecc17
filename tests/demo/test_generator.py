"""The simulated shop shows the structure the analytics must find, and is reproducible."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd

from merchant_ai.demo.exports import export_files
from merchant_ai.demo.generator import generate
from merchant_ai.demo.shop_calendar import thanksgiving
from merchant_ai.store.queries import SALES_COLUMNS


def test_same_seed_gives_identical_bytes_and_another_seed_differs():
    small = {"n_skus": 30, "days": 60}
    a = export_files(generate(3, dt.date(2025, 3, 31), **small))
    b = export_files(generate(3, dt.date(2025, 3, 31), **small))
    c = export_files(generate(4, dt.date(2025, 3, 31), **small))
    assert [f.data for f in a] == [f.data for f in b]
    assert [f.data for f in a] != [f.data for f in c]


def test_size_and_shape_of_the_shop(history):
    counts = history.expected_counts()
    assert 6_000 <= counts["orders"] <= 12_000
    assert counts["channels"] == ["amazon", "etsy", "shopify"]
    assert 240 <= len(history.products) <= 260
    assert history.products["category"].nunique() == 8
    assert history.products["parent_sku"].nunique() < len(history.products)      # products have variants
    s = history.suppliers
    assert len(s) == 6 and s["lead_time_days"].between(7, 60).all()
    assert (s["moq"] > 0).all() and (s["case_pack"] > 0).all()
    assert history.orders["order_date"].min() >= pd.Timestamp(history.start)
    assert history.orders["order_date"].max() <= pd.Timestamp(history.end)


def test_yearly_weekly_and_holiday_seasonality(history):
    daily = history.orders.groupby("order_date").size().reindex(
        pd.date_range(history.start, history.end), fill_value=0)
    year = daily[daily.index.year == 2025]
    december = year[year.index.month == 12].mean()
    summer = year[year.index.month.isin([6, 7])].mean()
    assert december > 1.4 * summer
    bf = pd.Timestamp(thanksgiving(2025)) + pd.Timedelta(days=1)
    peak = daily[bf:bf + pd.Timedelta(days=3)].mean()
    november = year[(year.index.month == 11) & (year.index < bf - pd.Timedelta(days=1))].median()
    assert peak > 2.0 * november
    by_weekday = daily.groupby(daily.index.day_of_week).mean()
    assert by_weekday[0] > by_weekday[5] * 1.15          # Monday beats Saturday
    # Trend: the second year sells more than the first.
    first, second = daily.iloc[:365].sum(), daily.iloc[365:].sum()
    assert second > 1.1 * first


def test_long_tail_of_slow_movers(history):
    weekly = history.sales.resample("W-SUN").sum()
    on_sale = history.products.set_index("sku")["status"].eq("active")
    zero_share = (weekly.loc[:, on_sale.to_numpy()] == 0).mean()
    assert (zero_share > 0.7).mean() > 0.3               # many SKUs sell nothing in most weeks
    units = history.sales.sum().sort_values(ascending=False)
    assert units.iloc[: len(units) // 5].sum() > 0.5 * units.sum()   # a fifth of SKUs sell most units


def test_customers_repeat_like_real_shops(history):
    c = history.customers
    repeat_share = (c["orders"] > 1).mean()
    assert 0.2 <= repeat_share <= 0.5
    seg = c["segment"].value_counts(normalize=True)
    assert seg["one-time"] > 0.45 and seg["loyal"] > 0.03 and seg["lapsing"] > 0.01
    # The truth parameters drive behaviour: loyal buyers have higher rates, lower dropout.
    loyal, once = c[c["segment"] == "loyal"], c[c["segment"] == "one-time"]
    assert loyal["lambda_per_day"].median() > 2 * once["lambda_per_day"].median()
    assert loyal["p_drop"].median() < once["p_drop"].median()
    # Amazon buyers carry no identity; web-shop buyers an e-mail, Etsy buyers a username.
    assert c.loc[c["channel"] == "amazon", "key"].isna().all()
    assert c.loc[c["channel"] == "shopify", "key"].str.contains("@").all()


def test_complement_pairs_have_high_lift(history):
    live = history.orders.loc[history.orders["status"] != "cancelled", "order_id"]
    lines = history.lines[history.lines["order_id"].isin(live)]
    baskets = lines.groupby("sku")["order_id"].apply(set)
    n = lines["order_id"].nunique()
    lifts = []
    for a, b in zip(history.complements["a"], history.complements["b"], strict=True):
        sa, sb = baskets.get(a, set()), baskets.get(b, set())
        if len(sa) >= 15 and sb:
            lifts.append(len(sa & sb) * n / (len(sa) * len(sb)))
    assert len(lifts) >= 15
    assert np.median(lifts) > 5
    # Random pairs of SKUs, for contrast, are near independence.
    skus = baskets[baskets.map(len) >= 15].index[:30]
    pairs = set(zip(history.complements["a"], history.complements["b"], strict=True))
    rnd = [len(baskets[x] & baskets[y]) * n / (len(baskets[x]) * len(baskets[y]))
           for x, y in itertools.combinations(skus, 2) if (x, y) not in pairs and (y, x) not in pairs]
    assert np.median(rnd) < 1.5


def test_promotions_lift_demand_as_the_true_elasticity_says(history):
    """Units wanted during promotions match baseline x (1 - discount) ** elasticity."""
    demand = history.demand
    el = history.products.groupby("parent_sku")["elasticity"].first()
    sku_of = history.products.groupby("parent_sku")["sku"].apply(list)
    promo = history.promotions[history.promotions["kind"] == "promotion"]
    observed = baseline = predicted = 0.0
    for p in promo.itertuples():
        cols = sku_of[p.parent_sku]
        inside = demand.loc[p.start:p.end, cols].to_numpy().sum()
        before = demand.loc[p.start - pd.Timedelta(days=35):p.start - pd.Timedelta(days=1), cols]
        after = demand.loc[p.end + pd.Timedelta(days=1):p.end + pd.Timedelta(days=35), cols]
        around = pd.concat([before, after])
        if len(around) < 30:
            continue
        days = (p.end - p.start).days + 1
        base = around.to_numpy().sum() / len(around) * days
        observed += inside
        baseline += base
        predicted += base * (1 - p.discount) ** el[p.parent_sku]
    assert observed > 1.4 * baseline                     # promotions sell more ...
    assert 0.75 < observed / predicted < 1.3             # ... by the amount the elasticity says
    assert history.elasticities.between(-2.5, -1.5).all()


def test_stockouts_lose_demand_then_restock(history):
    so = history.stockouts
    assert len(so) >= 20
    assert so["lost_units"].sum() > 0
    sales, stock = history.sales, history.stock
    restocked = 0
    for w in so.itertuples():
        # Inside a window nothing is sold after the first day (stock was zero all day).
        assert sales.loc[w.start + pd.Timedelta(days=1):w.end, w.sku].sum() == 0
        after = w.end + pd.Timedelta(days=1)
        if after <= stock.index[-1]:
            restocked += stock.loc[after, w.sku] > 0
    assert restocked >= 0.8 * (so["end"] < stock.index[-1]).sum()
    # Demand exceeds sales exactly by what was lost.
    assert (history.demand >= history.sales).all().all()
    assert history.demand.to_numpy().sum() > history.sales.to_numpy().sum()


def test_launches_discontinuations_and_drafts(history):
    p = history.products.set_index("sku")
    sales = history.sales
    launched = p[p["launch_date"].notna()]
    assert len(launched) > 0
    for sku, row in launched.iterrows():
        assert sales.loc[: row["launch_date"] - pd.Timedelta(days=1), sku].sum() == 0
    ended = p[p["discontinued_date"].notna()]
    assert len(ended) > 0 and (ended["status"] == "archived").all()
    for sku, row in ended.iterrows():
        assert sales.loc[row["discontinued_date"]:, sku].sum() == 0
    drafts = p[p["status"] == "draft"].index
    assert len(drafts) > 0 and sales[drafts].to_numpy().sum() == 0


def test_money_adds_up_and_refunds_are_about_three_percent(history):
    o = history.orders
    assert np.allclose(o["subtotal"] + o["shipping"] + o["tax"], o["total"], atol=0.005)
    line_sum = history.lines.groupby("order_id")["line_total"].sum()
    assert np.allclose(line_sum.loc[o["order_id"]].to_numpy(), o["subtotal"].to_numpy(), atol=0.005)
    refundable = o[o["channel"].isin(["shopify", "etsy"]) & (o["status"] != "cancelled")]
    share = refundable["status"].isin(["refunded", "partially_refunded"]).mean()
    assert 0.02 <= share <= 0.05
    assert (o["refunded"] <= o["total"] + 0.005).all()
    assert (o["status"] == "cancelled").sum() > 5


def test_local_times_carry_dst_offsets(history):
    o = history.orders
    july = o[o["created_local"].dt.month == 7]
    january = o[o["created_local"].dt.month == 1]
    assert (july["utc_offset"] == "-0400").all() and (january["utc_offset"] == "-0500").all()
    delta = (o["created_local"] - o["created_utc"]).dt.total_seconds() / 3600
    assert set(delta.round().unique()) == {-4.0, -5.0}


def test_sales_frame_matches_the_store_contract(history):
    sf = history.sales_frame()
    assert list(sf.columns) == SALES_COLUMNS
    assert not (sf["status"] == "cancelled").any()
    live = history.orders[history.orders["status"] != "cancelled"]
    assert np.isclose(sf["revenue"].sum(), live["subtotal"].sum())
    early = history.sales_frame(as_of=dt.date(2024, 12, 31))
    assert early["order_date"].max() <= pd.Timestamp("2024-12-31")
