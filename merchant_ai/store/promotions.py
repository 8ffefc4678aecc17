"""Promotions and one-off events the owner flags, so forecasts do not learn them as the usual level.

A promotion is a date range, for one master SKU or for the whole shop (`sku` None: a sitewide
sale). The forecaster treats the periods it touches like a detected spike (see
`analytics/demand_censoring.flagged_mask`). Every change bumps the store's data version, so cached
forecasts and stock alerts are recomputed with it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from merchant_ai.store.edits import bump, known_sku, parse_day
from merchant_ai.store.store import Store

MAX_DAYS = 366          # a "promotion" longer than a year is a data-entry slip, not an event


class PromotionError(ValueError):
    """A flag that cannot be stored as given; the message says which field and why."""


def add_promotion(store: Store, start: dt.date | str, end: dt.date | str, sku: str | None = None,
                  note: str = "") -> int:
    """Flag `start`..`end` (both included) for `sku`, or for the whole shop; returns the flag's id."""
    first, last = parse_day(start, "from", PromotionError), parse_day(end, "to", PromotionError)
    if last < first:
        raise PromotionError(f"to: {last} is before from: {first}.")
    if (last - first).days + 1 > MAX_DAYS:
        raise PromotionError(f"from {first} to {last} is longer than {MAX_DAYS} days: flag the promotion's "
                             "own days, not a whole season.")
    key = (sku or "").strip() or None
    if key is not None and not known_sku(store.connection(), key):
        raise PromotionError(f"sku: no product or sale with SKU {key!r} in this shop.")
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with store.transaction() as tx:
        cur = tx.execute("INSERT INTO promotions(sku, start_day, end_day, note, created_at) VALUES (?, ?, ?, ?, ?)",
                         (key, first.isoformat(), last.isoformat(), note.strip(), now))
        new_id = int(cur.lastrowid)
        bump(tx, store)
    return new_id


def remove_promotion(store: Store, promotion_id: int) -> bool:
    """Delete one flag; False if there was none with that id."""
    with store.transaction() as tx:
        gone = tx.execute("DELETE FROM promotions WHERE id = ?", (int(promotion_id),)).rowcount
        if gone:
            bump(tx, store)
    return bool(gone)


def list_promotions(store: Store, sku: str | None = None) -> list[dict[str, Any]]:
    """Flags, newest first; with `sku`, those of that SKU and the sitewide ones (what its forecast sees)."""
    sql = "SELECT id, sku, start_day, end_day, note, created_at FROM promotions"
    params: tuple = ()
    if sku is not None:
        sql += " WHERE sku = ? OR sku IS NULL"
        params = (sku,)
    rows = store.connection().execute(sql + " ORDER BY start_day DESC, id DESC", params).fetchall()
    return [{"id": r[0], "sku": r[1], "from": r[2], "to": r[3], "note": r[4], "created_at": r[5]} for r in rows]


def flag_days(store: Store, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """One row (`key`, `day`) per flagged day up to `as_of`; a sitewide flag's rows have key None."""
    rows = store.connection().execute("SELECT sku, start_day, end_day FROM promotions").fetchall()
    limit = parse_day(as_of, "as_of", PromotionError) if as_of is not None else None
    keys, days = [], []
    for sku, start, end in rows:
        last = dt.date.fromisoformat(end)
        if limit is not None:
            last = min(last, limit)
        span = pd.date_range(start, last, freq="D")
        keys.extend([sku] * len(span))
        days.extend(span)
    return pd.DataFrame({"key": pd.Series(keys, dtype=object), "day": pd.to_datetime(pd.Series(days))})
