"""Forecast tab: every series' forecast, the model its backtest chose, and how accurate it was.

Top: level, frequency and horizon. Left: a searchable table of all series (expected units next
period and over the horizon, trend, the typical period, chosen model, its backtest MASE next to
naive's). Right: the selected series' history, the expected line, the typical (median) line and
the 80/95% ranges, and a line saying how good the model was compared with naive.

Two figures per period, because they answer different questions. The scored forecast (contract key
`mean`) is calibrated toward the median, which MASE rewards: for a slow seller that is often 0, and
shown alone it read as "next week 0.0, trend -100%". What an owner plans stock and money with is the
expected number (the mean without that pull, `expected`), so that is the headline, and the trend compares
it with the recent mean, like with like. The median is still shown, labelled "typical".
All model work runs in a job (`compute_forecast`); results come from the store's cache when the
data has not changed since the last fit.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from merchant_ai.wording import counted
from ui.jobs import JobContext
from ui.tabs.base import NO_DATA_TEXT, NOT_AVAILABLE_TEXT, BaseTab
from ui.widgets.records_model import RecordsModel

COLUMNS = ["Series", "Product", "Expected next", "Expected total", "Trend", "Typical next", "Model", "Backtest MASE",
           "Naive MASE", "Class", "Note"]
PRODUCT_MAX_WIDTH = 150     # long titles elide (whole in the tooltip and chart title); figures stay in view
PERIOD_WORD = {"W": "week", "D": "day", "M": "month"}
HEADER_TIPS = {
    "Expected next": "Expected sales in the next period: the average outcome, the figure to plan stock and "
                     "money with",
    "Product": "The product's title (SKU level); the search box matches it too",
    "Expected total": "Expected sales summed over the whole horizon",
    "Trend": "Expected average per period ahead compared with the actual average of the same number of "
             "recent periods",
    "Typical next": "The typical (median) next period, which the accuracy scores are measured on. For a "
                    "slow seller most periods sell nothing, so this is often 0 even though sales go on",
    "Backtest MASE": "The chosen model's error in backtests, relative to the in-sample naive error "
                     "(below 1: better than repeating the last period)",
    "Naive MASE": "The same error for the naive model (repeat the last period), for comparison",
}


def expected_of(point: dict[str, Any]) -> float:
    """The point's expected (mean) figure; answers cached before it existed only have `mean`."""
    value = point.get("expected")
    return float(point["mean"] if value is None else value)
LEVELS = [("SKU", "sku"), ("Category", "category"), ("Channel", "channel"), ("Whole shop", "shop")]
FREQS = [("Weekly", "W"), ("Daily", "D"), ("Monthly", "M")]


# --- job (pool thread) -------------------------------------------------------------------------------
def compute_forecast(jc: JobContext, level: str, freq: str, horizon: int, refit: bool = False) -> dict[str, Any]:
    """Forecasts of every series of the level, plus each series' history for the chart."""
    from merchant_ai.analytics.forecast_panel import build_panel
    from merchant_ai.analytics.forecast_task import run_forecast
    from merchant_ai.store import forecast_inputs, promotions, queries

    store = jc.store
    answer = run_forecast(store, level=level, freq=freq, horizon=horizon,
                          progress=lambda f, m: jc.progress(0.9 * f, m), cancel=jc.cancelled, use_cache=not refit)
    jc.progress(0.92, "Loading history for the chart…")
    # Owners know their products by name, not by SKU code.
    titles = {k: t for k, t in queries.product_titles(store).items() if t} if level == "sku" else {}
    sales = queries.sales_lines(store, answer["as_of"])
    history: dict[tuple[str, str], tuple[list, np.ndarray]] = {}
    for measure in {s["measure"] for s in answer["series"]}:
        panel = build_panel(sales, level=level, freq=freq, as_of=answer["as_of"], measure=measure,
                            week_start=forecast_inputs.setting(store, "week_start").lower())
        stamps = [p.to_pydatetime().timestamp() for p in panel.periods]
        for i, key in enumerate(panel.keys):
            history[(key, measure)] = (stamps, panel.values[i])
    jc.check()
    return {**answer, "history": history, "titles": titles, "promotions": promotions.list_promotions(store)}


# --- table model ---------------------------------------------------------------------------------------
class SeriesModel(RecordsModel):
    """One row per forecast series; label, next period and accuracy are computed from the answer."""

    def __init__(self) -> None:
        super().__init__([(c, c) for c in COLUMNS])
        self.titles: dict[str, str] = {}

    @property
    def series(self) -> list[dict[str, Any]]:
        return self.records

    def set_series(self, series: list[dict[str, Any]], titles: dict[str, str] | None = None) -> None:
        self.titles = dict(titles or {})
        self.set_records(series)

    def title_of(self, s: dict[str, Any]) -> str:
        return self.titles.get(str(s["key"]), "") if s["level"] == "sku" else ""

    def _values(self, s: dict[str, Any]) -> list[Any]:
        label = s["key"] if s.get("measure", "units") == "units" or s["level"] != "shop" else f"{s['key']} (revenue)"
        points = s["points"]
        nxt = expected_of(points[0]) if points else None
        total = sum(expected_of(p) for p in points) if points else None
        typical = points[0]["mean"] if points else None
        return [label, self.title_of(s), nxt, total, s.get("trend"), typical, s["model"], s.get("backtest_mase"),
                s.get("naive_mase"), s.get("demand_class", ""), s.get("reason", "")]

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            return HEADER_TIPS.get(COLUMNS[section])
        return super().headerData(section, orientation, role)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        value = self._values(self.series[index.row()])[index.column()]
        col = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if value is None:
                return "–"
            if col == "Trend":
                return f"{value:+.0%}"
            if isinstance(value, float):
                return f"{value:,.2f}" if "MASE" in col else f"{value:,.1f}"
            return str(value)
        if role == Qt.ItemDataRole.UserRole:  # sort key
            return value if value is not None else float("-inf")
        if role == Qt.ItemDataRole.ToolTipRole and col in ("Note", "Product"):
            return value or None
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(col)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, float):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class SeriesFilter(QSortFilterProxyModel):
    """The search box matches a series' key or its product title, not the figures beside them."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.needle = ""

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:  # noqa: N802
        if not self.needle:
            return True
        model = self.sourceModel()
        return any(self.needle in str(model.index(row, c, parent).data() or "").casefold() for c in (0, 1))

    def set_search(self, text: str) -> None:
        self.beginFilterChange()
        self.needle = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)


class ForecastTab(BaseTab):
    title = "Forecast"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.result: dict[str, Any] | None = None
        content = QWidget()
        outer = QVBoxLayout(content)
        bar = QHBoxLayout()
        self.level = QComboBox()
        for text, value in LEVELS:
            self.level.addItem(text, value)
        self.freq = QComboBox()
        for text, value in FREQS:
            self.freq.addItem(text, value)
        self.horizon = QSpinBox()
        self.horizon.setRange(1, 104)
        self.horizon.setValue(12)
        self.refit_button = QPushButton("Refit")
        self.refit_button.setToolTip("Fit again even if nothing changed since the last fit")
        self.export_button = QPushButton("Export CSV…")
        self.promotions_button = QPushButton("Promotions…")
        self.promotions_button.setToolTip("Flag a sale or one-off event so forecasts and stock alerts plan "
                                          "with the usual level")
        for label, widget in (("Level", self.level), ("Periods", self.freq), ("Horizon", self.horizon)):
            bar.addWidget(QLabel(label))
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.promotions_button)
        bar.addWidget(self.refit_button)
        bar.addWidget(self.export_button)
        outer.addLayout(bar)

        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search series…")
        self.search.setClearButtonEnabled(True)
        self.model = SeriesModel()
        self.proxy = SeriesFilter(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        # Biggest sellers first (without an indicator Qt sorts column 0 descending: SKUs Z to A).
        self.table.horizontalHeader().setSortIndicator(COLUMNS.index("Expected total"), Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        lv.addWidget(self.search)
        lv.addWidget(self.table, 1)
        lv.addWidget(self.summary)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        self.chart_title = QLabel()
        self.chart_title.setWordWrap(True)
        self.accuracy = QLabel()
        self.accuracy.setWordWrap(True)
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.plot.setBackground("w")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.addLegend(offset=(10, 10))
        self.band95 = pg.FillBetweenItem(pg.PlotDataItem([], []), pg.PlotDataItem([], []), brush=(70, 130, 180, 40))
        self.band80 = pg.FillBetweenItem(pg.PlotDataItem([], []), pg.PlotDataItem([], []), brush=(70, 130, 180, 80))
        self.plot.addItem(self.band95)
        self.plot.addItem(self.band80)
        self.flag_regions: list[pg.LinearRegionItem] = []   # the owner's promotions on this series
        self.history_curve = self.plot.plot([], [], pen=pg.mkPen((60, 60, 60), width=1.5), name="actual sales")
        self.forecast_curve = self.plot.plot([], [], pen=pg.mkPen((31, 119, 180), width=2.5), name="expected")
        self.typical_curve = self.plot.plot([], [], pen=pg.mkPen((217, 95, 2), width=1.5, style=Qt.PenStyle.DashLine),
                                            name="typical (median)")
        legend = self.plot.plotItem.legend
        for brush, text in (((70, 130, 180, 120), "80% range"), ((70, 130, 180, 50), "95% range")):
            # Legend swatches only: the bands themselves are fills between two curves.
            legend.addItem(pg.BarGraphItem(x=[], height=[], width=1, pen=None, brush=brush), text)
        rv.addWidget(self.chart_title)
        rv.addWidget(self.plot, 1)
        rv.addWidget(self.accuracy)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([500, 700])  # table ~40%: trend and model stay visible next to the series name
        outer.addWidget(split, 1)
        self.set_content(content)

        self.search.textChanged.connect(self.proxy.set_search)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._select(cur))
        self.level.currentIndexChanged.connect(self.refresh)
        self.freq.currentIndexChanged.connect(self.refresh)
        self.horizon.editingFinished.connect(self.refresh)
        self.refit_button.clicked.connect(lambda: self._submit(refit=True))
        self.export_button.clicked.connect(lambda: self.export_csv(self.csv_rows(), "forecast.csv"))
        self.promotions_button.clicked.connect(self.open_promotions)

    def open_promotions(self) -> None:
        """The promotions dialog, on the SKU shown (at SKU level); the tabs refresh if flags changed."""
        from ui.dialogs.promotions import PromotionsDialog

        if self.ctx.store is None:
            return
        sku = None
        current = self.table.currentIndex()
        if self.level.currentData() == "sku" and current.isValid():
            sku = str(self.model.series[self.proxy.mapToSource(current).row()]["key"])
        self.promotions_dialog = PromotionsDialog(self.ctx, sku=sku, parent=self)
        self.promotions_dialog.open()

    def focus_key(self, key: str) -> None:
        """Show one SKU (a drill-down from the dashboard): SKU level, the table filtered to it."""
        sku_level = self.level.findData("sku")
        if self.level.currentIndex() != sku_level:
            self.level.setCurrentIndex(sku_level)
        self.search.setText(str(key))

    # --- jobs -----------------------------------------------------------------------------------------
    def reload(self) -> None:
        if self.ctx.store is None:
            self.show_empty("No shop open", NOT_AVAILABLE_TEXT)
            return
        self._submit(refit=False)

    def _submit(self, refit: bool) -> None:
        if self.ctx.store is None:
            return
        self.run_job("forecast", compute_forecast, self.level.currentData(), self.freq.currentData(),
                     self.horizon.value(), refit, on_done=self.show_result, message="Backtesting models…")

    def show_result(self, result: dict[str, Any]) -> None:
        self.result = result
        if not result["series"]:
            self.model.set_series([])
            self.show_empty("No sales yet", NO_DATA_TEXT)
            return
        self.show_content()
        self.model.set_series(result["series"], result.get("titles"))
        self.table.setColumnHidden(COLUMNS.index("Product"), not self.model.titles)
        self.table.resizeColumnsToContents()
        product = COLUMNS.index("Product")
        self.table.setColumnWidth(product, min(self.table.columnWidth(product), PRODUCT_MAX_WIDTH))
        parts = []
        for b in result.get("backtest", []):
            if b.get("mean_mase") is None:
                continue
            cov = b.get("coverage80")
            cov_text = "" if cov is None else (f"; 80%/95% bands held {b['coverage80']:.0%}/{b['coverage95']:.0%} "
                                               "of backtest actuals")
            parts.append(f"{b['measure']}: mean backtest MASE {b['mean_mase']:.2f} vs naive "
                         f"{b['naive_mean_mase']:.2f} over {b['series']} series{cov_text}")
        cached = " (from cache)" if result.get("cached") else ""
        self.summary.setText(f"As of {result['as_of']}{cached}. " + ". ".join(parts))
        self.table.selectRow(0)
        self._select(self.proxy.index(0, 0))

    # --- chart ------------------------------------------------------------------------------------------
    def _select(self, proxy_index: QModelIndex) -> None:
        if not proxy_index.isValid() or self.result is None:
            return
        s = self.model.series[self.proxy.mapToSource(proxy_index).row()]
        self.show_series(s)

    def show_series(self, s: dict[str, Any]) -> None:
        import datetime as dt

        stamps, values = self.result["history"].get((s["key"], s.get("measure", "units")), ([], np.array([])))
        self.history_curve.setData(np.asarray(stamps, float), np.asarray(values, float))
        self.show_flags(s)
        xs = np.array([dt.datetime.fromisoformat(p["period_start"]).timestamp() for p in s["points"]])
        get = lambda name: np.array([p[name] for p in s["points"]], float)  # noqa: E731
        expected = np.array([expected_of(p) for p in s["points"]], float)
        self.forecast_curve.setData(xs, expected)
        self.typical_curve.setData(xs, get("mean"))
        self.band95.setCurves(pg.PlotDataItem(xs, get("lower95")), pg.PlotDataItem(xs, get("upper95")))
        self.band80.setCurves(pg.PlotDataItem(xs, get("lower80")), pg.PlotDataItem(xs, get("upper80")))
        title = self.model.title_of(s)
        named = f"<b>{html.escape(str(s['key']))}</b>" + (f" {html.escape(title)}" if title else "")
        self.chart_title.setText(f"{named} — {s.get('measure', 'units')}, model <b>{s['model']}</b>"
                                 f"<br>{self.outlook_text(s, values)}")
        if s.get("backtest_mase") is not None and s.get("naive_mase") is not None:
            better = 1 - s["backtest_mase"] / s["naive_mase"] if s["naive_mase"] else 0.0
            verdict = f"{better:.0%} better than naive" if better > 0 else "no better than naive"
            self.accuracy.setText(f"Backtest MASE {s['backtest_mase']:.2f} vs naive {s['naive_mase']:.2f} "
                                  f"({verdict}), scored on the typical (median) line. Shaded: the ranges 80% and "
                                  f"95% of periods fell in, from backtest errors. {_sentence(s.get('reason'))}")
        else:
            self.accuracy.setText(_sentence(s.get("reason")) or "Not enough history to backtest.")
        flags = self.flags_of(s)
        if flags:
            self.accuracy.setText(self.accuracy.text() + f" Orange: {counted(len(flags), 'promotion')} you flagged, "
                                  "planned at the usual level.")

    def flags_of(self, s: dict[str, Any]) -> list[dict[str, Any]]:
        """The promotions this series' forecast treats as unusual: its own SKU's and sitewide ones."""
        own = str(s["key"]) if s["level"] == "sku" else None
        return [f for f in (self.result or {}).get("promotions", []) if f["sku"] is None or f["sku"] == own]

    def show_flags(self, s: dict[str, Any]) -> None:
        import datetime as dt

        for region in self.flag_regions:
            self.plot.removeItem(region)
        self.flag_regions = []
        for f in self.flags_of(s):
            lo = dt.datetime.fromisoformat(f["from"]).timestamp()
            hi = (dt.datetime.fromisoformat(f["to"]) + dt.timedelta(days=1)).timestamp()
            region = pg.LinearRegionItem((lo, hi), movable=False, brush=(245, 158, 11, 50),
                                         pen=pg.mkPen((245, 158, 11, 0)))
            region.setToolTip(f"Flagged: {f['note'] or 'promotion'} ({f['from']} to {f['to']}); "
                              "the forecast plans with the usual level")
            self.plot.addItem(region)
            self.flag_regions.append(region)

    def outlook_text(self, s: dict[str, Any], history: np.ndarray) -> str:
        """One plain sentence: expected next period and over the horizon, against the recent average."""
        points = s["points"]
        if not points:
            return ""
        word = PERIOD_WORD.get((self.result or {}).get("freq", "W"), "period")
        money = s.get("measure") == "revenue"
        fmt = (lambda v: f"{v:,.0f}") if money else (lambda v: f"{v:,.1f}")  # noqa: E731
        unit = "" if money else " units"
        total = sum(expected_of(p) for p in points)
        recent = np.asarray(history, float)[-len(points):]
        recent_text = (f"; the last {len(recent)} {word}s averaged {fmt(float(recent.mean()))}{unit} a {word}"
                       if len(recent) else "")
        return (f"Expected next {word}: <b>{fmt(expected_of(points[0]))}{unit}</b>, "
                f"{fmt(total)}{unit} over {len(points)} {word}s{recent_text}. "
                f"Typical (median) {word}: {fmt(float(points[0]['mean']))}.")

    def csv_rows(self) -> tuple[list[str], list[list[Any]]]:
        headers = ["level", "key", "measure", "model", "backtest_mase", "naive_mase", "trend", "period_start",
                   "mean", "lower80", "upper80", "lower95", "upper95", "expected", "title"]
        rows = []
        for s in self.model.series:
            for p in s["points"]:
                rows.append([s["level"], s["key"], s.get("measure"), s["model"], s.get("backtest_mase"),
                             s.get("naive_mase"), s.get("trend"), p["period_start"], p["mean"], p["lower80"],
                             p["upper80"], p["lower95"], p["upper95"], expected_of(p), self.model.title_of(s)])
        return headers, rows


def _sentence(text: str | None) -> str:
    """A model's note ("out of stock for the last 48 weeks: ...") as a sentence of the accuracy line."""
    text = (text or "").strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
