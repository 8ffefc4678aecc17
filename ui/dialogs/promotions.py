"""Promotions and one-off events: the owner flags periods the forecast should not learn as usual.

Reads and writes go through jobs (`ctx.runner`), never SQL on the GUI thread. A change bumps the
shop's data version, so `ctx.notify_data_changed()` lets every tab recompute with it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.context import AppContext
from ui.jobs import JobContext

WHOLE_SHOP = "Whole shop (sitewide sale)"
COLUMNS = ["From", "To", "SKU", "Note"]


def load_flags(jc: JobContext) -> dict[str, Any]:
    """Existing flags and the SKUs to choose from (pool thread)."""
    from merchant_ai.store import promotions, queries

    products = queries.products(jc.store)
    titles = {str(k): (t if isinstance(t, str) else "") for k, t in zip(products["sku"], products["title"], strict=True)}
    return {"flags": promotions.list_promotions(jc.store), "skus": sorted(titles.items())}


def add_flag(jc: JobContext, start: dt.date, end: dt.date, sku: str | None, note: str) -> int:
    from merchant_ai.store import promotions

    return promotions.add_promotion(jc.store, start, end, sku=sku, note=note)


def remove_flag(jc: JobContext, promotion_id: int) -> bool:
    from merchant_ai.store import promotions

    return promotions.remove_promotion(jc.store, promotion_id)


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class PromotionsDialog(QDialog):
    """List, add and remove flags; `sku` preselects the SKU the owner was looking at."""

    def __init__(self, ctx: AppContext, sku: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.changed = False
        self.flags: list[dict[str, Any]] = []
        self._preselect = sku
        self.setWindowTitle("Promotions and one-off events — Merchant AI")
        self.setMinimumWidth(560)
        root = QVBoxLayout(self)
        intro = QLabel("Flag the days of a sale, a promotion or a one-off order. Forecasts and stock alerts "
                       "then plan with the usual level instead of learning the boost as normal. A flag "
                       "without a SKU covers the whole shop.")
        intro.setWordWrap(True)
        intro.setObjectName("hintText")
        root.addWidget(intro)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(140)
        root.addWidget(self.table, 1)
        self.remove_button = QPushButton("Remove selected")
        self.remove_button.setAutoDefault(False)
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self._remove)
        self.table.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.table.selectedItems())))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.remove_button)
        root.addLayout(row)

        form = QFormLayout()
        self.sku = QComboBox()              # item data: the SKU, None for the whole shop
        self.sku.addItem(WHOLE_SHOP, None)
        self.sku.setMaxVisibleItems(20)
        today = dt.date.today()
        self.start = QDateEdit(_qdate(today - dt.timedelta(days=7)))
        self.end = QDateEdit(_qdate(today - dt.timedelta(days=1)))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.note = QLineEdit()
        self.note.setPlaceholderText("e.g. Black Friday, 30% off")
        form.addRow("SKU", self.sku)
        form.addRow("From", self.start)
        form.addRow("To (included)", self.end)
        form.addRow("Note", self.note)
        root.addLayout(form)
        self.add_button = QPushButton("Add flag")
        self.add_button.setDefault(True)     # Enter adds the flag being typed
        for button in (self.add_button, self.remove_button):   # the default look's bold text was cut off
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 48)
        self.add_button.clicked.connect(self._add)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.error, 1)
        row.addWidget(self.add_button)
        root.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)
        self._busy(True)
        self.ctx.runner.submit("PromotionsDialog.load", load_flags, on_done=self._loaded, on_error=self._failed)

    # --- jobs ----------------------------------------------------------------------------------------
    def _busy(self, busy: bool) -> None:
        self.add_button.setEnabled(not busy)
        self.remove_button.setEnabled(not busy and bool(self.table.selectedItems()))

    def _loaded(self, data: dict[str, Any]) -> None:
        if self.sku.count() == 1:
            for sku, title in data["skus"]:
                self.sku.addItem(f"{sku} — {title}" if title else sku, sku)
            at = self.sku.findData(self._preselect) if self._preselect else -1
            if at >= 0:
                self.sku.setCurrentIndex(at)
        self.show_flags(data["flags"])
        self._busy(False)

    def show_flags(self, flags: list[dict[str, Any]]) -> None:
        self.flags = flags
        self.table.setRowCount(len(flags))
        for r, f in enumerate(flags):
            for c, text in enumerate([f["from"], f["to"], f["sku"] or "whole shop", f["note"]]):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, f["id"])
                self.table.setItem(r, c, item)

    def _add(self) -> None:
        sku = self.sku.currentData()
        start, end = _pydate(self.start.date()), _pydate(self.end.date())
        if end < start:
            self.error.setText("'To' is before 'From'.")
            return
        self.error.clear()
        self._busy(True)
        self.ctx.runner.submit("PromotionsDialog.add", add_flag, start, end, sku, self.note.text(),
                               on_done=lambda _id: self._saved(), on_error=self._failed)

    def _remove(self) -> None:
        items = self.table.selectedItems()
        if not items:
            return
        self._busy(True)
        self.ctx.runner.submit("PromotionsDialog.remove", remove_flag, int(items[0].data(Qt.ItemDataRole.UserRole)),
                               on_done=lambda _ok: self._saved(), on_error=self._failed)

    def _saved(self) -> None:
        self.changed = True
        self.note.clear()
        self.ctx.runner.submit("PromotionsDialog.load", load_flags, on_done=self._loaded, on_error=self._failed)

    def _failed(self, message: str, _trace: str = "") -> None:
        self.error.setText(message)
        self._busy(False)

    def done(self, result: int) -> None:
        if self.changed:
            self.ctx.notify_data_changed()   # forecasts, stock alerts and the report recompute with the flags
        super().done(result)
