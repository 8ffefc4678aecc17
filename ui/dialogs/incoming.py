"""Incoming stock: the owner enters open purchase orders, marks them received or cancels them.

Reads and writes go through jobs (`ctx.runner`). Receiving records a stock count (the estimate
plus the quantity, or the figure the owner types), since on-hand here is a count minus later sales.
A change bumps the data version; closing the dialog then refreshes every tab.
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
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.context import AppContext
from ui.jobs import JobContext

COLUMNS = ["SKU", "Product", "Quantity", "Expected", "Supplier"]


def load_orders(jc: JobContext) -> dict[str, Any]:
    """Open orders, each with the SKU's estimated stock now, and the SKUs to choose from (pool thread)."""
    from merchant_ai.store import purchase_orders, queries

    today = dt.date.today()
    orders = purchase_orders.list_orders(jc.store)
    estimate = {sku: purchase_orders.estimated_on_hand(jc.store, sku, today) for sku in {o["sku"] for o in orders}}
    products = queries.products(jc.store)
    skus = sorted((str(k), t if isinstance(t, str) else "") for k, t in zip(products["sku"], products["title"],
                                                                           strict=True))
    return {"orders": [{**o, "on_hand_now": estimate.get(o["sku"])} for o in orders], "skus": skus}


def add_order(jc: JobContext, sku: str, quantity: float, expected: dt.date) -> int:
    from merchant_ai.store import purchase_orders

    return purchase_orders.add_order(jc.store, sku, quantity, expected)


def receive_order(jc: JobContext, order_id: int, count: float) -> dict[str, Any]:
    from merchant_ai.store import purchase_orders

    return purchase_orders.receive_order(jc.store, order_id, count=count)


def cancel_order(jc: JobContext, order_id: int) -> bool:
    from merchant_ai.store import purchase_orders

    return purchase_orders.cancel_order(jc.store, order_id)


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


class IncomingDialog(QDialog):
    """List, add, receive and cancel open purchase orders; `sku` preselects the SKU in view."""

    def __init__(self, ctx: AppContext, sku: str | None = None, lead_time_days: float = 14.0,
                 suggested: dict[str, float] | None = None, lead_times: dict[str, float] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.changed = False
        self.orders: list[dict[str, Any]] = []
        self._preselect = sku
        self.suggested = {k: float(v) for k, v in (suggested or {}).items() if v}
        self.lead_times = {k: float(v) for k, v in (lead_times or {}).items() if v is not None}
        self.default_lead = lead_time_days
        self.setWindowTitle("Incoming stock — Merchant AI")
        self.setMinimumWidth(780)
        root = QVBoxLayout(self)
        intro = QLabel("Purchase orders on their way. Stock alerts count them as arriving on the expected day, "
                       "so nothing is ordered twice. Mark an order received when it is on the shelf: that "
                       "records a new stock count.")
        intro.setWordWrap(True)
        intro.setObjectName("hintText")
        root.addWidget(intro)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(160)
        root.addWidget(self.table, 1)
        self.receive_button = QPushButton("Mark received…")
        self.cancel_button = QPushButton("Cancel order")
        row = QHBoxLayout()
        row.addStretch(1)
        for button in (self.cancel_button, self.receive_button):
            button.setAutoDefault(False)
            button.setEnabled(False)
            row.addWidget(button)
        root.addLayout(row)
        self.receive_button.clicked.connect(self._receive)
        self.cancel_button.clicked.connect(self._cancel)
        self.table.itemSelectionChanged.connect(lambda: self._busy(False))

        form = QFormLayout()
        self.sku = QComboBox()
        self.sku.setMaxVisibleItems(20)
        self.quantity = QDoubleSpinBox()
        self.quantity.setRange(1, 1_000_000)
        self.quantity.setDecimals(0)
        self.quantity.setValue(12)
        self.expected = QDateEdit(_qdate(dt.date.today() + dt.timedelta(days=round(lead_time_days))))
        self.expected.setCalendarPopup(True)
        self.expected.setDisplayFormat("yyyy-MM-dd")
        self.sku.currentIndexChanged.connect(self._suggest)
        form.addRow("SKU", self.sku)
        form.addRow("Quantity", self.quantity)
        form.addRow("Expected", self.expected)
        root.addLayout(form)
        self.add_button = QPushButton("Add order")
        self.add_button.setDefault(True)
        for button in (self.add_button, self.receive_button, self.cancel_button):   # bold default text fits
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
        self._working = True
        self._busy(True)
        self.ctx.runner.submit("IncomingDialog.load", load_orders, on_done=self._loaded, on_error=self._failed)

    # --- state ---------------------------------------------------------------------------------------
    def _busy(self, busy: bool) -> None:
        self._working = busy
        picked = bool(self.table.selectedItems())
        self.add_button.setEnabled(not busy and self.sku.count() > 0)
        self.receive_button.setEnabled(not busy and picked)
        self.cancel_button.setEnabled(not busy and picked)

    def selected(self) -> dict[str, Any] | None:
        items = self.table.selectedItems()
        return self.orders[items[0].row()] if items else None

    def _loaded(self, data: dict[str, Any]) -> None:
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
        self._busy(False)

    def _suggest(self) -> None:
        """Start from the Stock tab's figures for the SKU: its suggested order, and arrival after its
        own lead time (supplier or SKU setting), else the shop's default."""
        sku = str(self.sku.currentData())
        if self.suggested.get(sku):
            self.quantity.setValue(self.suggested[sku])
        lead = self.lead_times.get(sku, self.default_lead)
        self.expected.setDate(_qdate(dt.date.today() + dt.timedelta(days=round(lead))))

    # --- actions -------------------------------------------------------------------------------------
    def _add(self) -> None:
        self.error.clear()
        self._busy(True)
        day = self.expected.date()
        self.ctx.runner.submit("IncomingDialog.add", add_order, self.sku.currentData(), float(self.quantity.value()),
                               dt.date(day.year(), day.month(), day.day()), on_done=lambda _id: self._saved(),
                               on_error=self._failed)

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
        if order is None:
            return
        count = self.receive_count(order)
        if count is None:
            return
        self._busy(True)
        self.ctx.runner.submit("IncomingDialog.receive", receive_order, int(order["id"]), count,
                               on_done=lambda _r: self._saved(), on_error=self._failed)

    def _cancel(self) -> None:
        order = self.selected()
        if order is None:
            return
        self._busy(True)
        self.ctx.runner.submit("IncomingDialog.cancel", cancel_order, int(order["id"]),
                               on_done=lambda _ok: self._saved(), on_error=self._failed)

    def _saved(self) -> None:
        self.changed = True
        self.ctx.runner.submit("IncomingDialog.load", load_orders, on_done=self._loaded, on_error=self._failed)

    def _failed(self, message: str, _trace: str = "") -> None:
        self.error.setText(message)
        self._busy(False)

    def done(self, result: int) -> None:
        if self.changed:
            self.ctx.notify_data_changed()   # stock alerts, the dashboard and the report recompute
        super().done(result)
