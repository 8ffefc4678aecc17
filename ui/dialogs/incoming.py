"""Incoming stock: the owner enters open purchase orders, marks them received or cancels them.

Receiving records a stock count (the estimate plus the quantity, or the figure the owner types),
since on-hand here is a count minus later sales.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QPushButton,
    QTableWidgetItem,
    QWidget,
)

from ui.context import AppContext
from ui.dialogs.edit_list import EditListDialog
from ui.dialogs.promotions import pydate, qdate
from ui.jobs import JobContext
from ui.widgets.dialog_parts import fit_text

COLUMNS = ["SKU", "Product", "Quantity", "Expected", "Supplier"]


def load_orders(jc: JobContext) -> dict[str, Any]:
    """Open orders, each with the SKU's estimated stock now, and the SKUs to choose from (pool thread)."""
    from merchant_ai.store import purchase_orders, queries

    today = dt.date.today()
    orders = purchase_orders.list_orders(jc.store)
    estimate = purchase_orders.estimates_on_hand(jc.store, sorted({o["sku"] for o in orders}), today)
    return {"orders": [{**o, "on_hand_now": estimate.get(o["sku"])} for o in orders],
            "skus": list(queries.product_titles(jc.store).items())}


def add_order(jc: JobContext, sku: str, quantity: float, expected: dt.date) -> int:
    from merchant_ai.store import purchase_orders

    return purchase_orders.add_order(jc.store, sku, quantity, expected)


def receive_order(jc: JobContext, order_id: int, count: float) -> dict[str, Any]:
    from merchant_ai.store import purchase_orders

    return purchase_orders.receive_order(jc.store, order_id, count=count)


def cancel_order(jc: JobContext, order_id: int) -> bool:
    from merchant_ai.store import purchase_orders

    return purchase_orders.cancel_order(jc.store, order_id)


class IncomingDialog(EditListDialog):
    """List, add, receive and cancel open purchase orders; `sku` preselects the SKU in view."""

    load_job = staticmethod(load_orders)

    def __init__(self, ctx: AppContext, sku: str | None = None, lead_time_days: float = 14.0,
                 suggested: dict[str, float] | None = None, lead_times: dict[str, float] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Incoming stock",
                         "Purchase orders on their way. Stock alerts count them as arriving on the expected day, so "
                         "nothing is ordered twice. Mark an order received when it is on the shelf: that records "
                         "a new stock count.", COLUMNS, min_width=780, table_height=160, parent=parent)
        self.orders: list[dict[str, Any]] = []
        self._preselect = sku
        self.suggested = {k: float(v) for k, v in (suggested or {}).items() if v}
        self.lead_times = {k: float(v) for k, v in (lead_times or {}).items() if v is not None}
        self.default_lead = lead_time_days
        self.receive_button = QPushButton("Mark received…")
        self.cancel_button = QPushButton("Cancel order")
        row = QHBoxLayout()
        row.addStretch(1)
        for button in (self.cancel_button, self.receive_button):
            button.setAutoDefault(False)
            row.addWidget(button)
        self.root.addLayout(row)
        self.receive_button.clicked.connect(self._receive)
        self.cancel_button.clicked.connect(self._cancel)
        self.table.itemSelectionChanged.connect(lambda: self.set_busy(False))

        form = QFormLayout()
        self.sku = QComboBox()
        self.sku.setMaxVisibleItems(20)
        self.quantity = QDoubleSpinBox()
        self.quantity.setRange(1, 1_000_000)
        self.quantity.setDecimals(0)
        self.quantity.setValue(12)
        self.expected = QDateEdit(qdate(dt.date.today() + dt.timedelta(days=round(lead_time_days))))
        self.expected.setCalendarPopup(True)
        self.expected.setDisplayFormat("yyyy-MM-dd")
        self.sku.currentIndexChanged.connect(self._suggest)
        form.addRow("SKU", self.sku)
        form.addRow("Quantity", self.quantity)
        form.addRow("Expected", self.expected)
        self.root.addLayout(form)
        self.add_button = QPushButton("Add order")
        self.add_button.setDefault(True)
        fit_text(self.add_button, self.receive_button, self.cancel_button)
        self.add_button.clicked.connect(self._add)
        self.finish(self.add_button)

    def set_busy(self, busy: bool) -> None:
        picked = bool(self.table.selectedItems())
        self.add_button.setEnabled(not busy and self.sku.count() > 0)
        self.receive_button.setEnabled(not busy and picked)
        self.cancel_button.setEnabled(not busy and picked)

    def selected(self) -> dict[str, Any] | None:
        items = self.table.selectedItems()
        return self.orders[items[0].row()] if items else None

    def loaded(self, data: dict[str, Any]) -> None:
        if self.sku.count() == 0:
            for sku, title in data["skus"]:
                self.sku.addItem(f"{sku} — {title}" if title else sku, sku)
            at = self.sku.findData(self._preselect) if self._preselect else -1
            if at >= 0:
                self.sku.setCurrentIndex(at)
            self._suggest()
        self.orders = data["orders"]
        self.table.setRowCount(len(self.orders))
        self.table.setColumnWidth(1, 220)
        for r, o in enumerate(self.orders):
            cells = [o["sku"], o.get("title") or "", f"{o['quantity']:,.0f}", o["expected_at"] or "unknown",
                     o.get("supplier") or ""]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        super().loaded(data)

    def _suggest(self) -> None:
        """Start from the Stock tab's figures for the SKU: its suggested order, and arrival after its
        own lead time (supplier or SKU setting), else the shop's default."""
        sku = str(self.sku.currentData())
        if self.suggested.get(sku):
            self.quantity.setValue(self.suggested[sku])
        lead = self.lead_times.get(sku, self.default_lead)
        self.expected.setDate(qdate(dt.date.today() + dt.timedelta(days=round(lead))))

    # --- actions -------------------------------------------------------------------------------------
    def _add(self) -> None:
        self.change("add", add_order, self.sku.currentData(), float(self.quantity.value()),
                    pydate(self.expected.date()))

    def receive_count(self, order: dict[str, Any]) -> float | None:
        """Ask for the stock counted after receiving; prefilled with the estimate plus the order."""
        now = order.get("on_hand_now")
        guess = (max(now, 0.0) if now is not None else 0.0) + float(order["quantity"])
        hint = (f"About {max(now, 0):,.0f} on hand now plus {order['quantity']:,.0f} received"
                if now is not None else "No stock count yet: enter what is on the shelf")
        value, ok = QInputDialog.getDouble(self, "Order received", f"{order['sku']}: stock on hand after receiving?\n"
                                           f"({hint})", guess, 0, 10_000_000, 0)
        return value if ok else None

    def _receive(self) -> None:
        order = self.selected()
        count = self.receive_count(order) if order is not None else None
        if order is not None and count is not None:
            self.change("receive", receive_order, int(order["id"]), count)

    def _cancel(self) -> None:
        order = self.selected()
        if order is not None:
            self.change("cancel", cancel_order, int(order["id"]))
