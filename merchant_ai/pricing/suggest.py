"""The profit-maximising price within the range the owner allows, with its uncertainty.

Demand follows the estimated elasticity around today's price: units(p) = units0 * (p / p0) ** e.
Profit per week is units(p) * (p - fees(p) - unit cost), with fees(p) the channel's preset fees for
one unit at price p (percentage and fixed parts, minimums and tiers). The search stays within
+-`range_pct` of today's price: a constant elasticity is only believable near the prices the shop
has actually charged, and an inelastic estimate (e > -1) would otherwise say "raise it forever".

Uncertainty: the same optimisation at both ends of the elasticity's confidence interval gives the
range of best prices, and the suggested price's expected unit and profit changes are reported at
the interval's ends too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from merchant_ai.pricing.presets import Preset

FeeFn = Callable[[np.ndarray], np.ndarray]


def unit_fee_curve(preset: Preset | None, day: dt.date, context: dict[str, Any] | None = None) -> FeeFn:
    """Fees for one unit sold alone at each price (no shipping, no tax), from a preset's rules."""
    if preset is None:
        return lambda prices: np.zeros_like(np.asarray(prices, dtype=float))
    ctx = {**preset.default_options(), **(context or {})}
    rules = [r for r in preset.select(day, ctx) if r.per in ("order", "unit")]

    def fees(prices: np.ndarray) -> np.ndarray:
        prices = np.asarray(prices, dtype=float)
        total = np.zeros_like(prices)
        for rule in rules:
            base = prices if "item" in rule.base_components(ctx) else np.zeros_like(prices)
            total += rule.amount_array(base)
        return total

    return fees


@dataclass
class Suggestion:
    price_now: float
    suggested_price: float | None
    best_price_low: float | None     # best price if demand is as elastic as the CI's far end
    best_price_high: float | None    # ... and as inelastic as its near end
    units_change_pct: float | None
    units_change_range: tuple[float, float] | None
    profit_change_pct: float | None
    profit_change_range: tuple[float, float] | None
    at_limit: bool
    reason: str | None
    withheld: bool = False           # left out on purpose: no measurable price effect, or the shop's price check

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def withhold(self, reason: str) -> Suggestion:
        """The same item with no price suggestion, and why (the elasticity itself may still be shown)."""
        return Suggestion(price_now=self.price_now, suggested_price=None, best_price_low=None, best_price_high=None,
                          units_change_pct=None, units_change_range=None, profit_change_pct=None,
                          profit_change_range=None, at_limit=False, reason=reason, withheld=True)


class PriceSuggester:
    """Best price for one item given its elasticity; holds only the search settings."""

    def __init__(self, range_pct: float = 20.0, grid_points: int = 161) -> None:
        self.range_pct = range_pct
        self.grid_points = grid_points

    def suggest(self, price_now: float, unit_cost: float | None, elasticity: float | None,
                ci: tuple[float, float] | None, fee_fn: FeeFn, units_now: float = 1.0,
                extra_unit_cost: float = 0.0) -> Suggestion:
        empty = dict(suggested_price=None, best_price_low=None, best_price_high=None, units_change_pct=None,
                     units_change_range=None, profit_change_pct=None, profit_change_range=None, at_limit=False)
        if unit_cost is None or not np.isfinite(unit_cost):
            return Suggestion(price_now, reason="unit cost unknown", **empty)
        if elasticity is None or not np.isfinite(elasticity):
            return Suggestion(price_now, reason="no usable elasticity estimate", **empty)
        if not price_now or price_now <= 0:
            return Suggestion(price_now, reason="no current price", **empty)
        r = self.range_pct / 100
        grid = np.linspace(price_now * (1 - r), price_now * (1 + r), self.grid_points)
        grid = np.unique(np.append(grid, price_now))
        unit_margin = grid - fee_fn(grid) - unit_cost - extra_unit_cost
        margin_now = float(price_now - fee_fn(np.array([price_now]))[0] - unit_cost - extra_unit_cost)

        def profits(e: float) -> np.ndarray:
            return units_now * (grid / price_now) ** e * unit_margin

        def best(e: float) -> float:
            p = profits(e)
            return float(grid[int(np.argmax(p))])

        suggested = best(elasticity)
        lo_e, hi_e = ci if ci is not None else (elasticity, elasticity)
        ends = sorted([best(lo_e), best(hi_e)])
        units_change = lambda e: ((suggested / price_now) ** e - 1) * 100  # noqa: E731
        profit_now = units_now * margin_now

        def profit_change(e: float) -> float:
            new = units_now * (suggested / price_now) ** e * (suggested - fee_fn(np.array([suggested]))[0]
                                                              - unit_cost - extra_unit_cost)
            return (new - profit_now) / abs(profit_now) * 100 if profit_now else np.nan

        u_range = sorted([units_change(lo_e), units_change(hi_e)])
        p_range = sorted([profit_change(lo_e), profit_change(hi_e)])
        reason = None
        if hi_e >= 0 or lo_e > -1e-9:
            reason = "the interval includes no price effect or a positive one: the limit of the range decides"
        return Suggestion(
            price_now=price_now, suggested_price=round(suggested, 2), best_price_low=round(ends[0], 2),
            best_price_high=round(ends[1], 2), units_change_pct=units_change(elasticity),
            units_change_range=(u_range[0], u_range[1]), profit_change_pct=profit_change(elasticity),
            profit_change_range=(p_range[0], p_range[1]),
            at_limit=bool(np.isclose(suggested, grid[0]) or np.isclose(suggested, grid[-1])), reason=reason)
