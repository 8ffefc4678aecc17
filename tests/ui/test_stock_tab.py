"""Stock tab: colour-coded alerts from a shop, inline edits written through a job, PO export, replay."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import Qt

from tests.cli.test_forecast_cli import _fill
from ui.context import AppContext
from ui.jobs import SyncJobRunner
from ui.tabs.stock_tab import COLUMNS, STATUS_COLOUR, StockTab

pytestmark = pytest.mark.gui


@pytest.fixture
def tab(qtbot, store):
    _fill(store)  # the tab works as of the last order: 4 busy weeks after the counts
    t = StockTab(AppContext(store, runner=SyncJobRunner()))
    qtbot.addWidget(t)
    t.resize(1200, 800)
    with qtbot.waitSignal(t.refreshed, timeout=20_000):
        t.show()
    qtbot.waitUntil(lambda: t.model.rowCount() == 4, timeout=30_000)
    return t


def _row(tab, sku):
    return next(r for r, it in enumerate(tab.model.items) if it["sku"] == sku)


def test_alerts_are_ranked_and_coloured(tab):
    assert tab.model.items[0]["sku"] == "MUG" and tab.model.items[0]["status"] == "order_now"
    brush = tab.model.data(tab.model.index(0, 0), Qt.ItemDataRole.BackgroundRole)
    assert brush.color() == STATUS_COLOUR["order_now"]
    assert tab.model.data(tab.model.index(0, 0)) == "Order now"
    assert "order now" in tab.headline.text()
    assert tab.po_model.rowCount() >= 1 and "=Acme Ltd" in {tab.po_model.record(i)["supplier"] for i in range(tab.po_model.rowCount())}


def test_inline_edit_writes_the_store_and_recomputes(tab, qtbot, store):
    col = [k for _, k in COLUMNS].index("lead_time_days")
    row = _row(tab, "LAMP")
    version = store.data_version()
    with qtbot.waitSignal(tab.refreshed, timeout=20_000):
        assert tab.model.setData(tab.model.index(row, col), 3.0)
    assert store.data_version() == version + 1
    got = store.connection().execute("SELECT lead_time_days FROM products WHERE sku='LAMP'").fetchone()[0]
    assert got == 3.0
    col = [k for _, k in COLUMNS].index("on_hand")
    with qtbot.waitSignal(tab.refreshed, timeout=20_000):
        assert tab.model.setData(tab.model.index(_row(tab, "LAMP"), col), 500.0)
    qtbot.waitUntil(lambda: tab.model.items[_row(tab, "LAMP")]["status"] != "no_stock_data", timeout=30_000)
    assert not tab.model.setData(tab.model.index(0, col), -4)


def test_po_export_and_policy_replay(tab, tmp_path):
    path = tab.export_csv(tab.po_rows(), path=str(tmp_path / "po.csv"))
    rows = list(csv.reader(open(path, encoding="utf-8-sig")))
    assert rows[0][0] == "supplier" and any(r[0] == "'=Acme Ltd" for r in rows[1:])
    tab.bt_weeks.setValue(6)
    tab.run_policy_backtest()
    text = tab.bt_result.text()
    assert "Our policy" in text and "Velocity rule" in text and "fill rate" in text


def test_purchase_order_table_formats_money_and_aligns_numbers():
    from ui.tabs.stock_tab import purchase_order_model

    model = purchase_order_model()
    model.set_records([{"supplier": "Acme", "sku": "MUG", "title": "Mug", "quantity": 24.0, "unit_cost": 3.5,
                        "line_cost": 1234.5, "order_by": "2026-12-01", "status": "order_now"}])
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[:2] == ["Supplier", "SKU"]
    texts = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    assert texts[3:6] == ["24", "3.50", "1,234.50"]
    assert texts[7] == "Order now"
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert model.data(model.index(0, 4), Qt.ItemDataRole.TextAlignmentRole) == right


def test_focus_key_selects_the_sku_a_dashboard_action_points_to(tab):
    tab.focus_key("LAMP")
    selected = {i.row() for i in tab.table.selectionModel().selectedRows()}
    assert selected == {_row(tab, "LAMP")}
