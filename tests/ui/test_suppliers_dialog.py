"""Suppliers dialog: create, edit, assign the selected SKU, from vendors, delete; errors shown."""

from __future__ import annotations

import pytest

from merchant_ai.store import queries
from tests.store.test_promotions import _fill
from ui.context import AppContext
from ui.dialogs.suppliers import SuppliersDialog
from ui.jobs import SyncJobRunner

pytestmark = pytest.mark.gui


def test_create_assign_vendors_delete_and_the_tabs_hear_of_it(qtbot, store):
    _fill(store)
    with store.transaction() as conn:
        conn.execute("UPDATE products SET vendor = 'Tea Co' WHERE sku = 'TEA'")
    ctx = AppContext(store, runner=SyncJobRunner())
    heard = []
    ctx.data_changed.connect(lambda: heard.append(True))
    d = SuppliersDialog(ctx, sku="MUG")
    qtbot.addWidget(d)
    assert d.table.rowCount() == 0 and "MUG" in d.assign_button.text()
    d.name.setText("Old Kiln")
    d.fields["lead_time_days"].setText("30")
    d.fields["case_pack"].setText("12")
    d.save_button.click()
    assert d.table.rowCount() == 1 and d.table.item(0, 1).text() == "30" and d.table.item(0, 3).text() == ""
    d.assign_button.click()
    assert d.table.item(0, 5).text() == "1"
    got = queries.products(store).set_index("sku").loc["MUG"]
    assert got["supplier"] == "Old Kiln" and got["lead_time_days"] == 30 and got["case_pack"] == 12
    d.vendors_button.click()
    assert [d.table.item(r, 0).text() for r in range(d.table.rowCount())] == ["Old Kiln", "Tea Co"]
    d.table.selectRow(1)
    assert d.name.text() == "Tea Co"
    d.fields["moq"].setText("0")
    d.save_button.click()
    assert "moq" in d.error.text() and d.save_button.isEnabled()
    d.delete_button.click()
    assert d.table.rowCount() == 1
    d.reject()
    assert heard == [True]
