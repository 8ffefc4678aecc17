"""Forecast tab: fills from a shop through the job runner, chart + bands, search, CSV export."""

from __future__ import annotations

import csv

import pytest

from tests.cli.test_forecast_cli import _fill
from ui.context import AppContext
from ui.jobs import SyncJobRunner
from ui.tabs.forecast_tab import ForecastTab

pytestmark = pytest.mark.gui


@pytest.fixture
def tab(qtbot, store):
    _fill(store)
    t = ForecastTab(AppContext(store, runner=SyncJobRunner()))
    qtbot.addWidget(t)
    t.resize(1100, 700)
    with qtbot.waitSignal(t.refreshed, timeout=20_000):
        t.show()
    qtbot.waitUntil(lambda: t.model.rowCount() == 4, timeout=30_000)
    return t


def test_table_chart_and_accuracy(tab, qtbot):
    keys = {s["key"] for s in tab.model.series}
    assert keys == {"MUG", "TEA", "LAMP", "OLD"}
    xs, ys = tab.forecast_curve.getData()
    assert len(xs) == 12 and (ys >= 0).all()
    hx, _hy = tab.history_curve.getData()
    assert len(hx) >= 60 and hx[-1] < xs[0]
    assert "Backtest MASE" in tab.accuracy.text() or "history" in tab.accuracy.text()
    assert "naive" in tab.summary.text()
    tab.search.setText("tea")
    assert tab.proxy.rowCount() == 1
    tab._select(tab.proxy.index(0, 0))
    assert "TEA" in tab.chart_title.text()


def test_level_change_refits_in_a_job_and_export(tab, qtbot, tmp_path):
    with qtbot.waitSignal(tab.refreshed, timeout=20_000):
        tab.level.setCurrentIndex(3)  # whole shop
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=30_000)
    assert {s["measure"] for s in tab.model.series} == {"units", "revenue"}
    path = tab.export_csv(tab.csv_rows(), path=str(tmp_path / "f.csv"))
    rows = list(csv.reader(open(path, encoding="utf-8-sig")))
    assert rows[0][:3] == ["level", "key", "measure"] and len(rows) == 1 + 2 * 12


def test_minimum_size_and_chart_export(tab, qtbot, tmp_path):
    tab.resize(tab.minimumSizeHint())
    qtbot.wait(10)
    import pyqtgraph.exporters as exporters

    exporter = exporters.ImageExporter(tab.plot.plotItem)
    exporter.export(str(tmp_path / "chart.png"))
    assert (tmp_path / "chart.png").stat().st_size > 1000
