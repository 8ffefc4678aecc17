"""Offline evaluation of recommendations, so the owner sees whether they earn their place.

Two protocols, both strictly on data the model could have had:
- leave-last-order-out: each customer with two or more orders loses their last order; the model is
  fitted on everything else and must find that order's items;
- next window: fit up to as_of, score the items each known customer bought in the next N days.
HitRate@k = share of customers with at least one hit; Recall@k = mean over customers of hits /
items to find. `new_only` counts only items the customer had not bought before and leaves bought
items out of every list.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from merchant_ai.analytics.customers import to_date
from merchant_ai.analytics.recommend import Recommender, clean_lines

# name -> (w_again, w_knn, w_pop): the single-signal baselines are the blend with one weight.
METHODS = {
    "popularity": (0.0, 0.0, 1.0),
    "buy_again": (1.0, 0.0, 1e-3),   # own history by repeat weight, popularity fill
    "item_knn": (0.0, 1.0, 1e-3),
    "ease": (0.0, 0.0, 1e-3, 1.0),
    "ours": None,                    # the Recommender's own blend
}


def _hits(scores: np.ndarray, targets: list[set[int]], k: int) -> tuple[float, float]:
    top = np.argpartition(-scores, min(k, scores.shape[1] - 1), axis=1)[:, :k]
    hit, rec = [], []
    for row, t in zip(top, targets, strict=True):
        found = len(t.intersection(row.tolist()))
        hit.append(found > 0)
        rec.append(found / len(t))
    return float(np.mean(hit)), float(np.mean(rec))


def _evaluate(model: Recommender, customers: list[str], targets: list[set[str]], k: int, new_only: bool,
              methods: list[str] | None, batch: int = 512) -> dict[str, dict[str, float]]:
    idx_targets = [{model.item_index_[s] for s in t if s in model.item_index_} for t in targets]
    keep = [i for i, t in enumerate(idx_targets) if t]
    customers = [customers[i] for i in keep]
    idx_targets = [idx_targets[i] for i in keep]
    names = methods or list(METHODS)
    hits = dict.fromkeys(names, 0.0)
    recs = dict.fromkeys(names, 0.0)
    for start in range(0, len(customers), batch):
        chunk = customers[start:start + batch]
        signals = model.signals(chunk)
        for name in names:
            h, r = _hits(model.blend(signals, new_only, METHODS[name]), idx_targets[start:start + batch], k)
            hits[name] += h * len(chunk)
            recs[name] += r * len(chunk)
    n_all = max(len(customers), 1)
    return {name: {"hit_rate": hits[name] / n_all, "recall": recs[name] / n_all, "customers": len(customers)}
            for name in names}


def leave_last_order_out(sales: pd.DataFrame, as_of: dt.date | str | None = None, k: int = 10,
                         new_only: bool = False, methods: list[str] | None = None) -> dict[str, dict[str, float]]:
    """HitRate@k and Recall@k per method (see module docstring)."""
    lines = clean_lines(sales, as_of)
    lines = lines[lines["customer"].notna()]
    if lines.empty:
        return {}
    orders = lines.groupby(["customer", "order_id"])["order_date"].max().reset_index()
    orders = orders.sort_values(["customer", "order_date", "order_id"])
    n = orders.groupby("customer")["order_id"].transform("size")
    last = orders[(n >= 2)].groupby("customer").tail(1)
    held = lines["order_id"].isin(set(last["order_id"]))
    train, test = lines[~held], lines[held]
    model = Recommender(as_of=to_date(as_of, sales)).fit(train)
    return _targets_and_score(model, train, test, k, new_only, methods)


def next_window(sales: pd.DataFrame, as_of: dt.date | str, days: int = 30, k: int = 10, new_only: bool = False,
                methods: list[str] | None = None) -> dict[str, dict[str, float]]:
    cutoff = to_date(as_of)
    lines = clean_lines(sales)
    lines = lines[lines["customer"].notna()]
    train = lines[lines["order_date"] <= cutoff]
    test = lines[(lines["order_date"] > cutoff) & (lines["order_date"] <= cutoff + pd.Timedelta(days=days))]
    test = test[test["customer"].isin(set(train["customer"]))]
    model = Recommender(as_of=cutoff).fit(train)
    return _targets_and_score(model, train, test, k, new_only, methods)


def _targets_and_score(model: Recommender, train: pd.DataFrame, test: pd.DataFrame, k: int, new_only: bool,
                       methods: list[str] | None) -> dict[str, dict[str, float]]:
    targets = test.groupby("customer")["sku"].agg(set)
    if new_only:
        before = train.groupby("customer")["sku"].agg(set)
        targets = pd.Series({c: t - before.get(c, set()) for c, t in targets.items()}, dtype=object)
    return _evaluate(model, list(targets.index), list(targets.values), k, new_only, methods)
