"""Stock for the demo shop: what could be sold, reorders, late deliveries and lost demand.

The owner plans like many small shops do: reorder when stock plus open orders fall below the
trailing sales rate times (lead time + a review week) with a 25% cushion, buying 45 days of
cover rounded up to the supplier's MOQ and case pack. Trailing sales lag a seasonal ramp and
15% of deliveries arrive 1-5 weeks late, so stockouts happen where they do in real shops: in
the run-up to December, on long-lead imports, after a late shipment. Demand met while stock is
zero is lost (first come, first served within a day), which is what the forecaster must censor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

REVIEW_DAYS = 7
CUSHION = 1.25
COVER_DAYS = 45
LATE_SHARE = 0.15


@dataclass
class StockResult:
    fulfilled: np.ndarray      # per demand line: served (or cancelled before it needed stock)
    demand: np.ndarray         # (days, skus) units wanted by non-cancelled lines
    sales: np.ndarray          # (days, skus) units sold
    end_stock: np.ndarray      # (days, skus) on hand at the end of the day
    active: np.ndarray         # (days, skus) the SKU was on sale that day
    po_rows: list[tuple[int, int, int, float, bool]]   # sku, ordered day, arrival day, qty, late

    def windows(self, dates: pd.DatetimeIndex, skus: list[str]) -> pd.DataFrame:
        """Runs of days an active SKU ended with nothing on hand, with the units lost in them."""
        out = (self.end_stock <= 0) & self.active
        lost = self.demand - self.sales
        rows = []
        for s in np.flatnonzero(out.any(axis=0)):
            col = out[:, s].astype(np.int8)
            edges = np.diff(np.concatenate([[0], col, [0]]))
            starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
            for a, b in zip(starts, ends, strict=True):
                # The day stock ran out can lose demand too; count from that day to the window's end.
                rows.append({"sku": skus[s], "start": dates[a], "end": dates[b], "days": int(b - a + 1),
                             "lost_units": float(lost[a:b + 1, s].sum() + (lost[a - 1, s] if a else 0))})
        return pd.DataFrame(rows, columns=["sku", "start", "end", "days", "lost_units"])

    def purchase_frame(self, dates: pd.DatetimeIndex, skus: list[str]) -> pd.DataFrame:
        n = len(dates)
        rows = [{"sku": skus[s], "ordered_on": dates[o],
                 "received_on": dates[a] if a < n else dates[-1] + pd.Timedelta(days=int(a - n + 1)),
                 "quantity": q, "late": late, "open": a >= n}
                for s, o, a, q, late in self.po_rows]
        return pd.DataFrame(rows, columns=["sku", "ordered_on", "received_on", "quantity", "late", "open"])


def simulate_stock(rng: np.random.Generator, products: pd.DataFrame, suppliers: pd.DataFrame,
                   lifecycle: dict, lines: pd.DataFrame, events: pd.DataFrame, n_days: int) -> StockResult:
    """Walk the days: receive deliveries, serve the day's lines while stock lasts, reorder."""
    n_sku = len(products)
    sup = suppliers.set_index("supplier")
    lead = sup.loc[products["supplier"], "lead_time_days"].to_numpy(float)
    lead = np.maximum(5, lead + rng.integers(-3, 4, n_sku))
    moq = sup.loc[products["supplier"], "moq"].to_numpy(float)
    pack = sup.loc[products["supplier"], "case_pack"].to_numpy(float)
    launch, stop = lifecycle["launch_day"], lifecycle["end_day"]
    days = np.arange(n_days)
    active = (days[:, None] >= launch[None, :]) & (days[:, None] < stop[None, :])

    ev_day = events["day"].to_numpy()
    ev_cancel = events["cancelled"].to_numpy()
    l_ev = lines["event"].to_numpy()
    l_day = ev_day[l_ev]
    l_sku = lines["sku"].to_numpy()
    l_qty = lines["quantity"].to_numpy(float)
    l_cancel = ev_cancel[l_ev]
    # Serve order within a day: by the order's time; cumulative units per (day, sku) decide who gets stock.
    ev_time = events["local"].to_numpy().astype("datetime64[s]").astype(np.int64)
    order = np.lexsort((l_ev, ev_time[l_ev], l_day))
    need = np.where(l_cancel, 0.0, l_qty)
    key = l_day[order] * n_sku + l_sku[order]
    cum_sorted = pd.Series(need[order]).groupby(key).cumsum().to_numpy()
    cum = np.empty_like(cum_sorted)
    cum[order] = cum_sorted
    by_day = np.argsort(l_day, kind="stable")
    bounds = np.searchsorted(l_day[by_day], np.arange(n_days + 1))

    demand = np.zeros((n_days, n_sku))
    np.add.at(demand, (l_day, l_sku), need)
    # The owner's first plan: the sales rate of the first 60 days of each SKU's life.
    first = np.zeros(n_sku)
    for s in range(n_sku):
        a = max(0, int(launch[s]))
        first[s] = demand[a:a + 60, s].sum() / max(1, min(60, n_days - a))
    arrivals = np.zeros((n_days + 200, n_sku))
    po_rows: list[tuple[int, int, int, float, bool]] = []
    opening = np.ceil(first * rng.uniform(25, 60, n_sku)) + 2
    for s in range(n_sku):
        if launch[s] < n_days:
            arrivals[max(0, int(launch[s])), s] += opening[s]

    on_hand = np.zeros(n_sku)
    on_order = np.zeros(n_sku)
    sales = np.zeros((n_days, n_sku))
    end_stock = np.zeros((n_days, n_sku))
    fulfilled = np.zeros(len(lines), dtype=bool)
    sold_28 = np.zeros(n_sku)
    sold_180 = np.zeros(n_sku)
    winding_down = days[:, None] >= (stop[None, :] - 45)
    for d in range(n_days):
        got = arrivals[d]
        on_hand += got
        on_order = np.maximum(0.0, on_order - got)
        idx = by_day[bounds[d]:bounds[d + 1]]
        ok = l_cancel[idx] | (cum[idx] <= on_hand[l_sku[idx]])
        fulfilled[idx] = ok
        served = idx[ok & ~l_cancel[idx]]
        sold = np.bincount(l_sku[served], weights=l_qty[served], minlength=n_sku)
        on_hand -= sold
        sales[d] = sold
        end_stock[d] = on_hand
        sold_28 += sold - (sales[d - 28] if d >= 28 else 0)
        sold_180 += sold - (sales[d - 180] if d >= 180 else 0)
        age = np.clip(d - launch + 1, 1, None)
        rate = np.maximum(sold_28 / np.minimum(28, age), sold_180 / np.minimum(180, age))
        rate = np.where(age < 60, np.maximum(rate, first), rate)
        rate = np.maximum(rate, 1 / 60)
        point = rate * (lead + REVIEW_DAYS) * CUSHION + 1
        reorder = active[d] & ~winding_down[d] & (on_hand + on_order <= point)
        for s in np.flatnonzero(reorder):
            qty = max(moq[s], np.ceil(rate[s] * COVER_DAYS))
            qty = float(np.ceil(qty / pack[s]) * pack[s])
            late = rng.random() < LATE_SHARE
            arrive = d + int(lead[s]) + (int(rng.integers(7, 36)) if late else 0)
            arrivals[min(arrive, len(arrivals) - 1), s] += qty
            on_order[s] += qty
            po_rows.append((int(s), d, arrive, qty, bool(late)))
    return StockResult(fulfilled=fulfilled, demand=demand, sales=sales, end_stock=end_stock,
                       active=active, po_rows=po_rows)
