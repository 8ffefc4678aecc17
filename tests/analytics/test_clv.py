"""BG/NBD and Gamma-Gamma recover known parameters; the value model respects as_of and its rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from merchant_ai.analytics.clv import (
    BetaGeoModel,
    CustomerValueModel,
    GammaGammaModel,
    NotEnoughData,
    check_history,
    rfm_summary,
    simulate_bgnbd,
)
from merchant_ai.store.queries import SALES_COLUMNS

CDNOW = (0.243, 4.414, 0.793, 2.426)  # Fader, Hardie & Lee (2005), weeks


def test_bgnbd_recovers_cdnow_parameters():
    rng = np.random.default_rng(11)
    data = simulate_bgnbd(CDNOW, 2357, rng.uniform(27, 39, 2357), rng)  # CDNOW: 2,357 customers, 39 weeks
    m = BetaGeoModel(check_data=False).fit(data)
    r, alpha, a, b = m.params_
    assert r == pytest.approx(0.243, rel=0.2)
    assert alpha == pytest.approx(4.414, rel=0.35)
    assert a == pytest.approx(0.793, rel=0.6) and b == pytest.approx(2.426, rel=0.8)
    ci = m.param_intervals()
    assert ci["r"][0] < 0.243 < ci["r"][1]
    # Predictions behave: more past purchases -> more expected; long silence -> lower P(alive).
    probe = pd.DataFrame({"x": [0, 5, 5], "t_x": [0, 30, 5], "T": [39, 39, 39]})
    e = m.expected_orders(probe, 52)
    p = m.p_alive(probe)
    assert e[1] > e[0] and p[1] > p[2] and p[0] == 1.0
    lo, hi = m.expected_orders_band(probe, 52)
    assert np.all(lo <= e + 1e-9) and np.all(e <= hi + 1e-9)


def test_bgnbd_expected_orders_match_simulation():
    rng = np.random.default_rng(3)
    params = (0.5, 10.0, 0.6, 3.0)
    n = 3000
    cal = simulate_bgnbd(params, n, 60.0, rng)
    m = BetaGeoModel(check_data=False).fit(cal)
    # Total of expected orders in the next 60 days vs a fresh simulation's total over 120 - 60 days.
    total = simulate_bgnbd(params, n, 120.0, np.random.default_rng(4))["x"].sum() - \
        simulate_bgnbd(params, n, 60.0, np.random.default_rng(4))["x"].sum()
    assert m.expected_orders(cal, 60).sum() == pytest.approx(total, rel=0.25)


def test_gamma_gamma_recovers_spend():
    rng = np.random.default_rng(5)
    p, q, g = 6.0, 4.0, 15.0
    n = 3000
    nu = rng.gamma(q, 1 / g, n)
    x = rng.integers(1, 8, n)
    m = np.array([rng.gamma(p, 1 / v, k).mean() for v, k in zip(nu, x, strict=True)])
    summary = pd.DataFrame({"x_orders": x.astype(float), "repeat_value": m})
    gg = GammaGammaModel().fit(summary)
    pq, qq, gq = gg.params_
    assert pq * gq / (qq - 1) == pytest.approx(p * g / (q - 1), rel=0.1)  # population mean spend
    spend = gg.expected_spend(summary)
    assert np.corrcoef(spend, m)[0, 1] > 0.9


def test_not_enough_data_rule():
    small = pd.DataFrame({"x": [1.0] * 10, "t_x": [5.0] * 10, "T": [200.0] * 10})
    with pytest.raises(NotEnoughData, match="at least 50"):
        check_history(small)


def _shop(n_customers: int, days: int, seed: int = 0) -> pd.DataFrame:
    """Orders from a known BG/NBD process, as sales lines (one line per order)."""
    rng = np.random.default_rng(seed)
    r, alpha, a, b = 0.8, 40.0, 0.5, 4.0
    start = pd.Timestamp("2023-01-01")
    rows, oid = [], 0
    for c in range(n_customers):
        first = int(rng.integers(0, days // 2))
        lam, p = rng.gamma(r, 1 / alpha), rng.beta(a, b)
        t = first
        while t < days:
            oid += 1
            value = float(rng.gamma(4, 10))
            rows.append({"order_id": oid, "order_date": start + pd.Timedelta(days=int(t)), "customer": f"c{c}",
                         "net_revenue": value})
            if rng.random() < p:
                break
            t += rng.exponential(1 / lam)
    df = pd.DataFrame(rows)
    for col in SALES_COLUMNS:
        if col not in df:
            df[col] = {"channel": "shopify", "status": "paid", "sku": "A", "quantity": 1.0}.get(col, np.nan)
    df["created_at"] = df["order_date"]
    return df[SALES_COLUMNS]


def test_value_model_end_to_end_respects_as_of():
    sales = _shop(600, 400)
    as_of = pd.Timestamp("2023-01-01") + pd.Timedelta(days=300)
    model = CustomerValueModel(as_of=as_of, horizon_days=60).fit(sales)
    assert model.method_ in {"naive", "bgnbd", "rate_model"} and model.message_ is None
    assert set(model.backtest_) >= {"naive", "bgnbd", "rate_model"}
    pred = model.predict(sales)
    assert pred.index.equals(model.summary_.index)
    assert ((pred["p_alive"] >= 0) & (pred["p_alive"] <= 1)).all()
    assert (pred["expected_orders"] >= 0).all() and (pred["predicted_clv"] >= 0).all()
    assert (pred["expected_orders_low"] <= pred["expected_orders_high"]).all()
    # Orders after as_of change nothing.
    cut = sales[sales["order_date"] <= as_of]
    again = CustomerValueModel(as_of=as_of, horizon_days=60).fit(cut).predict(cut)
    assert np.allclose(again["expected_orders"], pred["expected_orders"])
    # Holdout check: totals within a loose band of what happened.
    actual = sales[(sales["order_date"] > as_of) & (sales["order_date"] <= as_of + pd.Timedelta(days=60))]
    assert pred["expected_orders"].sum() == pytest.approx(len(actual), rel=0.35)


def test_value_model_small_shop_says_not_enough_data():
    sales = _shop(20, 60)
    model = CustomerValueModel(horizon_days=30).fit(sales)
    assert model.method_ == "none" and "Not enough data" in model.message_
    assert model.predict(sales)["p_alive"].isna().all()
    assert len(rfm_summary(sales)) == 20


def _typed_shop(n_customers: int, days: int, seed: int = 0) -> pd.DataFrame:
    """Customers whose staying depends on basket size, which their order count does not show.

    Every customer orders at the same rate while active; "stayers" buy 20 units per order and stay
    the whole period, "leavers" buy 2 units and leave after an exponential 40 days. Order values are
    equal, so only units per order tells the two apart before a leaver has been silent for long.
    """
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-01")
    rows, oid = [], 0
    for c in range(n_customers):
        stayer = rng.random() < 0.5
        first = int(rng.integers(0, days - 30))
        end = days if stayer else first + rng.exponential(40.0)
        t = float(first)
        while t < min(end, days):
            oid += 1
            rows.append({"order_id": oid, "order_date": start + pd.Timedelta(days=int(t)), "customer": f"c{c}",
                         "net_revenue": 50.0, "quantity": 20.0 if stayer else 2.0})
            t += rng.exponential(25.0)
    df = pd.DataFrame(rows)
    df["net_quantity"] = df["quantity"]
    for col in SALES_COLUMNS:
        if col not in df:
            df[col] = {"channel": "shopify", "status": "paid", "sku": "A"}.get(col, np.nan)
    df["created_at"] = df["order_date"]
    return df[SALES_COLUMNS]


def test_learned_model_beats_rate_model_when_returning_depends_on_a_feature():
    from scipy.stats import spearmanr

    from merchant_ai.analytics.clv import RateModel, holdout_orders
    from merchant_ai.analytics.clv_learned import LearnedRateModel, behaviour_features

    sales = _typed_shop(1500, 360, seed=2)
    start, as_of, w = pd.Timestamp("2023-01-01"), pd.Timestamp("2023-01-01") + pd.Timedelta(days=270), 90
    cal = sales[sales["order_date"] <= as_of]
    train_cut = as_of - pd.Timedelta(days=w)
    ft = behaviour_features(cal, train_cut, start)
    yt = holdout_orders(cal, train_cut, as_of).reindex(ft.index).fillna(0.0).to_numpy()
    bt = ft["naive_rate"].to_numpy() * w
    fa = behaviour_features(cal, as_of, start)
    y = holdout_orders(sales, as_of, as_of + pd.Timedelta(days=90)).reindex(fa.index).fillna(0.0).to_numpy()
    base = fa["naive_rate"].to_numpy() * 90
    rate = RateModel().fit(ft, yt, bt).predict(fa, base)
    learned = LearnedRateModel("glm").fit(ft, yt, bt).predict(fa, base)
    boosted = LearnedRateModel("boosted").fit(ft, yt, bt).predict(fa, base)

    def mae(p: np.ndarray) -> float:  # level-free, as the model's own choice is made
        return float(np.abs(p * y.sum() / p.sum() - y).mean())

    assert mae(learned) < 0.9 * mae(rate) and mae(boosted) < 0.9 * mae(rate)
    assert spearmanr(learned, y).statistic > spearmanr(rate, y).statistic + 0.05
    # And the value model finds that out by itself, from the window before as_of.
    model = CustomerValueModel(as_of=as_of, horizon_days=90).fit(sales)
    assert model.method_ in {"learned", "boosted"}
    assert model.backtest_[model.method_]["shape_mae"] < model.backtest_["rate_model"]["shape_mae"]


def test_value_model_never_sees_after_as_of():
    """Rewriting everything after as_of (new customers, huge orders) changes no prediction."""
    sales = _typed_shop(800, 360, seed=4)
    as_of = pd.Timestamp("2023-01-01") + pd.Timedelta(days=240)
    later = sales["order_date"] > as_of
    other = sales.copy()
    other.loc[later, "quantity"] = other.loc[later, "net_quantity"] = 999.0
    other.loc[later, "net_revenue"] = 1e5
    extra = other[later].assign(customer="intruder", order_id=other["order_id"].max() + 1)
    other = pd.concat([other, extra], ignore_index=True)
    a = CustomerValueModel(as_of=as_of, horizon_days=60).fit(sales)
    b = CustomerValueModel(as_of=as_of, horizon_days=60).fit(other)
    assert a.method_ == b.method_ and a.backtest_ == b.backtest_
    pa, pb = a.predict(sales), b.predict(other)
    assert "intruder" not in pb.index
    for col in ["expected_orders", "likely_orders", "p_alive", "predicted_clv"]:
        assert np.allclose(pa[col], pb[col], equal_nan=True), col
    # The learners' target is the window that ends at as_of, not after it.
    w = a.window_
    from merchant_ai.analytics.clv import holdout_orders

    inner = holdout_orders(sales, as_of - pd.Timedelta(days=w), as_of).reindex(a.train_features_.index)
    assert np.array_equal(a.train_target_, inner.fillna(0.0).to_numpy())


def test_predictive_median_beats_mean_on_absolute_error():
    from merchant_ai.analytics.clv_learned import dispersion, predictive_median

    rng = np.random.default_rng(9)
    k = 1.5
    mu = rng.gamma(1.0, 1.0, 20000)
    y = rng.poisson(rng.gamma(k, mu / k))
    k_hat = dispersion(y, mu)
    assert k_hat == pytest.approx(k, rel=0.25)
    med = predictive_median(mu, k_hat)
    assert np.abs(med - y).mean() < 0.95 * np.abs(mu - y).mean()
    assert np.all(np.diff(med[np.argsort(mu)]) >= 0)  # monotone in the mean
