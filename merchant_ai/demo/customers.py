"""Who buys when: a BG/NBD-style purchase process per customer, modulated by the shop calendar.

Each customer arrives once (acquisition follows the shop's season, so gift buyers flood in at
Black Friday), then buys again at a personal rate lambda ~ Gamma(r, alpha) while alive, and after
every purchase drops out with a personal probability p ~ Beta(a, b): the model of Fader, Hardie
& Lee (2005) that the customers tab fits. The season modulates repeat purchases by thinning, so
the ground truth stays the BG/NBD parameters while the calendar still shows in the order counts.
Customers who made 3+ purchases and then went silent for long are "lapsing" in the truth labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class CustomerProcess:
    r: float = 0.7             # Gamma shape of purchase rates
    alpha: float = 130.0       # Gamma scale (days): mean rate r/alpha = one purchase per ~185 days
    a: float = 1.3             # Beta(a, b) dropout probability after each purchase
    b: float = 2.0
    new_per_day: float = 5.2   # new customers on an average day (before calendar multipliers)


def simulate_customers(rng: np.random.Generator, intensity: np.ndarray, channel_share: np.ndarray,
                       channel_start: np.ndarray, proc: CustomerProcess) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers and their purchase moments (day index + fraction) over len(intensity) days.

    `intensity[d]` is the calendar multiplier of day d (mean ~1); `channel_share[c]` the share of
    new customers per channel; `channel_start[c]` the first day channel c sells.
    Returns (customers, events) where events are sorted by time and carry `customer` and `day`.
    """
    n_days = len(intensity)
    births_per_day = rng.poisson(proc.new_per_day * intensity)
    birth_day = np.repeat(np.arange(n_days), births_per_day)
    n = len(birth_day)
    birth = birth_day + rng.random(n)
    # Channel: by share, among channels already selling on the birth day.
    open_ch = birth_day[:, None] >= channel_start[None, :]
    w = open_ch * channel_share[None, :]
    w = w / w.sum(axis=1, keepdims=True)
    channel = (rng.random(n)[:, None] > np.cumsum(w, axis=1)).sum(axis=1)
    lam = rng.gamma(proc.r, 1.0, n) / proc.alpha
    p_drop = rng.beta(proc.a, proc.b, n)
    repeats_allowed = rng.geometric(p_drop) - 1         # purchases after the first before dropping out

    # Candidate repeat purchases: homogeneous at the calendar's peak rate, thinned to the calendar.
    peak = float(intensity.max())
    span = n_days - birth
    k = rng.poisson(lam * peak * span)
    owner = np.repeat(np.arange(n), k)
    t = birth[owner] + rng.random(len(owner)) * span[owner]
    keep = rng.random(len(owner)) < intensity[np.minimum(t.astype(int), n_days - 1)] / peak
    owner, t = owner[keep], t[keep]
    order = np.lexsort((t, owner))
    owner, t = owner[order], t[order]
    rank = np.arange(len(owner)) - np.searchsorted(owner, owner, side="left")
    alive = rank < repeats_allowed[owner]
    owner, t = owner[alive], t[alive]

    events = pd.DataFrame({
        "customer": np.concatenate([np.arange(n), owner]),
        "time": np.concatenate([birth, t]),
    })
    events = events.sort_values(["time", "customer"], kind="stable").reset_index(drop=True)
    events["day"] = np.minimum(events["time"].astype(int), n_days - 1)
    customers = pd.DataFrame({
        "customer": np.arange(n), "channel_index": channel, "birth_day": birth_day,
        "lambda_per_day": lam, "p_drop": p_drop, "repeats_allowed": repeats_allowed,
    })
    return customers, events
