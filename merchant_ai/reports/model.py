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
