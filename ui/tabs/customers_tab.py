"""Customers tab: segment overview (sizes, revenue share, bar chart) and the customer table.

Everything is computed in one job (`load_customers`: sales -> RFM segments, clusters, P(alive),
expected orders and CLV, the same code as `merchant-ai segments`). The table filters by segment on
the GUI thread (a proxy model, no recomputation) and exports what it shows only when asked.
Customer keys are shown as stored: pseudonymous where the shop chose that.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from merchant_ai.analytics.customers import SEGMENTS
from ui.jobs import JobContext
from ui.tabs.base import BaseTab
from ui.widgets.records_model import RecordsModel

ALL = "All segments"
COLUMNS = ["Customer", "Segment", "Cluster", "Recency (days)", "Orders", "Net revenue", "P(alive)",
           "Expected orders", "Predicted CLV", "Likely orders"]
_KEYS = ["customer", "rfm_segment", "cluster", "recency_days", "frequency", "monetary", "p_alive",
         "expected_orders", "predicted_clv", "likely_orders"]


def load_customers(jc: JobContext, horizon_days: int) -> dict[str, Any]:
    """Segments and predictions for every customer (pool thread)."""
    from merchant_ai.cli.customer_cmds import segments_result
    from merchant_ai.store import queries

    jc.progress(0.05, "Loading sales…")
    sales = queries.sales_lines(jc.store)
    if sales.empty or sales["customer"].notna().sum() == 0:
        return {"customers": []}
    jc.progress(0.3, "Segments, clusters and predictions…")
    doc, _seg = segments_result(sales, None, horizon_days)
    jc.check()
    return doc


def export_customer_file(jc: JobContext, key: str, path: str) -> int:
    """Write one customer's data as JSON (pool thread); returns the number of orders written."""
    import json

    from merchant_ai.importers import privacy

    data = privacy.export_customer(jc.store, key)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, default=str)
    return len(data["orders"])


def erase_customer_job(jc: JobContext, key: str) -> dict:
    from merchant_ai.importers import privacy

    return privacy.erase_customer(jc.store, key)


class CustomerModel(RecordsModel):
    """One row per customer; cluster words and the 80% band come as tooltips."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(list(zip(_KEYS, COLUMNS, strict=True)), parent)
        self.cluster_words: dict[int, str] = {}
        self.header_tips = {
            "recency_days": "Days since the customer's last order",
            "frequency": "Orders so far",
            "p_alive": "Chance the customer still buys from the shop (has not quietly left)",
            "expected_orders": "Average number of orders expected within the horizon",
            "predicted_clv": "Net revenue expected from the customer within the horizon",
            "likely_orders": "Most likely number of orders within the horizon (the median)",
        }

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.records

    def set_rows(self, rows: list[dict[str, Any]], cluster_words: dict[int, str]) -> None:
        self.cluster_words = dict(cluster_words)
        self.set_records(rows)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        value = row.get(_KEYS[col])
        if role == Qt.ItemDataRole.UserRole:  # sort key
            if col < 2:
                return str(value)
            return -math.inf if value is None else float(value)
        if role == Qt.ItemDataRole.ToolTipRole and col == 2:
            return self.cluster_words.get(value)
        if role == Qt.ItemDataRole.ToolTipRole and col == 7 and row.get("expected_orders_low") is not None:
            return f"80% band: {row['expected_orders_low']:.0f} to {row['expected_orders_high']:.0f} orders"
        if role == Qt.ItemDataRole.ToolTipRole and col == 9:
            return "Most likely number of orders in the horizon (the median; expected orders is the average)"
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if value is None:
            return "—"
        if col in (5, 8):
            return f"{value:,.2f}"
        if col == 6:
            return f"{value:.0%}"
        if col == 7:
            return f"{value:.2f}"
        if col in (3, 9):
            return f"{value:.0f}"
        return str(value)


class SegmentFilter(QSortFilterProxyModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.segment = ALL
        self.setSortRole(Qt.ItemDataRole.UserRole)

    def set_segment(self, segment: str) -> None:
        self.beginFilterChange()
        self.segment = segment
        self.endFilterChange()

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:  # noqa: N802
        if self.segment == ALL:
            return True
        return self.sourceModel().rows[row]["rfm_segment"] == self.segment


class CustomersTab(BaseTab):
    title = "Customers"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.doc: dict[str, Any] = {}
        split = QSplitter(Qt.Orientation.Vertical)

        top = QWidget()
        top_layout = QHBoxLayout(top)
        self.overview = QTableWidget(0, 3)
        self.overview.setHorizontalHeaderLabels(["Segment", "Customers", "Revenue share"])
        self.overview.verticalHeader().hide()
        self.overview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.overview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.overview.cellClicked.connect(lambda r, _c: self.segment.setCurrentText(self.overview.item(r, 0).text()))
        top_layout.addWidget(self.overview, 1)
        # Horizontal bars: eleven segment names stay readable on the left axis at any width.
        self.chart = pg.PlotWidget(background="w")
        self.chart.setMinimumHeight(160)
        self.chart.setLabel("bottom", "customers")
        self.chart.getAxis("left").setTicks([[(i, s) for i, s in enumerate(SEGMENTS)]])
        self.chart.getPlotItem().invertY(True)  # Champions at the top, as in the table
        self.chart.setMouseEnabled(x=False, y=False)
        self.bars = pg.BarGraphItem(x0=0, y=list(range(len(SEGMENTS))), width=[0] * len(SEGMENTS), height=0.7,
                                    brush="#4a7bd0")
        self.chart.addItem(self.bars)
        top_layout.addWidget(self.chart, 2)
        split.addWidget(top)

        bottom = QWidget()
        b = QVBoxLayout(bottom)
        bar = QHBoxLayout()
        self.segment = QComboBox()
        self.segment.addItems([ALL, *SEGMENTS])
        self.segment.currentTextChanged.connect(self._filter)
        self.horizon = QSpinBox()
        self.horizon.setRange(7, 730)
        self.horizon.setValue(90)
        self.horizon.setSuffix(" days")
        self.horizon.setToolTip("Horizon of expected orders and CLV")
        self.horizon.editingFinished.connect(self.refresh)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(lambda: self.export_csv(self.proxy, "customers.csv"))
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.segment)
        bar.addWidget(QLabel("Horizon"))
        bar.addWidget(self.horizon)
        bar.addStretch(1)
        # One customer's rights (issue 3): a copy of their data, or the identity erased.
        self.export_one_button = QPushButton("Export customer's data…")
        self.export_one_button.setToolTip("Everything the shop holds about the selected customer, as a JSON file")
        self.erase_button = QPushButton("Erase customer…")
        self.erase_button.setToolTip("Delete the selected customer's identity; their orders stay as guest orders")
        for button in (self.export_one_button, self.erase_button):
            button.setEnabled(False)
            bar.addWidget(button)
        self.export_one_button.clicked.connect(self.export_selected)
        self.erase_button.clicked.connect(self.erase_selected)
        bar.addWidget(self.export_button)
        b.addLayout(bar)
        self.status = QLabel()
        self.status.setWordWrap(True)
        b.addWidget(self.status)
        self.model = CustomerModel(self)
        self.proxy = SegmentFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        # Most valuable customers first. Without an explicit indicator Qt sorts column 0 descending,
        # which listed customers by their key, Z to A.
        self.table.horizontalHeader().setSortIndicator(COLUMNS.index("Predicted CLV"), Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        b.addWidget(self.table, 1)
        split.addWidget(bottom)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)
        # Overview one third, customer list two thirds: at 1024x640 the list was squeezed to one row.
        split.setSizes([280, 320])
        self.set_content(split)

    def reload(self) -> None:
        if self.ctx.store is None:
            return self.show_empty("No shop open", "Open or create a shop to see its customers.")
        self.run_job("segments", load_customers, self.horizon.value(), on_done=self.show_result,
                     message="Segmenting customers…")

    def show_result(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        if not doc.get("customers"):
            return self.show_empty("No customers yet", "Import orders that carry a customer to see segments.")
        self.show_content()
        words = {c["cluster"]: c["description"] for c in doc.get("clusters", [])}
        self.model.set_rows(doc["customers"], words)
        # Most valuable first: by predicted CLV, or by net revenue while there is too little
        # history to predict (every CLV empty).
        has_clv = any(c.get("predicted_clv") is not None for c in doc["customers"])
        self.table.sortByColumn(COLUMNS.index("Predicted CLV" if has_clv else "Net revenue"),
                                Qt.SortOrder.DescendingOrder)
        segs = doc.get("segments", [])
        self.overview.setRowCount(len(segs))
        for r, s in enumerate(segs):
            for c, text in enumerate([s["segment"], f"{s['customers']:,}", f"{s['revenue_share']:.1%}"]):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.overview.setItem(r, c, item)
        self.bars.setOpts(width=[s["customers"] for s in segs])
        self.chart.getPlotItem().setXRange(0, max([s["customers"] for s in segs] + [1]) * 1.05)
        self.table.resizeColumnsToContents()
        clusters = "; ".join(f"cluster {k}: {v}" for k, v in sorted(words.items()))
        method = {"rate_model": "naive rate x learned per-customer multiplier", "bgnbd": "BG/NBD",
                  "naive": "naive rate", "none": "none",
                  "learned": "a regression learnt from this shop's own returning customers",
                  "boosted": "gradient boosting learnt from this shop's own returning customers"}.get(doc.get("prediction_method"), doc.get("prediction_method"))
        pred = doc.get("message") or f"Predictions over {doc['horizon_days']} days by {method} (chosen by backtest)."
        self.status.setText(f"As of {doc['as_of']}: {len(doc['customers']):,} customers. {pred} Clusters — {clusters}.")
        self._filter(self.segment.currentText())
        self._apply_focus()

    # --- one customer: export, erase ----------------------------------------------------------------
    def selected_customer(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return str(self.model.rows[self.proxy.mapToSource(rows[0]).row()]["customer"]) if rows else None

    def _selection_changed(self, *_args) -> None:
        one = self.selected_customer() is not None
        self.export_one_button.setEnabled(one)
        self.erase_button.setEnabled(one)

    def export_selected(self, path: str | None = None) -> None:
        """Write the selected customer's data to a JSON file the owner names (only when asked)."""
        key = self.selected_customer()
        if key is None:
            return
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Export customer data", f"customer-{key[:16]}.json",
                                                  "JSON files (*.json)")
            if not path:
                return
        self.run_job("export_customer", export_customer_file, key, path, message="Exporting customer data…",
                     on_done=lambda n: self.status.setText(f"Wrote {n} orders of {key} to {path}."))

    def erase_selected(self, confirmed: bool = False) -> None:
        """Erase the selected customer's identity after the owner confirms."""
        key = self.selected_customer()
        if key is None:
            return
        if not confirmed:
            answer = QMessageBox.question(
                self, "Erase customer",
                f"Erase customer {key}?\n\nTheir contact details and identity are deleted; their orders stay as "
                "guest orders, so sales figures do not change. This cannot be undone. Encrypted backups taken "
                "before still hold the data until they are pruned.")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.run_job("erase_customer", erase_customer_job, key, message="Erasing customer…",
                     on_done=lambda r: self._erased(key, r))

    def _erased(self, key: str, result: dict) -> None:
        self.status.setText(f"Erased {key}: {result['orders_unlinked']} orders kept as guest orders.")
        self.ctx.notify_data_changed()

    def focus_key(self, key: str) -> None:
        """Drill-down from the dashboard: a segment name filters the list, a customer key selects its row."""
        self._focus = str(key)
        self._apply_focus()

    def _apply_focus(self) -> None:
        key = getattr(self, "_focus", None)
        if key is None:
            return
        if key in SEGMENTS:
            self.segment.setCurrentText(key)
            self._focus = None
            return
        rows = getattr(self.model, "rows", None) or []
        for row, record in enumerate(rows):
            if str(record.get("customer")) == key:
                self.segment.setCurrentText(ALL)
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                self.table.selectRow(index.row())
                self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
                self._focus = None
                return

    def _filter(self, segment: str) -> None:
        self.proxy.set_segment(segment)
