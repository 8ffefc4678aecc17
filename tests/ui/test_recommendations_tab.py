"""Recommendations tab: pairs table, product -> goes with, customer -> picks with reasons, evaluation."""

from __future__ import annotations

import pytest

from tests.cli.test_customer_cli import _fill
from ui.context import AppContext
from ui.jobs import SyncJobRunner
from ui.tabs.recommendations_tab import RecommendationsTab

pytestmark = pytest.mark.gui


def test_pairs_picks_and_evaluation(qtbot, store):
    _fill(store)
    tab = RecommendationsTab(AppContext(store, runner=SyncJobRunner()))
    qtbot.addWidget(tab)
    tab.resize(1100, 700)
    with qtbot.waitSignal(tab.refreshed, timeout=20_000):
        tab.show()
    qtbot.waitUntil(lambda: tab.pairs.rowCount() > 0, timeout=20_000)
    assert {tab.pairs.item(0, 0).text(), tab.pairs.item(0, 1).text()} == {"MUG", "TEA"}
    tab.product.setCurrentText("MUG")
    qtbot.waitUntil(lambda: tab.goes_with.rowCount() > 0, timeout=10_000)
    assert tab.goes_with.item(0, 0).text() == "TEA" and "also bought" in tab.goes_with.item(0, 3).text()
    tab.customer.setCurrentText("1000")
    qtbot.waitUntil(lambda: tab.picks.rowCount() > 0 and tab.picks.item(0, 0).text() == "SOAP", timeout=10_000)
    tab.new_only.setChecked(True)
    qtbot.waitUntil(lambda: tab.picks.rowCount() > 0 and tab.picks.item(0, 0).text() != "SOAP", timeout=10_000)
    tab.run_evaluation()
    qtbot.waitUntil(lambda: "best-sellers" in tab.eval_label.text(), timeout=20_000)
    assert tab.evaluation["ours"]["customers"] > 0
