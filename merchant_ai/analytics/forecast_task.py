"""Task-level entry points the CLI and GUI jobs call: load frames, fit, cache, shape the answer.

These are where `progress(fraction, message)` and `cancel() -> bool` hooks live (the estimators
only accept a `Monitor`). Results are cached in the store's `model_cache` keyed by data version and
parameters, so reopening a tab after no import costs a lookup, not a refit.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from merchant_ai.analytics.forecast import MODEL_VERSION, Forecaster, Monitor
from merchant_ai.analytics.kpis import main_currency
from merchant_ai.analytics.stock_policy import StockPolicy
from merchant_ai.store import forecast_inputs as fi
from merchant_ai.store import promotions, queries
from merchant_ai.store.store import Store

Progress = Callable[[float, str], None] | None
Cancel = Callable[[], bool] | None


def resolve_as_of(store: Store, as_of: dt.date | str | None) -> dt.date:
    """The given day, else the last order day in the store, else today."""
    if as_of is not None:
        return as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
    return fi.last_order_day(store) or dt.date.today()


def _scaled(progress: Progress, lo: float, hi: float) -> Progress:
    if progress is None:
        return None
    return lambda f, m: progress(lo + (hi - lo) * f, m)


SHOP_MEASURES = ["units", "revenue"]


def run_forecast(store: Store, *, level: str = "sku", freq: str = "W", horizon: int = 12,
                 as_of: dt.date | str | None = None, skus: list[str] | None = None, measure: str = "units",
                 progress: Progress = None, cancel: Cancel = None, use_cache: bool = True,
                 sales: pd.DataFrame | None = None, measures: list[str] | None = None) -> dict[str, Any]:
    """Forecast every series of a level; the answer has the CLI contract's shape.

    The shop level gives two series (units and revenue); `measures` (shop level only) asks for
    fewer, e.g. ["revenue"] for the weekly report's chart: each measure is its own independent
    fit, so that series is the same as in the full answer, which is used when it is cached.
    `skus` only filters the answer: the models are fitted on all SKUs (the global model and
    per-class calibration learn across them).
    `sales`: the caller's `queries.sales_lines(store, as_of)` if it has it already (the weekly
    report does; reading half a million lines again costs seconds).
    """
    day = resolve_as_of(store, as_of)
    week_start = fi.setting(store, "week_start").lower()
    if level == "shop":
        wanted = [m for m in SHOP_MEASURES if measures is None or m in measures]
        if not wanted or (measures is not None and set(measures) - set(SHOP_MEASURES)):
            raise ValueError(f"shop measures are {SHOP_MEASURES}, not {measures}")
    else:
        wanted = [measure]
    measures = wanted

    def key(ms: list[str]) -> dict[str, Any]:
        return {"level": level, "freq": freq, "horizon": horizon, "as_of": day.isoformat(),
                "week_start": week_start, "measures": ms, "model_version": MODEL_VERSION,
                "revenue_currency": "main"}

    params = key(measures)
    answer = fi.cache_get(store, "forecast", params) if use_cache else None
    if answer is None and use_cache and level == "shop" and measures != SHOP_MEASURES:
        full = fi.cache_get(store, "forecast", key(SHOP_MEASURES))   # the Forecast tab's answer has it too
        if full is not None:
            answer = {**full, "series": [s for s in full["series"] if s.get("measure") in measures],
                      "backtest": [b for b in full["backtest"] if b.get("measure") in measures]}
    cached = answer is not None
    if answer is None:
        mon = Monitor(progress, cancel)
        mon.step(0.0, "loading sales")
        sales = queries.sales_lines(store, day) if sales is None else sales
        inventory = queries.inventory_history(store, day) if level == "sku" else None
        flags = promotions.flag_days(store, day)   # the owner's promotions (sitewide ones at every level)
        series, summary = [], []
        currency = main_currency(sales)
        for k, ms in enumerate(measures):
            lo, hi = 0.05 + 0.9 * k / len(measures), 0.05 + 0.9 * (k + 1) / len(measures)
            model = Forecaster(level=level, freq=freq, horizon=horizon, measure=ms, week_start=week_start)
            # Money in different currencies does not add up: revenue is forecast in the main one.
            seen = sales if ms != "revenue" or currency is None else \
                sales[sales["currency"].fillna(currency) == currency]
            model.fit(seen, day, inventory_history=inventory, promotions=flags,
                      monitor=Monitor(_scaled(progress, lo, hi), cancel))
            series.extend({**s, "currency": currency} if ms == "revenue" else s for s in model.to_dict())
            summary.append(backtest_summary(model))
        answer = {"as_of": day.isoformat(), "freq": freq, "horizon": horizon, "level": level,
                  "week_start": week_start, "series": series, "backtest": summary}
        if use_cache:
            fi.cache_put(store, "forecast", params, answer)
    if skus:
        wanted = set(skus)
        answer = {**answer, "series": [s for s in answer["series"] if s["key"] in wanted]}
        missing = sorted(wanted - {s["key"] for s in answer["series"]})
        if missing:
            answer["unknown_keys"] = missing
    if progress:
        progress(1.0, "done")
    return {**answer, "cached": cached}


def backtest_summary(model: Forecaster) -> dict[str, Any]:
    """Across series: mean backtest MASE of the selection vs naive, model mix, interval coverage."""
    sel, nv = model.backtest_mase_, model.naive_mase_
    both = np.isfinite(sel) & np.isfinite(nv)
    models, counts = np.unique(model.model_.astype(str), return_counts=True) if len(model.model_) else ([], [])
    return {"measure": model.measure, "series": int(model.panel_.n),
            "mean_mase": float(np.mean(sel[both])) if both.any() else None,
            "naive_mean_mase": float(np.mean(nv[both])) if both.any() else None,
            "coverage80": model.coverage_.get("coverage80"), "coverage95": model.coverage_.get("coverage95"),
            "coverage_points": model.coverage_.get("points", 0),
            "models": {str(m): int(c) for m, c in zip(models, counts, strict=True)}}


def fit_stock(store: Store, as_of: dt.date | str | None = None, progress: Progress = None,
              cancel: Cancel = None) -> tuple[StockPolicy, Forecaster]:
    """The fitted policy and the SKU forecaster behind it (for the tab's chart and backtest)."""
    day = resolve_as_of(store, as_of)
    mon = Monitor(progress, cancel)
    mon.step(0.0, "loading stock and sales")
    sales = queries.sales_lines(store, day)
    products = queries.products(store)
    on_hand = queries.inventory_on_hand(store, day)
    pos = queries.open_purchase_orders(store)
    inventory = queries.inventory_history(store, day)
    lead = fi.float_setting(store, "default_lead_time_days")
    cycle = fi.float_setting(store, "default_order_cycle_days")
    longest = max([lead + cycle] + [float(v) + cycle for v in products["lead_time_days"].dropna()])
    horizon = max(12, int(math.ceil(longest / 7)) + 2)
    # Mean demand, not the MAE-calibrated (median-leaning) point: orders must cover what sells;
    # the service level is met through the error quantiles instead.
    forecaster = Forecaster(level="sku", freq="W", horizon=horizon, calibrate=False,
                            week_start=fi.setting(store, "week_start").lower())
    flags = promotions.flag_days(store, day)
    forecaster.fit(sales, day, inventory_history=inventory, promotions=flags,
                   monitor=Monitor(_scaled(progress, 0.05, 0.9), cancel))
    mon.step(0.92, "stock policy")
    policy = StockPolicy(service_level=fi.float_setting(store, "default_service_level"),
                         default_lead_time_days=lead, default_order_cycle_days=cycle)
    policy.fit(sales, day, forecaster, on_hand, pos, products, promotions=flags)
    return policy, forecaster


def run_stock(store: Store, as_of: dt.date | str | None = None, progress: Progress = None,
              cancel: Cancel = None, use_cache: bool = True) -> dict[str, Any]:
    """Stock alerts in the CLI contract's shape, plus supplier PO suggestions."""
    day = resolve_as_of(store, as_of)
    params = {"as_of": day.isoformat(), "lead": fi.setting(store, "default_lead_time_days"),
              "service": fi.setting(store, "default_service_level"),
              "cycle": fi.setting(store, "default_order_cycle_days"), "week_start": fi.setting(store, "week_start"),
              "model_version": MODEL_VERSION}
    answer = fi.cache_get(store, "stock", params) if use_cache else None
    cached = answer is not None
    if answer is None:
        policy, _ = fit_stock(store, day, progress, cancel)
        answer = {"as_of": day.isoformat(), "items": _records(policy.items_),
                  "purchase_orders": _records(policy.purchase_orders_),
                  "service_level": policy.service_level}
        if use_cache:
            fi.cache_put(store, "stock", params, answer)
    if progress:
        progress(1.0, "done")
    return {**answer, "cached": cached}


def _records(frame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        clean = {}
        for k, v in row.items():
            if v is None or (not isinstance(v, (str, bytes, list, dict)) and bool(pd.isna(v))):
                v = None
            elif isinstance(v, (dt.date, dt.datetime)):
                v = v.isoformat()[:10]
            elif isinstance(v, float) and not math.isfinite(v):
                v = None
            elif hasattr(v, "item"):
                v = v.item()
            clean[k] = v
        out.append(clean)
    return out
