"""Suppliers: lead time, order cycle, MOQ and case pack per supplier, and who supplies what.

Reads and writes go through jobs (`ctx.runner`). A SKU's own settings (edited in the Stock tab's
table) override its supplier's; an empty supplier field means the shop default. Closing the dialog
after a change refreshes every tab.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
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

COLUMNS = ["Supplier", "Lead time (days)", "Order cycle (days)", "MOQ", "Case pack", "SKUs"]
FIELDS = ["lead_time_days", "order_cycle_days", "moq", "case_pack"]


def load_suppliers(jc: JobContext) -> list[dict[str, Any]]:
    from merchant_ai.store import suppliers

    return suppliers.list_suppliers(jc.store)


def save_supplier(jc: JobContext, name: str, settings: dict[str, str]) -> int:
    from merchant_ai.store import suppliers

    return suppliers.save_supplier(jc.store, name, **settings)


def delete_supplier(jc: JobContext, name: str) -> int:
    from merchant_ai.store import suppliers

    return suppliers.delete_supplier(jc.store, name)


def assign_sku(jc: JobContext, sku: str, name: str) -> int:
    from merchant_ai.store import suppliers

    return suppliers.assign(jc.store, [sku], name)


def from_vendors(jc: JobContext) -> dict[str, int]:
    from merchant_ai.store import suppliers

    return suppliers.from_vendors(jc.store)


def _text(value: Any) -> str:
    return "" if value is None else f"{value:g}"


class SuppliersDialog(QDialog):
    """Edit suppliers; `sku` (the Stock tab's selection) can be assigned to the supplier shown."""

    def __init__(self, ctx: AppContext, sku: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.sku = sku
        self.changed = False
        self.rows: list[dict[str, Any]] = []
        self.setWindowTitle("Suppliers — Merchant AI")
        self.setMinimumWidth(820)
        root = QVBoxLayout(self)
        intro = QLabel("Lead time and order cycle decide how much an order must cover; MOQ and case pack round "
                       "it. A product's own values (Stock tab) win over its supplier's; an empty field uses "
                       "the shop default from Settings.")
        intro.setWordWrap(True)
        intro.setObjectName("hintText")
        root.addWidget(intro)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(150)
        self.table.itemSelectionChanged.connect(self._selected)
        root.addWidget(self.table, 1)

        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setPlaceholderText("Supplier name")
        self.fields = {f: QLineEdit() for f in FIELDS}
        for edit in self.fields.values():
            edit.setPlaceholderText("shop default")
        form.addRow("Name", self.name)
        form.addRow("Lead time (days)", self.fields["lead_time_days"])
        form.addRow("Order cycle (days)", self.fields["order_cycle_days"])
        form.addRow("Minimum order (units)", self.fields["moq"])
        form.addRow("Case pack (units)", self.fields["case_pack"])
        root.addLayout(form)
        self.save_button = QPushButton("Save supplier")
        self.save_button.setDefault(True)
        self.delete_button = QPushButton("Delete")
        self.assign_button = QPushButton(f"Make it the supplier of {sku}" if sku else "Assign")
        self.assign_button.setVisible(bool(sku))
        self.vendors_button = QPushButton("Create from product vendors")
        self.vendors_button.setToolTip("One supplier per 'Vendor' of your products, for products without one")
        row = QHBoxLayout()
        for b in (self.vendors_button, self.delete_button, self.assign_button):
            b.setAutoDefault(False)
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.save_button)
        for b in (self.save_button, self.delete_button, self.assign_button, self.vendors_button):
            b.setMinimumWidth(b.fontMetrics().horizontalAdvance(b.text()) + 48)
        root.addLayout(row)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        root.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)
        self.save_button.clicked.connect(self._save)
        self.delete_button.clicked.connect(self._delete)
        self.assign_button.clicked.connect(self._assign)
        self.vendors_button.clicked.connect(self._vendors)
        self._busy(True)
        self._load()

    # --- state ---------------------------------------------------------------------------------------
    def _busy(self, busy: bool) -> None:
        named = bool(self.name.text().strip())
        self.save_button.setEnabled(not busy)
        self.vendors_button.setEnabled(not busy)
        self.delete_button.setEnabled(not busy and named)
        self.assign_button.setEnabled(not busy and named)

    def _load(self) -> None:
        self.ctx.runner.submit("SuppliersDialog.load", load_suppliers, on_done=self._loaded, on_error=self._failed)

    def _loaded(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, s in enumerate(rows):
            for c, text in enumerate([s["name"], *(_text(s[f]) for f in FIELDS), str(s["skus"])]):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self._busy(False)

    def _selected(self) -> None:
        items = self.table.selectedItems()
        if not items:
            return
        s = self.rows[items[0].row()]
        self.name.setText(s["name"])
        for f, edit in self.fields.items():
            edit.setText(_text(s[f]))
        self._busy(False)

    # --- actions -------------------------------------------------------------------------------------
    def _run(self, kind: str, fn, *args) -> None:
        self.error.clear()
        self._busy(True)
        self.ctx.runner.submit(f"SuppliersDialog.{kind}", fn, *args, on_done=self._saved, on_error=self._failed)

    def _save(self) -> None:
        self._run("save", save_supplier, self.name.text(), {f: e.text().strip() for f, e in self.fields.items()})

    def _delete(self) -> None:
        self._run("delete", delete_supplier, self.name.text().strip())

    def _assign(self) -> None:
        if self.sku:
            self._run("assign", assign_sku, self.sku, self.name.text().strip())

    def _vendors(self) -> None:
        self._run("vendors", from_vendors)

    def _saved(self, _result: Any = None) -> None:
        self.changed = True
        self._load()

    def _failed(self, message: str, _trace: str = "") -> None:
        self.error.setText(message)
        self._busy(False)

    def done(self, result: int) -> None:
        if self.changed:
            self.ctx.notify_data_changed()   # stock alerts and purchase-order suggestions recompute
        super().done(result)
