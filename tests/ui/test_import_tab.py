"""Import tab: preview, import, problems, the good rows, history and undo — against a real store."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from ui import import_tasks
from ui.context import AppContext
from ui.import_tasks import FileEntry
from ui.jobs import JobCancelled
from ui.tabs.import_tab import ImportTab

pytestmark = pytest.mark.gui

GOOD = ("Order Date,Order Number,SKU,Product,Qty,Unit Price,Customer\n"
        "2024-01-02,1001,A-1,Blue mug,2,9.50,c1\n"
        "2024-01-03,1002,B-2,Red mug,1,12.00,c2\n"
        "2024-01-05,1003,A-1,Blue mug,1,9.50,c1\n")
BAD = ("Order Date,Order Number,SKU,Qty,Unit Price\n"
       "2024-02-02,2001,A-1,2,9.50\n"
       "not a date,2002,B-2,1,xx\n"
       "2024-02-04,2003,C-3,1,3.00\n")


def _orders(store) -> int:
    return store.connection().execute("SELECT count(*) FROM orders").fetchone()[0]


@pytest.fixture
def tab(qtbot, store):
    ctx = AppContext(store)
    widget = ImportTab(ctx)
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.show()
    qtbot.waitUntil(lambda: not widget.is_showing_empty(), timeout=3000)
    yield widget
    ctx.shutdown()


def _add(qtbot, tab, *paths):
    tab.add_files([str(p) for p in paths])
    qtbot.waitUntil(lambda: all(e.status not in ("new", "previewing") for e in tab.entries), timeout=10000)


def test_preview_shows_format_counts_and_span(qtbot, tab, tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text(GOOD, encoding="utf-8")
    _add(qtbot, tab, path)
    entry = tab.entries[0]
    assert entry.status == "ready"
    assert entry.preview["format"] == "generic"
    assert entry.preview["orders"] == 3 and entry.preview["order_lines"] == 3
    assert entry.preview["date_span"] == ["2024-01-02", "2024-01-05"]
    assert entry.mapping["date"] == "Order Date"
    assert "3 orders" in tab.file_list.item(0).text()
    assert tab.orders_model.rowCount() == 3
    headers = [tab.orders_model.headerData(c, Qt.Orientation.Horizontal) for c in range(tab.orders_model.columnCount())]
    assert headers[:2] == ["Order", "Ordered at"]                 # words, not column names
    # The customer column says the shop keeps a key, not the e-mail shown, while it is anonymous.
    for on, header in ((False, "Customer"), (True, "Customer (kept as a key)")):
        tab.pseudonymize.setChecked(on)
        qtbot.waitUntil(lambda h=header: h in [tab.orders_model.headerData(c, Qt.Orientation.Horizontal)
                                               for c in range(tab.orders_model.columnCount())], timeout=5000)
    assert tab.import_button.isEnabled() and tab.import_button.text() == "Import 1 file"
    assert _orders(tab.ctx.store) == 0          # a preview never writes


def test_import_rejects_bad_file_then_imports_the_good_rows(qtbot, tab, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(BAD, encoding="utf-8")
    _add(qtbot, tab, good, bad)
    with qtbot.waitSignal(tab.ctx.data_changed, timeout=15000):
        tab.start_import()
    qtbot.waitUntil(lambda: tab.entries[1].status == "rejected", timeout=5000)
    assert tab.entries[0].status == "imported"
    assert _orders(tab.ctx.store) == 3                       # the bad file wrote nothing
    problems = tab.entries[1].problems
    assert {(p["line"], p["column"], p["value"]) for p in problems} == {
        (3, "Order Date", "not a date"), (3, "Unit Price", "xx")}
    assert tab.partial_button.isVisible()
    assert tab.file_list.currentRow() == 1 and tab.problems_model.rowCount() == 2
    # The owner clicks the button (it was left disabled once: updated while the job still counted).
    qtbot.waitUntil(tab.partial_button.isEnabled, timeout=5000)
    assert tab.remove_button.isEnabled()

    with qtbot.waitSignal(tab.ctx.data_changed, timeout=15000):
        qtbot.mouseClick(tab.partial_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.entries[1].status == "imported", timeout=5000)
    assert _orders(tab.ctx.store) == 5                       # 3 + the 2 good rows
    assert not tab.partial_button.isVisible()
    qtbot.waitUntil(lambda: tab.history_model.rowCount() == 2, timeout=5000)
    assert tab.history_model.record(0)["file_name"] == "bad.csv"
    assert tab.history_model.record(0)["changed"] == "2 new orders; 2 lines written; 1 new product"   # C-3
    tab.file_list.setCurrentRow(0)
    assert "In the shop: 3 new orders;" in tab.detail_summary.text()


def test_a_file_without_good_rows_is_not_offered_for_a_partial_import(qtbot, tab, tmp_path):
    bad = tmp_path / "all_bad.csv"
    bad.write_text("Order Date,Order Number,SKU,Qty,Unit Price\n"
                   "not a date,2001,A-1,2,9.50\nnever,2002,B-2,1,3.00\n", encoding="utf-8")
    _add(qtbot, tab, bad)
    tab.start_import()
    qtbot.waitUntil(lambda: tab.entries[0].status == "rejected", timeout=15000)
    assert not tab.entries[0].partial_possible and not tab.partial_button.isVisible()
    assert "None of its rows can be imported" in tab.detail_summary.text()
    assert "2 problems: nothing imported yet" in tab.file_list.item(0).text()
    tab.start_import(allow_partial=True)         # nothing to do: no job starts
    assert not tab.ctx.runner.is_busy(f"{type(tab).__name__}.import")
    assert _orders(tab.ctx.store) == 0


def test_undo_from_history(qtbot, tab, tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text(GOOD, encoding="utf-8")
    _add(qtbot, tab, path)
    with qtbot.waitSignal(tab.ctx.data_changed, timeout=15000):
        tab.start_import()
    qtbot.waitUntil(lambda: tab.history_model.rowCount() == 1, timeout=5000)
    tab.history_view.selectRow(0)
    assert tab.undo_button.isEnabled()
    with qtbot.waitSignal(tab.ctx.data_changed, timeout=15000):
        tab.undo_selected(confirm=False)
    assert _orders(tab.ctx.store) == 0
    qtbot.waitUntil(lambda: tab.history_model.rowCount() == 1
                    and tab.history_model.record(0)["status"] == "undone", timeout=5000)
    tab.history_view.selectRow(0)
    assert not tab.undo_button.isEnabled()                   # cannot undo twice


def test_mapping_editor_changes_the_reading(qtbot, tab, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("Wann,Betrag,Kunde,Farbe\n2024-03-01,10.00,k1,rot\n2024-03-02,5.50,k2,blau\n",
                    encoding="utf-8")
    _add(qtbot, tab, path)
    entry = tab.entries[0]
    tab.file_list.setCurrentRow(0)
    assert tab.detail_tabs.isTabEnabled(2)                    # generic file: mapping editor offered
    editor = tab.mapping_editor
    editor.combos["date"].setCurrentText("Wann")
    editor.combos["amount"].setCurrentText("Betrag")
    editor.combos["customer"].setCurrentText("Kunde")
    editor.apply_button.click()
    qtbot.waitUntil(lambda: entry.status == "ready" and entry.preview.get("orders") == 2, timeout=10000)
    assert entry.mapping == {"date": "Wann", "amount": "Betrag", "customer": "Kunde"}
    assert entry.preview["customers"] == 2

    with qtbot.waitSignal(editor.save_requested, timeout=1000):
        editor.save_requested.emit("Kasse", editor.mapping())
    qtbot.waitUntil(lambda: editor.profile.count() == 1, timeout=5000)
    assert editor.profile.itemText(0) == "Kasse"


def test_unreadable_file_is_listed_not_importable(qtbot, tab, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    _add(qtbot, tab, path)
    entry = tab.entries[0]
    assert entry.status == "unreadable"
    assert not tab.import_button.isEnabled()
    assert "Cannot be imported" in entry.summary()


def test_cancelled_import_writes_nothing(store, tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text(GOOD, encoding="utf-8")

    class CancelAfterRead:
        """A JobContext whose cancel flag goes up once the file was read."""

        store = None
        calls = 0

        def progress(self, fraction, message=""):
            self.calls += 1
            if self.calls > 3:
                raise JobCancelled

        def cancelled(self):
            return self.calls > 3

        def check(self):
            if self.cancelled():
                raise JobCancelled

    ctx = CancelAfterRead()
    ctx.store = store
    with pytest.raises(JobCancelled):
        import_tasks.import_entries(ctx, [(str(path), None, None)])
    assert _orders(store) == 0
    assert store.connection().execute("SELECT count(*) FROM imports").fetchone()[0] == 0


def test_file_entry_summaries():
    entry = FileEntry("/x/orders.csv", status="ready",
                      preview={"format": "shopify-orders", "orders": 1200, "order_lines": 3400,
                               "date_span": ["2024-01-01", "2024-03-31"]})
    assert entry.summary() == "shopify-orders · 1,200 orders · 3,400 lines · 2024-01-01 … 2024-03-31"
    assert entry.name == "orders.csv" and entry.importable and not entry.is_generic
    entry.status = "rejected"
    entry.problems = [{}, {}]
    assert entry.summary() == "2 problems: nothing imported yet"
    entry.status = "imported"
    entry.result = {"orders": 1200, "order_lines": 3400,
                    "written": {"orders_new": 0, "orders_updated": 3, "orders_unchanged": 1197, "order_lines": 8}}
    assert entry.summary() == "Imported: 1,200 orders, 3,400 lines — 0 new, 3 updated, 1,197 unchanged orders; " \
                              "8 lines written"
    entry.result = {"orders": 0, "order_lines": 0, "written": {"products_new": 5, "inventory": 5}}
    assert entry.summary() == "Imported: 5 new products; 5 stock counts"      # not "0 orders, 0 lines"
    entry.result = {"orders": 0, "order_lines": 0, "written": {}}
    assert entry.summary() == "Imported: nothing new"


def test_privacy_checkbox_shows_and_sets_the_shops_mode(qtbot, store):
    from merchant_ai.importers import privacy
    from ui.context import AppContext
    from ui.jobs import SyncJobRunner
    from ui.tabs.import_tab import ImportTab

    tab = ImportTab(AppContext(store, runner=SyncJobRunner()))
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitUntil(lambda: tab.pseudonymize.isEnabled(), timeout=10_000)
    assert tab.pseudonymize.isChecked()                         # on for a new shop
    tab.pseudonymize.setChecked(False)
    assert not privacy.pseudonymize_enabled(store) and tab.pseudonymize.isEnabled()


def test_a_dropped_folder_adds_the_exports_inside_it(qtbot, tab, tmp_path):
    from merchant_ai.importers.pipeline import expand_folders

    folder = tmp_path / "Downloads"
    folder.mkdir()
    for name in ("b.csv", "a.TSV", "c.xlsx", "notes.pdf", ".hidden.csv"):
        (folder / name).write_text("x", encoding="utf-8")
    (folder / "sub").mkdir()
    single = tmp_path / "one.csv"
    assert expand_folders([str(folder), str(single)]) == [
        folder / "a.TSV", folder / "b.csv", folder / "c.xlsx", single]
    good = folder / "b.csv"
    good.write_text(GOOD, encoding="utf-8")
    _add(qtbot, tab, folder)
    assert [e.name for e in tab.entries] == ["a.TSV", "b.csv", "c.xlsx"]
    assert next(e for e in tab.entries if e.name == "b.csv").status == "ready"

