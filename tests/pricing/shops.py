"""Synthetic shops with daily sales and promotions, for the elasticity and price-check tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.pricing.frames import sales_frame


def promo_shop(elasticity: float = -2.0, n_skus: int = 12, days: int = 546, seed: int = 0, rate: float = 1.5,
               category: str | None = "mugs", endogenous_until: int | None = None) -> pd.DataFrame:
    """Daily Poisson orders per SKU (one channel) at a regular price with 2-4 week promotions.

    Demand: rate x (price / regular) ** elasticity x a weekly season. With `endogenous_until` (a
    day), promotions before that day are timed with a burst of the SKU's own demand (x3 for their
    length) and `elasticity` should be 0: the history then shows price cuts that "sold more",
    while later promotions, at random times, sell nothing extra.
    """
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=days, freq="D")
    rows, i = [], 0
    for s in range(n_skus):
        regular = float(rng.choice([12.0, 18.0, 25.0, 40.0]))
        off = np.zeros(days)
        burst = np.ones(days)
        start = int(rng.integers(0, 30))
        while start < days - 14:
            length = int(rng.integers(14, 29))
            off[start:start + length] = rng.choice([0.15, 0.2, 0.25, 0.3])
            if endogenous_until is not None and start < endogenous_until:
                burst[start:start + length] = 3.0
            start += length + int(rng.integers(35, 90))
        price = np.round(regular * (1 - off), 2)
        season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(days) / 365.25 + s)
        lam = rate * (1 - off) ** elasticity * season * burst
        orders = rng.poisson(lam)
        for d in np.flatnonzero(orders):
            for _ in range(orders[d]):
                rows.append(dict(order_id=i, order_ref=f"O{i}", channel="shopify", order_date=dates[d],
                                 sku=f"S{s:02d}", quantity=1, unit_price=price[d], unit_cost=regular * 0.4,
                                 category=category))
                i += 1
    return sales_frame(rows)


def tier_shop(n_skus: int = 10, days: int = 546, seed: int = 0, small: float = 0.6, big: float = 0.1) -> pd.DataFrame:
    """A wholesaler: small buyers pay the list price, big buyers (100-odd units) 18% less. Price has no
    effect on anyone; a day whose only buyer was a big one still shows the lower price."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=days, freq="D")
    rows, i = [], 0
    for s in range(n_skus):
        price = float(rng.choice([1.25, 2.55, 4.95]))
        tier = round(price * 0.82, 2)
        for d in range(days):
            for qty_range, unit_price, rate in (((1, 13), price, small), ((48, 200), tier, big)):
                for _ in range(rng.poisson(rate)):
                    rows.append(dict(order_id=i, order_ref=f"O{i}", channel="generic", order_date=dates[d],
                                     sku=f"T{s}", quantity=int(rng.integers(*qty_range)), unit_price=unit_price,
                                     unit_cost=price * 0.5))
                    i += 1
    return sales_frame(rows)
