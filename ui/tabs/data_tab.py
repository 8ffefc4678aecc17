"""Data tab: browse orders, order lines, products and customers — sortable, filterable, virtualised."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui import data_queries
from ui.data_queries import DATASETS
from ui.tabs.base import NO_DATA_TEXT, BaseTab
from ui.widgets.paged_model import PagedTableModel

FILTER_DEBOUNCE_MS = 300


class DataTab(BaseTab):
    title = "Data"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.model = PagedTableModel(ctx.runner, "orders")
        page = QWidget()
        root = QVBoxLayout(page)
        root.setContentsMargins(16, 14, 16, 12)
        bar = QHBoxLayout()
        self.kind_buttons = QButtonGroup(self)
        self.kind_buttons.setExclusive(True)
        for name, ds in DATASETS.items():
            button = QPushButton(ds.title)
            button.setCheckable(True)
            button.setProperty("dataset", name)
            button.setChecked(name == "orders")
            self.kind_buttons.addButton(button)
            bar.addWidget(button)
        self.kind_buttons.buttonClicked.connect(lambda b: self.show_dataset(b.property("dataset")))
        bar.addSpacing(16)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter: order number, SKU, title, customer… (all words must match)")
        self.filter.setClearButtonEnabled(True)
        bar.addWidget(self.filter, 1)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self.export_all)
        bar.addWidget(self.export_button)
        root.addLayout(bar)

        self.view = QTableView()
        self.view.setModel(self.model)
        self._show_sort_indicator()
        self.view.setSortingEnabled(True)   # sorts by the indicator set just above
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row sizing
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setDefaultSectionSize(120)
        self.view.horizontalHeader().setStretchLastSection(True)
        root.addWidget(self.view, 1)
        self.count_label = QLabel()
        self.count_label.setObjectName("hintText")
        root.addWidget(self.count_label)
        self.set_content(page)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DEBOUNCE_MS)
        self._filter_timer.timeout.connect(lambda: self.model.set_filter(self.filter.text()))
        self.filter.textChanged.connect(lambda _t: self._filter_timer.start())
        self.model.ids_loaded.connect(self._count_changed)
        self.model.modelReset.connect(lambda: setattr(self, "_sized", False))
        self.model.page_loaded.connect(self._size_columns)
        self._sized = False
        self.model.loading_changed.connect(self._loading)

    def reload(self) -> None:
        if self.ctx.store is None:
            self.show_empty("No shop open", "Open or create a shop to browse its data.")
            return
        self.show_content()
        self.model.active = True
        self.model.reload()

    def show_dataset(self, name: str) -> None:
        for button in self.kind_buttons.buttons():
            button.setChecked(button.property("dataset") == name)
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.blockSignals(False)
        self.model.filter_text = ""
        self.model.set_dataset(name)
        self._show_sort_indicator()

    def _show_sort_indicator(self) -> None:
        """Newest-first (no column) shows no indicator; setSortIndicator(-1) does not re-sort."""
        header = self.view.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(-1 if self.model.sort_column is None else self.model.sort_column,
                                Qt.SortOrder.DescendingOrder if self.model.descending else Qt.SortOrder.AscendingOrder)
        header.blockSignals(False)

    def _size_columns(self, _page: int) -> None:
        """Fit columns to the first rows shown (QTableView measures visible rows only), once per reset."""
        if self._sized:
            return
        self._sized = True
        self.view.resizeColumnsToContents()
        header = self.view.horizontalHeader()
        for col in range(self.model.columnCount()):
            header.resizeSection(col, max(70, min(header.sectionSize(col) + 12, 320)))

    def _loading(self, on: bool) -> None:
        if on:
            self.count_label.setText("Loading…")
            if self.model.ids_job is not None and not self.model.ids_job.is_finished():
                self.overlay.track(self.model.ids_job, f"Loading {self.model.dataset.title.lower()}…")

    def _count_changed(self, total: int) -> None:
        title = self.model.dataset.title.lower()
        if total == 0 and not self.model.filter_text:
            self.count_label.setText(f"No {title} yet. " + NO_DATA_TEXT)
        elif self.model.filter_text:
            self.count_label.setText(f"{total:,} {title} match “{self.model.filter_text}”")
        else:
            self.count_label.setText(f"{total:,} {title}")
        self.export_button.setEnabled(total > 0)

    def export_all(self) -> None:
        ids = self.model.ids()
        if not len(ids):
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export to CSV", f"{self.model.dataset.name}.csv",
                                              "CSV files (*.csv)")
        if path:
            self.export_to(path)

    def export_to(self, path: str):
        """Every row of the current filter and sort, in pages (a job), formula-safe."""
        return self.run_job("export", data_queries.export_rows, self.model.dataset.name, self.model.ids(), path,
                            on_done=lambda n: self.count_label.setText(f"Exported {n:,} rows to {path}"),
                            message="Exporting…")
