"""Promotions dialog: preselects the SKU, adds and removes flags through jobs, refreshes the tabs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate

from merchant_ai.store import promotions
from tests.store.test_promotions import _fill
from ui.context import AppContext
from ui.dialogs.promotions import WHOLE_SHOP, PromotionsDialog
from ui.jobs import SyncJobRunner

pytestmark = pytest.mark.gui


def test_add_and_remove_flags_and_the_tabs_hear_of_it(qtbot, store):
    _fill(store)
    ctx = AppContext(store, runner=SyncJobRunner())
    heard = []
    ctx.data_changed.connect(lambda: heard.append(True))
    d = PromotionsDialog(ctx, sku="MUG")
    qtbot.addWidget(d)
    assert d.sku.currentData() == "MUG" and d.sku.currentText() == "MUG — Mug" and d.table.rowCount() == 0
    d.start.setDate(QDate(2024, 9, 2))
    d.end.setDate(QDate(2024, 9, 29))
    d.note.setText("autumn sale")
    d.add_button.click()
    assert d.table.rowCount() == 1 and d.table.item(0, 2).text() == "MUG"
    assert promotions.list_promotions(store)[0]["note"] == "autumn sale"
    d.sku.setCurrentIndex(d.sku.findData(None))
    d.start.setDate(QDate(2024, 11, 29))
    d.end.setDate(QDate(2024, 11, 29))
    d.add_button.click()
    assert d.table.rowCount() == 2 and d.table.item(0, 2).text() == "whole shop"
    assert promotions.list_promotions(store)[0]["sku"] is None
    d.table.selectRow(0)
    d.remove_button.click()
    assert [f["sku"] for f in promotions.list_promotions(store)] == ["MUG"] and d.table.rowCount() == 1
    d.reject()
    assert heard == [True]


def test_mistakes_are_said_in_the_dialog_and_nothing_is_stored(qtbot, store):
    _fill(store)
    ctx = AppContext(store, runner=SyncJobRunner())
    d = PromotionsDialog(ctx)
    qtbot.addWidget(d)
    assert d.sku.currentText() == WHOLE_SHOP and d.sku.currentData() is None
    d.start.setDate(QDate(2024, 9, 3))
    d.end.setDate(QDate(2024, 9, 2))
    d.add_button.click()
    assert "before" in d.error.text()
    assert promotions.list_promotions(store) == [] and d.add_button.isEnabled()
    # A failure in the job (here: a span over a year) is shown in the dialog, nothing stored.
    d.start.setDate(QDate(2023, 1, 1))
    d.end.setDate(QDate(2024, 9, 4))
    d.add_button.click()
    assert "longer than 366 days" in d.error.text() and d.add_button.isEnabled()
    assert promotions.list_promotions(store) == []
