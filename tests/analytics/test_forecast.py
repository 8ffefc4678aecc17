"""Forecaster on synthetic series with known structure: selection, censoring, spikes, as_of, bands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from merchant_ai.analytics.forecast import TOP_DOWN, Forecaster, Monitor
from merchant_ai.analytics.forecast_backtest import Cancelled
from merchant_ai.analytics.forecast_panel import build_panel

MONDAY = pd.Timestamp("2022-01-03")


def weekly_sales(series: dict[str, np.ndarray], start: pd.Timestamp = MONDAY, category: dict[str, str] | None = None,
                 price: float = 10.0, weekday: int = 2) -> pd.DataFrame:
    """One order line per SKU and week with that week's units (zero weeks have no line)."""
    rows = []
    for sku, values in series.items():
        for week, qty in enumerate(values):
            if qty <= 0:
                continue
            day = start + pd.Timedelta(weeks=week, days=weekday)
            rows.append({"order_id": len(rows), "order_date": day, "created_at": day, "channel": "shop",
                         "customer": None, "sku": sku, "title": sku,
                         "category": (category or {}).get(sku), "quantity": float(qty),
                         "unit_price": price, "net_quantity": float(qty), "net_revenue": float(qty) * price,
                         "revenue": float(qty) * price, "status": "paid", "unit_cost": price / 2})
    return pd.DataFrame(rows)


def week_end(week: int, start: pd.Timestamp = MONDAY) -> pd.Timestamp:
    """The Sunday closing week number `week` (0-based)."""
    return start + pd.Timedelta(weeks=week + 1) - pd.Timedelta(days=1)


FAST = dict(use_global=False)


def _seasonal(rng, weeks=156, base=40.0, amp=25.0):
    t = np.arange(weeks)
    return rng.poisson(base + amp * np.sin(2 * np.pi * t / 52))


def test_selection_beats_naive_on_structured_series():
    rng = np.random.default_rng(1)
    weeks = 156
    series = {"SEASONAL": _seasonal(rng, weeks),
              "STEADY": rng.poisson(30, weeks),
              "INTERMITTENT": rng.poisson(2, weeks) * (rng.random(weeks) < 0.25)}
    f = Forecaster(**FAST).fit(weekly_sales(series), week_end(weeks - 1))
    frame = f.series_frame().set_index("key")
    # Seasonal: a seasonal model (or a combination holding one) wins and halves naive's error.
    model = frame.loc["SEASONAL", "model"]
    i = f.panel_.keys.index("SEASONAL")
    members = f.combo_members_[i] if model == "combination" else (model,)
    assert any(m in ("seasonal_naive", "ets_seasonal") for m in members), model
    assert frame.loc["SEASONAL", "backtest_mase"] < 0.7 * frame.loc["SEASONAL", "naive_mase"]
    # White noise around a level: averaging beats carrying the last value forward.
    assert frame.loc["STEADY", "model"] != "naive"
    assert frame.loc["STEADY", "backtest_mase"] < frame.loc["STEADY", "naive_mase"]
    assert frame.loc["INTERMITTENT", "demand_class"] in ("intermittent", "lumpy")
    assert frame.loc["INTERMITTENT", "backtest_mase"] <= frame.loc["INTERMITTENT", "naive_mase"]
    # The seasonal forecast follows the season: next peak above next trough.
    fc = f.forecast_[i]
    true = 40 + 25 * np.sin(2 * np.pi * np.arange(weeks, weeks + 12) / 52)
    assert np.corrcoef(fc, true)[0, 1] > 0.8


def test_trend_is_followed():
    rng = np.random.default_rng(2)
    weeks = 80
    series = {"UP": rng.poisson(5 + 1.0 * np.arange(weeks))}
    f = Forecaster(**FAST).fit(weekly_sales(series), week_end(weeks - 1))
    assert f.forecast_[0].mean() > 0.9 * (5 + weeks)  # not stuck at the history's mean (~45)


def test_as_of_is_strict():
    rng = np.random.default_rng(3)
    series = {"A": rng.poisson(20, 70), "B": rng.poisson(3, 70)}
    sales = weekly_sales(series)
    cut = week_end(59)
    before = Forecaster(**FAST).fit(sales[sales["order_date"] <= cut], cut)
    more = weekly_sales({"A": np.r_[np.zeros(60), np.full(10, 999)], "C": np.r_[np.zeros(60), np.ones(10)]})
    after = Forecaster(**FAST).fit(pd.concat([sales, more]), cut)
    assert after.panel_.keys == before.panel_.keys
    np.testing.assert_allclose(after.forecast_, before.forecast_)
    np.testing.assert_allclose(after.bands_["upper95"], before.bands_["upper95"])
    assert list(after.model_) == list(before.model_)


def test_bands_are_ordered_non_negative_and_calibrated():
    rng = np.random.default_rng(4)
    series = {f"S{i}": rng.poisson(rng.uniform(1, 30), 80) for i in range(60)}
    f = Forecaster(**FAST).fit(weekly_sales(series), week_end(79))
    b = f.bands_
    assert (f.forecast_ >= 0).all() and (b["lower95"] >= 0).all()
    assert (b["lower95"] <= b["lower80"]).all() and (b["lower80"] <= b["upper80"]).all()
    assert (b["upper80"] <= b["upper95"]).all()
    assert 0.65 <= f.coverage_["coverage80"] <= 0.95
    assert 0.85 <= f.coverage_["coverage95"] <= 1.0


def test_stockout_weeks_are_censored_not_zero_demand():
    rng = np.random.default_rng(5)
    weeks = 40
    values = rng.poisson(20, weeks).astype(float)
    values[32:] = 0  # shelf empty from week 32: two quiet weeks before anyone counted
    sales = weekly_sales({"MUG": values})
    counts = pd.DataFrame({"sku": ["MUG"], "day": [MONDAY + pd.Timedelta(weeks=34, days=1)], "on_hand": [0.0]})
    as_of = week_end(weeks - 1)
    censored = Forecaster(**FAST).fit(sales, as_of, inventory_history=counts)
    plain = Forecaster(**FAST, censor_stockouts=False).fit(sales, as_of, inventory_history=counts)
    mask = censored.panel_.censored[0]
    assert mask[32:].all() and not mask[:32].any()
    assert censored.forecast_[0, 0] > 14  # demand is still ~20 a week
    assert plain.forecast_[0, 0] < censored.forecast_[0, 0] - 5
    assert censored.series_frame()["censored_periods"].iloc[0] == 8
    # Zero sales on the chart and ~20 forecast: the series says why.
    assert "out of stock for the last 8 weeks" in censored.to_dict()[0]["reason"]
    assert "out of stock" not in plain.to_dict()[0]["reason"]


def test_a_long_stockout_is_not_filled_with_the_peak_just_before_it():
    """Out of stock for a year right after its Christmas peak: the unseen weeks are filled with
    the level over the months before the stockout, not with the peak's last four weeks (which
    made the demo shop forecast 40 a week for a kit that never sold more than 15)."""
    from merchant_ai.analytics.demand_censoring import impute_censored

    y = np.array([[3, 2, 4, 3, 2, 3, 4, 3, 5, 7, 7, 15, 12] + [0] * 30], dtype=float)
    censored = np.zeros_like(y, dtype=bool)
    censored[0, 13:] = True
    filled = impute_censored(y, np.array([0]), censored)[0]
    assert filled[13:17] == pytest.approx([10.25] * 4)            # a short gap: the recent level
    assert filled[-1] == pytest.approx(y[0, :13].mean())          # a long one: 13 weeks before it
    assert (np.diff(filled[16:]) <= 1e-9).all()                   # widening step by step
    short = censored.copy()
    short[0, 17:] = False                                         # four weeks out: as before
    assert impute_censored(y, np.array([0]), short)[0, 13:17] == pytest.approx([10.25] * 4)


def test_restock_ends_censoring():
    values = np.full(30, 10.0)
    values[10:13] = 0
    counts = pd.DataFrame({"sku": ["A", "A"], "day": [MONDAY + pd.Timedelta(weeks=10, days=3),
                                                     MONDAY + pd.Timedelta(weeks=13, days=0)],
                           "on_hand": [0.0, 40.0]})
    panel = build_panel(weekly_sales({"A": values}), as_of=week_end(29))
    from merchant_ai.analytics.demand_censoring import stockout_mask

    mask = stockout_mask(panel, counts)[0]
    assert list(np.flatnonzero(mask)) == [10, 11, 12]


def test_one_off_spike_is_damped():
    rng = np.random.default_rng(6)
    values = rng.poisson(10, 50).astype(float)
    values[45] = 400  # one wholesale order
    f = Forecaster(**FAST).fit(weekly_sales({"A": values}), week_end(49))
    assert f.panel_.spikes[0, 45] and f.panel_.spikes[0].sum() == 1
    assert f.forecast_[0].mean() < 16


def test_new_product_borrows_category_shape():
    rng = np.random.default_rng(7)
    weeks = 120
    season = 1 + 0.8 * np.sin(2 * np.pi * np.arange(weeks + 20) / 52)
    series = {f"OLD{i}": rng.poisson(20 * season[:weeks]) for i in range(4)}
    series["NEW"] = np.r_[np.zeros(weeks - 5), rng.poisson(10 * season[weeks - 5:weeks])]
    cats = {k: "Mugs" for k in series}
    f = Forecaster(**FAST).fit(weekly_sales(series, category=cats), week_end(weeks - 1))
    row = f.series_frame().set_index("key").loc["NEW"]
    assert row["model"] == TOP_DOWN and "category 'Mugs'" in row["reason"]
    i = f.panel_.keys.index("NEW")
    assert np.corrcoef(f.forecast_[i], season[weeks:weeks + 12])[0, 1] > 0.8
    assert 0.5 < f.forecast_[i].mean() / (10 * season[weeks:weeks + 12].mean()) < 1.5


def test_week_start_and_frequencies():
    sales = weekly_sales({"A": np.full(30, 7.0)})
    f = Forecaster(week_start="sunday", **FAST).fit(sales, week_end(29))
    assert all(d.day_of_week == 6 for d in f.panel_.periods)
    assert f.future_[0].day_of_week == 6
    d = Forecaster(freq="D", horizon=14, **FAST).fit(sales, week_end(29))
    assert d.forecast_.shape == (1, 14) and (d.future_[1] - d.future_[0]).days == 1
    m = Forecaster(freq="M", horizon=3, **FAST).fit(sales, week_end(29))
    assert all(p.day == 1 for p in m.future_)


def test_monitor_reports_progress_and_cancels():
    sales = weekly_sales({"A": np.full(30, 7.0), "B": np.full(30, 3.0)})
    seen = []
    Forecaster(**FAST).fit(sales, week_end(29), monitor=Monitor(lambda f, m: seen.append(f)))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    calls = {"n": 0}

    def cancel_later() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(Cancelled):
        Forecaster(**FAST).fit(sales, week_end(29), monitor=Monitor(cancelled=cancel_later))


def test_flagged_promotion_does_not_lift_the_baseline():
    rng = np.random.default_rng(8)
    values = rng.poisson(10, 50).astype(float)
    values[44:48] = 35  # a four-week promotion: too long to look like a one-off spike
    sales = weekly_sales({"A": values})
    flags = pd.DataFrame({"key": ["A"] * 4, "day": [MONDAY + pd.Timedelta(weeks=w, days=1) for w in range(44, 48)]})
    plain = Forecaster(**FAST).fit(sales, week_end(49))
    flagged = Forecaster(**FAST).fit(sales, week_end(49), promotions=flags)
    assert flagged.panel_.spikes[0, 44:48].all()
    assert flagged.forecast_[0].mean() < 13 < plain.forecast_[0].mean()


def test_series_too_young_to_backtest_takes_its_class_best_model():
    rng = np.random.default_rng(11)
    series = {f"OLD{i}": rng.poisson(20, 80) for i in range(20)}
    series["YOUNG"] = np.r_[np.zeros(70), rng.poisson(20, 10)]
    f = Forecaster(**FAST, new_product_periods=0).fit(weekly_sales(series), week_end(79))
    row = f.series_frame().set_index("key").loc["YOUNG"]
    assert "demand class" in row["reason"]
    assert np.isnan(row["backtest_mase"])  # the class's evidence is not the series' own score
    i = f.panel_.keys.index("YOUNG")
    assert 10 < f.forecast_[i].mean() < 26


def test_combination_weights_top_candidates_by_inverse_error():
    from merchant_ai.analytics import forecast_backtest as fb

    actual = np.full((1, 4), 10.0)
    forecasts = {"a": [np.full((1, 4), 9.0)], "b": [np.full((1, 4), 12.0)], "c": [np.full((1, 4), 30.0)]}
    scores = {k: np.abs(v[0] - actual).mean(axis=1) for k, v in forecasts.items()}  # 1, 2, 20
    result = fb.BacktestResult([0], scores, forecasts, [actual], [np.ones(1)], np.ones(1, int))
    available = {k: np.ones(1, bool) for k in forecasts}
    fb.select(result, ["a", "b", "c", fb.COMBO], available, combine_top=2)
    members, weights = result.extra["combo_members"], result.extra["combo_weights"]
    assert [["a", "b", "c"][m] for m in members[:, 0]] == ["a", "b"]
    np.testing.assert_allclose(weights[:, 0], [2 / 3, 1 / 3])
    np.testing.assert_allclose(result.forecasts[fb.COMBO][0], np.full((1, 4), 9 * 2 / 3 + 12 / 3))


def test_a_peak_in_the_season_ahead_is_forecast_when_last_years_history_shows_it():
    """Recent origins all fall in the quiet months; the same-season origin a year back must count."""
    rng = np.random.default_rng(5)
    weeks = 52 * 2 + 44                       # as of early November of the third year
    week_of_year = np.arange(weeks) % 52
    peak = (week_of_year >= 46) & (week_of_year <= 50)
    series = {"GIFT": rng.poisson(np.where(peak, 160.0, 40.0))}
    sales = weekly_sales(series)
    fc = Forecaster(**FAST).fit(sales, week_end(weeks - 1))
    ahead = fc.forecast_[0]                   # weeks 44..55 of the year: the peak is weeks 46..50
    assert ahead[2:7].mean() > 2.5 * ahead[8:].mean()
    assert ahead[2:7].mean() > 110


def test_global_model_does_not_treat_unseen_weeks_of_the_year_like_a_closure_week():
    """Under a year of history: weeks ahead never seen as targets once shared a split with the
    shop's Christmas-closure week (all zero), and the last weeks of the horizon collapsed."""
    from merchant_ai.analytics.forecast_global import GlobalBoostedModel

    rng = np.random.default_rng(12)
    periods = pd.date_range("2010-11-29", periods=40, freq="7D")  # early Dec .. late Aug
    Y = rng.poisson(rng.uniform(3, 30, 60)[:, None], (60, 40)).astype(float)
    Y[:, 4] = 0.0                                                   # the week of 27 December: closed
    model = GlobalBoostedModel(12, 52, max_iter=30)
    with threadpool_limits(limits=1):  # as Forecaster.fit runs it (oversubscribed threads: 4x slower)
        ahead = model.fit(Y, np.zeros(60, int), periods, "W").predict().sum(axis=0)
    assert ahead.min() > 0.7 * ahead.max(), np.round(ahead / ahead.max(), 2)


def test_a_free_product_gives_the_global_model_no_infinite_price_features():
    """A give-away line (price 0) made log(price) -inf and the price ratio inf: numpy warned on
    every fit while the trees binned the column, and the product's rows sat in an extreme bin."""
    import warnings

    from merchant_ai.analytics.forecast_global import GlobalBoostedModel

    rng = np.random.default_rng(14)
    periods = pd.date_range("2025-01-06", periods=40, freq="7D")
    Y = rng.poisson(5, (8, 40)).astype(float)
    price = np.full_like(Y, 12.0)
    price[0] = 0.0                                                  # the free gift
    model = GlobalBoostedModel(12, 52, max_iter=10)
    base, _scale = model._origin_features(Y, np.zeros(8, int), price, np.zeros(8), 30)
    assert np.isfinite(base[1:, 12:14]).all() and np.isnan(base[0, 12:14]).all()   # price_rel, log_price
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("error", RuntimeWarning)
        ahead = model.fit(Y, np.zeros(8, int), periods, "W", price=price).predict()
    assert np.isfinite(ahead).all()


def test_a_week_the_whole_shop_sold_nothing_is_censored_not_zero_demand():
    from merchant_ai.analytics.forecast import closed_periods

    rng = np.random.default_rng(13)
    Y = rng.poisson(10, (25, 30)).astype(float)
    Y[:, 26] = 0                                        # closed for a week (holidays)
    f = Forecaster(**FAST).fit(weekly_sales({f"S{i}": Y[i] for i in range(25)}), week_end(29))
    assert f.panel_.censored[:, 26].all() and f.panel_.censored.sum() == 25
    assert (f.classes_ == "smooth").all() and f.forecast_.mean() > 8
    # A shop that often sells nothing in a week is quiet, not closed; days are never closures.
    sparse = (rng.random((3, 30)) < 0.5) * 1.0
    assert not closed_periods(sparse, np.zeros(3, int), "W").any()
    assert not closed_periods(Y, np.zeros(25, int), "D").any()


def test_expected_keeps_the_mean_next_to_the_median_calibrated_point():
    # Slow, steady sellers: most weeks 0 or 1, a few bigger. MASE pulls the scored point toward
    # the median (often 0); the owner plans with the mean, and the trend must not read "collapsing".
    rng = np.random.default_rng(7)
    weeks = 104
    series = {f"SLOW{i}": rng.poisson(0.6, weeks) * (1 + (rng.random(weeks) < 0.1) * 3) for i in range(30)}
    f = Forecaster(**FAST).fit(weekly_sales(series), week_end(weeks - 1))
    assert f.expected_.shape == f.forecast_.shape and (f.expected_ >= 0).all()
    # Only the pull toward the median is undone (a factor above 1 corrects a level bias and stays).
    assert (f.expected_[f.model_ != "naive"] >= f.forecast_[f.model_ != "naive"] - 1e-9).all()
    history_mean = np.mean([v[-26:].mean() for v in series.values()])
    # The scored point sits below the mean (that is what calibration is for) ...
    assert f.forecast_.mean() < 0.8 * history_mean
    # ... the expected figure is the mean, within sampling noise.
    assert abs(f.expected_.mean() / history_mean - 1) < 0.25
    frame = f.series_frame()
    assert np.allclose(frame["next_period"], f.forecast_[:, 0])
    assert np.allclose(frame["expected_total"], f.expected_.sum(axis=1))
    # Like for like: expected mean ahead vs recent mean, so a steady product's trend is near flat.
    assert abs(frame["trend"].median()) < 0.25
    # The contract's keys stay; `expected` is added next to `mean`.
    point = f.to_dict(["SLOW0"])[0]["points"][0]
    assert {"period_start", "mean", "lower80", "upper80", "lower95", "upper95", "expected"} <= set(point)
    assert point["mean"] == pytest.approx(f.forecast_[0, 0]) and point["expected"] == pytest.approx(f.expected_[0, 0])


def test_no_trend_percentage_for_a_handful_of_units():
    """0.1 -> 0.2 units a week is "+100%" arithmetically and noise to an owner: no trend shown."""
    rng = np.random.default_rng(9)
    rare = np.zeros(60)
    rare[[5, 20, 40, 52, 57]] = 1                           # two units in the last 12 weeks
    series = {"RARE": rare, "STEADY": rng.poisson(4, 60)}
    frame = Forecaster(**FAST).fit(weekly_sales(series), week_end(59)).series_frame().set_index("key")
    assert np.isnan(frame.loc["RARE", "trend"])
    assert np.isfinite(frame.loc["STEADY", "trend"]) and abs(frame.loc["STEADY", "trend"]) < 0.5


def test_without_calibration_expected_is_the_forecast():
    """No calibration, no pull toward the median: the two agree (naive aside, which is no mean)."""
    rng = np.random.default_rng(8)
    series = {"A": rng.poisson(3, 60), "B": rng.poisson(0.5, 60)}
    f = Forecaster(calibrate=False, **FAST).fit(weekly_sales(series), week_end(59))
    assert np.allclose(f.expected_[f.model_ != "naive"], f.forecast_[f.model_ != "naive"])


def test_calibration_learns_from_the_latest_weeks():
    """Forty SKUs sold in lumps (median well under the mean) until ten weeks ago, steadily since.

    The pull toward the median that suited the lumpy months no longer fits: the full-horizon
    backtest origins (12-20 weeks back) still mostly see lumps and kept the forecast ~12 % under
    the new level of 8 a week; the partial-horizon origins of the last 4 and 8 weeks see the change.
    """
    rng = np.random.default_rng(3)
    weeks = 60
    t = np.arange(weeks)
    series = {f"S{i}": np.where(t < weeks - 10, rng.poisson(np.exp(rng.normal(np.log(4), 1.2, weeks))),
                                rng.poisson(8, weeks)) for i in range(40)}
    f = Forecaster(**FAST).fit(weekly_sales(series), week_end(weeks - 1))
    assert (f.classes_ == "smooth").all()
    assert 7.5 < f.forecast_.mean() < 9.0
