"""Reports tab on a small demo shop: built off the GUI thread, shown in the tab, saved/previewed/printed.

Dialogs never block: QFileDialog, QPrintPreviewDialog.exec and QPrintDialog.exec are replaced by
stand-ins that answer at once (the preview and print stand-ins print to a PDF file in tmp_path, so
the tab's printing path is really exercised).
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog

import merchant_ai.reports.weekly as weekly
from ui import report_tasks
from ui.context import AppContext
from ui.tabs import reports_tab
from ui.tabs.reports_tab import ReportsTab, format_value

pytestmark = pytest.mark.gui


@pytest.fixture
def demo_store(store):
    from merchant_ai.demo.build import build_demo
    from merchant_ai.demo.generator import generate

    build_demo(store, history=generate(7, n_skus=12, days=150))
    return store


@pytest.fixture
def settings_file(tmp_path, monkeypatch):
    """QSettings in a file of this test, so the user's real settings are never touched."""
    path = tmp_path / "settings.ini"
    monkeypatch.setattr(reports_tab, "_settings", lambda: QSettings(str(path), QSettings.Format.IniFormat))
    return path


def _open(qtbot, store) -> ReportsTab:
    tab = ReportsTab(AppContext(store))
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    qtbot.waitUntil(lambda: tab.report is not None, timeout=60_000)
    return tab


def _close(tab: ReportsTab) -> None:
    tab.ctx.runner.cancel_all()
    tab.ctx.runner.wait_all(10.0)


def test_report_is_built_off_the_gui_thread_and_summarised_in_the_tab(qtbot, demo_store, monkeypatch):
    threads = []
    real = weekly.build_weekly_report

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(weekly, "build_weekly_report", recording)
    tab = _open(qtbot, demo_store)
    try:
        assert threads and all(t is not threading.main_thread() for t in threads)
        report = tab.report
        # Default: the last complete (Monday-start) week before the latest order, first in the picker.
        last = dt.date.fromisoformat(demo_store.info()["last_order_at"])
        expected = report_tasks.recent_weeks(last, "monday")[0]
        assert tab.week_combo.currentData() == expected.label == report.week
        assert (report.start, report.end) == (expected.start, expected.end)
        assert tab.week_combo.count() == report_tasks.RECENT_WEEKS
        # Key numbers as the report holds them.
        assert tab.kpi_table.rowCount() == len(report.kpis.rows) > 0
        first = report.kpis.rows[0]
        assert tab.kpi_table.item(0, 0).text() == first.label
        assert tab.kpi_table.item(0, 1).text() == format_value(first.unit, first.value, report.kpis.currency)
        assert report.week in tab.heading.text()
        assert "Reorder" in tab.sections.text()
        assert tab.page_picture.image is not None and tab.page_picture.image.width() > 0
        assert tab.page_caption.text().startswith(f"Page 1 of {tab.document.pageCount()}")
        assert all(b.isEnabled() for b in (tab.preview_button, tab.print_button, tab.save_button))
    finally:
        _close(tab)


def test_save_as_pdf_writes_the_file_and_remembers_the_folder(qtbot, demo_store, tmp_path, monkeypatch,
                                                              settings_file):
    tab = _open(qtbot, demo_store)
    try:
        asked = []
        target = tmp_path / "out" / "my-week"     # no suffix: the tab adds .pdf
        target.parent.mkdir()

        def fake_dialog(parent, caption, suggested, filters):
            asked.append(suggested)
            return str(target), filters

        monkeypatch.setattr(reports_tab.QFileDialog, "getSaveFileName", fake_dialog)
        saved = tab.save_pdf()
        assert saved == target.with_name("my-week.pdf")
        assert saved.read_bytes().startswith(b"%PDF")
        assert tab.status.text().startswith("Saved ") and str(saved) in tab.status.text()
        assert reports_tab._settings().value(reports_tab.SETTINGS_FOLDER_KEY) == str(target.parent)
        # Next time the dialog opens in that folder, with the week in the suggested name.
        tab.save_pdf()
        assert asked[1] == str(target.parent / f"weekly-summary-{tab.report.week}.pdf")
    finally:
        _close(tab)


def test_cancelled_save_dialog_writes_nothing(qtbot, demo_store, tmp_path, monkeypatch, settings_file):
    tab = _open(qtbot, demo_store)
    try:
        monkeypatch.setattr(reports_tab.QFileDialog, "getSaveFileName", lambda *a: ("", ""))
        assert tab.save_pdf() is None
        assert reports_tab._settings().value(reports_tab.SETTINGS_FOLDER_KEY) is None
    finally:
        _close(tab)


def test_preview_and_print_drive_print_document(qtbot, demo_store, tmp_path, monkeypatch):
    tab = _open(qtbot, demo_store)
    try:
        preview_pdf, print_pdf = tmp_path / "preview.pdf", tmp_path / "print.pdf"

        def fake_preview_exec(dialog):
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(preview_pdf))
            dialog.paintRequested.emit(printer)   # what the dialog does to draw its pages
            return 0

        def fake_print_exec(dialog):
            printer = dialog.printer()
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(print_pdf))
            return QPrintDialog.DialogCode.Accepted

        monkeypatch.setattr(QPrintPreviewDialog, "exec", fake_preview_exec)
        monkeypatch.setattr(QPrintDialog, "exec", fake_print_exec)
        tab.preview()
        tab.print_report()
        for pdf in (preview_pdf, print_pdf):
            assert pdf.read_bytes().startswith(b"%PDF")
        assert "Sent" in tab.status.text()
    finally:
        _close(tab)


def test_choosing_another_week_builds_that_week(qtbot, demo_store):
    tab = _open(qtbot, demo_store)
    try:
        older = tab.week_combo.itemData(2)
        tab.week_combo.setCurrentIndex(2)
        tab.week_combo.activated.emit(2)
        qtbot.waitUntil(lambda: tab.report.week == older, timeout=60_000)
        assert older in tab.heading.text()
    finally:
        _close(tab)


def test_cancelling_the_build_leaves_no_report(qtbot, demo_store, monkeypatch):
    started = threading.Event()
    calls = []

    def slow(store, week=None, *, progress=None, cancelled=None, **kw):
        calls.append(week)
        started.set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if cancelled():
                raise weekly.Cancelled("cancelled")
            progress(0.5, "working")
            time.sleep(0.01)
        raise AssertionError("the job was never cancelled")

    monkeypatch.setattr(weekly, "build_weekly_report", slow)
    tab = ReportsTab(AppContext(demo_store))
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitUntil(started.is_set, timeout=30_000)
    # A newer build supersedes the running one without saying "cancelled".
    tab.build()
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=30_000)
    qtbot.wait(200)
    assert tab.status.text().startswith("Building the report")
    assert tab.overlay.job is not None
    tab.overlay.job.cancel()
    qtbot.waitUntil(lambda: "cancelled" in tab.status.text(), timeout=30_000)
    assert tab.report is None
    assert not tab.save_button.isEnabled()
    _close(tab)


def test_empty_shop_says_so(qtbot, store):
    tab = ReportsTab(AppContext(store))
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitUntil(tab.is_showing_empty, timeout=30_000)
    assert "No orders yet" in [label.text() for label in tab.empty_state.findChildren(type(tab.status))]
    assert tab.report is None and not tab.save_button.isEnabled()
    _close(tab)


@pytest.mark.parametrize(("week_start", "label", "start"), [
    ("monday", "2026-W47", dt.date(2026, 11, 16)),     # Mon 23-Sun 29 Nov is not over on Sat 28 Nov
    ("sunday", "2026-W48", dt.date(2026, 11, 22)),     # Sun 22-Sat 28 Nov is complete on Sat 28 Nov
])
def test_recent_weeks_honour_the_week_start(week_start, label, start):
    weeks = report_tasks.recent_weeks(dt.date(2026, 11, 28), week_start)
    assert (weeks[0].label, weeks[0].start, weeks[0].end) == (label, start, start + dt.timedelta(days=6))
    assert [w.start for w in weeks] == [start - dt.timedelta(weeks=i) for i in range(report_tasks.RECENT_WEEKS)]
    assert weeks[0].text.startswith(label)
