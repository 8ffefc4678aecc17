"""Stock alerts and order suggestions driven by the forecast path and its measured error.

The velocity rule of common tools (units/day x days) ignores trend, season and how wrong the
forecast usually is. Here the projected stock walks the daily forecast path (with incoming
purchase orders landing on their dates), safety stock is the target-service quantile of how far
demand over the lead time (+ cycle) ran past the recent-rate plan on this shop's own days, per
demand class, times sqrt(planned demand) (`demand_error_quantiles`; the forecast's pooled backtest
error x naive error where there is no such evidence), and the order quantity tops
the inventory position up to the demand over lead time + order cycle, rounded to MOQ/case pack.

The forecast is chosen by MASE, which rewards the median of future demand, not its mean: even
uncalibrated, the selection leans low (intermittent SKUs get near-zero forecasts) and a flat
forecast lags a rising season. Orders must cover the mean, so the demand planned over lead time +
cycle is never below the recent rate (units/day over the last 30 days, the velocity rule's own
estimate): the forecast can raise the plan (trend, season), not sink it under what sells now. In
the replay (`stock_backtest`, bench/stock.py) this floor moved our trade-off curve from below the
velocity rule's to on or above it on the UCI file and the demo shop.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from merchant_ai.analytics.demand_censoring import flagged_days
from merchant_ai.analytics.forecast import Forecaster
from merchant_ai.csv_safe import csv_text

STATUSES = ("order_now", "order_soon", "ok", "overstock", "dead_stock", "no_stock_data")
_RANK = {"order_now": 0, "order_soon": 1, "overstock": 2, "dead_stock": 3, "ok": 4, "no_stock_data": 5}
PERIOD_DAYS = {"D": 1, "W": 7, "M": 30.4375}


def daily_path(forecaster: Forecaster, as_of: pd.Timestamp, days: int) -> np.ndarray:
    """(n, days) expected demand for days as_of+1 .. as_of+days, from the forecast periods.

    Beyond the horizon the mean of the last four forecast periods carries on.
    """
    f = forecaster.forecast_
    n, h = f.shape
    per = PERIOD_DAYS[forecaster.freq]
    out = np.zeros((n, days))
    if h == 0 or n == 0:
        return out
    first = forecaster.future_[0]
    day = as_of + pd.to_timedelta(np.arange(1, days + 1), unit="D")
    if forecaster.freq == "M":
        idx = (day.year - first.year) * 12 + (day.month - first.month)
        lengths = day.days_in_month.to_numpy().astype(float)
    else:
        idx = ((day - first).days // int(per))
        lengths = np.full(days, per)
    idx = np.asarray(idx)
    tail = f[:, max(0, h - 4):].mean(axis=1)
    inside = (idx >= 0) & (idx < h)
    out[:, inside] = f[:, idx[inside]] / lengths[inside]
    out[:, idx >= h] = (tail[:, None] / lengths[None, idx >= h])
    return out


RECENT_DAYS = 30


def recent_rate(sales: pd.DataFrame, as_of: pd.Timestamp, keys: list[str], days: int = RECENT_DAYS,
                promotions: pd.DataFrame | None = None) -> np.ndarray:
    """Units per day per key over the `days` days ending on `as_of` (the velocity rule's rate).

    Days the owner flagged (`promotions`: `key`, `day`; key None for the whole shop) are left out
    of a key's sales and of its day count: a flagged sale is what the forecast ignores, so the
    floor under it must not plan it back in. A key whose every recent day is flagged gets 0."""
    if not len(sales) or not keys:
        return np.zeros(len(keys))
    day = pd.to_datetime(sales["order_date"]).dt.normalize()
    first = as_of - pd.Timedelta(days=days - 1)
    inside = (day >= first) & (day <= as_of)
    recent = sales[inside]
    flagged = flagged_days(promotions, keys, first, days)
    if flagged.any():
        at = pd.Index(keys).get_indexer(recent["sku"].astype(str))
        offset = (day[inside] - first).dt.days.to_numpy()
        recent = recent[~((at >= 0) & flagged[np.maximum(at, 0), offset])]
    per = recent.groupby(recent["sku"].astype(str))["net_quantity"].sum()
    total = per.reindex(keys).fillna(0.0).to_numpy(dtype=float)
    count = days - flagged.sum(axis=1)
    return np.clip(np.divide(total, count, out=np.zeros(len(keys)), where=count > 0), 0, None)


def floor_to_rate(path: np.ndarray, rate: np.ndarray, days: np.ndarray) -> np.ndarray:
    """The daily forecast path, scaled up per row where it plans less than `rate` x `days` over the first `days`.

    Keeps the forecast's shape; a row forecasting nothing gets the flat rate.
    """
    k = np.clip(np.ceil(days).astype(int), 1, path.shape[1])
    c = np.concatenate([np.zeros((len(path), 1)), np.cumsum(path, axis=1)], axis=1)
    total = c[np.arange(len(path)), k]
    want = rate * days
    factor = np.where(total > 0, np.maximum(1.0, want / np.where(total > 0, total, 1.0)), 1.0)
    out = path * factor[:, None]
    flat = (total <= 0) & (want > 0)
    out[flat] = rate[flat, None]
    return out


ERROR_WINDOW_DAYS = 182
MIN_ERRORS = 30


def daily_units(sales: pd.DataFrame, keys: list[str], last: pd.Timestamp, days: int) -> np.ndarray:
    """(len(keys), days) units sold per key per day, the last column being `last` (later sales ignored)."""
    out = np.zeros((len(keys), days))
    if not len(sales) or not keys or days <= 0:
        return out
    day = pd.to_datetime(sales["order_date"]).dt.normalize()
    first = last - pd.Timedelta(days=days - 1)
    pos = {k: i for i, k in enumerate(keys)}
    sku = sales["sku"].astype(str)
    part = sales[(day >= first) & (day <= last) & sku.isin(pos)]
    g = part.groupby([part["sku"].astype(str), day[part.index]])["net_quantity"].sum()
    if len(g):
        rows = g.index.get_level_values(0).map(pos).to_numpy()
        cols = (pd.DatetimeIndex(g.index.get_level_values(1)) - first).days.to_numpy()
        out[rows, cols] = g.to_numpy()
    return np.clip(out, 0, None)


def demand_error_quantiles(daily: np.ndarray, spans: np.ndarray, classes: np.ndarray, levels,
                           window: int = ERROR_WINDOW_DAYS, rate_days: int = RECENT_DAYS) -> np.ndarray:
    """(len(levels), n) quantiles of how far demand over a row's span ran past the recent-rate plan.

    `daily` (n, days) ends on the decision day. Every past day t of the last `window` whose next
    `spans[i]` days are known is one case: error = demand over those days - rate x span (rate:
    units/day over the `rate_days` up to t), over sqrt(rate x span). Cases are pooled per demand
    class (all rows when a class has fewer than MIN_ERRORS), so safety stock = quantile x
    sqrt(planned demand over the span). NaN: no evidence. The error of a lumpy product grows like
    the square root of its demand (order counts), not like its naive week-to-week error, which
    made small lumpy SKUs hold the most safety stock for their sales.
    """
    levels = np.atleast_1d(np.asarray(levels, dtype=float))
    n, T = daily.shape
    out = np.full((len(levels), n), np.nan)
    if n == 0:
        return out
    c = np.concatenate([np.zeros((n, 1)), np.cumsum(daily, axis=1)], axis=1)
    classes = np.asarray(classes, dtype=object)
    for span in np.unique(spans):
        span = int(span)
        t = np.arange(max(rate_days, T - window), T - span + 1)  # the case's known days end before column t
        if not len(t):
            continue
        ahead = c[:, t + span] - c[:, t]
        plan = (c[:, t] - c[:, t - rate_days]) / rate_days * span
        ok = plan > 0
        err = np.where(ok, (ahead - plan) / np.sqrt(np.where(ok, plan, 1.0)), np.nan)
        every = err[np.isfinite(err)]
        pooled = np.quantile(every, levels) if len(every) >= MIN_ERRORS else np.full(len(levels), np.nan)
        rows = spans == span
        for g in np.unique(classes[rows]):
            v = err[classes == g]
            v = v[np.isfinite(v)]
            q = np.quantile(v, levels) if len(v) >= MIN_ERRORS else pooled
            out[:, rows & (classes == g)] = q[:, None]
    return out


def round_order(qty: float, moq: float | None, case_pack: float | None) -> float:
    """Up to the minimum order, then up to whole cases; zero stays zero."""
    if qty <= 0:
        return 0.0
    if moq and moq > 0:
        qty = max(qty, moq)
    if case_pack and case_pack > 0:
        qty = math.ceil(qty / case_pack - 1e-9) * case_pack
    return float(math.ceil(qty - 1e-9))


class StockPolicy:
    """Per-SKU cover, stockout date, safety stock, reorder point, order quantity and status."""

    def __init__(self, service_level: float = 0.95, default_lead_time_days: float = 14.0,
                 default_order_cycle_days: float = 14.0, overstock_days: float = 180.0,
                 dead_stock_days: int = 90, soon_days: int = 7, projection_days: int = 365) -> None:
        self.service_level = service_level
        self.default_lead_time_days = default_lead_time_days
        self.default_order_cycle_days = default_order_cycle_days
        self.overstock_days = overstock_days
        self.dead_stock_days = dead_stock_days
        self.soon_days = soon_days
        self.projection_days = projection_days

    def fit(self, sales: pd.DataFrame, as_of: dt.date | str, forecaster: Forecaster, on_hand: pd.DataFrame,
            purchase_orders: pd.DataFrame | None = None, products: pd.DataFrame | None = None, *,
            promotions: pd.DataFrame | None = None) -> StockPolicy:
        """`forecaster` is fitted at SKU level with the same `as_of` (and the same `promotions`,
        the owner's flagged days, which the recent-rate floor leaves out too); frames as in
        store.queries."""
        if not 0.5 <= self.service_level < 1:
            raise ValueError("service_level must be in [0.5, 1)")
        as_of = pd.Timestamp(as_of).normalize()
        self.as_of_ = as_of
        sales = sales[pd.to_datetime(sales["order_date"]) <= as_of] if len(sales) else sales
        keys = list(forecaster.panel_.keys)
        pos = {k: i for i, k in enumerate(keys)}
        prod = products.set_index("sku") if products is not None and len(products) else pd.DataFrame()
        counted = on_hand.set_index(on_hand["sku"].astype(str)) if len(on_hand) else pd.DataFrame()
        skus = sorted(set(keys) | set(counted.index) | (set(prod.index) if len(prod) else set()))
        H = self.projection_days
        path = daily_path(forecaster, as_of, H)
        z = float(norm.ppf(self.service_level))

        last_sale = (sales.groupby(sales["sku"].astype(str))["order_date"].max() if len(sales)
                     else pd.Series(dtype="datetime64[ns]"))
        po = purchase_orders if purchase_orders is not None else pd.DataFrame(columns=["sku", "quantity", "expected_at"])
        po_by_sku = {str(k): g for k, g in po.groupby(po["sku"].astype(str))} if len(po) else {}

        # Per-SKU product fields as dicts: one `.at` lookup per SKU and field was ~0.15 s per fit.
        fields = _product_fields(prod)

        def setting(sku: str, col: str, default: float | None) -> float | None:
            if fields is None:
                return _setting_slow(prod, sku, col, default)
            v = fields.get(col, {}).get(sku)
            if v is not None and not (isinstance(v, float) and math.isnan(v)):
                return float(v)
            return default

        def text(sku: str, col: str) -> str | None:
            if fields is None:
                return setting_text(prod, sku, col)
            v = fields.get(col, {}).get(sku)
            return None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)

        lead = np.array([setting(s, "lead_time_days", self.default_lead_time_days) for s in skus])
        cycle = np.array([setting(s, "order_cycle_days", self.default_order_cycle_days) for s in skus])
        rows = np.array([pos.get(s, -1) for s in skus])
        per = PERIOD_DAYS[forecaster.freq]
        if forecaster.panel_.n:  # plan at least the recent rate over lead time + cycle (module doc)
            all_days = np.zeros(forecaster.panel_.n)
            have = rows >= 0
            all_days[rows[have]] = lead[have] + cycle[have]
            path = floor_to_rate(path, recent_rate(sales, as_of, keys, promotions=promotions),
                                 np.maximum(all_days, 1.0))
        sig_l = np.full(len(skus), np.nan)
        sig_lr = np.full(len(skus), np.nan)
        if forecaster.panel_.n:
            all_l = np.full(forecaster.panel_.n, np.nan)
            all_lr = np.full(forecaster.panel_.n, np.nan)
            have = rows >= 0
            all_l[rows[have]] = lead[have] / per
            all_lr[rows[have]] = (lead[have] + cycle[have]) / per
            sl = forecaster.lead_time_error(np.nan_to_num(all_l), self.service_level)
            slr = forecaster.lead_time_error(np.nan_to_num(all_lr), self.service_level)
            sig_l[have], sig_lr[have] = sl[rows[have]], slr[rows[have]]
            # Preferred evidence: this shop's own daily sales against the recent-rate plan (see
            # demand_error_quantiles); the forecaster's pooled error stays for SKUs without it.
            span_l = np.ones(forecaster.panel_.n, int)
            span_lr = np.ones(forecaster.panel_.n, int)
            span_l[rows[have]] = np.maximum(1, np.ceil(lead[have])).astype(int)
            span_lr[rows[have]] = np.maximum(1, np.ceil(lead[have] + cycle[have])).astype(int)
            daily = daily_units(sales, keys, as_of, ERROR_WINDOW_DAYS + RECENT_DAYS + int(span_lr.max()))
            q_l = demand_error_quantiles(daily, span_l, forecaster.classes_, self.service_level)[0]
            q_lr = demand_error_quantiles(daily, span_lr, forecaster.classes_, self.service_level)[0]
            c = np.concatenate([np.zeros((len(path), 1)), np.cumsum(path, axis=1)], axis=1)
            plan_l = c[np.arange(len(path)), np.minimum(span_l, H)]
            plan_lr = c[np.arange(len(path)), np.minimum(span_lr, H)]
            own_l, own_lr = q_l * np.sqrt(plan_l), q_lr * np.sqrt(plan_lr)
            sig_l[have] = np.where(np.isfinite(own_l[rows[have]]), own_l[rows[have]], sig_l[have])
            sig_lr[have] = np.where(np.isfinite(own_lr[rows[have]]), own_lr[rows[have]], sig_lr[have])

        # Each SKU's lines (positions in `sales` order), found once: masking all of `sales` per SKU
        # for the units sold since its count was most of the per-SKU loop.
        if len(sales):
            sale_sku = sales["sku"].astype(str)
            line_at = sale_sku.groupby(sale_sku, sort=False).indices
            sale_day = pd.DatetimeIndex(pd.to_datetime(sales["order_date"]))
            sale_units = sales["net_quantity"]
        # Each SKU's count as a dict (a row of `counted` per SKU was a Series built each time);
        # repeated SKUs keep the row-by-row lookup.
        inbound = counted["incoming"] if "incoming" in counted else pd.Series(np.nan, index=counted.index)
        counts = ({sku: {"counted_at": when, "on_hand": qty, "incoming": inc} for sku, when, qty, inc
                   in zip(counted.index, counted["counted_at"], counted["on_hand"], inbound, strict=True)}
                  if len(counted) and counted.index.is_unique else None)
        items = []
        for j, sku in enumerate(skus):
            i = rows[j]
            demand = path[i] if i >= 0 else np.zeros(H)
            L, R = float(lead[j]), float(cycle[j])
            unit_cost = setting(sku, "unit_cost", None)
            item = {"sku": sku, "title": text(sku, "title"), "supplier": text(sku, "supplier"),
                    "lead_time_days": L, "order_cycle_days": R, "moq": setting(sku, "moq", None),
                    "case_pack": setting(sku, "case_pack", None), "unit_cost": unit_cost,
                    "model": str(forecaster.model_[i]) if i >= 0 else None,
                    "forecast_per_day": float(demand[:28].mean())}
            if not len(counted) or sku not in counted.index:
                items.append({**item, "status": "no_stock_data", "action": None, "on_hand": None, "days_of_cover": None,
                              "stockout_date": None, "safety_stock": None, "reorder_point": None,
                              "suggested_qty": None, "order_by": None, "incoming": 0.0})
                continue
            count_row = counts[sku] if counts is not None else counted.loc[sku]
            count_day = pd.Timestamp(str(count_row["counted_at"])[:10])
            sold_since = 0.0
            if len(sales):
                at = line_at.get(sku, _NO_LINES)
                sold_since = float(sale_units.iloc[at[sale_day[at] > count_day]].sum())
            stock_now = float(count_row["on_hand"] or 0.0) - sold_since
            arrivals = np.zeros(H)
            incoming = 0.0
            for _, p in po_by_sku[sku].iterrows() if sku in po_by_sku else ():
                when = pd.Timestamp(p["expected_at"]) if p["expected_at"] else as_of + pd.Timedelta(days=L)
                d = int(np.clip((when.normalize() - as_of).days, 1, H)) - 1
                arrivals[d] += float(p["quantity"])
                incoming += float(p["quantity"])
            inbound_count = _number(count_row.get("incoming") if hasattr(count_row, "get") else None)
            if sku not in po_by_sku and inbound_count > 0:
                # Stock already on its way that the count's export reports (Shopify "Incoming",
                # Amazon FBA inbound) but no purchase order entered here: it arrives within the lead
                # time, taken as its end. Ignoring it asked owners to order what they had ordered.
                arrivals[int(np.clip(math.ceil(L), 1, H)) - 1] += inbound_count
                incoming += inbound_count
            projected = max(stock_now, 0.0) + np.cumsum(arrivals) - np.cumsum(demand)
            out_days = np.flatnonzero(projected <= 0)
            stockout_day = 0 if stock_now <= 0 else (int(out_days[0]) + 1 if len(out_days) else None)
            Ld, LRd = int(math.ceil(L)), int(math.ceil(L + R))
            # No backtest evidence: normal approximation with the naive one-step error as sigma.
            fallback = z * math.sqrt(max(L, 1) / per) * float(forecaster.scale_[i]) if i >= 0 else 0.0
            e_l = sig_l[j] if np.isfinite(sig_l[j]) else fallback
            e_lr = sig_lr[j] if np.isfinite(sig_lr[j]) else fallback * math.sqrt((L + R) / max(L, 1))
            safety = max(e_l, 0.0)
            rop = float(demand[:Ld].sum()) + safety
            up_to = float(demand[:LRd].sum()) + max(e_lr, 0.0)
            position = stock_now + incoming
            # Sales lost while the shelf is empty do not come back (a listing without stock stops
            # selling on every channel), so an order never counts on selling the lead time's demand
            # beyond the stock there is. Ordering up to lead time + cycle from an empty shelf
            # bought the whole lead time's demand again on arrival (demo shop, HT-BEHAPA: 144 where
            # the weeks after the order arrives need 63).
            qty = round_order(up_to - max(position, float(demand[:Ld].sum())), item["moq"], item["case_pack"])
            below = np.flatnonzero(projected <= safety)
            order_by = (as_of + pd.Timedelta(days=int(below[0]) + 1 - Ld)) if len(below) else None
            last = last_sale.get(sku)
            idle_days = (as_of - pd.Timestamp(last)).days if last is not None and pd.notna(last) else None
            demand_total = float(demand.sum())
            if stock_now > 0 and (idle_days is None or idle_days >= self.dead_stock_days):
                status = "dead_stock"
            elif position <= rop or (order_by is not None and order_by <= as_of) or \
                    (stockout_day is not None and stockout_day <= L):
                status = "order_now"
            elif order_by is not None and (order_by - as_of).days <= self.soon_days:
                status = "order_soon"
            elif stockout_day is None and stock_now > 0 and (demand_total <= 0 or H > self.overstock_days) or \
                    (stockout_day is not None and stockout_day > self.overstock_days):
                status = "overstock"
            else:
                status = "ok"
            # An urgent SKU whose open purchase orders already cover the order-up-to level needs the
            # supplier chased, not a second order that would arrive after the first one anyway.
            runs_out_first = stockout_day is not None and stockout_day <= L
            if status not in ("order_now", "order_soon"):
                action = None
            elif qty > 0:
                action = "order_and_expedite" if runs_out_first and incoming > 0 else "order"
            else:
                action = "expedite" if incoming > 0 else "order"
            cover = None if stockout_day is None and demand_total <= 0 else (
                float(stockout_day) if stockout_day is not None else float(H))
            items.append({**item, "status": status, "on_hand": stock_now, "counted_on": count_day.date(),
                          "incoming": incoming, "days_of_cover": cover,
                          "stockout_date": (as_of + pd.Timedelta(days=stockout_day)).date()
                          if stockout_day is not None else None,
                          "stockout_before_arrival": bool(runs_out_first), "action": action,
                          "safety_stock": safety, "reorder_point": rop, "order_up_to": up_to,
                          "suggested_qty": qty if status in ("order_now", "order_soon") else 0.0,
                          "order_by": order_by.date() if order_by is not None else None,
                          "days_since_sale": idle_days,
                          "cash_tied_up": stock_now * unit_cost if status == "dead_stock" and unit_cost is not None
                          else None})
        frame = pd.DataFrame(items)
        if len(frame):
            before = frame["stockout_before_arrival"] if "stockout_before_arrival" in frame else pd.Series(False, frame.index)
            frame["_rank"] = frame["status"].map(_RANK) - before.fillna(False).astype(float) * 0.5
            frame["_when"] = pd.to_datetime(frame["order_by"]).fillna(pd.Timestamp.max.normalize())
            frame = frame.sort_values(["_rank", "_when", "sku"]).drop(columns=["_rank", "_when"]).reset_index(drop=True)
        self.items_ = frame
        self.purchase_orders_ = po_suggestions(frame)
        return self

    def to_dict(self) -> dict:
        return {"as_of": self.as_of_.date().isoformat(), "items": self.items_.to_dict("records")}


_NO_LINES = np.array([], dtype=np.intp)


def _number(value: Any) -> float:
    """A count's optional figure as a float; missing (None, NaN, pd.NA) is 0."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(out) else out


def _product_fields(prod: pd.DataFrame) -> dict[str, dict] | None:
    """{column: {sku: value}} of the products frame (None when SKUs repeat: looked up one by one)."""
    if not len(prod):
        return {}
    if not prod.index.is_unique:
        return None
    return {col: dict(zip(prod.index, prod[col], strict=True)) for col in prod.columns}


def _setting_slow(prod: pd.DataFrame, sku: str, col: str, default: float | None) -> float | None:
    if len(prod) and sku in prod.index and col in prod.columns:
        v = prod.at[sku, col]
        if v is not None and not (isinstance(v, float) and math.isnan(v)):
            return float(v)
    return default


def setting_text(prod: pd.DataFrame, sku: str, col: str) -> str | None:
    if len(prod) and sku in prod.index and col in prod.columns:
        v = prod.at[sku, col]
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
    return None


def po_suggestions(items: pd.DataFrame) -> pd.DataFrame:
    """Order lines to place now or this week, grouped by supplier (biggest spend first)."""
    cols = ["supplier", "sku", "title", "quantity", "unit_cost", "line_cost", "order_by", "status"]
    if items.empty or "suggested_qty" not in items:
        return pd.DataFrame(columns=cols)
    sel = items[(items["suggested_qty"].fillna(0) > 0) & items["status"].isin(["order_now", "order_soon"])]
    out = pd.DataFrame({"supplier": sel["supplier"].fillna("(no supplier)"), "sku": sel["sku"],
                        "title": sel["title"], "quantity": sel["suggested_qty"], "unit_cost": sel["unit_cost"],
                        "line_cost": sel["suggested_qty"] * sel["unit_cost"].astype(float),
                        "order_by": sel["order_by"], "status": sel["status"]})
    spend = out.groupby("supplier")["line_cost"].transform(lambda s: s.fillna(0).sum())
    return out.assign(_s=spend).sort_values(["_s", "supplier", "order_by", "sku"], ascending=[False, True, True, True]) \
        .drop(columns="_s").reset_index(drop=True)


def to_csv(frame: pd.DataFrame) -> str:
    """CSV text safe to open in Excel/LibreOffice (no cell is evaluated as a formula)."""
    return csv_text([str(c) for c in frame.columns], frame.itertuples(index=False), lineterminator="\n")
