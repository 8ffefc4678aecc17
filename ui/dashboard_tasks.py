"""The Dashboard tab's jobs: KPIs and charts, the revenue forecast, and this week's actions.

Plain functions run on the job runner's threads (`fn(jc, ...)`); they call the core and return
plain dicts, so the tab only draws. Three separate jobs because they cost very different amounts:
KPIs take a fraction of a second and are shown first; the forecast (cached by the core after the
first fit) and the weekly report's actions follow when they are ready.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

from ui.jobs import JobContext

CHART_WEEKS = 26          # weeks of history on the revenue chart (more if the period reaches further back)
MAX_CHART_WEEKS = 156
FORECAST_WEEKS = 12
MOVERS = 5
# What the KPIs, weekly revenue and movers read: the rest of `sales_lines` is left out of the copy
# the tab keeps between period changes.
KPI_COLUMNS = ["order_id", "channel", "order_date", "customer", "sku", "title", "revenue", "refunded_amount",
               "net_quantity", "net_revenue", "currency", "unit_cost"]


def load_dashboard(jc: JobContext, period: str, channel: str | None = None,
                   custom: tuple[dt.date, dt.date] | None = None, loaded: Loaded | None = None) -> dict[str, Any]:
    """KPIs of the period vs the previous one and last year, the channel table, weekly revenue and
    movers. `period` is a key of `kpis.PERIODS` or "custom" (then `custom` = (start, end)).

    `loaded` is the "loaded" entry of an earlier result on the same data: reading half a million
    order lines takes seconds, so a period or channel change reuses them (the tab drops them when
    the data changes). Returns {"empty": True} for a shop without orders."""
    from merchant_ai.analytics import kpis
    from merchant_ai.store import forecast_inputs, queries

    store = jc.store
    if loaded is None:
        jc.progress(None, "Loading sales…")
        as_of = forecast_inputs.last_order_day(store)
        if as_of is None:
            return {"empty": True}
        sales = queries.sales_lines(store, as_of)[KPI_COLUMNS]
        first_day = sales["order_date"].min().date() if len(sales) else as_of
        loaded = Loaded(as_of, forecast_inputs.setting(store, "week_start").lower(), sales, first_day)
    as_of, week_start, sales = loaded.as_of, loaded.week_start, loaded.sales
    jc.progress(0.5, "Computing KPIs…")
    start, end = custom if period == "custom" and custom else kpis.named_period(period, as_of, week_start)
    if end < start:
        start, end = end, start
    comparison = kpis.compare(sales, start, end, channel)
    all_channels = comparison if channel is None else kpis.compare(sales, start, end)
    jc.check()
    scoped = kpis.channel_sales(sales, channel)
    _, last_week_end = kpis.last_complete_week(as_of, week_start)
    first_week, _ = kpis.week_bounds(min(start, last_week_end), week_start)
    weeks = min(MAX_CHART_WEEKS, max(CHART_WEEKS, (last_week_end - first_week).days // 7 + 3))
    # The last-year line runs on under the forecast: the weeks ahead have no sales of their own yet.
    weekly = kpis.weekly_revenue(scoped, last_week_end + dt.timedelta(weeks=FORECAST_WEEKS), weeks + FORECAST_WEEKS,
                                 week_start, comparison["current"]["currency"])
    history, ahead = weekly.iloc[:weeks], weekly.iloc[weeks:]
    first_day = loaded.first_day

    def last_year(row) -> float | None:
        """None (a gap, not a zero) for a week a year back that lies before the first order."""
        return None if row.week_start - dt.timedelta(days=364) < first_day else float(row.last_year)
    movers = kpis.top_movers(scoped, start, end, n=MOVERS)
    jc.progress(1.0, "Done")
    return {
        "empty": False, "loaded": loaded, "as_of": as_of, "week_start": week_start, "period": period, "channel": channel,
        "start": start, "end": end, "comparison": comparison,
        "channels": sorted(str(c) for c in sales["channel"].dropna().unique()),
        "channel_rows": kpis.channel_table(all_channels),
        "first_day": first_day,
        "weekly": [{"week_start": r.week_start, "revenue_net": float(r.revenue_net),
                    "last_year": last_year(r), "orders": int(r.orders)} for r in history.itertuples()],
        "last_year_ahead": [{"week_start": r.week_start, "last_year": last_year(r)} for r in ahead.itertuples()],
        "movers": {side: [_plain(m) for m in rows] for side, rows in movers.items()},
        "other_currencies": _other_currencies(sales, start, end, channel, comparison["current"]["currency"]),
    }


@dataclasses.dataclass(frozen=True)
class Loaded:
    """The sales lines a dashboard result was computed from (held by the tab, never written)."""

    as_of: dt.date
    week_start: str
    sales: Any   # pandas.DataFrame with KPI_COLUMNS
    first_day: dt.date   # of the first order: comparisons reaching before it are not made


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """numpy scalars to Python numbers (the tab formats them; tests compare them)."""
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}


def _other_currencies(sales, start: dt.date, end: dt.date, channel: str | None,
                      currency: str | None) -> dict[str, float]:
    """Net revenue of the period in currencies other than the one the KPIs are in (not converted)."""
    import pandas as pd

    if currency is None or sales.empty:
        return {}
    days = sales["order_date"]
    part = sales[(days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end)) & sales["currency"].notna()
                 & (sales["currency"] != currency)]
    if channel is not None:
        part = part[part["channel"] == channel]
    return {str(k): float(v) for k, v in part.groupby("currency")["net_revenue"].sum().items() if v}


def load_forecast(jc: JobContext, channel: str | None = None) -> dict[str, Any] | None:
    """Weekly net-revenue forecast for the whole shop (or one channel) with its 80% band, from the
    core's forecaster (cached per data version). None when there is too little history."""
    from merchant_ai.analytics.forecast_task import run_forecast

    level = "shop" if channel is None else "channel"
    answer = run_forecast(jc.store, level=level, freq="W", horizon=FORECAST_WEEKS, measure="revenue",
                          skus=None if channel is None else [channel],
                          progress=lambda f, m: jc.progress(f, f"Forecasting: {m}"), cancel=jc.cancelled)
    jc.check()
    series = [s for s in answer["series"] if s.get("measure") == "revenue"]
    if not series or not series[0]["points"]:
        return None
    s = series[0]
    points = [{"week_start": dt.date.fromisoformat(p["period_start"]), "mean": p["mean"],
               "lower80": p["lower80"], "upper80": p["upper80"]} for p in s["points"]
              if all(math.isfinite(p[k]) for k in ("mean", "lower80", "upper80"))]
    return {"channel": channel, "as_of": answer["as_of"], "model": s.get("model"),
            "backtest_mase": s.get("backtest_mase"), "naive_mase": s.get("naive_mase"), "points": points}


def load_actions(jc: JobContext) -> dict[str, Any]:
    """This week's actions from the weekly report (`WeeklyReport.actions()`), so the dashboard and
    the printed report always list the same things. {"available": False} until that module exists."""
    try:
        from merchant_ai.reports.weekly import build_weekly_report
    except ModuleNotFoundError as exc:
        if exc.name != "merchant_ai.reports.weekly":
            raise
        return {"available": False, "actions": []}
    report = build_weekly_report(jc.store, None, progress=jc.progress, cancelled=jc.cancelled)
    jc.check()
    actions = []
    for action in report.actions():
        row = dataclasses.asdict(action) if dataclasses.is_dataclass(action) else dict(vars(action))
        actions.append({"kind": row.get("kind", ""), "text": row.get("text", ""), "tab": row.get("tab", ""),
                        "key": row.get("key")})
    return {"available": True, "week": str(report.week), "actions": actions}
