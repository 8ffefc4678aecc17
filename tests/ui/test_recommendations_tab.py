"""Recommendations tab: pairs table, product -> goes with, customer -> picks with reasons, evaluation."""

from __future__ import annotations

import csv

import pytest

from tests.cli.test_customer_cli import _fill
from ui.context import AppContext
from ui.jobs import SyncJobRunner
from ui.tabs.recommendations_tab import SKU_ROLE, RecommendationsTab

pytestmark = pytest.mark.gui


def test_pairs_picks_and_evaluation(qtbot, store, tmp_path):
    _fill(store)
    tab = RecommendationsTab(AppContext(store, runner=SyncJobRunner()))
    qtbot.addWidget(tab)
    tab.resize(1100, 700)
    with qtbot.waitSignal(tab.refreshed, timeout=20_000):
        tab.show()
    qtbot.waitUntil(lambda: tab.pairs.rowCount() > 0, timeout=20_000)
    pair = (tab.pairs.item(0, 0), tab.pairs.item(0, 1))
    assert {item.data(SKU_ROLE) for item in pair} == {"MUG", "TEA"}
    assert {item.text() for item in pair} == {"Mug", "Tea"}                 # products by name, SKU on hover
    assert "SKU MUG" in next(item for item in pair if item.text() == "Mug").toolTip()
    assert "unrelated" in tab.pairs.horizontalHeaderItem(5).toolTip()           # what Lift means
    mug = next(c for c, item in enumerate(pair) if item.data(SKU_ROLE) == "MUG")
    tab.pairs.cellClicked.emit(0, mug)                                       # a pair opens its product
    assert tab.product.currentText() == "Mug (MUG)" and tab.product.currentData() == "MUG"
    qtbot.waitUntil(lambda: tab.goes_with.rowCount() > 0, timeout=10_000)
    assert tab.goes_with.item(0, 0).text() == "TEA" and "also bought" in tab.goes_with.item(0, 3).text()
    with open(tab.export_pairs(str(tmp_path / "bundles.csv")), newline="", encoding="utf-8-sig") as f:
        header, first = list(csv.reader(f))[:2]
    assert header[:4] == ["SKU A", "Product A", "SKU B", "Product B"]
    assert {first[0], first[2]} == {"MUG", "TEA"} and {first[1], first[3]} == {"Mug", "Tea"}
    tab.goes_with.setRowCount(0)
    tab.product.setCurrentText("TEA")                                        # a typed bare SKU still works
    qtbot.waitUntil(lambda: tab.goes_with.rowCount() > 0, timeout=10_000)
    assert tab.goes_with.item(0, 0).text() == "MUG"
    tab.customer.setCurrentText("1000")
    qtbot.waitUntil(lambda: tab.picks.rowCount() > 0 and tab.picks.item(0, 0).text() == "SOAP", timeout=10_000)
    tab.new_only.setChecked(True)
    qtbot.waitUntil(lambda: tab.picks.rowCount() > 0 and tab.picks.item(0, 0).text() != "SOAP", timeout=10_000)
    tab.run_evaluation()
    qtbot.waitUntil(lambda: "best-sellers" in tab.eval_label.text(), timeout=20_000)
    assert tab.evaluation["ours"]["customers"] > 0
