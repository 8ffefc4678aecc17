"""KPI and revenue sections of the weekly report (the numbers come from `analytics.kpis`, the same
functions the dashboard uses, so the printed page and the screen always agree)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import pandas as pd

from merchant_ai.analytics import kpis
from merchant_ai.reports.model import KpiRow, KpiSection, RevenueSection, WeekPoint

# (key in PeriodKpis, label, unit, higher is better, scale): rates stored as fractions are shown in percent.
KPI_ROWS = [
    ("revenue_net", "Net revenue", "money", True, 1.0),
    ("revenue_gross", "Gross revenue", "money", True, 1.0),
    ("refunds", "Refunds", "money", False, 1.0),
    ("orders", "Orders", "count", True, 1.0),
    ("units", "Units sold", "count", True, 1.0),
    ("aov", "Average order value", "money", True, 1.0),
    ("customers", "Customers", "count", True, 1.0),
    ("new_customers", "New customers", "count", True, 1.0),
    ("repeat_rate", "Repeat rate", "pct", True, 100.0),
    ("refund_rate", "Refund rate", "pct", False, 100.0),
    ("gross_profit", "Gross profit", "money", True, 1.0),
    ("margin_pct", "Gross margin", "pct", True, 1.0),
]

# What the KPIs and the weekly revenue read: filtering a narrow frame copies far less than all of `sales_lines`.
KPI_COLUMNS = ["order_id", "channel", "order_date", "customer", "revenue", "refunded_amount", "net_quantity",
               "net_revenue", "currency", "unit_cost"]


AHEAD_WEEKS = 12   # forecast weeks whose last-year revenue the chart overlays (the report forecasts 12)


def _narrow(sales: pd.DataFrame) -> pd.DataFrame:
    return sales[[c for c in KPI_COLUMNS if c in sales]]


def _num(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _change(now: float | None, then: float | None, points: bool) -> float | None:
    if now is None or then is None:
        return None
    if points:
        return now - then
    return None if then == 0 else 100.0 * (now - then) / abs(then)


def kpi_section(sales: pd.DataFrame, start: dt.date, end: dt.date) -> KpiSection:
    """The week vs the week before and the same week last year (364 days back, weekday-aligned)."""
    if sales.empty:
        return KpiSection(currency=None, note="No orders imported yet: import your orders to see the week's KPIs.")
    comparison = kpis.compare(_narrow(sales), start, end)
    cur, prev, ly = comparison["current"], comparison["previous"], comparison["last_year"]
    first_day = pd.Timestamp(sales["order_date"].min()).date()
    ly_known = start - dt.timedelta(days=364) >= first_day
    prev_known = start - dt.timedelta(days=7) >= first_day
    rows = []
    for key, label, unit, better, scale in KPI_ROWS:
        now = _num(cur[key])
        now = None if now is None else now * scale
        before = _num(prev[key]) if prev_known else None
        before = None if before is None else before * scale
        year = _num(ly[key]) if ly_known else None
        year = None if year is None else year * scale
        points = unit == "pct"
        rows.append(KpiRow(key=key, label=label, unit=unit, value=now, previous=before, last_year=year,
                           vs_previous_pct=_change(now, before, points), vs_last_year_pct=_change(now, year, points),
                           change_in_points=points, higher_is_better=better))
    notes = []
    if cur["orders"] == 0:
        notes.append("No orders in this week.")
    if cur["gross_profit"] is None:
        notes.append("Add unit costs to your products to see gross profit and margin.")
    elif (cur["cost_coverage"] or 0) < 0.95:
        notes.append(f"Profit counts only the {100 * (cur['cost_coverage'] or 0):.0f}% of revenue whose unit cost is "
                     "known.")
    if not ly_known:
        notes.append("No sales a year earlier to compare with.")
    channels = kpis.channel_table(comparison)
    return KpiSection(currency=cur["currency"], rows=rows, channels=channels, note=" ".join(notes) or None)


def revenue_section(sales: pd.DataFrame, end: dt.date, week_start: str, weeks: int,
                    forecast: Callable[[], dict] | None) -> RevenueSection:
    """Net revenue of the last `weeks` weeks with last year's overlay, then the forecast ahead with
    its 80% interval. `forecast()` returns a `run_forecast(level="shop")` answer fitted up to `end`."""
    if sales.empty:
        return RevenueSection(currency=None, note="No orders imported yet.")
    sales = _narrow(sales)
    currency = kpis.main_currency(sales)
    # One pass over the lines for the chart's weeks and the forecast weeks' last-year overlay: the
    # weekly sums are the same whatever the range, so the first `weeks` rows are the history.
    span = kpis.weekly_revenue(sales, end + dt.timedelta(weeks=AHEAD_WEEKS), weeks + AHEAD_WEEKS, week_start,
                               currency)
    weekly = span.iloc[:weeks]
    first_day = pd.Timestamp(sales["order_date"].min()).date()
    points = [WeekPoint(week_start=r.week_start, revenue=float(r.revenue_net),
                        last_year=None if r.week_start - dt.timedelta(days=364) < first_day else float(r.last_year))
              for r in weekly.itertuples()]
    section = RevenueSection(currency=currency, points=points)
    if forecast is None:
        return section
    answer = forecast()
    series = [s for s in answer.get("series", []) if s.get("measure") == "revenue"]
    ahead = [p for p in (series[0]["points"] if series else []) if _num(p.get("mean")) is not None]
    if not ahead:
        section.note = "Too little history for a revenue forecast."
        return section
    ly_ahead = {r.week_start: float(r.last_year) for r in span.iloc[weeks:].itertuples()}
    if any(dt.date.fromisoformat(p["period_start"]) not in ly_ahead for p in ahead):   # a longer forecast
        weekly_ahead = kpis.weekly_revenue(sales, end + dt.timedelta(weeks=len(ahead)), len(ahead), week_start,
                                           currency)
        ly_ahead = {r.week_start: float(r.last_year) for r in weekly_ahead.itertuples()}
    for p in ahead:
        day = dt.date.fromisoformat(p["period_start"])
        ly = None if day - dt.timedelta(days=364) < first_day else ly_ahead.get(day)
        points.append(WeekPoint(week_start=day, revenue=None, last_year=ly, forecast=_num(p["mean"]),
                                lower80=_num(p.get("lower80")), upper80=_num(p.get("upper80"))))
    section.forecast_model = series[0].get("model")
    section.forecast_next_week = _num(ahead[0]["mean"])
    return section
