"""Pricing tab: live calculator with fee lines, product table from a shop, cost edits, curves."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, Qt

from tests.cli.test_margin_cli import _fill
from ui.context import AppContext
from ui.jobs import SyncJobRunner
from ui.tabs.pricing_tab import COLUMNS, COST_COLUMN, PricingTab

pytestmark = pytest.mark.gui


def fee_rows(tab):
    return [(tab.fee_table.item(r, 0).text(), tab.fee_table.item(r, 1).text())
            for r in range(tab.fee_table.rowCount())]


@pytest.fixture
def calc_tab(qtbot):
    tab = PricingTab(AppContext(runner=SyncJobRunner()))
    qtbot.addWidget(tab)
    tab.channel.setCurrentText("etsy")
    tab.date.setDate(QDate(2025, 6, 1))
    return tab


def test_calculator_works_without_a_shop_and_updates_as_you_type(calc_tab, qtbot):
    tab = calc_tab
    tab.price.setValue(20)
    tab.unit_cost.setValue(5)
    tab.shipping_charged.setValue(4)
    # listing 0.20, transaction 6.5% x 24, processing 3% x 24 + 0.25
    assert fee_rows(tab) == [("Listing fee", "0.20"), ("Transaction fee", "1.56"),
                             ("Payment processing fee", "0.97")]
    assert "16.27" in tab.summary.text()
    tab.price.clear()
    qtbot.keyClicks(tab.price, "30")               # typing, no button
    assert tab.result.revenue == 34                 # 30 + 4 shipping
    assert ("Transaction fee", "2.21") in fee_rows(tab)   # 6.5% x 34 = 2.21


def test_channel_options_change_the_fee_lines(calc_tab):
    tab = calc_tab
    tab.channel.setCurrentText("amazon")
    tab.price.setValue(20)
    tab.category.setCurrentText("beauty")
    assert fee_rows(tab) == [("Referral fee", "3.00")]
    tab._option_widgets["fulfillment"].setCurrentText("fba")
    assert ("FBA fulfilment fee", "4.60") in fee_rows(tab)
    tab.channel.setCurrentText("ebay")
    assert "international" in tab._option_widgets


def test_what_if_slider_moves_the_marker(calc_tab):
    tab = calc_tab
    tab.price.setValue(20)
    xs, ys = tab.order_curve.getData()
    assert len(xs) == 41 and xs[0] == pytest.approx(10) and xs[-1] == pytest.approx(30)
    tab.what_if.setValue(10)
    assert tab.what_if_line.value() == pytest.approx(22.0)
    assert tab.what_if_label.text().startswith("22.00")


def test_products_from_the_shop_and_cost_edit_writes_the_store(qtbot, store):
    _fill(store)
    ctx = AppContext(store, runner=SyncJobRunner())
    tab = PricingTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1200, 800)
    with qtbot.waitSignal(tab.refreshed, timeout=10_000):
        tab.show()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=10_000)
    revenue = [tab.proxy.index(r, COLUMNS.index("Revenue")).data(Qt.ItemDataRole.UserRole) for r in range(2)]
    assert revenue[0] > revenue[1]                                      # biggest sellers first
    rows = {tab.model.items[r]["sku"]: r for r in range(2)}
    mug = tab.model.index(rows["MUG"], COLUMNS.index("Elasticity (95% CI)"))
    assert "[" in tab.model.data(mug)                                   # elasticity with its CI
    tip = tab.proxy.headerData(COLUMNS.index("Elasticity (95% CI)"), Qt.Orientation.Horizontal,
                               Qt.ItemDataRole.ToolTipRole)
    assert "1% dearer" in tip                                           # the header explains the figure
    assert "1 SKU without a unit cost" in tab.products_status.text() and "CARD" in tab.products_status.text()

    card_cost = tab.model.index(rows["CARD"], COST_COLUMN)
    assert tab.model.data(card_cost) == "?"
    assert tab.model.setData(card_cost, "1.25", Qt.ItemDataRole.EditRole)
    qtbot.waitUntil(lambda: any(i["sku"] == "CARD" and i["cost_known"] for i in tab.model.items), timeout=10_000)
    from merchant_ai.store import queries

    assert queries.products(store).set_index("sku").loc["CARD", "unit_cost"] == 1.25
    assert not tab.model.setData(card_cost, "-3", Qt.ItemDataRole.EditRole)

    # Selecting a row loads it into the calculator; an unknown cost is said so, not hidden.
    tab.unit_cost.setValue(2.5)
    tab.model.set_items([dict(i, unit_cost=None, cost_known=False) if i["sku"] == "CARD" else i
                         for i in tab.model.items])
    rows = {tab.model.items[r]["sku"]: r for r in range(2)}
    tab.table.selectRow(tab.proxy.mapFromSource(tab.model.index(rows["CARD"], 0)).row())
    assert "unit cost is unknown" in tab.selection_note.text() and "2.50" in tab.selection_note.text()
    # The MUG row draws its expected weekly profit.
    rows = {tab.model.items[r]["sku"]: r for r in range(2)}
    tab.table.selectRow(tab.proxy.mapFromSource(tab.model.index(rows["MUG"], 0)).row())
    assert tab.unit_cost.value() == pytest.approx(4.0)
    xs, ys = tab.week_curve.getData()
    assert xs is not None and len(xs) == 41
    assert tab.channel_bars is not None
    ctx.shutdown()


def test_minimum_size_renders(calc_tab):
    tab = calc_tab
    tab.resize(tab.minimumSizeHint())
    tab.show()
    assert not tab.grab().isNull()
