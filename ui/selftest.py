"""`merchant-ai self-test`: check an installation end to end, with no display and no user data.

Run by the build scripts against the frozen app, so a hidden import PyInstaller missed fails the
build instead of a shop owner's first click: each step imports what it needs inside the step and
an ImportError is reported with the missing module's name. The test creates a temporary
encrypted shop in a private folder (0700), imports one file of every format the importer registry
knows (the demo's exports plus `merchant_ai.selftest_data` for the others; all made-up data, held
in memory until it reaches the encrypted store), runs every model job, renders the weekly PDF and
checks the answers. Exit 0 when every step passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from merchant_ai.wording import counted

# Small on purpose: the test checks that every piece runs and answers sensibly, not model quality.
DEMO_SKUS = 30
DEMO_DAYS = 400
# Fast scrypt for the throw-away shop (the floor keys.py allows); the user's shops are unaffected.
SELFTEST_KDF_LOG2N = "14"


class StepFailed(Exception):
    """A check inside a step did not hold; the message says what was expected and what came."""


class Skipped(Exception):
    """The step could not run (an earlier step it needs failed); counts as a failure."""


@dataclass
class StepResult:
    name: str
    ok: bool
    seconds: float
    detail: str


@dataclass
class SelfTest:
    """Runs named steps in order, timing each and turning any exception into a failed step."""

    work: Path
    echo: Callable[[str], None] | None = None
    steps: list[StepResult] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)

    def run(self, name: str, fn: Callable[[], str], needs: tuple[str, ...] = ()) -> bool:
        started = time.perf_counter()
        try:
            missing = [n for n in needs if n not in self.state]
            if missing:
                raise Skipped(f"skipped: needs {', '.join(missing)} from an earlier step")
            detail, ok = fn(), True
        except ImportError as exc:
            module = getattr(exc, "name", None) or str(exc)
            detail, ok = f"missing module: {module} ({exc})", False
        except (StepFailed, Skipped) as exc:
            detail, ok = str(exc), False
        except Exception as exc:  # noqa: BLE001 - any crash is a failed step, reported with its type
            detail, ok = f"{type(exc).__name__}: {exc}", False
        result = StepResult(name, ok, round(time.perf_counter() - started, 3), detail)
        self.steps.append(result)
        if self.echo is not None:
            self.echo(f"{'ok  ' if ok else 'FAIL'} {result.seconds:7.2f}s  {name}: {detail}")
        return ok

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


@contextlib.contextmanager
def _environment() -> Iterator[None]:
    """Headless Qt when there is no display, and a fast KDF; both put back afterwards."""
    saved = {k: os.environ.get(k) for k in ("QT_QPA_PLATFORM", "MERCHANT_AI_KDF_LOG2N")}
    no_display = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                           or os.environ.get("WAYLAND_DISPLAY"))
    if no_display and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["MERCHANT_AI_KDF_LOG2N"] = SELFTEST_KDF_LOG2N
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _work_folder(keep: Path | None) -> Path:
    """A private (0700) folder for the shop and the PDF: `keep` (must be new or empty) or a temp dir."""
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="merchant-ai-selftest-"))   # mkdtemp makes it 0700
    keep = Path(keep)
    if keep.exists() and any(keep.iterdir()):
        raise StepFailed(f"--keep folder {keep} is not empty; name a new or empty folder")
    keep.mkdir(parents=True, exist_ok=True)
    keep.chmod(0o700)
    return keep


# --- steps --------------------------------------------------------------------------------------

def step_importer_modules(t: SelfTest) -> str:
    """Every platform module imports: the registry silently skips a missing one, so check here."""
    import importlib

    from merchant_ai.importers import registry

    for name in registry.PLATFORM_MODULES:
        importlib.import_module(f"merchant_ai.importers.{name}")
    formats = [spec.name for spec in registry.all_formats()]
    _check(len(formats) > 0, "the importer registry knows no formats")
    t.state["formats"] = formats
    return f"{len(registry.PLATFORM_MODULES)} modules, {len(formats)} formats"


def step_create_shop(t: SelfTest) -> str:
    from merchant_ai.store import Store

    passphrase = "self-test " + secrets.token_urlsafe(12)
    store, _code = Store.create(t.work / "shop", passphrase, name="Self-test shop")
    t.state.update(store=store, passphrase=passphrase)
    mode = (t.work.stat().st_mode & 0o777)
    _check(sys.platform.startswith("win") or mode == 0o700, f"work folder mode is {oct(mode)}, expected 0o700")
    return f"encrypted shop in {t.work}"


def step_demo_exports(t: SelfTest) -> str:
    """The demo's own exports (Shopify, Etsy, Amazon All Orders) through the importer."""
    from merchant_ai.demo.build import build_demo
    from merchant_ai.demo.generator import generate
    from merchant_ai.store import queries

    store = t.state["store"]
    history = generate(7, n_skus=DEMO_SKUS, days=DEMO_DAYS)
    summary = build_demo(store, history=history)
    expected, info = summary["expected"], store.info()
    for key in ("orders", "order_lines", "products", "customers"):
        _check(info[key] == expected[key], f"{key}: store holds {info[key]}, the demo wrote {expected[key]}")
    imported = {}
    for f in summary["files"]:
        rows = f["orders"] + f["order_lines"] + f["products"] + f["customers"]
        if f["format"] == "shopify-inventory":
            rows = len(queries.inventory_on_hand(store))
        _check(rows > 0, f"{f['file']} ({f['format']}) imported no rows")
        imported[f["format"]] = imported.get(f["format"], 0) + rows
    t.state.update(history=history, imported=dict.fromkeys(imported, True), demo_orders=info["orders"])
    return (f"{info['orders']} orders, {info['order_lines']} lines, {info['products']} products from "
            f"{len(summary['files'])} files ({', '.join(sorted(imported))})")


def step_sample_format(t: SelfTest, sample) -> str:
    """Detection picks the format from the header (as for a dropped file), then the rows import."""
    from merchant_ai.importers import registry
    from merchant_ai.importers.pipeline import import_bytes
    from merchant_ai.importers.reading import read_table

    detected = registry.best_format(read_table(sample.data, sample.name))
    _check(detected is not None and detected.name == sample.format,
           f"detected as {detected.name if detected else 'nothing'}, not {sample.format}")
    result = import_bytes(t.state["store"], sample.name, sample.data, format=sample.format, backup=False)
    _check(result.format == sample.format, f"imported as {result.format}, not {sample.format}")
    got = {key: getattr(result, key) for key in sample.expected}
    _check(got == sample.expected, f"expected {sample.expected}, imported {got}")
    t.state["imported"][sample.format] = True
    t.state["sample_orders"] = t.state.get("sample_orders", 0) + sample.expected.get("orders", 0)
    return ", ".join(f"{v} {k}" for k, v in got.items())


def step_formats_covered(t: SelfTest) -> str:
    store = t.state["store"]
    missing = [name for name in t.state["formats"] if name not in t.state["imported"]]
    _check(not missing, f"no self-test file for: {', '.join(missing)}")
    orders = store.info()["orders"]
    want = t.state["demo_orders"] + t.state.get("sample_orders", 0)
    _check(orders == want, f"store holds {orders} orders, expected {want} (demo + sample files)")
    return f"all {len(t.state['formats'])} formats imported; {orders} orders in the shop"


def _finite(values) -> bool:
    return all(v is not None and math.isfinite(float(v)) for v in values)


def step_forecast(t: SelfTest) -> str:
    from merchant_ai.analytics.forecast_task import run_forecast

    result = run_forecast(t.state["store"], level="sku", freq="W", horizon=8)
    series = result["series"]
    _check(len(series) > 0, "no forecast series")
    points = [p for s in series for p in s["points"]]
    _check(len(points) >= len(series), "some series have no forecast points")
    _check(_finite(p["mean"] for p in points), "a forecast mean is not a finite number")
    _check(_finite(p[k] for p in points for k in ("lower80", "upper80")), "a forecast interval is not finite")
    models = sorted({s["model"] for s in series})
    return f"{len(series)} SKU series, {len(points)} points; models {', '.join(models)}"


def step_stock(t: SelfTest) -> str:
    from merchant_ai.analytics.forecast_task import run_stock

    result = run_stock(t.state["store"])
    items = result["items"]
    _check(len(items) > 0, "no stock items")
    statuses = sorted({it["status"] for it in items})
    return f"{len(items)} SKUs ({', '.join(statuses)}), {len(result['purchase_orders'])} PO lines"


def step_sales(t: SelfTest) -> str:
    from merchant_ai.store import queries

    sales = queries.sales_lines(t.state["store"])
    _check(not sales.empty, "no sales lines")
    t.state["sales"] = sales
    return f"{len(sales)} sales lines"


def step_segments(t: SelfTest) -> str:
    from merchant_ai.cli.customer_cmds import segments_result

    doc, _seg = segments_result(t.state["sales"], horizon_days=90)
    customers = doc["customers"]
    _check(len(customers) > 0, "no customers segmented")
    clv = [c["predicted_clv"] for c in customers if c["predicted_clv"] is not None]
    _check(len(clv) > 0, "no customer has a predicted lifetime value")
    _check(_finite(clv), "a predicted lifetime value is not finite")
    return f"{len(customers)} customers, {len(doc['segments'])} segments, CLV by {doc['prediction_method']}"


def step_recommendations(t: SelfTest) -> str:
    from merchant_ai.analytics.recommend import FrequentPairs, Recommender
    from merchant_ai.store import queries

    sales = t.state["sales"]
    model = Recommender().fit(sales)
    keys = list(model.customers_)[:20]
    picks = model.recommend_many(keys, k=5)
    _check(len(picks) == len(keys) and any(len(p) > 0 for p in picks), "no recommendations for any customer")
    pairs = FrequentPairs().fit(sales, queries.products(t.state["store"])).bundles(min_lift=1.0, top=20)
    return f"picks for {len(keys)} customers, {len(pairs)} product pairs"


def step_pricing(t: SelfTest) -> str:
    from merchant_ai.pricing.presets import PresetLibrary
    from merchant_ai.pricing.product_table import sku_channel_table
    from merchant_ai.store import queries

    store, sales = t.state["store"], t.state["sales"]
    as_of = sales["order_date"].max().date()
    table = sku_channel_table(sales, queries.orders(store), queries.fees(store),
                              library=PresetLibrary.from_store(store), as_of=as_of, target_margin_pct=20.0,
                              country="US", with_elasticity=True)
    items = table["items"]
    _check(len(items) > 0, "no SKU/channel rows in the margin table")
    suggested = [it for it in items if it.get("suggested_price") is not None]
    return f"{len(items)} SKU/channel rows, {len(suggested)} price suggestions, {len(table['alerts'])} alerts"


def step_kpis(t: SelfTest) -> str:
    from merchant_ai.analytics import kpis

    store, sales = t.state["store"], t.state["sales"]
    start, end = kpis.last_complete_week(sales["order_date"].max().date(), store.get_setting("week_start") or "monday")
    result = kpis.compare(sales, start, end)
    current = result["current"]
    _check(current["orders"] > 0, f"no orders in the week {start}..{end}")
    _check(_finite([current["revenue_gross"]]), "the week's revenue is not finite")
    return f"week {start}..{end}: {current['orders']} orders, revenue {current['revenue_gross']:.2f}"


def step_weekly_report(t: SelfTest) -> str:
    try:
        from merchant_ai.reports.weekly import build_weekly_report
    except ImportError as exc:
        if getattr(exc, "name", "") == "merchant_ai.reports.weekly":
            raise StepFailed("skipped: report builder missing (merchant_ai.reports.weekly)") from None
        raise
    report = build_weekly_report(t.state["store"])
    _check(bool(report.week), "the report has no week")
    t.state["report"] = report
    return f"week {report.week} ({report.start}..{report.end}), {len(report.actions())} actions"


def step_pdf(t: SelfTest) -> str:
    try:
        from ui.report_pdf import render_pdf
    except ImportError as exc:
        if getattr(exc, "name", "") == "ui.report_pdf":
            raise StepFailed("skipped: renderer missing (ui.report_pdf)") from None
        raise
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["merchant-ai-self-test"])
    t.state["qt_app"] = app
    out = t.work / "weekly.pdf"
    pages = render_pdf(t.state["report"], out, page_size="auto")
    _check(out.exists(), f"{out} was not written")
    head = out.read_bytes()[:5]
    _check(head.startswith(b"%PDF"), f"the file does not start with %PDF (starts {head!r})")
    _check(isinstance(pages, int) and pages >= 1, f"render_pdf returned {pages!r} pages")
    return f"{counted(pages, 'page')}, {out.stat().st_size:,} bytes"


def step_window_tabs(t: SelfTest) -> str:
    """Every main-window tab module imports and builds (the GUI's own hidden imports: pyqtgraph, ...).

    `load_tab` turns a broken tab into a placeholder so the app still starts; here that is a failure."""
    from PySide6.QtWidgets import QApplication

    from ui.context import AppContext
    from ui.main_window import TAB_ORDER, PlaceholderTab, load_tab

    app = QApplication.instance()
    # A QGuiApplication (made by a headless renderer) cannot host widgets: Qt would abort the process.
    _check(app is None or isinstance(app, QApplication),
           f"a {type(app).__name__} is running, so widgets cannot be built in this process")
    t.state["qt_app"] = app or QApplication(["merchant-ai-self-test"])
    ctx = AppContext()
    broken = []
    try:
        for name, title in TAB_ORDER:
            tab = load_tab(ctx, name, title)
            if isinstance(tab, PlaceholderTab):
                broken.append(f"{title} ({tab.empty_state.text.text()} {tab.empty_state.toolTip()[-300:]})")
            tab.deleteLater()
    finally:
        ctx.runner.cancel_all()
        ctx.runner.wait_all(5.0)
    _check(not broken, "tabs that did not load: " + "; ".join(broken))
    return f"{len(TAB_ORDER)} tabs: {', '.join(title for _, title in TAB_ORDER)}"


def step_reopen(t: SelfTest) -> str:
    from merchant_ai.store import Store
    from merchant_ai.store.errors import WrongPassphrase

    store = t.state.pop("store")
    before = store.info()
    store.close()
    reopened = Store.open(t.work / "shop", t.state["passphrase"])
    try:
        after = reopened.info()
    finally:
        reopened.close()
    for key in ("orders", "order_lines", "products", "customers"):
        _check(after[key] == before[key], f"{key}: {before[key]} before closing, {after[key]} after reopening")
    try:
        Store.open(t.work / "shop", t.state["passphrase"] + "x").close()
    except WrongPassphrase:
        return f"reopened with the passphrase ({after['orders']} orders); a wrong passphrase is refused"
    raise StepFailed("the shop opened with a wrong passphrase")


# --- driver -------------------------------------------------------------------------------------

def run_steps(work: Path, echo: Callable[[str], None] | None = None) -> SelfTest:
    """Every step in order; a step whose inputs are missing is reported as skipped (a failure)."""
    t = SelfTest(work=work, echo=echo)
    t.run("importer modules", lambda: step_importer_modules(t))
    t.run("create encrypted shop", lambda: step_create_shop(t))
    t.run("import demo exports", lambda: step_demo_exports(t), needs=("store",))
    if "history" in t.state:
        from merchant_ai.selftest_data import SampleProduct, sample_files

        history = t.state["history"]
        products = [SampleProduct(r.sku, r.title, float(r.list_price), float(r.unit_cost))
                    for r in history.products.head(3).itertuples()]
        end = history.end if isinstance(history.end, dt.date) else history.end.date()
        for sample in sample_files(products, end):
            t.run(f"import {sample.format}", lambda s=sample: step_sample_format(t, s), needs=("store",))
    t.run("every format imported", lambda: step_formats_covered(t), needs=("store", "formats", "history"))
    t.run("forecast", lambda: step_forecast(t), needs=("store", "history"))
    t.run("stock", lambda: step_stock(t), needs=("store", "history"))
    t.run("sales lines", lambda: step_sales(t), needs=("store", "history"))
    t.run("segments and lifetime value", lambda: step_segments(t), needs=("sales",))
    t.run("recommendations and bundles", lambda: step_recommendations(t), needs=("store", "sales"))
    t.run("pricing and margins", lambda: step_pricing(t), needs=("store", "sales"))
    t.run("KPIs", lambda: step_kpis(t), needs=("store", "sales"))
    t.run("weekly report content", lambda: step_weekly_report(t), needs=("store", "history"))
    t.run("weekly PDF", lambda: step_pdf(t), needs=("report",))
    t.run("window tabs", lambda: step_window_tabs(t))
    t.run("reopen and passphrase check", lambda: step_reopen(t), needs=("store", "passphrase"))
    store = t.state.pop("store", None)
    if store is not None:
        store.close()
    return t


def run_self_test(args: argparse.Namespace) -> int:
    """The `self-test` command: 0 when every step passed, 1 otherwise (see module doc)."""
    as_json = bool(getattr(args, "json", False))
    keep = getattr(args, "keep", None)
    echo = None if as_json else print
    started = time.perf_counter()
    with _environment():
        try:
            work = _work_folder(keep)
        except (OSError, StepFailed) as exc:
            t = SelfTest(work=Path("."))
            t.steps.append(StepResult("work folder", False, 0.0, str(exc)))
        else:
            try:
                t = run_steps(work, echo)
            finally:
                if keep is None:
                    shutil.rmtree(work, ignore_errors=True)
    total = round(time.perf_counter() - started, 2)
    if as_json:
        print(json.dumps({"ok": t.ok, "seconds": total, "steps": [asdict(s) for s in t.steps]}, indent=2))
    else:
        failed = [s.name for s in t.steps if not s.ok]
        verdict = "passed" if t.ok else f"FAILED ({counted(len(failed), 'step')}: {', '.join(failed)})"
        print(f"self-test {verdict} in {total:.1f}s" + (f"; shop and PDF kept in {keep}" if keep else ""))
    return 0 if t.ok else 1
