"""True profit per order line, then per SKU, channel or period, from the store's frames.

profit = revenue net of discounts and refunds + shipping charged - fees - cost of goods - shipping paid

- Fees: the real ones where the export carries them (`queries.fees`: Amazon settlements, eBay
  transaction reports, Etsy card fees), otherwise the channel's dated preset at the order date, so
  a 2022 eBay order pays 12.9% and a 2025 one 13.6%. Real fees replace the preset only for the fee
  lines the export covers: Etsy's orders file carries card fees but not the transaction or listing
  fees, which still come from the preset. Fees are kept on refunded sales (the conservative case).
- Cost of goods: net units x the product's unit cost. An unknown cost is never taken as zero:
  the line's profit is NaN, `cost_known` is False, and `unknown_cost_skus` lists those SKUs with
  their share of revenue, so the owner knows how much of the picture is missing.
- Shipping paid: label costs where the export has them (eBay 'Shipping label' rows); otherwise the
  shipping charged is assumed to cover it (`shipping_cost_known` False), neither profit nor loss.

Order-level amounts (shipping, tax, real fees without a SKU) are spread over the order's lines in
proportion to line revenue. Estimator style: parameters in `__init__`, work in `fit`, results in
`lines_`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from merchant_ai.pricing.calculator import norm_category
from merchant_ai.pricing.presets import Preset, PresetLibrary

# Fee lines a platform's export covers; None = the export carries all of an order's fees.
REAL_FEE_COVERAGE: dict[str, set[str] | None] = {
    "etsy": {"Payment processing fee"},
}
_SHIPPING_KINDS = ("shipping label", "postage", "label purchase")

LINE_COLUMNS = [
    "order_id", "order_ref", "channel", "order_date", "sku", "title", "category", "quantity", "net_quantity",
    "unit_price", "revenue", "shipping_charged", "fees", "fee_source", "cogs", "shipping_cost",
    "shipping_cost_known", "profit", "cost_known", "currency", "priced_sale",
]


def _as_day(as_of: dt.date | str | None) -> pd.Timestamp | None:
    return None if as_of is None else pd.Timestamp(as_of)


class TrueProfit:
    """Profit per order line; aggregate with `summary(by=...)`.

    Parameters: `country` and `options` describe the shop for preset fees (e.g. country 'GB' picks
    Etsy's UK processing fee); `target_margin_pct` is the alert threshold.
    """

    def __init__(self, country: str | None = "US", options: dict[str, Any] | None = None,
                 target_margin_pct: float = 20.0) -> None:
        self.country = country
        self.options = options
        self.target_margin_pct = target_margin_pct

    def fit(self, sales: pd.DataFrame, orders: pd.DataFrame | None = None, fees: pd.DataFrame | None = None,
            library: PresetLibrary | None = None, as_of: dt.date | str | None = None) -> TrueProfit:
        cutoff = _as_day(as_of)
        library = library or PresetLibrary()
        lines = sales.copy()
        if cutoff is not None:
            lines = lines[pd.to_datetime(lines["order_date"]) <= cutoff]
        lines = lines.reset_index(drop=True)
        self.as_of_ = as_of
        self.unallocated_fees_ = pd.DataFrame(columns=["channel", "kind", "amount"])
        if lines.empty:
            self.lines_ = pd.DataFrame({c: pd.Series(dtype=object) for c in LINE_COLUMNS})
            return self
        for col in ("quantity", "net_quantity", "revenue", "net_revenue", "unit_cost", "unit_price"):
            lines[col] = pd.to_numeric(lines[col], errors="coerce").astype(float)
        lines["order_date"] = pd.to_datetime(lines["order_date"])
        lines["share"] = _order_share(lines)
        self._order_amounts(lines, orders)
        real, covered_all, covered = self._real_fees(lines, fees, cutoff)
        preset_fees, preset_known = self._preset_fees(lines, library, covered_all, covered)
        lines["fees"] = real + preset_fees
        has_real = (real != 0) | covered_all
        lines["fee_source"] = np.select(
            [covered_all, has_real & preset_known, preset_known],
            ["actual", "actual+preset", "preset"], default="unknown")
        lines.loc[lines["fee_source"].eq("unknown"), "fees"] = np.nan

        lines["cost_known"] = lines["unit_cost"].notna()
        lines["cogs"] = lines["net_quantity"] * lines["unit_cost"]
        ship_cost = lines["shipping_cost"].where(lines["shipping_cost_known"], lines["shipping_charged"])
        lines["profit"] = (lines["net_revenue"] + lines["shipping_charged"] - lines["fees"].fillna(0.0)
                           - lines["cogs"] - ship_cost)
        lines["priced_sale"] = _priced_sale(lines)
        lines["revenue"] = lines["net_revenue"]
        self.lines_ = lines[LINE_COLUMNS]
        return self

    # --- pieces of fit --------------------------------------------------------------------------
    @staticmethod
    def _order_amounts(lines: pd.DataFrame, orders: pd.DataFrame | None) -> None:
        lines["shipping_charged"] = 0.0
        lines["tax"] = 0.0
        if orders is not None and not orders.empty:
            per_order = orders.drop_duplicates("order_id").set_index("order_id")
            for col in ("shipping", "tax"):
                amount = pd.to_numeric(lines["order_id"].map(per_order[col]), errors="coerce").fillna(0.0)
                lines["shipping_charged" if col == "shipping" else "tax"] = amount.to_numpy() * lines["share"]
        lines["shipping_cost"] = 0.0
        lines["shipping_cost_known"] = False

    def _real_fees(self, lines: pd.DataFrame, fees: pd.DataFrame | None, cutoff: pd.Timestamp | None):
        """Real fees per line (positive = paid), and which lines they cover (all, or named fee lines)."""
        zero = np.zeros(len(lines))
        covered_all = np.zeros(len(lines), bool)
        covered: list[set[str]] = [set() for _ in range(len(lines))]
        if fees is None or fees.empty:
            return zero, covered_all, covered
        f = fees.copy()
        f["amount"] = pd.to_numeric(f["amount"], errors="coerce").fillna(0.0)
        if cutoff is not None:
            posted = pd.to_datetime(f["posted_at"].astype(str).str.slice(0, 10), errors="coerce")
            f = f[posted.isna() | (posted <= cutoff)]
        f["paid"] = -f["amount"]
        f["is_shipping"] = f["kind"].fillna("").str.lower().str.contains("|".join(_SHIPPING_KINDS))
        key = lines["channel"].astype(str) + "\x1f" + lines["order_ref"].astype(str)
        f["key"] = f["channel"].astype(str) + "\x1f" + f["order_ref"].astype(str)
        known = f["order_ref"].notna() & f["key"].isin(set(key))
        self.unallocated_fees_ = (f[~known].groupby(["channel", "kind"], as_index=False)["paid"].sum()
                                  .rename(columns={"paid": "amount"}))
        f = f[known]
        fee_total = np.zeros(len(lines))
        for is_ship in (False, True):
            part = f[f["is_shipping"] == is_ship]
            by_order = part.groupby("key")["paid"].sum()
            spread = key.map(by_order).fillna(0.0).to_numpy() * lines["share"].to_numpy()
            if is_ship:
                lines["shipping_cost"] = spread
                lines["shipping_cost_known"] = key.isin(set(part["key"])).to_numpy()
            else:
                fee_total = spread
        # Which preset fee lines the real rows replace, per line's channel platform.
        has_fee_rows = key.isin(set(f.loc[~f["is_shipping"], "key"])).to_numpy()
        library_cov = self._coverage_lookup(lines)
        for i in np.flatnonzero(has_fee_rows):
            cov = library_cov[i]
            if cov is None:
                covered_all[i] = True
            else:
                covered[i] = cov
        return fee_total, covered_all, covered

    def _coverage_lookup(self, lines: pd.DataFrame) -> list[set[str] | None]:
        platforms = lines["channel"].astype(str).str.lower()
        return [REAL_FEE_COVERAGE.get(p) for p in platforms]

    def _preset_fees(self, lines: pd.DataFrame, library: PresetLibrary, covered_all: np.ndarray,
                     covered: list[set[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Dated preset fees for every line the real fees do not cover (vectorised by date piece)."""
        out = np.zeros(len(lines))
        known = covered_all.copy()
        for channel, idx in lines.groupby(lines["channel"].astype(str)).indices.items():
            preset = library.for_channel(channel)
            if preset is None:
                continue
            known[idx] = True
            sub = lines.iloc[idx]
            piece = np.searchsorted(np.array([np.datetime64(d) for d in preset.change_dates()], dtype="M8[ns]"),
                                    sub["order_date"].to_numpy(), side="right")
            group_keys = pd.DataFrame({"piece": piece, "category": sub["category"].fillna("").to_numpy()})
            for (_, category), gidx in group_keys.groupby(["piece", "category"]).indices.items():
                rows = idx[gidx]
                day = lines["order_date"].iat[rows[0]].date()
                out[rows] += self._fees_for(lines, rows, preset, day, category or None, covered_all, covered)
        return out, known

    def _fees_for(self, lines: pd.DataFrame, rows: np.ndarray, preset: Preset, day: dt.date,
                  category: str | None, covered_all: np.ndarray, covered: list[set[str]]) -> np.ndarray:
        context = {**preset.default_options(), **(self.options or {}),
                   "country": (self.country or "").upper() or None, "category": norm_category(category)}
        sub = lines.iloc[rows]
        qty = sub["quantity"].clip(lower=1).to_numpy()
        share = sub["share"].to_numpy()
        comps = {"item": sub["revenue"].to_numpy(), "shipping": sub["shipping_charged"].to_numpy(),
                 "gift_wrap": np.zeros(len(sub)), "tax": sub["tax"].to_numpy()}
        # Order totals of each component, for per-order rules with tiers or minimums.
        order_ids = sub["order_id"].to_numpy()
        total = np.zeros(len(rows))
        for rule in preset.select(day, context):
            if rule.per not in ("order", "unit"):
                continue
            skip = covered_all[rows] | np.array([rule.fee in covered[i] for i in rows], bool)
            base = sum((comps[c] for c in rule.base_components(context)), np.zeros(len(rows)))
            if rule.per == "unit":
                fee = qty * rule.amount_array(base / qty)
            else:
                order_base = pd.Series(base).groupby(order_ids).transform("sum").to_numpy()
                line_base_share = np.where(order_base != 0, base / np.where(order_base == 0, 1, order_base), share)
                fee = rule.amount_array(order_base) * line_base_share
            total += np.where(skip, 0.0, fee)
        return total

    # --- results --------------------------------------------------------------------------------
    def summary(self, by: list[str] | tuple[str, ...] = ("sku", "channel"), freq: str | None = None,
                priced_sales_only: bool = False) -> pd.DataFrame:
        """Units, revenue, fees, COGS, profit and margin per group; `freq` ('W', 'M') adds a period.

        Profit and margin count only lines with a known cost; `cost_known` is False when any line
        of the group lacks one, and `revenue_cost_unknown` says how much revenue that is.
        `priced_sales_only` leaves out fully refunded lines and pending lines without a price yet:
        they are true costs of the shop, but say nothing about whether the price is right.
        """
        lines = self.lines_.copy()
        if priced_sales_only:
            lines = lines[lines["priced_sale"].astype(bool)]
        keys = list(by)
        if freq:
            rule = {"W": "W-SUN", "M": "M"}.get(freq, freq)
            lines["period"] = lines["order_date"].dt.to_period(rule).dt.start_time
            keys.append("period")
        if lines.empty:
            return pd.DataFrame(columns=[*keys, "units", "revenue", "fees", "cogs", "profit", "margin_pct",
                                         "cost_known", "revenue_cost_unknown"])
        lines["revenue_total"] = lines["revenue"] + lines["shipping_charged"]
        lines["known_revenue"] = lines["revenue_total"].where(lines["cost_known"], 0.0)
        lines["unknown_revenue"] = lines["revenue_total"].where(~lines["cost_known"], 0.0)
        lines["profit_known"] = lines["profit"].where(lines["cost_known"], 0.0)
        lines["fees_unknown"] = lines["fees"].isna()
        g = lines.groupby(keys, dropna=False, sort=True)
        out = g.agg(units=("net_quantity", "sum"), revenue=("revenue_total", "sum"), fees=("fees", "sum"),
                    cogs=("cogs", "sum"), profit=("profit_known", "sum"), known_revenue=("known_revenue", "sum"),
                    revenue_cost_unknown=("unknown_revenue", "sum"), cost_known=("cost_known", "all"),
                    any_cost=("cost_known", "any"), fees_unknown=("fees_unknown", "any"),
                    fees_all_unknown=("fees_unknown", "all"),
                    shipping_cost_known=("shipping_cost_known", "all")).reset_index()
        out["fees_known"] = ~out.pop("fees_unknown")
        out.loc[out.pop("fees_all_unknown"), "fees"] = np.nan     # no fee data at all: unknown, not 0
        any_cost = out.pop("any_cost")
        out.loc[~any_cost, ["profit", "cogs"]] = np.nan
        known_rev = out.pop("known_revenue")
        out["margin_pct"] = np.where(known_rev > 0, out["profit"] / known_rev.where(known_rev > 0) * 100, np.nan)
        return out

    def unknown_cost_skus(self) -> pd.DataFrame:
        """SKUs sold without a known unit cost, with their revenue and share of all revenue."""
        lines = self.lines_
        if lines.empty:
            return pd.DataFrame(columns=["sku", "title", "revenue", "revenue_share"])
        total = float(lines["revenue"].sum())
        missing = lines[~lines["cost_known"].astype(bool)]
        out = (missing.groupby("sku", as_index=False)
               .agg(title=("title", "first"), revenue=("revenue", "sum"), units=("net_quantity", "sum"))
               .sort_values("revenue", ascending=False, ignore_index=True))
        out["revenue_share"] = out["revenue"] / total if total else np.nan
        return out

    def alerts(self, summary: pd.DataFrame | None = None) -> pd.DataFrame:
        """Products selling below break-even, or below the target margin, on some channel.

        Judged on priced sales only: one refunded order or an Amazon order still pending its price
        would otherwise read as "sells at a loss" when the price is fine.
        """
        s = self.summary(("sku", "channel"), priced_sales_only=True) if summary is None else summary
        s = s[s["profit"].notna()]
        below_zero = s["profit"] < 0
        below_target = s["margin_pct"] < self.target_margin_pct
        out = s[below_zero | below_target].copy()
        out["alert"] = np.where(out["profit"] < 0, "below_break_even", "below_target")
        out["target_margin_pct"] = self.target_margin_pct
        return out.sort_values(["alert", "margin_pct"], ignore_index=True)[
            ["sku", "channel", "alert", "margin_pct", "target_margin_pct", "profit", "revenue", "units"]]


def _priced_sale(lines: pd.DataFrame) -> np.ndarray:
    """True for lines that say something about the price: not fully refunded, not awaiting a price."""
    refunded = (lines["revenue"] > 0) & (lines["net_revenue"] <= 0)
    status = lines["status"] if "status" in lines else pd.Series("paid", index=lines.index)
    no_price_yet = status.eq("pending") & ~(lines["revenue"] > 0)
    return (~(refunded | no_price_yet)).to_numpy()


def _order_share(lines: pd.DataFrame) -> np.ndarray:
    """Each line's share of its order's revenue (equal shares when the order's revenue is zero)."""
    rev = lines["revenue"].clip(lower=0).fillna(0.0)
    total = rev.groupby(lines["order_id"]).transform("sum")
    count = lines.groupby("order_id")["order_id"].transform("size")
    return np.where(total > 0, rev / total.where(total > 0, 1.0), 1.0 / count).astype(float)
