"""The per-SKU x channel pricing table: true profit, elasticity and a suggested price side by side.

What `merchant-ai margin --store` prints and the pricing tab's product table shows. Pure function
of the store's frames; the caller loads them (and the owner's presets) and passes them in.

A suggested price needs a usable elasticity (level "sku" or "category") whose interval excludes
zero (a measurable price effect), *and* the shop's price check (`price_backtest.PriceBacktest`):
where the elasticities did not predict the last months' sales better than ignoring price,
`suggested_price` is None, `suggestion.withheld` is true and `suggestion.reason` says why in plain
words; the elasticity and its interval are still shown.
Each item's `price_check` is the verdict that applied to it; the top-level `price_check` holds the
shop's and the categories' figures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from merchant_ai.pricing.elasticity import PriceElasticity
from merchant_ai.pricing.presets import PresetLibrary
from merchant_ai.pricing.price_backtest import PriceBacktest
from merchant_ai.pricing.price_panel import price_panel
from merchant_ai.pricing.profit import TrueProfit
from merchant_ai.pricing.suggest import PriceSuggester, unit_fee_curve

NO_EFFECT = ("your sales show no clear reaction to price (the elasticity's interval, or its category's, includes "
             "zero), so no price suggestion")


def current_prices(sales: pd.DataFrame, as_of: dt.date | str | None = None, window_days: int = 28) -> pd.DataFrame:
    """Median unit price per SKU x channel over the last `window_days` the pair sold, and units/week."""
    df = sales
    if as_of is not None:
        df = df[pd.to_datetime(df["order_date"]) <= pd.Timestamp(as_of)]
    df = df[(df["quantity"] > 0) & (df["unit_price"] > 0)]
    if df.empty:
        return pd.DataFrame(columns=["sku", "channel", "price_now", "units_per_week"])
    last = df.groupby(["sku", "channel"])["order_date"].transform("max")
    recent = df[df["order_date"] > last - pd.Timedelta(days=window_days)]
    out = recent.groupby(["sku", "channel"], as_index=False).agg(
        price_now=("unit_price", "median"), units=("quantity", "sum"))
    out["units_per_week"] = out.pop("units") / (window_days / 7)
    return out


def sku_channel_table(sales: pd.DataFrame, orders: pd.DataFrame | None, fees: pd.DataFrame | None,
                      library: PresetLibrary | None = None, as_of: dt.date | str | None = None,
                      target_margin_pct: float = 20.0, range_pct: float = 20.0, country: str | None = "US",
                      with_elasticity: bool = True) -> dict[str, Any]:
    """Items (one per SKU x channel), unknown-cost SKUs and margin alerts, ready for JSON."""
    library = library or PresetLibrary()
    profit = TrueProfit(country=country, target_margin_pct=target_margin_pct).fit(
        sales, orders, fees, library=library, as_of=as_of)
    summary = profit.summary(("sku", "channel"))
    if summary.empty:
        return {"items": [], "price_check": None, "unknown_cost": [], "alerts": [], "unallocated_fees": [],
                "channels": []}
    costs = sales.groupby("sku")["unit_cost"].first()
    prices = current_prices(sales, as_of)
    table = summary.merge(prices, on=["sku", "channel"], how="left")
    table["unit_cost"] = table["sku"].map(costs)
    names = {"elasticity": "elasticity", "ci_low": "ci_low", "ci_high": "ci_high", "level": "elasticity_level",
             "reason": "elasticity_reason", "category": "elasticity_category",
             "category_elasticity": "category_e", "category_std_err": "category_se"}
    check = None
    if with_elasticity:
        panel = price_panel(sales, as_of)                     # one panel for the estimates and the check
        el = PriceElasticity().fit_panel(panel).results_.set_index("sku")
        for col, name in names.items():
            table[name] = table["sku"].map(el[col])
        # Suggestions only where the elasticities beat "price does not matter" on the shop's own
        # recent history (data up to as_of only): see price_backtest.
        check = PriceBacktest().fit(sales, as_of=as_of, panel=panel)
    else:
        for name in names.values():
            table[name] = np.nan
        table["elasticity_reason"] = "not estimated"

    day = pd.Timestamp(as_of).date() if as_of is not None else dt.date.today()
    suggester = PriceSuggester(range_pct=range_pct)
    fee_fns = {ch: unit_fee_curve(library.for_channel(ch), day, {"country": country})
               for ch in table["channel"].unique()}
    items = []
    for row in table.itertuples(index=False):
        e = None if pd.isna(row.elasticity) else float(row.elasticity)
        ci = None if e is None else (float(row.ci_low), float(row.ci_high))
        usable = e is not None and row.elasticity_level in ("sku", "category")
        cost = None if pd.isna(row.unit_cost) else float(row.unit_cost)
        price_now = None if pd.isna(row.price_now) else float(row.price_now)
        s = suggester.suggest(price_now or 0.0, cost, e if usable else None, ci, fee_fns[row.channel],
                              units_now=float(row.units_per_week or 1.0))
        verdict = "not_estimated"
        if check is not None:
            category = None if pd.isna(row.elasticity_category) else row.elasticity_category
            allowed, why = check.allowed(category)
            verdict = check.status(category)
            if usable and s.suggested_price is not None:
                # Its category's value must show the effect too: among a dozen SKUs whose price does
                # nothing, one interval excludes zero by chance.
                cat_high = (np.nan if pd.isna(row.category_e) else
                            float(row.category_e) + 1.96 * float(row.category_se))
                if ci[1] >= 0 or cat_high >= 0:
                    # No measurable price effect: the "best" price would be wherever the allowed
                    # range ends, a rule of thumb dressed up as a finding.
                    s = s.withhold(NO_EFFECT)
                elif not allowed:
                    s = s.withhold(why)
        items.append({
            "sku": row.sku, "channel": row.channel, "units": float(row.units), "revenue": float(row.revenue),
            "fees": None if pd.isna(row.fees) else float(row.fees), "fees_known": bool(row.fees_known),
            "cogs": None if pd.isna(row.cogs) else float(row.cogs),
            "profit": None if pd.isna(row.profit) else float(row.profit),
            "margin_pct": None if pd.isna(row.margin_pct) else float(row.margin_pct),
            "cost_known": bool(row.cost_known), "revenue_cost_unknown": float(row.revenue_cost_unknown),
            "unit_cost": cost, "price_now": price_now,
            "units_per_week": None if pd.isna(row.units_per_week) else float(row.units_per_week),
            "elasticity": e, "elasticity_ci": None if ci is None else [ci[0], ci[1]],
            "elasticity_level": row.elasticity_level, "elasticity_note": row.elasticity_reason,
            "suggested_price": s.suggested_price, "suggestion": s.to_dict(), "price_check": verdict,
        })
    unknown = profit.unknown_cost_skus()
    alerts = profit.alerts()
    return {
        "items": items,
        "price_check": None if check is None else check.summary(),
        "unknown_cost": unknown.to_dict("records"),
        "alerts": alerts.to_dict("records"),
        "unallocated_fees": profit.unallocated_fees_.to_dict("records"),
        "channels": profit.summary(("channel",)).to_dict("records"),
    }
