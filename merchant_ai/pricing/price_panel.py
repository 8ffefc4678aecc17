"""The price history as the elasticity models see it: weeks split by the price posted on each day.

Per SKU x channel, from its first to its last sale day, every day has a posted price: the highest
line unit price of a day with sales (the price a single buyer paid: coupon codes and the quantity
tiers of big buyers do not count as price changes), and on a day without sales the price of the
sales around it when those agree. One row per SKU x channel, week (Monday to Sunday) and price,
with `exposure` = the share of the week's days known to be at that price, and the units (and order
lines) sold at it.
A week in which a promotion started on Thursday is two rows, 3/7 at the old price and 4/7 at the
new, each with its own units: a weekly price (the highest, or an average) would credit the
promotion's extra sales to the old price, and on the demo shops that hid most of the effect.

Days without sales between two sale days at different prices are *ambiguous*: the change happened
in that gap, nobody knows when. They are kept in `amb` (one entry per day: the row of the week at
the earlier price `a`, the row at the later price `b`, the gap and the day's position in it), and
the estimators share each such day between the two rows (`poisson_fe`). Dropping them keeps a
promotion's quiet days only when they lie between two promotion sales, which makes promotions look
better than they were; carrying the last price forward pairs quiet days after a promotion with
its price, which makes them look worse.

`spells` counts, per price level (one SKU x channel at one price), the completed spells: a sale day
at the price whose next sale day was at another. With the days known at each level it gives the
level's hazard of ending (a promotion's price ends within weeks, a regular price lasts months).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

ROW_COLUMNS = ["sku", "channel", "category", "pair", "day", "price", "units", "exposure", "level", "sold",
               "units_per_line", "edge", "lines"]
AMB_KEYS = ("a", "b", "gap", "pos", "pair")


@dataclass
class PricePanel:
    rows: pd.DataFrame                  # ROW_COLUMNS; `day` = the week's Monday as a day number; sorted
    amb: dict[str, np.ndarray]          # a, b (row positions), gap, pos: one entry per ambiguous day
    spells: np.ndarray                  # per level
    known_days: np.ndarray              # per level

    @property
    def empty(self) -> bool:
        return self.rows.empty

    def subset(self, mask: np.ndarray) -> PricePanel:
        """The rows where `mask` holds (and the ambiguous days whose two rows both remain)."""
        mask = np.asarray(mask, bool)
        new = np.cumsum(mask) - 1
        keep = mask[self.amb["a"]] & mask[self.amb["b"]] if len(self.amb["a"]) else np.zeros(0, bool)
        amb = {k: v[keep] for k, v in self.amb.items()}
        amb["a"], amb["b"] = new[amb["a"]], new[amb["b"]]
        return PricePanel(self.rows[mask].reset_index(drop=True), amb, self.spells, self.known_days)

    def slice(self, lo: int, hi: int, amb_lo: int, amb_hi: int) -> PricePanel:
        """Rows lo:hi and ambiguous days amb_lo:amb_hi (a SKU's: both are contiguous, see `by_sku`)."""
        amb = {k: v[amb_lo:amb_hi] for k, v in self.amb.items()}
        amb["a"], amb["b"] = amb["a"] - lo, amb["b"] - lo
        return PricePanel(self.rows.iloc[lo:hi], amb, self.spells, self.known_days)

    def by_sku(self) -> list[tuple[str, int, int, int, int]]:
        """(sku, row lo, row hi, ambiguous-day lo, hi) for each SKU, in order."""
        if self.rows.empty:
            return []
        skus = self.rows["sku"].to_numpy()
        edges = np.flatnonzero(np.r_[True, skus[1:] != skus[:-1], True])
        pairs = self.rows["pair"].to_numpy()
        first_pair = np.r_[pairs[edges[:-1]], pairs[-1] + 1]     # pairs are numbered in SKU order
        amb_edges = np.searchsorted(self.amb["pair"], first_pair)
        return [(skus[lo], lo, hi, amb_edges[i], amb_edges[i + 1])
                for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:], strict=True))]


def daily_history(sales: pd.DataFrame, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Units and the posted (highest line) price per SKU, channel and sale day, up to `as_of`."""
    df = sales
    if as_of is not None:
        df = df[pd.to_datetime(df["order_date"]) <= pd.Timestamp(as_of)]
    qty = pd.to_numeric(df["quantity"], errors="coerce")
    rev = pd.to_numeric(df["revenue"], errors="coerce")
    keep = ((qty > 0) & (rev > 0)).to_numpy()
    df, qty, rev = df[keep], qty[keep], rev[keep]
    cols = ["sku", "channel", "category", "day", "units", "price", "lines"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    unit_price = pd.to_numeric(df["unit_price"], errors="coerce")
    posted = unit_price.where(unit_price > 0, rev / qty)
    day = pd.to_datetime(df["order_date"]).dt.normalize().to_numpy().astype("datetime64[D]").astype(np.int64)
    out = (pd.DataFrame({"sku": df["sku"].to_numpy(), "channel": df["channel"].to_numpy(),
                         "category": df["category"].fillna("").to_numpy(), "day": day,
                         "units": qty.to_numpy(float), "price": posted.to_numpy(float)})
             .groupby(["sku", "channel", "day"], as_index=False, sort=True)
             .agg(category=("category", "first"), units=("units", "sum"), price=("price", "max"),
                  lines=("units", "size")))
    return out[cols]


def monday(day: np.ndarray) -> np.ndarray:
    """The Monday (as a day number) of each day number (1970-01-01 was a Thursday)."""
    day = np.asarray(day, dtype=np.int64)
    return day - (day + 3) % 7


def price_panel(sales: pd.DataFrame, as_of: dt.date | str | None = None) -> PricePanel:
    """The panel of `sales` up to `as_of` (see the module doc)."""
    end = None if as_of is None else int(np.datetime64(pd.Timestamp(as_of).date(), "D").astype(np.int64))
    return build_panel(daily_history(sales, as_of), end)


def build_panel(daily: pd.DataFrame, end_day: int | None = None) -> PricePanel:
    """The panel from `daily_history` rows; `end_day`: the last day the lines cover (a day number;
    default the last sale day), so that a week it cuts short is left out."""
    empty = PricePanel(pd.DataFrame(columns=ROW_COLUMNS), {k: np.zeros(0, np.int64) for k in AMB_KEYS},
                       np.zeros(0), np.zeros(0))
    if daily.empty:
        return empty
    pair = pd.factorize(daily["sku"].astype(str) + "\x1f" + daily["channel"].astype(str), sort=True)[0]
    order = np.lexsort((daily["day"].to_numpy(), pair))
    daily = daily.iloc[order].reset_index(drop=True)
    pair = pair[order]
    sday = daily["day"].to_numpy(np.int64)
    sprice = daily["price"].to_numpy(float)
    first = np.r_[True, pair[1:] != pair[:-1]]
    last = np.r_[pair[1:] != pair[:-1], True]
    # A last week the data does not cover to its Sunday is left out: its days are not all known yet.
    data_end = int(sday.max()) if end_day is None else max(int(end_day), int(sday.max()))
    if (data_end + 3) % 7 != 6:                                  # not a Sunday
        keep = monday(sday) < monday(np.array([data_end]))[0]
        if not keep.any():
            return empty
        daily, pair, sday, sprice = daily[keep].reset_index(drop=True), pair[keep], sday[keep], sprice[keep]
        pair = np.unique(pair, return_inverse=True)[1]
        first = np.r_[True, pair[1:] != pair[:-1]]
        last = np.r_[pair[1:] != pair[:-1], True]
        data_end = int(monday(np.array([data_end]))[0]) - 1
    f_idx, l_idx = np.flatnonzero(first), np.flatnonzero(last)
    # A product listed after the history began, or delisted before its end, was not on offer
    # outside its sales: the span is cut at its first and last sale days (extending them to whole
    # weeks, or dropping them, gave estimates 0.2-0.5 too close to zero on the demo shops, where
    # launches and end-of-line clearances are among the biggest price changes). Those two weeks are
    # marked `edge`: cut at a sale, their rates are not typical, and they are left out of the
    # over-dispersion estimate.
    lo, hi = sday[f_idx], sday[l_idx]
    span = hi - lo + 1
    n_pairs = len(span)
    pair_of_day = np.repeat(np.arange(n_pairs), span)
    offset = np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span)
    day = np.repeat(lo, span) + offset
    pair_first_sale = f_idx
    # The sale day at or before each day, and the one at or after it (searchsorted on pair-major keys).
    base = int(lo.min())
    key_sale = pair.astype(np.int64) * 10_000_000 + (sday - base)
    key_day = pair_of_day.astype(np.int64) * 10_000_000 + (day - base)
    prev_idx = np.searchsorted(key_sale, key_day, side="right") - 1
    before_first = day < sday[f_idx][pair_of_day]
    after_last = day > sday[l_idx][pair_of_day]
    prev_idx = np.where(before_first, f_idx[pair_of_day], prev_idx)
    is_sale = ~before_first & (sday[prev_idx] == day)
    next_idx = np.where(is_sale | before_first, prev_idx, np.where(after_last, prev_idx, prev_idx + 1))
    before, after = sprice[prev_idx], sprice[next_idx]
    week = monday(day)
    # A quiet day after a sale of the same week keeps that sale's price: a shop with one order a week
    # tells nothing about which day its price changed, and a week is the unit it is read in. The
    # other quiet days between sales at different prices (before a week's first sale, or in weeks
    # without sales) stay ambiguous. Giving the days before a week's first sale that sale's price
    # too put whole weeks at a promotion's price that began on Thursday: 0.1-0.2 toward zero on the
    # demo shops.
    same_prev = monday(sday[prev_idx]) == week
    known_price = before
    amb = ~is_sale & (before != after) & ~same_prev

    # Rows: (pair, week, price) for every known day and both prices of every ambiguous day.
    k_pair = np.r_[pair_of_day[~amb], pair_of_day[amb], pair_of_day[amb]]
    k_week = np.r_[week[~amb], week[amb], week[amb]]
    k_price = np.r_[known_price[~amb], before[amb], after[amb]]
    cents = np.round(k_price * 10_000).astype(np.int64)
    order = np.lexsort((cents, k_week, k_pair))
    ks = np.column_stack([k_pair[order], k_week[order], cents[order]])
    new_row = np.r_[True, np.any(ks[1:] != ks[:-1], axis=1)]
    row_of_sorted = np.cumsum(new_row) - 1
    row_id = np.empty(len(order), np.int64)
    row_id[order] = row_of_sorted
    n_known, n_amb = int((~amb).sum()), int(amb.sum())
    row_known = row_id[:n_known]
    row_a, row_b = row_id[n_known:n_known + n_amb], row_id[n_known + n_amb:]
    n_rows = int(row_of_sorted[-1]) + 1
    heads = order[new_row]
    r_pair, r_week, r_price = k_pair[heads], k_week[heads], k_price[heads]
    exposure = np.bincount(row_known, minlength=n_rows) / 7.0
    units = np.bincount(row_known, weights=np.where(is_sale[~amb], daily["units"].to_numpy(float)[prev_idx[~amb]], 0.0),
                        minlength=n_rows)
    lines = np.bincount(row_known, weights=np.where(is_sale[~amb], daily["lines"].to_numpy(float)[prev_idx[~amb]], 0.0),
                        minlength=n_rows)
    # Price levels (pair x price) and their completed spells / known days.
    # Units per order line, per pair: a quiet day says "no order", and with packs of 6 a rate of
    # 3 units a day is half an order a day, not three.
    per_line = (np.bincount(pair, weights=daily["units"].to_numpy(float), minlength=n_pairs)
                / np.maximum(np.bincount(pair, weights=daily["lines"].to_numpy(float), minlength=n_pairs), 1))
    lv_key = r_pair.astype(np.float64) * 1e10 + np.round(r_price * 10_000)
    level = np.unique(lv_key, return_inverse=True)[1]
    n_lv = int(level.max()) + 1
    known_days = np.bincount(level, weights=exposure * 7.0, minlength=n_lv)
    ends = np.r_[(pair[:-1] == pair[1:]) & (sprice[:-1] != sprice[1:]), False]
    sale_row = row_id[:n_known][is_sale[~amb]]               # the row of each sale day, in sale order
    in_span = (sday >= lo[pair]) & (sday <= hi[pair])          # the sale days the span kept
    spells = np.bincount(level[sale_row], weights=ends[in_span].astype(float), minlength=n_lv)
    # Ambiguous days: gap = the sale day before it (global index), pos = days since that sale.
    gap = prev_idx[amb]
    pos = (day - sday[prev_idx])[amb]
    amb_order = np.lexsort((pos, gap))
    head = daily.iloc[pair_first_sale][["sku", "channel", "category"]].reset_index(drop=True)
    rows = pd.concat([head.iloc[r_pair].reset_index(drop=True),
                      pd.DataFrame({"pair": r_pair, "day": r_week, "price": r_price, "units": units,
                                    "exposure": exposure, "level": level, "sold": units > 0,
                                    "units_per_line": np.maximum(per_line[r_pair], 1.0), "lines": lines,
                                    "edge": (r_week == monday(lo)[r_pair]) | (r_week == monday(hi)[r_pair])})],
                     axis=1)
    return PricePanel(rows[ROW_COLUMNS], {"a": row_a[amb_order], "b": row_b[amb_order], "gap": gap[amb_order],
                                          "pos": pos[amb_order], "pair": pair_of_day[amb][amb_order]},
                      spells, known_days)
