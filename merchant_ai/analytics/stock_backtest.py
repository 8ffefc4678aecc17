"""Replay the last N weeks: what fill rate and average stock would each ordering policy have given?

Both policies review weekly, order up to a target, and receive after the SKU's lead time; demand
is what was actually sold each day (lost when the shelf is empty). Ours orders up to the forecast
demand over lead time + review period (never below the recent rate) plus safety stock as the live policy sets it
(`stock_policy.demand_error_quantiles`, learnt on the days before each review; forecaster refit
every few weeks, each time seeing only data before that day); the velocity rule of common tools
orders up to units/day over the last 30 days x (lead time + cover days).

One setting of each policy is one point on a service/stock trade-off: more stock buys more fill.
Two single points compare nothing, so the replay traces both curves in the same run (ours over
several service levels, the velocity rule over several cover-day settings; the forecasts are fitted
once per refit day and shared) and reads them at matched points: how much stock the velocity rule
needs to reach our fill rate, and what fill rate ours gives with the velocity rule's stock. Fill is
measured in units, in value (unit cost where known, else the average selling price before the
replay) and as the median SKU's fill rate, so a few huge SKUs cannot decide alone.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from merchant_ai.analytics.demand_censoring import flagged_days
from merchant_ai.analytics.forecast import Forecaster, Monitor
from merchant_ai.analytics.stock_policy import (
    ERROR_WINDOW_DAYS,
    PERIOD_DAYS,
    RECENT_DAYS,
    daily_path,
    daily_units,
    demand_error_quantiles,
)

SERVICE_LEVELS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)
COVER_DAYS = (0, 7, 14, 21, 28, 42, 60, 90)


class PolicyBacktest:
    """Fill rate and average stock of the forecast policy vs the velocity rule over `weeks`.

    `service_level` and `cover_days` (default: the review period) are the headline settings;
    `service_levels` and `cover_grid` the settings traced for the matched comparison.
    """

    def __init__(self, weeks: int = 13, service_level: float = 0.95, default_lead_time_days: float = 14.0,
                 review_days: int = 7, velocity_days: int = 30, cover_days: int | None = None,
                 refit_every: int = 4, active_days: int = 90, week_start: str = "monday",
                 service_levels: tuple[float, ...] = SERVICE_LEVELS,
                 cover_grid: tuple[int, ...] = COVER_DAYS) -> None:
        self.weeks = weeks
        self.service_level = service_level
        self.default_lead_time_days = default_lead_time_days
        self.review_days = review_days
        self.velocity_days = velocity_days
        self.cover_days = cover_days
        self.refit_every = refit_every
        self.active_days = active_days
        self.week_start = week_start
        self.service_levels = service_levels
        self.cover_grid = cover_grid

    def fit(self, sales: pd.DataFrame, as_of: dt.date | str, products: pd.DataFrame | None = None,
            monitor: Monitor | None = None, *, inventory_history: pd.DataFrame | None = None,
            promotions: pd.DataFrame | None = None) -> PolicyBacktest:
        """`inventory_history` and `promotions` are what the live forecast gets (stock counts for
        stockout censoring, the owner's flagged days); each replayed forecast sees those up to its
        own cutoff only, as it sees sales."""
        mon = monitor or Monitor()
        self._inventory, self._promotions = inventory_history, promotions
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
        D = np.clip(D, 0, None)
        prod = products.set_index(products["sku"].astype(str)) if products is not None and len(products) \
            else pd.DataFrame()
        lead = np.array([_num(prod, k, "lead_time_days", self.default_lead_time_days) for k in skus])
        L = np.maximum(1, np.ceil(lead)).astype(int)
        cost = np.array([_num(prod, k, "unit_cost", np.nan) for k in skus])
        price = _avg_price(before, skus)
        value = np.where(np.isfinite(cost), cost, price)
        value = np.where(np.isfinite(value), value, 0.0)
        self.value_basis_ = ("unit cost" if np.isfinite(cost).all() else "average selling price"
                             if not np.isfinite(cost).any() else "unit cost where known, else average selling price")
        R = self.review_days
        cover = self.cover_days if self.cover_days is not None else R
        reviews = list(range(0, days, R))
        self.reviews_ = reviews

        mon.step(0.05, "policy replay")
        levels = sorted(set(self.service_levels) | {self.service_level})
        covers = sorted(set(self.cover_grid) | {cover})
        demand, lead, safety, classes = self._our_targets(s, skus, first, reviews, L, R, levels, days, mon)
        rate = self._velocity_rates(s, skus, first, reviews, self.velocity_days)
        # Our floor leaves the owner's flagged days out, as the live policy's does (recent_rate);
        # the velocity rule, like the tools it stands for, knows nothing of them.
        flagged = self._promotions is not None and len(self._promotions) > 0
        floor = rate if self.velocity_days == RECENT_DAYS and not flagged else \
            self._velocity_rates(s, skus, first, reviews, RECENT_DAYS, self._promotions)
        demand = np.maximum(demand, floor * (L + R))  # never plan below the recent rate (stock_policy doc)
        lead = np.maximum(lead, floor * L)
        # Safety stock as the live policy sets it: error quantiles of the plan over lead time + review,
        # learnt on the days before each review, times sqrt(planned demand); the forecaster's
        # lead-time error only where there is no such evidence.
        back = ERROR_WINDOW_DAYS + RECENT_DAYS + int((L + R).max())
        daily = daily_units(s, skus, first + pd.Timedelta(days=days - 1), back + days)
        for j, r in enumerate(reviews):
            q = demand_error_quantiles(daily[:, :back + r], L + R, classes[j], levels)
            safety[:, j] = np.where(np.isfinite(q), np.clip(q, 0, None) * np.sqrt(demand[j])[None], safety[:, j])
        targets = np.concatenate([demand[None] + safety,
                                  rate[None] * (L[None, None, :] + np.array(covers)[:, None, None])])
        # Ours, like the live policy, does not order for lead-time demand its stock cannot serve
        # (it is lost); the velocity rule orders target minus stock and open orders, as tools do.
        unserved = np.concatenate([np.broadcast_to(lead[None], (len(levels), *lead.shape)),
                                   np.zeros((len(covers), *lead.shape))])
        filled, avg = _simulate(targets, D, L, reviews, unserved)
        points = [self._point(filled[k], avg[k], D, cost, value) for k in range(len(targets))]
        ours = [{"service_level": lv, **p} for lv, p in zip(levels, points[:len(levels)], strict=True)]
        velo = [{"cover_days": c, **p} for c, p in zip(covers, points[len(levels):], strict=True)]
        ours_pick = next(p for p in ours if p["service_level"] == self.service_level)
        velo_pick = next(p for p in velo if p["cover_days"] == cover)
        self.curves_ = {"ours": ours, "velocity": velo}
        self.result_ = {"weeks": self.weeks, "skus": n, "first_day": first.date().isoformat(),
                        "last_day": end.date().isoformat(), "demand_units": float(D.sum()),
                        "demand_value": float((D.sum(axis=1) * value).sum()), "value_basis": self.value_basis_,
                        "ours": _strip(ours_pick, "service_level"), "velocity": _strip(velo_pick, "cover_days"),
                        "service_level": self.service_level, "cover_days": cover,
                        "curves": self.curves_, "matched": {
                            "units": _matched(ours, velo, ours_pick, velo_pick, "fill_rate", "avg_stock_units"),
                            "value": _matched(ours, velo, ours_pick, velo_pick, "fill_rate_value",
                                              "avg_stock_valued")}}
        self.result_["velocity_rule"] = (f"units/day over {self.velocity_days} days x (lead time + {cover} days), "
                                         f"weekly review")
        self.result_["our_policy"] = (f"forecast over lead time + {R} days (at least the last {RECENT_DAYS} days' "
                                      f"rate) + safety stock at "
                                      f"{self.service_level:.0%} service, weekly review, refit every "
                                      f"{self.refit_every} weeks")
        mon.step(1.0, "done")
        return self

    # --- the two policies' order-up-to targets at each review day -----------------------------------
    @staticmethod
    def _velocity_rates(s: pd.DataFrame, skus: list[str], first: pd.Timestamp, reviews: list[int],
                        days: int, promotions: pd.DataFrame | None = None) -> np.ndarray:
        """(reviews, n) units/day over the `days` days before each review day; with `promotions`
        (`key`, `day`; key None: every SKU) their days are left out of the sales and the count."""
        pos = {k: i for i, k in enumerate(skus)}
        lo = first - pd.Timedelta(days=days)
        part = s[(s["day"] >= lo) & s["sku"].isin(pos)]
        span = (first - lo).days + reviews[-1] + 1
        M = np.zeros((len(skus), span))
        g = part.groupby(["sku", "day"])["net_quantity"].sum().reset_index()
        g = g[(g["day"] - lo).dt.days < span]
        M[g["sku"].map(pos).to_numpy(), (g["day"] - lo).dt.days.to_numpy()] = g["net_quantity"].to_numpy()
        open_days = (~flagged_days(promotions, skus, lo, span)).astype(float)
        M = M * open_days
        c = np.concatenate([np.zeros((len(skus), 1)), np.cumsum(M, axis=1)], axis=1)
        n_open = np.concatenate([np.zeros((len(skus), 1)), np.cumsum(open_days, axis=1)], axis=1)
        out = np.zeros((len(reviews), len(skus)))
        for j, r in enumerate(reviews):
            at = days + r  # index of the review day in M; sum the days before it
            count = n_open[:, at] - n_open[:, at - days]
            out[j] = np.divide(c[:, at] - c[:, at - days], count, out=np.zeros(len(skus)), where=count > 0)
        return np.clip(out, 0, None)

    def _our_targets(self, s: pd.DataFrame, skus: list[str], first: pd.Timestamp, reviews: list[int],
                     L: np.ndarray, R: int, levels: list[float], days: int,
                     mon: Monitor) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(reviews, n) forecast demand over lead time + review, the same over the lead time alone,
        (levels, reviews, n) safety stock
        from the forecast's lead-time error, (reviews, n) demand classes.

        The forecaster is refit every `refit_every` weeks on sales before that day only; between
        refits the same forecast path slides forward.
        """
        n = len(skus)
        horizon_days = days + int(L.max()) + R + 7
        demand = np.zeros((len(reviews), n))
        lead = np.zeros((len(reviews), n))
        safety = np.zeros((len(levels), len(reviews), n))
        classes = np.empty((len(reviews), n), dtype=object)
        state: dict = {}
        for j, r in enumerate(reviews):
            day = first + pd.Timedelta(days=r)
            week = r // 7
            if week % self.refit_every == 0 or not state:
                cutoff = day - pd.Timedelta(days=1)
                mon.step(0.05 + 0.9 * r / days, f"policy replay: week {week + 1} of {self.weeks}")
                model = Forecaster(level="sku", freq="W", horizon=max(4, math.ceil(horizon_days / 7)),
                                   week_start=self.week_start, use_global=False, use_statsmodels=False,
                                   n_origins=2, calibrate=False)
                model.fit(s[s["day"] <= cutoff], cutoff, keys=skus,
                          inventory_history=_until(self._inventory, cutoff),
                          promotions=_until(self._promotions, cutoff))
                kpos = {k: i for i, k in enumerate(model.panel_.keys)}
                rows = np.array([kpos[k] for k in skus])
                path = daily_path(model, cutoff, horizon_days)[rows]
                lr = np.zeros(model.panel_.n)
                lr[rows] = (L + R) / PERIOD_DAYS[model.freq]
                sig = np.array([np.clip(np.nan_to_num(model.lead_time_error(lr, lv)[rows]), 0, None)
                                for lv in levels])
                state.update(start=r, path=path, sigma=sig, classes=model.classes_[rows])
            shift = r - state["start"]
            c = np.concatenate([np.zeros((n, 1)), np.cumsum(state["path"], axis=1)], axis=1)
            demand[j] = c[np.arange(n), shift + L + R] - c[:, shift]
            lead[j] = c[np.arange(n), shift + L] - c[:, shift]
            safety[:, j] = state["sigma"]
            classes[j] = state["classes"]
        return demand, lead, safety, classes

    @staticmethod
    def _point(filled: np.ndarray, avg: np.ndarray, D: np.ndarray, cost: np.ndarray,
               value: np.ndarray) -> dict:
        dem = D.sum(axis=1)
        known = np.isfinite(cost)
        sold = dem > 0
        dv = float((dem * value).sum())
        return {"fill_rate": float(filled.sum() / dem.sum()) if dem.sum() > 0 else None,
                "avg_stock_units": float(avg.sum()),
                "avg_stock_value": float((avg[known] * cost[known]).sum()) if known.any() else None,
                "skus_with_cost": int(known.sum()),
                "fill_rate_value": float((filled * value).sum() / dv) if dv > 0 else None,
                "avg_stock_valued": float((avg * value).sum()),
                "median_sku_fill_rate": float(np.median(filled[sold] / dem[sold])) if sold.any() else None}


def _until(frame: pd.DataFrame | None, day: pd.Timestamp) -> pd.DataFrame | None:
    """The rows of a frame with a `day` column up to `day` (None stays None)."""
    if frame is None or frame.empty:
        return frame
    return frame[pd.to_datetime(frame["day"]) <= day]


def _simulate(targets: np.ndarray, D: np.ndarray, L: np.ndarray, reviews: list[int],
              unserved: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Replay K order-up-to policies at once: targets (K, reviews, n) -> filled (K, n), avg stock (K, n).

    Each policy starts with its first target on the shelf; at every later review it orders the
    target minus stock and open orders, which arrive `L` days later; unmet demand is lost.
    `unserved` (K, reviews, n), where given, is the planned demand over the lead time: a policy
    counts its stock and open orders as at least that, so it does not order for sales that will
    have been lost before the order arrives.
    """
    K, _, n = targets.shape
    days = D.shape[1]
    stock = np.ceil(np.clip(targets[:, 0], 0, None))
    pipeline = np.zeros((K, n, days + int(L.max()) + 1))
    on_order = np.zeros((K, n))
    filled = np.zeros((K, n))
    stock_sum = np.zeros((K, n))
    at = {r: j for j, r in enumerate(reviews)}
    cols = np.arange(n)
    for d in range(days):
        stock += pipeline[:, :, d]
        on_order -= pipeline[:, :, d]
        if d in at and d > 0:
            position = stock + on_order if unserved is None else np.maximum(stock + on_order, unserved[:, at[d]])
            qty = np.ceil(np.clip(targets[:, at[d]] - position, 0, None))
            pipeline[:, cols, d + L] += qty
            on_order += qty
        got = np.minimum(stock, D[None, :, d])
        filled += got
        stock -= got
        stock_sum += stock
    return filled, stock_sum / days


def _strip(point: dict, key: str) -> dict:
    return {k: v for k, v in point.items() if k != key}


def _envelope(curve: list[dict], fill_key: str, stock_key: str) -> tuple[np.ndarray, np.ndarray]:
    """The curve as (stock, best fill reachable with at most that stock), stock ascending."""
    pts = sorted((p[stock_key], p[fill_key]) for p in curve if p[fill_key] is not None)
    stock = np.array([p[0] for p in pts])
    fill = np.maximum.accumulate(np.array([p[1] for p in pts]))
    return stock, fill


def _fill_at(curve: list[dict], stock: float, fill_key: str, stock_key: str) -> float | None:
    x, y = _envelope(curve, fill_key, stock_key)
    if not len(x) or stock < x[0] - 1e-9 or stock > x[-1] + 1e-9:
        return None
    return float(np.interp(stock, x, y))


def _stock_for(curve: list[dict], fill: float, fill_key: str, stock_key: str) -> float | None:
    x, y = _envelope(curve, fill_key, stock_key)
    if not len(x) or fill > y[-1] + 1e-12:
        return None
    if fill <= y[0]:
        return float(x[0]) if fill >= y[0] - 1e-12 else None
    k = int(np.flatnonzero(y >= fill)[0])  # first point reaching the fill; interpolate from the one before
    if y[k] == y[k - 1]:
        return float(x[k])
    return float(x[k - 1] + (fill - y[k - 1]) * (x[k] - x[k - 1]) / (y[k] - y[k - 1]))


def _matched(ours: list[dict], velo: list[dict], ours_pick: dict, velo_pick: dict, fill_key: str,
             stock_key: str) -> dict:
    """Both policies read at the other's headline point (None: outside the traced range)."""
    of, os_ = ours_pick[fill_key], ours_pick[stock_key]
    vf, vs = velo_pick[fill_key], velo_pick[stock_key]
    v_stock = _stock_for(velo, of, fill_key, stock_key) if of is not None else None
    o_stock = _stock_for(ours, vf, fill_key, stock_key) if vf is not None else None
    return {"our_fill_rate": of, "our_avg_stock": os_,
            "velocity_stock_for_our_fill": v_stock,
            "velocity_extra_stock_pct": (v_stock / os_ - 1) * 100 if v_stock is not None and os_ > 0 else None,
            "velocity_fill_at_our_stock": _fill_at(velo, os_, fill_key, stock_key),
            "velocity_fill_rate": vf, "velocity_avg_stock": vs,
            "our_fill_at_velocity_stock": _fill_at(ours, vs, fill_key, stock_key),
            "our_stock_for_velocity_fill": o_stock,
            "our_stock_change_pct": (o_stock / vs - 1) * 100 if o_stock is not None and vs > 0 else None}


def _avg_price(lines: pd.DataFrame, skus: list[str]) -> np.ndarray:
    if not len(lines) or "net_revenue" not in lines:
        return np.full(len(skus), np.nan)
    g = lines.groupby("sku")[["net_revenue", "net_quantity"]].sum().reindex(skus)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (g["net_revenue"] / g["net_quantity"]).to_numpy(dtype=float)
    return np.where(np.isfinite(p) & (p > 0), p, np.nan)


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
    from merchant_ai.store import promotions, queries

    day = resolve_as_of(store, as_of)
    sales = queries.sales_lines(store, day)
    bt = PolicyBacktest(weeks=weeks, service_level=fi.float_setting(store, "default_service_level"),
                        default_lead_time_days=fi.float_setting(store, "default_lead_time_days"),
                        week_start=fi.setting(store, "week_start").lower())
    bt.fit(sales, day, queries.products(store), Monitor(progress, cancel),
           inventory_history=queries.inventory_history(store, day), promotions=promotions.flag_days(store, day))
    return bt.result_
