"""Suppliers: lead time, order cycle, MOQ and case pack per supplier, and who supplies what.

A SKU's own settings (edited in the Stock tab's table) override its supplier's; an empty supplier
field means the shop default.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidgetItem,
    QWidget,
)

from ui.context import AppContext
from ui.dialogs.edit_list import EditListDialog
from ui.jobs import JobContext
from ui.widgets.dialog_parts import fit_text

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


class SuppliersDialog(EditListDialog):
    """Edit suppliers; `sku` (the Stock tab's selection) can be assigned to the supplier shown."""

    load_job = staticmethod(load_suppliers)

    def __init__(self, ctx: AppContext, sku: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Suppliers",
                         "Lead time and order cycle decide how much an order must cover; MOQ and case pack round "
                         "it. A product's own values (Stock tab) win over its supplier's; an empty field uses the "
                         "shop default from Settings.", COLUMNS, min_width=820, parent=parent)
        self.sku = sku
        self.rows: list[dict[str, Any]] = []
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
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
        self.root.addLayout(form)
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
        fit_text(self.save_button, self.delete_button, self.assign_button, self.vendors_button)
        self.root.addLayout(row)
        self.root.addWidget(self.error)
        self.add_close_button()
        self.save_button.clicked.connect(
            lambda: self.change("save", save_supplier, self.name.text(),
                                {f: e.text().strip() for f, e in self.fields.items()}))
        self.delete_button.clicked.connect(lambda: self.change("delete", delete_supplier, self.name.text().strip()))
        self.assign_button.clicked.connect(
            lambda: self.change("assign", assign_sku, self.sku, self.name.text().strip()) if self.sku else None)
        self.vendors_button.clicked.connect(lambda: self.change("vendors", from_vendors))
        self.reload()

    def set_busy(self, busy: bool) -> None:
        named = bool(self.name.text().strip())
        self.save_button.setEnabled(not busy)
        self.vendors_button.setEnabled(not busy)
        self.delete_button.setEnabled(not busy and named)
        self.assign_button.setEnabled(not busy and named)

    def loaded(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, s in enumerate(rows):
            for c, text in enumerate([s["name"], *(_text(s[f]) for f in FIELDS), str(s["skus"])]):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        super().loaded(rows)

    def _selected(self) -> None:
        items = self.table.selectedItems()
        if not items:
            return
        s = self.rows[items[0].row()]
        self.name.setText(s["name"])
        for f, edit in self.fields.items():
            edit.setText(_text(s[f]))
        self.set_busy(False)
