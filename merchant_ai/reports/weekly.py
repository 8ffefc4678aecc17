"""The weekly summary an owner prints on Monday: how last week went and what to do this week.

`build_weekly_report(store, "2026-W47")` gathers every section from the core analytics as they were
at the end of that week (nothing after the week's last day is read), and `WeeklyReport.actions()`
turns them into one-line actions that the dashboard lists and the PDF prints. Qt-free: the PDF is
drawn by `ui/report_pdf.py`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from merchant_ai.analytics.kpis import last_complete_week
from merchant_ai.reports import ops_sections, sales_sections
from merchant_ai.reports.model import (
    Action,
    CustomerSection,
    FreshnessSection,
    KpiSection,
    MarginSection,
    PairsSection,
    RevenueSection,
    StockSection,
    from_cache,
    plain,
    to_cache,
)
from merchant_ai.reports.weeks import BadWeek, parse_week, week_label
from merchant_ai.store import forecast_inputs as fi
from merchant_ai.store import queries
from merchant_ai.store.store import Store
from merchant_ai.wording import counted

if TYPE_CHECKING:       # looked up on first use (see `__getattr__` below): its module imports scikit-learn
    from merchant_ai.analytics.forecast_backtest import Cancelled

__all__ = ["Action", "BadWeek", "Cancelled", "WeeklyReport", "build_weekly_report"]

CHART_WEEKS = 26
FORECAST_WEEKS = 12
MAX_ACTIONS_PER_KIND = 5

Progress = Callable[[float, str], None] | None
CancelCheck = Callable[[], bool] | None


@dataclass
class WeeklyReport:
    shop_name: str
    week: str                      # "2026-W47"
    start: dt.date
    end: dt.date                   # inclusive
    week_start: str                # the shop's week-start day, e.g. "monday"
    generated_at: dt.datetime
    currency: str | None = None
    page_size: str | None = None   # the shop's `page_size` setting ("a4" / "letter"), None = follow locale
    kpis: KpiSection = field(default_factory=lambda: KpiSection(currency=None))
    revenue: RevenueSection = field(default_factory=lambda: RevenueSection(currency=None))
    stock: StockSection = field(default_factory=StockSection)
    customers: CustomerSection = field(default_factory=CustomerSection)
    pairs: PairsSection = field(default_factory=PairsSection)
    margins: MarginSection = field(default_factory=lambda: MarginSection(target_margin_pct=20.0))
    freshness: FreshnessSection = field(default_factory=FreshnessSection)

    def to_dict(self) -> dict[str, Any]:
        d = plain(self)
        d["actions"] = plain(self.actions())
        return d

    def actions(self) -> list[Action]:
        """This week's actions, most urgent kind first: stock, customers, pricing, bundles, data."""
        out: list[Action] = []
        lines = [(o.supplier, ln) for o in self.stock.suppliers for ln in o.lines]
        lines.sort(key=lambda p: (p[1].get("status") != "order_now", str(p[1].get("order_by") or "9999")))
        for supplier, ln in lines[:MAX_ACTIONS_PER_KIND]:
            when = "now" if ln.get("status") == "order_now" else f"by {_date_text(ln.get('order_by'))}"
            name = ln.get("title") or ln["sku"]
            out.append(Action("stock", f"Order {_qty(ln.get('quantity'))} × {name} from {supplier} {when}",
                              "stock", ln["sku"]))
        if len(lines) > MAX_ACTIONS_PER_KIND:
            out.append(Action("stock", f"… and {len(lines) - MAX_ACTIONS_PER_KIND} more items to reorder", "stock"))
        for ln in self.stock.expedite[:MAX_ACTIONS_PER_KIND]:
            out.append(Action("stock", f"Ask {ln['supplier']} to ship the open order of {ln.get('title') or ln['sku']} "
                                       f"sooner: it runs out {_date_text(ln.get('stockout_date'))}", "stock", ln["sku"]))
        if self.customers.slipping:
            n = self.customers.slipping
            out.append(Action("customers", f"{counted(n, 'customer')} slipped to At risk this week: "
                                           "win them back", "customers", "At risk"))
            for c in self.customers.contacts[:3]:
                out.append(Action("customers", f"Contact customer {c['customer']} ({c['orders']} orders, "
                                               f"last {_date_text(c['last_order'])})", "customers", c["customer"]))
        for w in self.margins.warnings[:MAX_ACTIONS_PER_KIND]:
            what = "sells at a loss" if w["alert"] == "below_break_even" else \
                f"is below the {self.margins.target_margin_pct:.0f}% target margin"
            margin = "" if w.get("margin_pct") is None else f" ({w['margin_pct']:.1f}%)"
            out.append(Action("pricing", f"{w.get('title') or w['sku']} on {w['channel']} {what}{margin}",
                              "pricing", w["sku"]))
        for p in self.pairs.pairs[:3]:
            out.append(Action("recommendations", f"Bundle idea: {p.get('title_a') or p['a']} + "
                                                 f"{p.get('title_b') or p['b']} (bought together in {p['orders']} "
                                                 "orders)", "recommendations", p["a"]))
        if not self.freshness.channels:
            out.append(Action("data", "Import your orders from each sales channel to fill this report", "import"))
        for ch in self.freshness.channels:
            if ch["stale"]:
                out.append(Action("data", _stale_text(ch, self.freshness.stale_after_days), "import", ch["channel"]))
        return out


def _qty(q: Any) -> str:
    if q is None:
        return "?"
    return f"{q:.0f}" if float(q).is_integer() else f"{q:.1f}"


def _date_text(d: Any) -> str:
    if d is None:
        return "?"
    return d.isoformat() if isinstance(d, dt.date) else str(d)[:10]


def _stale_text(ch: dict[str, Any], days: int) -> str:
    if ch.get("import_age_days") is not None and ch["import_age_days"] > days:
        return f"Import new {ch['channel']} orders: last import {ch['import_age_days']} days ago"
    return f"Check {ch['channel']}: no orders for {ch['days_without_orders']} days before the week's end"


def report_week(store: Store, week: str | None) -> tuple[str, dt.date, dt.date]:
    """(label, start, end) of the requested week, or of the last complete week before the latest
    order (today if the shop has no orders yet)."""
    week_start = fi.setting(store, "week_start").lower()
    if week:
        start, end = parse_week(week, week_start)
    else:
        start, end = last_complete_week(fi.last_order_day(store) or dt.date.today(), week_start)
    return week_label(start), start, end


def build_weekly_report(store: Store, week: str | None = None, *, progress: Progress = None,
                        cancelled: CancelCheck = None, now: dt.datetime | None = None,
                        use_cache: bool = True) -> WeeklyReport:
    """Every section of the weekly report for `week` ("2026-W47"; None = last complete week).

    `progress(fraction, message)` is called between steps; `cancelled()` returning True stops the
    build with `Cancelled`. Raises `BadWeek` for a week label that does not parse.

    The sections are kept in the store's model cache (encrypted; keyed by the data version, the
    settings and the code), so the same week again after no import or edit is read back instead of
    recomputed (`use_cache=False`: always compute). Only the data freshness, which depends on
    today's date, and the generation time are made anew each time."""
    def step(fraction: float, message: str) -> None:
        _raise_if(cancelled)
        if progress is not None:
            progress(fraction, message)

    label, start, end = report_week(store, week)
    week_start = fi.setting(store, "week_start").lower()
    now = now or dt.datetime.now().astimezone()
    page = (store.get_setting("page_size") or "").strip().lower() or None
    report = WeeklyReport(shop_name=store.get_setting("shop_name") or "My shop", week=label, start=start, end=end,
                          week_start=week_start, generated_at=now,
                          page_size=page if page in ("a4", "letter") else None)
    version = store.data_version()
    params = _cache_params(store, report) if use_cache else None
    saved = _cached_sections(store, params)
    if saved is not None:
        step(0.5, "Using the report made since the last change")
        for name, value in saved.items():
            setattr(report, name, value)
    else:
        _build_sections(store, report, step, progress, cancelled)
        if params is not None and store.data_version() == version:     # nothing imported meanwhile
            _save_sections(store, params, report)
    step(0.97, "Data freshness")
    report.freshness = ops_sections.freshness_section(store, end, now)
    step(1.0, "Done")
    return report


def _build_sections(store: Store, report: WeeklyReport, step: Callable[[float, str], None],
                    progress: Progress, cancelled: CancelCheck) -> None:
    """Compute the cached sections, one after the other on this thread, from one read of the sales.

    The model libraries (scikit-learn, SciPy, statsmodels: ~1 s, needed by every section after the
    KPIs) are imported on a second thread meanwhile: the sales read spends much of its time in
    SQLite and arrow, outside the GIL. BLAS is held to one thread while the sections run: OpenBLAS'
    second thread made each tiny L-BFGS step of the customer value fit ~1000x slower (0.58 s ->
    0.14 s on the demo shop, 0.62 -> 0.18 s on UCI; the forecasts already held it to one).

    (The sections themselves were also run on two threads, taking turns from a shared list. Measured
    on 2 shared cores, in one process, alternating: the first build after start-up 3.1-3.3 s vs
    3.3 s on the demo shop but 2.6-4.2 s vs 3.5-3.7 s on UCI, with 0.1-0.4 s more CPU; later builds
    no faster. Pandas and the boosted trees' Python-level tree growing hold the GIL most of the
    time, so the two mostly took turns; left out.)"""
    start, end, week_start = report.start, report.end, report.week_start
    with queries.reuse_sales_lines():        # the stock fit reads the same lines: one read serves both
        imports = _import_ahead(fitting=not _forecast_kept(store))
        step(0.02, "Loading sales")
        sales = queries.sales_lines(store, end)          # nothing after the week's last day
        step(0.1, "KPIs")
        report.kpis = sales_sections.kpi_section(sales, start, end)
        report.currency = report.kpis.currency
        imports.join()
        with _single_threaded_blas():
            step(0.15, "Revenue forecast")
            forecast = None
            if len(sales):
                def forecast() -> dict:
                    from merchant_ai.analytics.forecast_task import run_forecast

                    # The chart shows revenue only: the units series is a separate fit it does not need.
                    return run_forecast(store, level="shop", freq="W", horizon=FORECAST_WEEKS, as_of=end,
                                        sales=sales, measures=["revenue"],
                                        progress=_sub(progress, 0.15, 0.45, "Revenue forecast"), cancel=cancelled)
            try:
                report.revenue = sales_sections.revenue_section(sales, end, week_start, CHART_WEEKS, forecast)
            except Exception as exc:  # noqa: BLE001 - a failed forecast leaves the history chart in place
                if _is_cancel(exc):
                    raise
                report.revenue = sales_sections.revenue_section(sales, end, week_start, CHART_WEEKS, None)
                report.revenue.note = f"The forecast could not be made: {exc}"
            step(0.45, "Reorder list")

            def stock() -> dict:
                from merchant_ai.analytics.forecast_task import run_stock

                return run_stock(store, end, progress=_sub(progress, 0.45, 0.7, "Reorder list"), cancel=cancelled)

            report.stock = ops_sections.stock_section(store, end, stock)
            from merchant_ai.reports import customer_sections  # imports scikit-learn: not for a cached report

            step(0.7, "Customers")
            report.customers = customer_sections.customer_section(sales, end, check=lambda: _raise_if(cancelled),
                                                                  store=store)
            step(0.85, "Product pairs")
            report.pairs = customer_sections.pairs_section(sales, end)
            step(0.9, "Margins")
            target = _float(store.get_setting("target_margin_pct"), 20.0)
            report.margins = ops_sections.margin_section(store, sales, end, target)


def _import_ahead(fitting: bool) -> threading.Thread:
    """`_import_models(fitting)` on a thread of its own (daemon: it never holds up exiting)."""
    thread = threading.Thread(target=_import_models, args=(fitting,), name="weekly-report-imports", daemon=True)
    thread.start()
    return thread


def _import_models(fitting: bool) -> None:
    """Import what the cold sections use (scikit-learn, SciPy: ~0.8 s, mostly holding the GIL; with
    `fitting`, also statsmodels' ETS and ARIMA, ~0.3 s) while the caller reads the sales lines (SQLite
    and arrow mostly do not hold it). Only a head start: should an import fail, the section
    importing it again reports the error."""
    import importlib

    names = ["merchant_ai.analytics.forecast_task", "merchant_ai.reports.customer_sections",
             "merchant_ai.analytics.clv", "merchant_ai.analytics.recommend", "merchant_ai.pricing.profit"]
    if fitting:
        names[1:1] = ["statsmodels.tsa.holtwinters", "statsmodels.tsa.arima.model"]
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - see above
            continue


def _forecast_kept(store: Store) -> bool:
    """Whether a forecast was kept since the last import or edit (the report made again after a
    change of settings): its statistical models are then likely not fitted, so statsmodels is
    left to be imported if and when a fit needs it."""
    row = store.connection().execute("SELECT 1 FROM model_cache WHERE key LIKE 'forecast:%' AND data_version = ? "
                                     "LIMIT 1", (store.data_version(),)).fetchone()
    return row is not None


@contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """BLAS held to one thread (process-wide for OpenBLAS) while the sections are made. Entered
    after the model libraries are imported: threadpoolctl only limits libraries already loaded."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        yield


# --- the report cache -------------------------------------------------------------------------
# Bump when a section's content changes for the same data in a way the code fingerprint below
# does not see (a frozen app has no source files; its version changes with every release).
CONTENT_CACHE_VERSION = 1
CACHED_SECTIONS = ("currency", "kpis", "revenue", "stock", "customers", "pairs", "margins")
_fingerprint: str | None = None


def _code_fingerprint() -> str:
    """The app version plus the size and time of every core source file: a report made by other
    code (the forecast's MODEL_VERSION is only bumped by hand) is never read back."""
    global _fingerprint
    if _fingerprint is None:
        import merchant_ai

        root = Path(merchant_ai.__file__).parent
        digest = hashlib.sha256(str(merchant_ai.__version__).encode())
        for path in sorted(root.rglob("*.py")):
            try:
                st = path.stat()
            except OSError:
                continue
            digest.update(f"{path.relative_to(root)}:{st.st_size}:{st.st_mtime_ns};".encode())
        _fingerprint = digest.hexdigest()
    return _fingerprint


def _cache_params(store: Store, report: WeeklyReport) -> dict[str, Any]:
    """What the cached sections depend on besides the data version: the week and every setting
    (week start, lead times, service level, target margin, fee presets, country ...)."""
    rows = store.connection().execute(
        "SELECT key, value FROM settings WHERE key != 'data_version' ORDER BY key").fetchall()
    settings = hashlib.sha256(json.dumps([list(r) for r in rows], default=str).encode()).hexdigest()
    return {"week": report.week, "start": report.start.isoformat(), "end": report.end.isoformat(),
            "week_start": report.week_start, "settings": settings, "code": _code_fingerprint(),
            "version": CONTENT_CACHE_VERSION}


def _cached_sections(store: Store, params: dict[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    try:
        hit = fi.cache_get(store, "weekly_report", params)
        if hit is None or set(hit) != set(CACHED_SECTIONS):
            return None
        return {name: from_cache(hit[name]) for name in CACHED_SECTIONS}
    except Exception:  # noqa: BLE001 - an unreadable entry is only a cache miss
        return None


def _save_sections(store: Store, params: dict[str, Any], report: WeeklyReport) -> None:
    try:
        payload = {name: to_cache(getattr(report, name)) for name in CACHED_SECTIONS}
        fi.cache_put(store, "weekly_report", params, payload)
    except Exception:  # noqa: BLE001 - a report that cannot be kept (shop busy) is only made again next time
        pass


# --- cancelling ---------------------------------------------------------------------------------
# `Cancelled` is the forecasting's own exception; its module imports scikit-learn (~1 s), which a
# report read from the cache never needs, so it is looked up only when used.

def __getattr__(name: str) -> Any:
    if name == "Cancelled":
        from merchant_ai.analytics.forecast_backtest import Cancelled

        return Cancelled
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _raise_if(cancelled: CancelCheck) -> None:
    if cancelled is not None and cancelled():
        from merchant_ai.analytics.forecast_backtest import Cancelled

        raise Cancelled("weekly report cancelled")


def _is_cancel(exc: BaseException) -> bool:
    from merchant_ai.analytics.forecast_backtest import Cancelled

    return isinstance(exc, Cancelled)


def _sub(progress: Progress, lo: float, hi: float, label: str) -> Progress:
    if progress is None:
        return None
    return lambda f, m: progress(lo + (hi - lo) * min(max(f or 0.0, 0.0), 1.0), f"{label}: {m}")


def _float(text: str | None, default: float) -> float:
    try:
        return float(text) if text not in (None, "") else default
    except ValueError:
        return default
