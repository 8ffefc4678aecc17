"""The weekly report's own cache and its lighter paths give exactly what a full build gives.

A report read back from the store's model cache must be the very same content (values and types,
so the PDF is the same); anything it depends on (data, settings, week) makes a new one; the chart's
revenue-only forecast is the full shop forecast's revenue series; a cached report needs no
scikit-learn; moving headings on the laid-out page gives the pages the HTML route gave, without the
blank pages that route could leave.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import subprocess
import sys

import pytest
from weekly_shop import NOW, WEEK, WEEK_END, fill

from merchant_ai.reports import customer_sections, weekly
from merchant_ai.reports.model import KpiRow, SupplierOrder, WeekPoint, from_cache, to_cache
from merchant_ai.reports.weekly import build_weekly_report


def _exact(value):
    """A comparable copy keeping every type (date vs datetime, int vs float) and NaN."""
    if dataclasses.is_dataclass(value):
        return (type(value).__name__, tuple((f.name, _exact(getattr(value, f.name)))
                                            for f in dataclasses.fields(value)))
    if isinstance(value, dict):
        return ("dict", tuple((k, _exact(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_exact(v) for v in value))
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


@pytest.fixture
def shop(store):
    fill(store)
    return store


@pytest.fixture
def builds(monkeypatch):
    """Counts full builds of the sections (a cached report makes none)."""
    calls = []
    real = weekly._build_sections
    monkeypatch.setattr(weekly, "_build_sections", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_cache_round_trip_keeps_types():
    row = KpiRow(key="orders", label="Orders", unit="count", value=2.0, previous=None, last_year=float("nan"),
                 vs_previous_pct=float("inf"), vs_last_year_pct=-0.0)
    tree = {"rows": [row], "when": dt.date(2026, 11, 8), "at": dt.datetime(2026, 11, 8, 9, 30, tzinfo=dt.UTC),
            "pair": (1, "a"), "orders": [SupplierOrder("Acme", [{"sku": "A", "quantity": 3, "order_by": "2026-11-20"}])],
            "points": [WeekPoint(dt.date(2026, 11, 2), 1.5, None)], "flag": True, "n": 3}
    import json

    back = from_cache(json.loads(json.dumps(to_cache(tree))))
    assert _exact(back) == _exact(tree)


def test_unknown_types_are_not_cached():
    import numpy as np

    for bad in (np.float64(1.0), {1: "int key"}, {"__date__": "2026-01-01"}, {1, 2}):
        with pytest.raises(TypeError):
            to_cache(bad)


def test_second_report_is_read_back_unchanged(shop, builds):
    first = build_weekly_report(shop, WEEK, now=NOW)
    again = build_weekly_report(shop, WEEK, now=NOW)
    assert len(builds) == 1
    assert _exact(again) == _exact(first)
    assert again.to_dict() == first.to_dict()
    fresh = build_weekly_report(shop, WEEK, now=NOW, use_cache=False)
    assert len(builds) == 2 and _exact(fresh) == _exact(first)


def test_freshness_and_time_are_made_anew(shop, builds):
    build_weekly_report(shop, WEEK, now=NOW)
    later = NOW + dt.timedelta(days=30)
    report = build_weekly_report(shop, WEEK, now=later)
    assert len(builds) == 1
    assert report.generated_at == later
    assert all(c["stale"] for c in report.freshness.channels), "an import 45 days old is stale"


def test_data_settings_and_week_each_make_a_new_report(shop, builds):
    build_weekly_report(shop, WEEK, now=NOW)
    shop.bump_data_version()                                    # an import or edit
    build_weekly_report(shop, WEEK, now=NOW)
    shop.set_setting("target_margin_pct", "90")                 # settings do not bump the data version
    warned = build_weekly_report(shop, WEEK, now=NOW)
    assert {w["sku"] for w in warned.margins.warnings} == {"MUG"}
    build_weekly_report(shop, "2026-W45", now=NOW)
    assert len(builds) == 4
    build_weekly_report(shop, WEEK, now=NOW)
    build_weekly_report(shop, "2026-W45", now=NOW)
    assert len(builds) == 4, "both weeks are kept"


def test_cancel_still_works_on_a_cached_report(shop):
    build_weekly_report(shop, WEEK, now=NOW)
    with pytest.raises(weekly.Cancelled):
        build_weekly_report(shop, WEEK, cancelled=lambda: True)


def test_a_report_that_cannot_be_encoded_is_still_returned(shop, builds, monkeypatch):
    import numpy as np

    real = customer_sections.pairs_section

    def numpy_note(sales, end):
        section = real(sales, end)
        section.window_days = np.int64(section.window_days)   # not something the cache keeps
        return section

    monkeypatch.setattr(customer_sections, "pairs_section", numpy_note)
    first = build_weekly_report(shop, WEEK, now=NOW)
    second = build_weekly_report(shop, WEEK, now=NOW)
    assert len(builds) == 2 and first.to_dict() == second.to_dict()


def test_revenue_only_forecast_is_the_shop_forecasts_revenue(shop):
    from merchant_ai.analytics.forecast_task import run_forecast
    from merchant_ai.store import forecast_inputs as fi

    full = run_forecast(shop, level="shop", horizon=12, as_of=WEEK_END, use_cache=False)
    alone = run_forecast(shop, level="shop", horizon=12, as_of=WEEK_END, use_cache=False, measures=["revenue"])
    assert [s["measure"] for s in alone["series"]] == ["revenue"]
    assert alone["series"] == [s for s in full["series"] if s["measure"] == "revenue"]
    assert alone["backtest"] == [b for b in full["backtest"] if b["measure"] == "revenue"]
    with pytest.raises(ValueError):
        run_forecast(shop, level="shop", as_of=WEEK_END, measures=["profit"])
    # The Forecast tab's cached two-measure answer serves the report too (no fit, same series).
    cached = run_forecast(shop, level="shop", horizon=12, as_of=WEEK_END)
    puts = []
    real_put = fi.cache_put
    try:
        fi.cache_put = lambda *a, **k: puts.append(a[1]) or real_put(*a, **k)
        again = run_forecast(shop, level="shop", horizon=12, as_of=WEEK_END, measures=["revenue"])
    finally:
        fi.cache_put = real_put
    assert again["cached"] and not puts
    assert again["series"] == [s for s in cached["series"] if s["measure"] == "revenue"]


def test_a_cached_report_needs_no_scikit_learn(shop, tmp_path):
    """The report module stays light: scikit-learn (~1 s to import) only comes with a fit."""
    code = ("import sys; import merchant_ai.reports.weekly as w; "
            "assert 'sklearn' not in sys.modules, 'weekly imports scikit-learn'; "
            "assert w.Cancelled.__name__ == 'Cancelled'")
    subprocess.run([sys.executable, "-c", code], check=True)


def _old_document(report, device):
    """`ui.report_pdf._document` as it was: every moved heading meant new HTML, parsed and laid out."""
    import re

    from ui import report_pdf as rp

    def with_page_breaks(html, breaks):
        parts, out, n = re.split(r"(<h[23]>)", html), [], -1
        for part in parts:
            if part in ("<h2>", "<h3>"):
                n += 1
                if n in breaks:
                    part = part[:-1] + ' style="page-break-before: always">'
            out.append(part)
        return "".join(out)

    doc, pages, html = rp._first_layout(report, device)
    breaks: set[int] = set()
    for _ in range(rp.MAX_HEADING_MOVES):
        late = rp.first_late_heading(doc, pages.body.height() * rp.HEADING_KEEP, breaks)
        if late is None:
            break
        breaks.add(late)
        doc.setHtml(with_page_breaks(html, breaks))
    return doc, breaks


def _blank_pages(doc, upto: int | None = None) -> list[int]:
    """Pages (0-based, below `upto`) without a single line of text or picture on them."""
    height, layout, seen = doc.pageSize().height(), doc.documentLayout(), set()
    block = doc.begin()
    while block.isValid():
        top, lines = layout.blockBoundingRect(block).top(), block.layout()
        for i in range(lines.lineCount()):
            seen.add(int((top + lines.lineAt(i).y() + 1) // height))
        block = block.next()
    return sorted(set(range(doc.pageCount() if upto is None else upto)) - seen)


def _writer(tmp, size):
    from PySide6.QtGui import QPdfWriter

    from ui import report_pdf

    report_pdf.ensure_app()
    writer = QPdfWriter(str(tmp / "x.pdf"))
    writer.setResolution(report_pdf.RESOLUTION)
    writer.setPageLayout(report_pdf._page_layout(size))
    return writer


@pytest.mark.gui
@pytest.mark.parametrize("size", ["a4", "letter"])
@pytest.mark.parametrize("suppliers", [3, 6, 9])
def test_moved_headings_give_the_pages_the_html_route_gave(shop, size, suppliers):
    """`_document` sets page breaks on the laid-out document instead of in the HTML: the same
    headings move and every block lands where it did (unless the HTML route left a blank page)."""
    from ui import report_pdf

    report = build_weekly_report(shop, WEEK, now=NOW)
    report.stock.suppliers = [SupplierOrder(supplier=f"Supplier {k}", lines=[
        {"sku": f"S{k}-{i}", "title": f"Product {i}", "quantity": 2.0, "order_by": "2026-11-20",
         "status": "order_now", "line_cost": 5.0} for i in range(4 + 5 * k)]) for k in range(suppliers)]
    report.stock.note = None
    writer = _writer(shop.folder, size)
    old, breaks = _old_document(report, writer)
    moved: set[int] = set()
    real = report_pdf.break_before_heading
    try:
        report_pdf.break_before_heading = lambda doc, n: moved.add(n) or real(doc, n)
        new = report_pdf._document(report, writer)
    finally:
        report_pdf.break_before_heading = real
    assert moved == breaks
    assert not _blank_pages(new, report_pdf.printed_pages(new))
    if _blank_pages(old):
        assert report_pdf.printed_pages(new) < old.pageCount()
        return
    assert new.pageCount() == old.pageCount()
    a, b = new.begin(), old.begin()
    while a.isValid() or b.isValid():
        assert new.documentLayout().blockBoundingRect(a) == old.documentLayout().blockBoundingRect(b), a.text()
        a, b = a.next(), b.next()


@pytest.mark.gui
def test_a_heading_after_a_table_that_fills_the_page_leaves_no_blank_page(tmp_path):
    """A table ending right at a page's foot, then a section heading: Qt lays the heading out from
    the foot, so it is moved to the next page; a forced page break there started yet another page
    and printed one blank (the demo shop's A4 report had one). The heading is pushed down instead."""
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QTextDocument, QTextFormat

    from ui import report_pdf
    from ui.report_html import CSS

    writer = _writer(tmp_path, "a4")
    pages = report_pdf._Pages(writer)
    pushed, forced_blank = 0, 0
    for rows in range(49, 56):
        for spacer in range(0, 57, 8):
            html = (f"<html><head><style>{CSS}</style></head><body><p style='margin-top:{spacer}px'>Intro</p>"
                    "<table class='grid' width='100%'><thead><tr><th>SKU</th><th>Qty</th></tr></thead>"
                    + "".join(f"<tr><td>S{i}</td><td>{i}</td></tr>" for i in range(rows))
                    + "</table><h2>Customers</h2><p>after</p></body></html>")
            docs = []
            for _ in range(2):
                doc = QTextDocument()
                doc.documentLayout().setPaintDevice(writer)
                doc.setDefaultFont(report_pdf.report_font(9.0))
                doc.setDocumentMargin(0)
                doc.setPageSize(QSizeF(pages.body.width(), pages.body.height()))
                doc.setHtml(html)
                docs.append(doc)
            late = report_pdf.first_late_heading(docs[0], pages.body.height() * report_pdf.HEADING_KEEP, set())
            if late is None:
                continue
            report_pdf.break_before_heading(docs[0], late)
            assert not _blank_pages(docs[0], report_pdf.printed_pages(docs[0])), (rows, spacer)
            heading = docs[0].lastBlock().previous()
            assert heading.blockFormat().headingLevel() == 2
            if heading.blockFormat().pageBreakPolicy() != QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore:
                pushed += 1
                # what a plain forced break gives instead
                block = docs[1].lastBlock().previous()
                fmt = block.blockFormat()
                fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
                report_pdf._set_block_format(docs[1], block, fmt)
                forced_blank += bool(_blank_pages(docs[1], report_pdf.printed_pages(docs[1])))
    assert pushed and forced_blank == pushed, "the fixture reaches the case, where a forced break leaves a blank page"


@pytest.mark.gui
@pytest.mark.parametrize("size", ["a4", "letter"])
def test_no_blank_page_at_the_end(shop, size):
    """When the report's last table ends right at a page's foot Qt counts one more page; it is not printed."""
    from ui import report_pdf

    writer = _writer(shop.folder, size)
    trimmed = 0
    for n in range(20, 60):
        report = build_weekly_report(shop, WEEK, now=NOW)
        report.stock.expedite = [{"sku": f"SKU-{i}", "title": f"Product {i}", "supplier": "Acme",
                                  "stockout_date": "2026-11-20", "incoming": 12.0} for i in range(n)]
        report.stock.note = None
        doc = report_pdf._document(report, writer)
        printed = report_pdf.printed_pages(doc)
        assert not _blank_pages(doc, printed), n
        trimmed += printed < doc.pageCount()
    assert trimmed, "the fixture reaches a report whose last page Qt would leave blank"
