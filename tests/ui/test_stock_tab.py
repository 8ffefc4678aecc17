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
    assert "type the count in On hand" in tab.headline.text()       # how to give LAMP a stock level
    with qtbot.waitSignal(tab.refreshed, timeout=20_000):
        assert tab.model.setData(tab.model.index(_row(tab, "LAMP"), col), 500.0)
    qtbot.waitUntil(lambda: tab.model.items[_row(tab, "LAMP")]["status"] != "no_stock_data", timeout=30_000)
    assert "On hand" not in tab.headline.text()
    assert not tab.model.setData(tab.model.index(0, col), -4)


def test_po_export_and_policy_replay(tab, tmp_path):
    path = tab.export_csv(tab.po_rows(), path=str(tmp_path / "po.csv"))
    with open(path, encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "supplier" and any(r[0] == "'=Acme Ltd" for r in rows[1:])
    tab.bt_weeks.setValue(6)
    tab.run_policy_backtest()
    text = tab.bt_result.text()
    assert "Our policy" in text and "Velocity rule" in text and "fill rate" in text
    assert "Like for like" in text and tab.backtest_result["curves"]["ours"]


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


def _replay(velocity_stock_for_our_fill, extra_pct):
    ours = {"fill_rate": 0.969, "avg_stock_units": 1302.0, "avg_stock_value": 12172.0, "fill_rate_value": 0.967,
            "median_sku_fill_rate": 1.0}
    velo = {"fill_rate": 0.71, "avg_stock_units": 392.0, "avg_stock_value": 3627.0, "fill_rate_value": 0.72,
            "median_sku_fill_rate": 0.7}
    curve = [{"cover_days": 60, "fill_rate": 0.931, "avg_stock_units": 1495.0},
             {"cover_days": 90, "fill_rate": 0.949, "avg_stock_units": 2191.0}]
    matched = {"velocity_fill_at_our_stock": 0.919, "velocity_stock_for_our_fill": velocity_stock_for_our_fill,
               "velocity_extra_stock_pct": extra_pct, "our_fill_at_velocity_stock": None}
    return {"skus": 182, "first_day": "2026-08-30", "last_day": "2026-11-28", "service_level": 0.95, "cover_days": 7,
            "ours": ours, "velocity": velo, "value_basis": "unit cost", "curves": {"velocity": curve},
            "matched": {"units": matched, "value": {**matched, "velocity_fill_at_our_stock": 0.92}}}


def test_replay_is_compared_like_for_like_in_plain_words():
    from ui.tabs.stock_tab import backtest_text

    text = backtest_text(_replay(1800.0, 38.2))
    assert "with the same stock as ours, the velocity rule would have served 91.9%" in text
    assert "to serve 96.9% it needs 1,800 units (38% more than ours)" in text
    short = backtest_text(_replay(None, None))  # the velocity rule never reaches our fill rate
    assert "even with 90 days of cover it serves only 94.9%, holding 2,191 units" in short
    assert "By value (at cost)" in short and "12,172 at cost" in short


def _items():
    base = {"title": "t", "on_hand": 4.0, "incoming": 0.0, "days_of_cover": 10.0, "stockout_date": "2026-12-08",
            "suggested_qty": 12.0, "safety_stock": 2.0, "reorder_point": 5.0, "lead_time_days": 44.0, "moq": 12.0,
            "case_pack": 12.0, "supplier": "S", "cash_tied_up": None, "forecast_per_day": 0.4}
    return [{**base, "sku": "LATE", "status": "order_now", "action": "order", "order_by": "2026-10-16"},
            {**base, "sku": "CHASE", "status": "order_now", "action": "expedite", "order_by": "2026-10-02",
             "incoming": 24.0, "suggested_qty": 0.0},
            {**base, "sku": "TODAY", "status": "order_now", "action": "order", "order_by": "2026-11-28"},
            {**base, "sku": "SOON", "status": "order_soon", "action": "order", "order_by": "2026-12-03"},
            {**base, "sku": "FINE", "status": "ok", "action": None, "order_by": None}]


def test_past_order_by_days_read_as_overdue_in_red_bold_and_sort(qtbot):
    from ui.context import AppContext as Ctx
    from ui.tabs.stock_tab import OVERDUE_COLOUR

    t = StockTab(Ctx(None, runner=SyncJobRunner()))
    qtbot.addWidget(t)
    t.show_result({"as_of": "2026-11-28", "items": _items(), "purchase_orders": [
        {"supplier": "S", "sku": "LATE", "title": "t", "quantity": 12.0, "unit_cost": 1.0, "line_cost": 12.0,
         "order_by": "2026-10-16", "status": "order_now"}]})
    col = [k for _, k in COLUMNS].index("order_by")
    m = t.model
    cell = lambda sku, role=Qt.ItemDataRole.DisplayRole: m.data(m.index(_row(t, sku), col), role)  # noqa: E731
    assert cell("LATE") == "overdue since 2026-10-16" and cell("CHASE") == "overdue since 2026-10-02"
    assert cell("TODAY") == "today (2026-11-28)" and cell("SOON") == "2026-12-03" and cell("FINE") == "–"
    assert cell("LATE", Qt.ItemDataRole.ForegroundRole).color() == OVERDUE_COLOUR
    assert cell("LATE", Qt.ItemDataRole.FontRole).bold() and cell("SOON", Qt.ItemDataRole.FontRole) is None
    assert "43 days before 2026-11-28" in cell("LATE", Qt.ItemDataRole.ToolTipRole)
    # Tooltips explain the columns and the "chase" rows.
    status_tip = m.data(m.index(_row(t, "CHASE"), 0), Qt.ItemDataRole.ToolTipRole)
    assert "ship it sooner" in status_tip and m.data(m.index(_row(t, "CHASE"), 0)) == "Chase open order"
    cover_col = [k for _, k in COLUMNS].index("days_of_cover")
    assert "24 on order" in m.data(m.index(_row(t, "CHASE"), cover_col), Qt.ItemDataRole.ToolTipRole)
    assert m.headerData(cover_col, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    # Default order is the policy's ranking; Order by sorts oldest first, undated last; Status restores.
    shown = lambda: [t.proxy.data(t.proxy.index(r, 1)) for r in range(t.proxy.rowCount())]  # noqa: E731
    assert shown() == ["LATE", "CHASE", "TODAY", "SOON", "FINE"]
    t.table.sortByColumn(col, Qt.SortOrder.AscendingOrder)
    assert shown() == ["CHASE", "LATE", "TODAY", "SOON", "FINE"]
    t.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert shown() == ["LATE", "CHASE", "TODAY", "SOON", "FINE"]
    # The PO list says it too; the alerts CSV keeps a plain date plus an Overdue column.
    po_col = [t.po_model.headerData(c, Qt.Orientation.Horizontal) for c in range(t.po_model.columnCount())].index("Order by")
    assert t.po_model.data(t.po_model.index(0, po_col)) == "overdue since 2026-10-16"
    headers, rows = t.alert_rows()
    assert "3 order now (2 past their order-by day), 1 order this week" in t.headline.text()
    assert headers[-1] == "Overdue" and rows[0][col] == "2026-10-16" and rows[0][-1] == "yes" and rows[3][-1] == ""


def test_po_quantity_and_order_by_are_in_view_in_a_narrow_panel(tab, qtbot):
    records = [{"supplier": "Shenzhen Brightway Accessories Co.", "sku": "HT-TEGLSC-GAL24",
                "title": "Tempered Glass Screen Protector - Galaxy S24 Ultra, twin pack with applicator",
                "quantity": 48, "unit_cost": 1.9, "line_cost": 91.2, "order_by": "2026-10-03",
                "status": "order_now"}]
    tab.po_model.set_records(records)
    tab.fit_po_columns()
    tab.po_table.resize(700, 240)
    header = tab.po_table.horizontalHeader()
    for name in ("Quantity", "Order by"):
        column = [tab.po_model.headerData(c, Qt.Orientation.Horizontal)
                  for c in range(tab.po_model.columnCount())].index(name)
        right = header.sectionViewportPosition(column) + header.sectionSize(column)
        assert right <= tab.po_table.viewport().width(), name
