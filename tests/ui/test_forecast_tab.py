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
    with open(path, encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["level", "key", "measure"] and len(rows) == 1 + 2 * 12


def test_minimum_size_and_chart_export(tab, qtbot, tmp_path):
    tab.resize(tab.minimumSizeHint())
    qtbot.wait(10)
    import pyqtgraph.exporters as exporters

    exporter = exporters.ImageExporter(tab.plot.plotItem)
    exporter.export(str(tmp_path / "chart.png"))
    assert (tmp_path / "chart.png").stat().st_size > 1000


def _slow_seller_answer():
    """A slow seller as the core answers it: the scored (median) point 0, the expected mean 0.4."""
    import datetime as dt

    import numpy as np

    weeks = [dt.date(2026, 12, 7) + dt.timedelta(weeks=k) for k in range(12)]
    points = [{"period_start": d.isoformat(), "mean": 0.0, "expected": 0.4, "lower80": 0.0, "upper80": 1.0,
               "lower95": 0.0, "upper95": 2.0} for d in weeks]
    series = {"level": "sku", "key": "SLOW", "measure": "units", "model": "naive", "backtest_mase": 0.8,
              "naive_mase": 0.9, "demand_class": "intermittent", "trend": 0.0, "reason": "", "points": points}
    stamps = [dt.datetime(2026, 9, 14).timestamp() + k * 7 * 86400 for k in range(12)]
    history = np.array([0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1], float)   # 5 in 12 weeks: ~0.4 a week
    return {"as_of": "2026-12-06", "freq": "W", "horizon": 12, "series": [series], "backtest": [],
            "history": {("SLOW", "units"): (stamps, history)}}


def test_a_slow_seller_shows_expected_units_not_the_median_zero(qtbot):
    from PySide6.QtCore import Qt

    from ui.tabs.forecast_tab import COLUMNS

    t = ForecastTab(AppContext(None, runner=SyncJobRunner()))
    qtbot.addWidget(t)
    t.show_result(_slow_seller_answer())
    text = {c: t.model.data(t.model.index(0, i)) for i, c in enumerate(COLUMNS)}
    assert text["Expected next"] == "0.4" and text["Expected total"] == "4.8"
    assert text["Typical next"] == "0.0" and text["Trend"] == "+0%"
    tip = t.model.headerData(COLUMNS.index("Typical next"), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "median" in tip
    # Chart: the solid line is the expected mean, the dashed one the median, each labelled so.
    _xs, ys = t.forecast_curve.getData()
    assert (ys == 0.4).all()
    _xs, typical = t.typical_curve.getData()
    assert (typical == 0).all()
    labels = [label.text for _sample, label in t.plot.plotItem.legend.items]
    assert "expected" in labels and "typical (median)" in labels and "80% range" in labels
    assert "Expected next week: <b>0.4 units</b>, 4.8 units over 12 weeks" in t.chart_title.text()
    assert "averaged 0.4 units a week" in t.chart_title.text()
    headers, rows = t.csv_rows()
    assert rows[0][headers.index("mean")] == 0.0 and rows[0][headers.index("expected")] == 0.4


def test_an_answer_cached_before_expected_existed_falls_back_to_mean(qtbot):
    answer = _slow_seller_answer()
    for p in answer["series"][0]["points"]:
        del p["expected"]
    t = ForecastTab(AppContext(None, runner=SyncJobRunner()))
    qtbot.addWidget(t)
    t.show_result(answer)
    from ui.tabs.forecast_tab import COLUMNS

    assert t.model.data(t.model.index(0, COLUMNS.index("Expected next"))) == "0.0"


def test_skus_show_their_titles_biggest_sellers_first_and_search_matches_titles(qtbot):
    """Owners know products by name: the SKU table shows titles, the search finds them, and the
    biggest expected sellers come first (Qt's default sort had put SKUs in reverse A-Z order)."""
    import copy

    from ui.tabs.forecast_tab import COLUMNS

    answer = _slow_seller_answer()
    slow = answer["series"][0]
    fast = copy.deepcopy(slow)
    fast["key"] = "ALPHA-1"
    for p in fast["points"]:
        p["expected"] = 5.0
    answer["series"] = [slow, fast]
    answer["history"][("ALPHA-1", "units")] = answer["history"][("SLOW", "units")]
    answer["titles"] = {"SLOW": "Slow Cooker <Deluxe>", "ALPHA-1": "Alpaca Blend Yarn"}
    t = ForecastTab(AppContext(None, runner=SyncJobRunner()))
    qtbot.addWidget(t)
    t.show_result(answer)
    first = t.proxy.index(0, COLUMNS.index("Series")).data()
    assert first == "ALPHA-1"                       # 60 units expected against 4.8
    assert not t.table.isColumnHidden(COLUMNS.index("Product"))
    assert t.proxy.index(0, COLUMNS.index("Product")).data() == "Alpaca Blend Yarn"
    t.search.setText("cooker")
    assert t.proxy.rowCount() == 1 and t.proxy.index(0, 0).data() == "SLOW"
    t.search.setText("4.8")                           # figures are not searched
    assert t.proxy.rowCount() == 0
    t.search.setText("")
    t._select(t.proxy.index(1, 0))
    assert "Slow Cooker &lt;Deluxe&gt;" in t.chart_title.text()
    headers, rows = t.csv_rows()
    assert {r[headers.index("title")] for r in rows} == {"Slow Cooker <Deluxe>", "Alpaca Blend Yarn"}
    answer["titles"] = {}
    t.show_result(answer)                             # other levels have no titles: no empty column
    assert t.table.isColumnHidden(COLUMNS.index("Product"))


def test_promotions_button_opens_the_dialog_on_the_sku_shown(tab, qtbot):
    tab.search.setText("tea")
    tab.table.selectRow(0)
    tab.open_promotions()
    qtbot.addWidget(tab.promotions_dialog)
    assert tab.promotions_dialog.sku.currentData() == "TEA"
    tab.promotions_dialog.reject()


def test_flagged_promotions_are_shaded_on_the_series_they_apply_to(qtbot):
    answer = _slow_seller_answer()
    answer["promotions"] = [
        {"id": 1, "sku": "SLOW", "from": "2026-10-05", "to": "2026-10-11", "note": "sale", "created_at": ""},
        {"id": 2, "sku": None, "from": "2026-11-27", "to": "2026-11-27", "note": "Black Friday", "created_at": ""},
        {"id": 3, "sku": "OTHER", "from": "2026-10-05", "to": "2026-10-11", "note": "", "created_at": ""}]
    t = ForecastTab(AppContext(None, runner=SyncJobRunner()))
    qtbot.addWidget(t)
    t.show_result(answer)
    assert len(t.flag_regions) == 2                    # its own flag and the sitewide one, not OTHER's
    assert "Orange: 2 promotions you flagged" in t.accuracy.text()
    lo, hi = t.flag_regions[0].getRegion()
    assert hi - lo == 7 * 86400
    answer["promotions"] = []
    t.show_result(answer)
    assert t.flag_regions == []


def test_a_series_note_reads_as_a_sentence_of_the_accuracy_line(qtbot):
    """The core's note ("out of stock for ...") follows the backtest sentence: capitalised, with a stop."""
    answer = _slow_seller_answer()
    answer["series"][0]["reason"] = "out of stock for the last 48 weeks: this is what it would sell if in stock"
    t = ForecastTab(AppContext(None, runner=SyncJobRunner()))
    qtbot.addWidget(t)
    t.show_result(answer)
    assert "from backtest errors. Out of stock for the last 48 weeks: this is what it would sell if in stock." \
        in t.accuracy.text()
