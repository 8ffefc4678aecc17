"""Promotions and one-off events: the owner flags periods the forecast should not learn as usual."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableWidgetItem,
    QWidget,
)

from ui.context import AppContext
from ui.dialogs.edit_list import EditListDialog
from ui.jobs import JobContext
from ui.widgets.dialog_parts import fit_text

WHOLE_SHOP = "Whole shop (sitewide sale)"
COLUMNS = ["From", "To", "SKU", "Note"]


def load_flags(jc: JobContext) -> dict[str, Any]:
    """Existing flags and the SKUs (with titles) to choose from (pool thread)."""
    from merchant_ai.store import promotions, queries

    return {"flags": promotions.list_promotions(jc.store), "skus": list(queries.product_titles(jc.store).items())}


def add_flag(jc: JobContext, start: dt.date, end: dt.date, sku: str | None, note: str) -> int:
    from merchant_ai.store import promotions

    return promotions.add_promotion(jc.store, start, end, sku=sku, note=note)


def remove_flag(jc: JobContext, promotion_id: int) -> bool:
    from merchant_ai.store import promotions

    return promotions.remove_promotion(jc.store, promotion_id)


def qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def pydate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class PromotionsDialog(EditListDialog):
    """List, add and remove flags; `sku` preselects the SKU the owner was looking at."""

    load_job = staticmethod(load_flags)

    def __init__(self, ctx: AppContext, sku: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Promotions and one-off events",
                         "Flag the days of a sale, a promotion or a one-off order. Forecasts and stock alerts then "
                         "plan with the usual level instead of learning the boost as normal. A flag without a "
                         "SKU covers the whole shop.", COLUMNS, min_width=560, table_height=140, parent=parent)
        self.flags: list[dict[str, Any]] = []
        self._preselect = sku
        self.remove_button = QPushButton("Remove selected")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self._remove)
        self.table.itemSelectionChanged.connect(lambda: self.set_busy(False))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.remove_button)
        self.root.addLayout(row)

        form = QFormLayout()
        self.sku = QComboBox()              # item data: the SKU, None for the whole shop
        self.sku.addItem(WHOLE_SHOP, None)
        self.sku.setMaxVisibleItems(20)
        today = dt.date.today()
        self.start = QDateEdit(qdate(today - dt.timedelta(days=7)))
        self.end = QDateEdit(qdate(today - dt.timedelta(days=1)))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.note = QLineEdit()
        self.note.setPlaceholderText("e.g. Black Friday, 30% off")
        form.addRow("SKU", self.sku)
        form.addRow("From", self.start)
        form.addRow("To (included)", self.end)
        form.addRow("Note", self.note)
        self.root.addLayout(form)
        self.add_button = QPushButton("Add flag")
        self.add_button.setDefault(True)     # Enter adds the flag being typed
        self.add_button.clicked.connect(self._add)
        fit_text(self.add_button, self.remove_button)
        self.finish(self.add_button)

    def set_busy(self, busy: bool) -> None:
        self.add_button.setEnabled(not busy)
        self.remove_button.setEnabled(not busy and bool(self.table.selectedItems()))

    def loaded(self, data: dict[str, Any]) -> None:
        if self.sku.count() == 1:
            for sku, title in data["skus"]:
                self.sku.addItem(f"{sku} — {title}" if title else sku, sku)
            at = self.sku.findData(self._preselect) if self._preselect else -1
            if at >= 0:
                self.sku.setCurrentIndex(at)
        self.show_flags(data["flags"])
        super().loaded(data)

    def show_flags(self, flags: list[dict[str, Any]]) -> None:
        self.flags = flags
        self.table.setRowCount(len(flags))
        for r, f in enumerate(flags):
            for c, text in enumerate([f["from"], f["to"], f["sku"] or "whole shop", f["note"]]):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, f["id"])
                self.table.setItem(r, c, item)

    def _add(self) -> None:
        start, end = pydate(self.start.date()), pydate(self.end.date())
        if end < start:
            self.error.setText("'To' is before 'From'.")
            return
        self.change("add", add_flag, start, end, self.sku.currentData(), self.note.text())

    def changed_ok(self, result: Any = None) -> None:
        self.note.clear()
        super().changed_ok(result)

    def _remove(self) -> None:
        items = self.table.selectedItems()
        if items:
            self.change("remove", remove_flag, int(items[0].data(Qt.ItemDataRole.UserRole)))
