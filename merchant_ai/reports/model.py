"""The weekly report's content: a plain dataclass tree, JSON-able, with no Qt and no pandas inside.

Every section carries `note`: one plain sentence shown instead of (or under) its table when the
data for it is missing ("add unit costs to see margins"). Tables are lists of dicts so a renderer
(PDF, dashboard, JSON) can show them without knowing the analytics behind them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

ACTION_KINDS = ("stock", "customers", "pricing", "recommendations", "data")


@dataclass
class Action:
    """One line of "this week's actions", linking to the main-window tab that deals with it."""
    kind: str            # stock | customers | pricing | recommendations | data
    text: str
    tab: str             # stock | customers | pricing | recommendations | import
    key: str | None = None


@dataclass
class KpiRow:
    key: str
    label: str
    unit: str                          # money | count | pct
    value: float | None
    previous: float | None
    last_year: float | None
    vs_previous_pct: float | None      # change in percent; for `pct` rows in points (see `change_in_points`)
    vs_last_year_pct: float | None
    change_in_points: bool = False     # rates compare in percentage points, not percent of percent
    higher_is_better: bool = True


@dataclass
class KpiSection:
    currency: str | None
    rows: list[KpiRow] = field(default_factory=list)
    channels: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None


@dataclass
class WeekPoint:
    week_start: dt.date
    revenue: float | None             # None for weeks ahead
    last_year: float | None           # None where a year earlier lies before the first order
    forecast: float | None = None
    lower80: float | None = None
    upper80: float | None = None


@dataclass
class RevenueSection:
    currency: str | None
    points: list[WeekPoint] = field(default_factory=list)
    forecast_model: str | None = None
    forecast_next_week: float | None = None
    note: str | None = None


@dataclass
class SupplierOrder:
    supplier: str
    lines: list[dict[str, Any]] = field(default_factory=list)   # sku, title, quantity, order_by, status, line_cost
    total_cost: float | None = None


@dataclass
class StockSection:
    suppliers: list[SupplierOrder] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)        # items per status
    expedite: list[dict[str, Any]] = field(default_factory=list)  # run out before their open order arrives
    note: str | None = None


@dataclass
class CustomerSection:
    segments: list[dict[str, Any]] = field(default_factory=list)   # segment, now, week_ago, four_weeks_ago
    slipping: int = 0                                              # customers newly At risk this week
    slipping_4w: int = 0                                           # ... over the last four weeks
    contacts: list[dict[str, Any]] = field(default_factory=list)   # top customers to contact
    value_method: str | None = None
    note: str | None = None


@dataclass
class PairsSection:
    pairs: list[dict[str, Any]] = field(default_factory=list)
    window_days: int = 365
    note: str | None = None


@dataclass
class MarginSection:
    target_margin_pct: float
    warnings: list[dict[str, Any]] = field(default_factory=list)
    window_start: dt.date | None = None
    unknown_cost_share: float | None = None      # share of the window's revenue without a unit cost
    note: str | None = None


@dataclass
class FreshnessSection:
    channels: list[dict[str, Any]] = field(default_factory=list)  # channel, last_import, last_order, stale, days
    stale_after_days: int = 8
    note: str | None = None


def plain(value: Any) -> Any:
    """JSON-able copy: dates as ISO text, NaN/inf as None, dataclasses as dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return plain(value.item())
    return value


# --- exact round trip for the report cache -----------------------------------------------------
# `plain` is for readers (dates become text, NaN None); the cache must give back the very objects the
# sections made, so a cached report renders byte for byte like a fresh one. Anything this encoding
# does not know raises TypeError, and the report is then simply not cached.

_SECTION_TYPES = {cls.__name__: cls for cls in (KpiRow, KpiSection, WeekPoint, RevenueSection, SupplierOrder,
                                                StockSection, CustomerSection, PairsSection, MarginSection,
                                                FreshnessSection)}


def to_cache(value: Any) -> Any:
    """JSON-able (with NaN/inf) tagged form of a section tree: `from_cache(to_cache(x))` equals x,
    types included (date vs datetime, int vs float, tuples, dataclasses)."""
    kind = type(value)
    if value is None or kind in (str, int, float, bool):
        return value
    if kind is list:
        return [to_cache(v) for v in value]
    if kind is tuple:
        return {"__tuple__": [to_cache(v) for v in value]}
    if kind is dict:
        if not all(type(k) is str and not k.startswith("__") for k in value):
            raise TypeError("report cache: dict keys must be plain text")
        return {k: to_cache(v) for k, v in value.items()}
    if kind is dt.date:
        return {"__date__": value.isoformat()}
    if kind is dt.datetime:
        return {"__datetime__": value.isoformat()}
    if dataclasses.is_dataclass(value) and _SECTION_TYPES.get(kind.__name__) is kind:
        return {"__section__": kind.__name__,
                "fields": {f.name: to_cache(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    raise TypeError(f"report cache: cannot keep a {kind.__name__}")


def from_cache(value: Any) -> Any:
    """The objects `to_cache` encoded."""
    if isinstance(value, list):
        return [from_cache(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(from_cache(v) for v in value["__tuple__"])
    if "__date__" in value:
        return dt.date.fromisoformat(value["__date__"])
    if "__datetime__" in value:
        return dt.datetime.fromisoformat(value["__datetime__"])
    if "__section__" in value:
        cls = _SECTION_TYPES[value["__section__"]]
        return cls(**{k: from_cache(v) for k, v in value["fields"].items()})
    return {k: from_cache(v) for k, v in value.items()}
