"""The shell: AppContext, BaseTab's contract, CSV export, and the main window."""

from __future__ import annotations

import csv
import threading

import pytest
from PySide6.QtGui import QStandardItem, QStandardItemModel

from ui.context import AppContext, ShopSettings
from ui.csv_export import safe_cell
from ui.jobs import SyncJobRunner
from ui.tabs.base import BaseTab

pytestmark = pytest.mark.gui


# --- AppContext ---------------------------------------------------------------------------------
def test_settings_round_trip_through_a_job(qtbot, store):
    ctx = AppContext()
    with qtbot.waitSignal(ctx.settings_changed, timeout=5000):
        ctx.set_store(store)
    assert ctx.settings.shop_name == "Test shop"
    assert ctx.settings.currency == "USD"              # default when the shop has none
    wanted = ShopSettings("Test shop", "eur", "sunday", 21.0, 0.98)
    with qtbot.waitSignal(ctx.settings_changed, timeout=5000):
        ctx.save_settings(wanted)
    assert store.get_setting("currency") == "EUR"
    assert ShopSettings.from_store(store) == ShopSettings("Test shop", "EUR", "sunday", 21.0, 0.98)
    assert ctx.settings.week_start_index == 6
    ctx.shutdown()


def test_bad_stored_settings_fall_back_to_defaults(store):
    store.set_setting("week_start", "someday")
    store.set_setting("default_service_level", "7")
    store.set_setting("default_lead_time_days", "soon")
    s = ShopSettings.from_store(store)
    assert (s.week_start, s.service_level, s.lead_time_days) == ("monday", 0.95, 14.0)


# --- BaseTab ------------------------------------------------------------------------------------
class CountingTab(BaseTab):
    title = "Counting"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.reloads = 0
        self.result = None

    def reload(self):
        self.reloads += 1
        self.run_job("count", lambda jc: jc.store.connection().execute(
            "SELECT count(*) FROM orders").fetchone()[0], on_done=self._done)

    def _done(self, n):
        self.result = n


def test_refresh_is_debounced_and_deferred_while_hidden(qtbot, store):
    ctx = AppContext(store)
    tab = CountingTab(ctx)
    qtbot.addWidget(tab)
    for _ in range(5):
        ctx.notify_data_changed()
    qtbot.wait(300)
    assert tab.reloads == 0                       # hidden: nothing runs
    with qtbot.waitSignal(tab.refreshed, timeout=3000):
        tab.show()
    for _ in range(5):
        ctx.notify_data_changed()
    with qtbot.waitSignal(tab.refreshed, timeout=3000):
        pass
    qtbot.waitUntil(lambda: tab.result == 0, timeout=3000)
    assert tab.reloads == 2                       # first show + one for the burst of five
    ctx.shutdown()


def test_overlay_follows_the_job_and_cancel_button_cancels(qtbot, store):
    ctx = AppContext(store)
    tab = BaseTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(500, 400)
    tab.show()
    started = threading.Event()

    def slow(jc):
        started.set()
        while True:
            jc.progress(0.5, "Halfway")
            jc.check()

    job = tab.run_job("slow", slow, message="Crunching")
    assert started.wait(5)
    assert tab.overlay.isVisible() and tab.overlay.job is job
    qtbot.waitUntil(lambda: tab.overlay.label.text() == "Halfway", timeout=3000)
    with qtbot.waitSignal(job.finished, timeout=5000):
        tab.overlay.cancel_button.click()
    assert job.state == "cancelled"
    assert not tab.overlay.isVisible()
    ctx.shutdown()


def test_job_error_shows_in_the_tab_banner(qtbot):
    ctx = AppContext(runner=SyncJobRunner())
    tab = BaseTab(ctx)
    qtbot.addWidget(tab)
    tab.show()
    tab.run_job("bad", lambda jc: int("x"))
    assert tab.error_banner.isVisible()
    assert "ValueError" in tab.error_banner.label.text()
    assert not tab.overlay.isVisible()


def test_empty_state_switch(qtbot):
    tab = BaseTab(AppContext(runner=SyncJobRunner()))
    qtbot.addWidget(tab)
    from PySide6.QtWidgets import QLabel

    tab.set_content(QLabel("content"))
    assert not tab.is_showing_empty()
    tab.show_empty("No orders", "Import your exports first.")
    assert tab.is_showing_empty() and tab.empty_state.text.text() == "Import your exports first."
    tab.show_content()
    assert not tab.is_showing_empty()


# --- CSV export -----------------------------------------------------------------------------------
@pytest.mark.parametrize("value,expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+44 20 7946 0000", "'+44 20 7946 0000"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("-5.25", "-5.25"),          # a negative number stays a number
    (-3, "-3"),
    ("Mug - blue", "Mug - blue"),
    (None, ""),
    (float("nan"), ""),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_export_csv_from_model(qtbot, tmp_path):
    tab = BaseTab(AppContext(runner=SyncJobRunner()))
    qtbot.addWidget(tab)
    model = QStandardItemModel(0, 2)
    model.setHorizontalHeaderLabels(["sku", "title"])
    model.appendRow([QStandardItem("A-1"), QStandardItem("=cmd|' /C calc'!A0")])
    path = tab.export_csv(model, path=str(tmp_path / "out.csv"))
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["sku", "title"], ["A-1", "'=cmd|' /C calc'!A0"]]


# --- main window ----------------------------------------------------------------------------------
def test_main_window_tabs_status_and_banner(qtbot, store):
    from ui.main_window import TAB_ORDER, MainWindow, PlaceholderTab, load_tab

    with store.transaction() as c:
        c.execute("INSERT INTO channels(name, platform) VALUES ('etsy', 'etsy')")
        for day in ("2024-01-05", "2024-03-09"):
            c.execute("INSERT INTO orders(channel_id, external_id, created_at, created_utc, order_date) "
                      "VALUES (1, ?, ?, ?, ?)", (day, day, day, day))
    ctx = AppContext()
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == [title for _name, title in TAB_ORDER]
    assert window.shop_label.text() == "No shop open"
    with qtbot.waitSignal(ctx.settings_changed, timeout=5000):
        ctx.set_store(store)
    qtbot.waitUntil(lambda: window.shop_label.text() == "Test shop", timeout=5000)
    assert window.span_label.text() == "Orders 2024-01-05 … 2024-03-09"
    assert window.import_label.text() == "No imports yet"
    assert window.windowTitle() == "Test shop — Merchant AI"

    # a job failing without its own handler shows in the window's banner
    with qtbot.waitSignal(ctx.runner.failed, timeout=5000):
        ctx.runner.submit("boom", lambda jc: {}["missing"])
    assert not window.banner.isHidden() and "KeyError" in window.banner.label.text()

    missing = load_tab(ctx, "no_such_feature", "Later")
    assert isinstance(missing, PlaceholderTab) and missing.is_showing_empty()
    assert missing.empty_state.text.text() == "This part of Merchant AI is not built yet."
    window.close()
    assert not ctx.runner.is_busy()


def test_pyside_keeps_its_references_to_none_true_and_false():
    """PySide6 6.12.0 dropped one reference to None/True/False per call on Python 3.11 and the app
    aborted ("none_dealloc") within seconds; the pin (README) avoids it. Each pattern that leaked
    there is called a few hundred times: the counts must not fall (3.12+ makes them immortal, so
    there the check cannot see the bug, only pass)."""
    import sys

    from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QSortFilterProxyModel, Qt, Signal
    from PySide6.QtWidgets import QApplication, QWidget

    class Flag(QObject):
        changed = Signal(bool)

    class Blank(QAbstractTableModel):
        def rowCount(self, parent=QModelIndex()):  # noqa: N802, B008
            return 3

        def columnCount(self, parent=QModelIndex()):  # noqa: N802, B008
            return 2

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            return None

    app = QApplication.instance() or QApplication([])
    probe, widget, flag, blank = QObject(), QWidget(), Flag(), Blank()
    flag.changed.connect(lambda _on: None)
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(blank)
    cell = proxy.index(1, 1)
    calls = 300
    patterns = {
        "void call": lambda: probe.setObjectName("probe"),
        "show/hide": lambda: (widget.show(), widget.hide()),
        "processEvents": app.processEvents,
        "Signal(bool) emit": lambda: flag.changed.emit(True),
        "Python data() answering None, read by C++": lambda: proxy.data(cell),
    }
    for name, call in patterns.items():
        before = [sys.getrefcount(obj) for obj in (None, True, False)]
        for _ in range(calls):
            call()
        after = [sys.getrefcount(obj) for obj in (None, True, False)]
        lost = [b - a for a, b in zip(after, before, strict=True)]
        assert max(lost) < calls // 3, f"{name}: lost {lost} references to None/True/False in {calls} calls"


def test_local_time_and_span_texts():
    from ui.local_time import local_time
    from ui.main_window import format_span

    assert format_span(None, None) == "No orders yet"
    assert format_span("2024-01-01", "2024-12-31") == "Orders 2024-01-01 … 2024-12-31"
    assert local_time("") == "" and len(local_time("2026-11-28T05:43:00Z")) == 16
