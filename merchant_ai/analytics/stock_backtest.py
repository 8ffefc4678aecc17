"""Replay the last N weeks: what fill rate and average stock would each ordering policy have given?

Both policies review weekly, order up to a target, and receive after the SKU's lead time; demand
is what was actually sold each day (lost when the shelf is empty). Ours orders up to the forecast
demand over lead time + review period plus safety stock from the forecast's backtest error (refit
every few weeks, each time seeing only data before that day); the velocity rule of common tools
orders up to units/day over the last 30 days x (lead time + cover days). Both numbers are shown
so a merchant can see the trade between service and cash tied in stock.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from merchant_ai.analytics.forecast import Forecaster, Monitor
from merchant_ai.analytics.stock_policy import daily_path


class PolicyBacktest:
    """Fill rate and average stock of the forecast policy vs the velocity rule over `weeks`."""

    def __init__(self, weeks: int = 13, service_level: float = 0.95, default_lead_time_days: float = 14.0,
                 review_days: int = 7, velocity_days: int = 30, cover_days: int | None = None,
                 refit_every: int = 4, active_days: int = 90) -> None:
        self.weeks = weeks
        self.service_level = service_level
        self.default_lead_time_days = default_lead_time_days
        self.review_days = review_days
        self.velocity_days = velocity_days
        self.cover_days = cover_days
        self.refit_every = refit_every
        self.active_days = active_days

    def fit(self, sales: pd.DataFrame, as_of: dt.date | str, products: pd.DataFrame | None = None,
            monitor: Monitor | None = None) -> PolicyBacktest:
        mon = monitor or Monitor()
        end = pd.Timestamp(as_of).normalize()
        days = self.weeks * 7
        first = end - pd.Timedelta(days=days - 1)
        s = sales[pd.to_datetime(sales["order_date"]) <= end].copy()
        s["day"] = pd.to_datetime(s["order_date"]).dt.normalize()
        s["sku"] = s["sku"].astype(str)
        before = s[(s["day"] < first) & (s["day"] >= first - pd.Timedelta(days=self.active_days))]
        skus = sorted(before["sku"].unique())
        self.skus_ = skus
        n = len(skus)
        if n == 0:
            self.result_ = {"weeks": self.weeks, "skus": 0, "ours": None, "velocity": None}
            return self
        pos = {k: i for i, k in enumerate(skus)}
        window = s[(s["day"] >= first) & s["sku"].isin(pos)]
        D = np.zeros((n, days))
        g = window.groupby(["sku", "day"])["net_quantity"].sum().reset_index()
        D[g["sku"].map(pos).to_numpy(), (g["day"] - first).dt.days.to_numpy()] = g["net_quantity"].to_numpy()
        prod = products.set_index("sku") if products is not None and len(products) else pd.DataFrame()
        lead = np.array([_num(prod, k, "lead_time_days", self.default_lead_time_days) for k in skus])
        L = np.maximum(1, np.ceil(lead)).astype(int)
        cost = np.array([_num(prod, k, "unit_cost", np.nan) for k in skus])
        R = self.review_days
        cover = self.cover_days if self.cover_days is not None else R
        daily = s[s["sku"].isin(pos)].groupby(["sku", "day"])["net_quantity"].sum()

        def velocity_target(day: pd.Timestamp) -> np.ndarray:
            lo = day - pd.Timedelta(days=self.velocity_days)
            recent = daily[(daily.index.get_level_values("day") >= lo) & (daily.index.get_level_values("day") < day)]
            rate = recent.groupby(level="sku").sum().reindex(skus).fillna(0.0).to_numpy() / self.velocity_days
            return rate * (L + cover)

        horizon_days = days + int(L.max()) + R + 7
        fit_state: dict = {}

        def ours_target(r: int) -> np.ndarray:
            day = first + pd.Timedelta(days=r)
            week = r // 7
            if week % self.refit_every == 0 or not fit_state:
                cutoff = day - pd.Timedelta(days=1)
                model = Forecaster(level="sku", freq="W", horizon=max(4, math.ceil(horizon_days / 7)),
                                   use_global=False, use_statsmodels=False, n_origins=2, calibrate=False)
                model.fit(s[s["day"] <= cutoff], cutoff, keys=skus)
                mon.step(0.1 + 0.8 * r / days, f"policy replay: week {week + 1} of {self.weeks}")
                kpos = {k: i for i, k in enumerate(model.panel_.keys)}
                rows = np.array([kpos[k] for k in skus])
                path = daily_path(model, cutoff, horizon_days)[rows]
                lr_weeks = np.zeros(model.panel_.n)
                lr_weeks[rows] = (L + R) / 7
                sig = np.clip(np.nan_to_num(model.lead_time_error(lr_weeks, self.service_level)[rows]), 0, None)
                fit_state.update(start=r, path=path, sigma=sig)
            shift = r - fit_state["start"]
            path = fit_state["path"]
            demand = np.array([path[i, shift:shift + L[i] + R].sum() for i in range(n)])
            return demand + fit_state["sigma"]

        mon.step(0.05, "policy replay")
        self.result_ = {"weeks": self.weeks, "skus": n, "first_day": first.date().isoformat(),
                        "last_day": end.date().isoformat(), "demand_units": float(D.sum())}
        for name, target in (("ours", ours_target), ("velocity", lambda r: velocity_target(first + pd.Timedelta(days=r)))):
            stock = np.ceil(target(0))
            pipeline = np.zeros((n, days + int(L.max()) + 1))
            filled = np.zeros(n)
            stock_sum = np.zeros(n)
            for d in range(days):
                stock += pipeline[:, d]
                if d % R == 0 and d > 0:
                    position = stock + pipeline[:, d + 1:].sum(axis=1)
                    qty = np.ceil(np.clip(target(d) - position, 0, None))
                    pipeline[np.arange(n), d + L] += qty
                got = np.minimum(stock, D[:, d])
                filled += got
                stock -= got
                stock_sum += stock
            avg = stock_sum / days
            known = np.isfinite(cost)
            self.result_[name] = {
                "fill_rate": float(filled.sum() / D.sum()) if D.sum() > 0 else None,
                "avg_stock_units": float(avg.sum()),
                "avg_stock_value": float((avg[known] * cost[known]).sum()) if known.any() else None,
                "skus_with_cost": int(known.sum())}
        self.result_["velocity_rule"] = (f"units/day over {self.velocity_days} days x (lead time + {cover} days), "
                                         f"weekly review")
        self.result_["our_policy"] = (f"forecast over lead time + {R} days + safety stock at "
                                      f"{self.service_level:.0%} service, weekly review, refit every "
                                      f"{self.refit_every} weeks")
        mon.step(1.0, "done")
        return self


def _num(prod: pd.DataFrame, sku: str, col: str, default: float) -> float:
    if len(prod) and sku in prod.index and col in prod.columns:
        v = prod.at[sku, col]
        try:
            if v is not None and not math.isnan(float(v)):
                return float(v)
        except (TypeError, ValueError):
            pass
    return default


def run_policy_backtest(store, as_of: dt.date | str | None = None, weeks: int = 13, progress=None,
                        cancel=None) -> dict:
    """Task-level wrapper: loads frames from the store, replays, returns the two policies' numbers."""
    from merchant_ai.analytics.forecast_task import resolve_as_of
    from merchant_ai.store import forecast_inputs as fi
    from merchant_ai.store import queries

    day = resolve_as_of(store, as_of)
    sales = queries.sales_lines(store, day)
    bt = PolicyBacktest(weeks=weeks, service_level=fi.float_setting(store, "default_service_level"),
                        default_lead_time_days=fi.float_setting(store, "default_lead_time_days"))
    bt.fit(sales, day, queries.products(store), Monitor(progress, cancel))
    return bt.result_
