"""Incoming-stock dialog: add an order, receive it into a count, cancel one, refresh the tabs."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate

from merchant_ai.store import purchase_orders
from tests.store.test_promotions import _fill
from ui.context import AppContext
from ui.dialogs.incoming import IncomingDialog
from ui.jobs import SyncJobRunner

pytestmark = pytest.mark.gui


def test_add_receive_cancel_and_the_tabs_hear_of_it(qtbot, store, monkeypatch):
    _fill(store)
    with store.transaction() as conn:
        conn.execute("INSERT INTO inventory_levels(sku, location, quantity, as_of) VALUES ('MUG', '', 30, ?)",
                     (dt.date.today().isoformat(),))
    ctx = AppContext(store, runner=SyncJobRunner())
    heard = []
    ctx.data_changed.connect(lambda: heard.append(True))
    d = IncomingDialog(ctx, sku="MUG", lead_time_days=10, suggested={"MUG": 36.0, "TEA": 0},
                       lead_times={"TEA": 30.0})
    qtbot.addWidget(d)
    assert d.sku.currentData() == "MUG" and d.table.rowCount() == 0
    assert d.quantity.value() == 36                      # the Stock tab's suggested order
    assert d.expected.date() == QDate(*(dt.date.today() + dt.timedelta(days=10)).timetuple()[:3])
    d.quantity.setValue(48)
    d.add_button.click()
    assert d.table.rowCount() == 1 and d.table.item(0, 2).text() == "48"
    assert d.orders[0]["on_hand_now"] == 30
    d.sku.setCurrentIndex(d.sku.findData("TEA"))
    assert d.expected.date() == QDate(*(dt.date.today() + dt.timedelta(days=30)).timetuple()[:3])   # its own lead time
    d.add_button.click()
    assert d.table.rowCount() == 2
    asked = []
    monkeypatch.setattr(d, "receive_count", lambda order: asked.append(order["on_hand_now"]) or 78.0)
    d.table.selectRow([o["sku"] for o in d.orders].index("MUG"))
    d.receive_button.click()
    assert asked == [30] and [o["sku"] for o in d.orders] == ["TEA"]
    assert purchase_orders.estimated_on_hand(store, "MUG", dt.date.today()) == 78
    d.table.selectRow(0)
    d.cancel_button.click()
    assert d.orders == [] and purchase_orders.list_orders(store, "cancelled")[0]["sku"] == "TEA"
    d.reject()
    assert heard == [True]


def test_stock_tab_button_opens_the_dialog_on_the_selected_sku(qtbot, store):
    from ui.tabs.stock_tab import StockTab

    _fill(store)
    tab = StockTab(AppContext(store, runner=SyncJobRunner()))
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.refreshed, timeout=20_000):
        tab.show()
    qtbot.waitUntil(lambda: tab.model.rowCount() > 0, timeout=20_000)
    tab.table.selectRow(0)
    first = str(tab.model.items[tab.proxy.mapToSource(tab.proxy.index(0, 0)).row()]["sku"])
    tab.open_incoming()
    qtbot.addWidget(tab.incoming_dialog)
    assert tab.incoming_dialog.sku.currentData() == first
    tab.incoming_dialog.reject()
