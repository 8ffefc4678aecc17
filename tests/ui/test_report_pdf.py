"""The weekly PDF renders: pages, size, embedded bundled fonts, text (incl. Chinese) extractable."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reports"))
from weekly_shop import NOW, WEEK, fill  # noqa: E402

from merchant_ai.reports.weekly import build_weekly_report  # noqa: E402

pytestmark = pytest.mark.gui
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def _info(pdf: Path) -> str:
    return subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def report(store):
    fill(store, chinese=True)
    store.set_setting("shop_name", "茶室 Tea Room")
    store.set_setting("target_margin_pct", "90")     # the mug's ~60% margin becomes a warning naming it
    return build_weekly_report(store, WEEK, now=NOW)


@needs_poppler
def test_pdf_pages_text_and_page_numbers(report, tmp_path):
    from ui.report_pdf import render_pdf

    out = tmp_path / "weekly.pdf"
    pages = render_pdf(report, out, "a4")
    assert out.exists() and pages >= 1
    info = _info(out)
    assert f"Pages:           {pages}" in info and "A4" in info
    text = _text(out)
    assert "茶室 Tea Room" in text and WEEK in text
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "马克杯 Mug" in text, "Chinese product names come out of the bundled fallback font"
    for heading in ("How the week went", "Revenue by week", "Reorder list", "Customers", "Margin warnings",
                    "Data freshness"):
        assert heading in text
    assert "$60.00" in text and "$70.00" in text          # net and gross revenue of the week


@needs_poppler
def test_bundled_fonts_are_embedded(report, tmp_path):
    from ui.report_pdf import render_pdf

    out = tmp_path / "weekly.pdf"
    render_pdf(report, out, "letter")
    assert "letter" in _info(out)
    fonts = subprocess.run(["pdffonts", str(out)], check=True, capture_output=True, text=True).stdout
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert "NotoSans-Regular" in names and any("DroidSans" in n for n in names)
    assert all(n.startswith(("NotoSans", "DroidSans")) for n in names), names


@needs_poppler
def test_long_tables_split_with_repeated_headers(report, tmp_path):
    """Forty reorder lines run over a page break; the table's header row shows on both pages."""
    from merchant_ai.reports.model import SupplierOrder
    from ui.report_pdf import render_pdf

    report.stock.suppliers = [SupplierOrder(supplier="Acme", lines=[
        {"sku": f"SKU-{i:03d}", "title": f"Product {i}", "quantity": 12.0, "order_by": "2026-11-20",
         "status": "order_now", "line_cost": 10.0} for i in range(80)])]
    report.stock.note = None
    out = tmp_path / "long.pdf"
    pages = render_pdf(report, out, "a4")
    texts = [subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), "-layout", str(out), "-"], check=True,
                            capture_output=True, text=True).stdout for p in range(1, pages + 1)]
    with_rows = [t for t in texts if "SKU-0" in t]
    assert len(with_rows) >= 2, "the table spans pages"
    assert all("Order by" in t for t in with_rows), "its header row repeats on each page"
    assert sum(t.count("SKU-0") for t in texts) == 80, "no row lost or clipped"


def test_page_size_follows_setting_then_locale(report, monkeypatch):
    from PySide6.QtCore import QLocale

    from ui.report_pdf import resolve_page_size

    assert resolve_page_size(report, "letter") == "letter"
    report.page_size = "a4"
    assert resolve_page_size(report, "auto") == "a4"
    report.page_size = None
    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale("en_US")))
    QLocale.setDefault(QLocale("en_US"))
    try:
        assert resolve_page_size(report, "auto") == "letter"
        QLocale.setDefault(QLocale("en_CA"))
        assert resolve_page_size(report, "auto") == "letter"
        QLocale.setDefault(QLocale("de_DE"))
        assert resolve_page_size(report, "auto") == "a4"
    finally:
        QLocale.setDefault(QLocale.c())


def test_build_document_and_print_to_a_pdf_printer(report, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    from ui.report_pdf import build_document, print_document

    doc = build_document(report, "a4")
    assert doc.pageCount() >= 1 and "How the week went" in doc.toPlainText()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    print_document(report, printer)
    assert out.stat().st_size > 1000
