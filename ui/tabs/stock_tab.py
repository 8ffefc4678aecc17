"""Stock tab: what to reorder, how much and by when; supplier PO lists; the policy's own backtest.

The alert list is ranked by urgency and colour-coded (red: order now, amber: order this week,
blue: overstock, grey: dead stock); clicking a header sorts by that column, clicking Status goes
back to the urgency ranking. An "Order by" day already past reads "overdue since <day>" in red bold
(the policy's latest day to order went by: order now and ask for fast shipping). Every header and
cell says in its tooltip what the figure means. On hand, lead time, MOQ and case pack are editable in place:
each edit is written to the store in a job (a stock count dated as of today's data, or the SKU's
overrides), which bumps the data version so the alerts are recomputed. Below: purchase-order
suggestions grouped by supplier (CSV export), and the replay of the last weeks comparing our
policy's fill rate and average stock with the velocity rule's, like for like (at equal stock or
equal fill rate, read from the trade-off curves the replay traces).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.csv_export import model_rows
from ui.jobs import JobContext
from ui.tabs.base import NO_DATA_TEXT, NOT_AVAILABLE_TEXT, BaseTab
from ui.widgets.records_model import RecordsModel

COLUMNS = [("Status", "status"), ("SKU", "sku"), ("Title", "title"), ("On hand", "on_hand"),
           ("On order", "incoming"), ("Days of cover", "days_of_cover"), ("Stockout", "stockout_date"), ("Order by", "order_by"),
           ("Suggested qty", "suggested_qty"), ("Safety stock", "safety_stock"), ("Reorder point", "reorder_point"),
           ("Lead time (days)", "lead_time_days"), ("Order cycle (days)", "order_cycle_days"), ("MOQ", "moq"),
           ("Case pack", "case_pack"),
           ("Supplier", "supplier"), ("Cash tied up", "cash_tied_up")]
EDITABLE = {"on_hand", "lead_time_days", "order_cycle_days", "moq", "case_pack"}
STATUS_TEXT = {"order_now": "Order now", "order_soon": "Order this week", "ok": "OK", "overstock": "Overstock",
               "dead_stock": "Dead stock", "no_stock_data": "No stock data"}
ACTION_TEXT = {"expedite": "Chase open order", "order_and_expedite": "Order + chase"}
ACTION_TIP = {"expedite": "Runs out before the open purchase order arrives; that order already covers "
                          "the next cycle, so ask the supplier to ship it sooner instead of ordering again",
              "order_and_expedite": "Runs out before the open purchase order arrives, and that order is too "
                                    "small: order the suggested quantity and ask the supplier to ship sooner"}
HEADER_TIPS = {
    "status": "What to do: order now, order this week, chase an open order, or nothing (OK, overstock, "
              "dead stock). Click to go back to the urgency ranking",
    "on_hand": "Units in stock now: the last count minus what sold since (double-click to enter a new count)",
    "incoming": "Units on open purchase orders, not yet received",
    "days_of_cover": "Days until the stock on hand, plus open orders as they arrive, runs out at the "
                     "forecast sales rate",
    "stockout_date": "The day stock is projected to run out at the forecast sales rate",
    "order_by": "The latest day to order so that, with the supplier's lead time, the new stock arrives "
                "before stock falls below the safety stock",
    "suggested_qty": "Units to order now: up to the order-up-to level over lead time plus order cycle, "
                     "rounded to the minimum order and case pack",
    "safety_stock": "Extra units held for demand above the forecast during the lead time, at the "
                    "target service level",
    "reorder_point": "Forecast demand over the lead time plus the safety stock: order when stock "
                     "plus open orders falls to this",
    "lead_time_days": "Days from ordering to receiving (double-click to change it for this product)",
    "order_cycle_days": "Days between orders to this product's supplier: an order covers the lead time plus "
                        "this (double-click to change it for this product)",
    "moq": "Minimum order quantity (double-click to change)",
    "case_pack": "Units per case: orders are rounded up to whole cases (double-click to change)",
    "cash_tied_up": "Dead stock only: its value at unit cost",
}
OVERDUE_COLOUR = QColor(185, 28, 28)
STATUS_COLOUR = {"order_now": QColor(248, 205, 205), "order_soon": QColor(253, 230, 180),
                 "overstock": QColor(208, 226, 246), "dead_stock": QColor(222, 222, 222)}
PO_HEADERS = [("supplier", "Supplier"), ("sku", "SKU"), ("title", "Title"), ("quantity", "Quantity"),
              ("unit_cost", "Unit cost"), ("line_cost", "Line cost"), ("order_by", "Order by"),
              ("status", "Status")]
PO_COLUMNS = [key for key, _ in PO_HEADERS]
# On screen what a buyer acts on comes first: the PO panel is ~700 px at the default window, where
# supplier, SKU and title alone filled it and pushed Quantity and Order by behind a sideways scroll.
# Only the view's order changes; the model and the exported CSV keep PO_COLUMNS.
PO_VIEW_ORDER = ["supplier", "sku", "quantity", "order_by", "title", "line_cost", "unit_cost", "status"]
PO_TITLE_MAX_WIDTH = 220


# --- jobs (pool threads) -----------------------------------------------------------------------------
def compute_stock(jc: JobContext, refit: bool = False) -> dict[str, Any]:
    from merchant_ai.analytics.forecast_task import run_stock

    return run_stock(jc.store, progress=jc.progress, cancel=jc.cancelled, use_cache=not refit)


def save_stock_edit(jc: JobContext, sku: str, field: str, value: float, as_of: str) -> str:
    """Write one inline edit: a stock count dated `as_of`, or a per-SKU override."""
    from merchant_ai.store import forecast_inputs as fi

    if field == "on_hand":
        fi.record_stock_count(jc.store, sku, value, dt.date.fromisoformat(as_of))
    else:
        fi.update_product_stock_settings(jc.store, sku, **{field: value})
    return sku


def policy_backtest(jc: JobContext, weeks: int) -> dict[str, Any]:
    from merchant_ai.analytics.stock_backtest import run_policy_backtest

    return run_policy_backtest(jc.store, weeks=weeks, progress=jc.progress, cancel=jc.cancelled)


# --- models --------------------------------------------------------------------------------------------
def is_overdue(item: dict[str, Any], as_of: str | None) -> bool:
    """An order that should already have been placed: its order-by day is before the as-of day."""
    day = item.get("order_by")
    return (as_of is not None and day is not None and item.get("status") in ("order_now", "order_soon")
            and str(day) < str(as_of))


def order_by_text(item: dict[str, Any], as_of: str | None) -> str:
    day = item.get("order_by")
    if day is None:
        return "–"
    if is_overdue(item, as_of):
        return f"overdue since {day}"
    if as_of is not None and str(day) == str(as_of) and item.get("status") in ("order_now", "order_soon"):
        return f"today ({day})"
    return str(day)


def cell_tip(item: dict[str, Any], key: str, as_of: str | None) -> str | None:
    """The figure in a cell in words, with the numbers it came from."""
    rate = item.get("forecast_per_day")
    if key == "status":
        if item.get("action") in ACTION_TIP:
            return ACTION_TIP[item["action"]]
        if item.get("stockout_before_arrival"):
            return "Will run out before a new order can arrive"
        return HEADER_TIPS["status"]
    if key == "days_of_cover" and item.get("days_of_cover") is not None and isinstance(rate, (int, float)):
        incoming = item.get("incoming") or 0
        on_order = f" plus {incoming:,.0f} on order" if incoming else ""
        return (f"{item.get('on_hand') or 0:,.0f} on hand{on_order}, selling about {rate:,.2f} a day "
                f"(forecast): lasts about {item['days_of_cover']:,.0f} days")
    if key == "order_by" and is_overdue(item, as_of):
        late = (dt.date.fromisoformat(str(as_of)) - dt.date.fromisoformat(str(item["order_by"]))).days
        return (f"The latest day to order was {item['order_by']}, {late} days before {as_of}: order now and ask "
                "the supplier for the fastest shipping; stock may run short before it arrives")
    if key == "suggested_qty" and item.get("action") == "expedite":
        return "Nothing more to order: the open purchase order already covers the next cycle"
    return HEADER_TIPS.get(key)


def _fmt(value: Any, key: str) -> str:
    if value is None:
        return "–"
    if key == "status":
        return STATUS_TEXT.get(value, str(value))
    if isinstance(value, float):
        return f"{value:,.2f}" if key == "cash_tied_up" else f"{value:,.0f}"
    return str(value)


class AlertModel(RecordsModel):
    """Stock items coloured by status; on hand, lead time and the like are editable in place."""

    edited = Signal(str, str, float)  # sku, field, value

    def __init__(self) -> None:
        super().__init__([(key, header) for header, key in COLUMNS])
        self.as_of: str | None = None

    @property
    def items(self) -> list[dict[str, Any]]:
        return self.records

    def set_items(self, items: list[dict[str, Any]], as_of: str | None = None) -> None:
        self.as_of = None if as_of is None else str(as_of)
        self.set_records(items)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            return HEADER_TIPS.get(COLUMNS[section][1])
        return super().headerData(section, orientation, role)

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if COLUMNS[index.column()][1] in EDITABLE else base

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self.items[index.row()]
        key = COLUMNS[index.column()][1]
        value = item.get(key)
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "status" and item.get("action") in ACTION_TEXT:
                return ACTION_TEXT[item["action"]]
            if key == "order_by":
                return order_by_text(item, self.as_of)
            return _fmt(value, key)
        if role == Qt.ItemDataRole.EditRole:
            return float(value) if isinstance(value, (int, float)) else 0.0
        if role == Qt.ItemDataRole.UserRole:  # sort key: Status sorts back to the policy's urgency ranking
            if key == "status":
                return index.row()
            if isinstance(value, (int, float)):
                return float(value)
            return "\uffff" if value is None else str(value).lower()   # no date/text: last
        if role == Qt.ItemDataRole.BackgroundRole and item["status"] in STATUS_COLOUR:
            return QBrush(STATUS_COLOUR[item["status"]])
        if key == "order_by" and is_overdue(item, self.as_of):
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(OVERDUE_COLOUR)
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell_tip(item, key, self.as_of)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, float)):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: QModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        key = COLUMNS[index.column()][1]
        if role != Qt.ItemDataRole.EditRole or key not in EDITABLE:
            return False
        try:
            number = float(value)
        except (TypeError, ValueError):
            return False
        if number < 0 or (key != "on_hand" and number == 0 and key == "lead_time_days"):
            return False
        self.items[index.row()][key] = number
        self.dataChanged.emit(index, index)
        self.edited.emit(self.items[index.row()]["sku"], key, number)
        return True


def purchase_order_model() -> RecordsModel:
    """Suggested purchase lines: quantities as whole units, money with cents, numbers right-aligned."""
    model = RecordsModel(PO_HEADERS)
    model.formatters = {"status": lambda v: _fmt(v, "status"), "quantity": lambda v: _fmt(v, "quantity"),
                        **{k: _money for k in ("unit_cost", "line_cost")}}
    return model


def _money(value: Any) -> str:
    return "" if not isinstance(value, (int, float)) or value != value else f"{value:,.2f}"


def backtest_text(r: dict[str, Any]) -> str:
    """The policy replay in a shop owner's words: both headline settings, then the fair comparison.

    One setting of a policy is one point on a trade-off (more stock, fewer lost sales), so the
    comparison that means something is at equal stock or equal fill rate: read from the curves the
    replay traced (`matched`).
    """
    ours, velo, m = r["ours"], r["velocity"], r.get("matched", {}).get("units")

    def stock(p: dict[str, Any]) -> str:
        cost = "" if p.get("avg_stock_value") is None else f" ({p['avg_stock_value']:,.0f} at cost)"
        return f"{p['avg_stock_units']:,.0f} units{cost}"

    service = r.get("service_level")
    target = f" at a {service:.0%} target" if isinstance(service, (int, float)) else ""
    lines = [f"Replaying {r['first_day']} to {r['last_day']} ({r['skus']} products), ordering weekly, "
             "sales lost while out of stock:",
             f"<b>Our policy</b>{target}: fill rate {ours['fill_rate']:.1%} (share of units customers wanted that "
             f"were on the shelf), with {stock(ours)} in stock on average.",
             f"<b>Velocity rule</b> (30-day sales rate × lead time + {r.get('cover_days', 7)} days): "
             f"fill rate {velo['fill_rate']:.1%} with {stock(velo)}."]
    if m:
        fair = []
        if m.get("velocity_fill_at_our_stock") is not None:
            fair.append(f"with the same stock as ours, the velocity rule would have served "
                        f"{m['velocity_fill_at_our_stock']:.1%}")
        if m.get("velocity_stock_for_our_fill") is not None:
            pct = m["velocity_extra_stock_pct"]
            more = f"{abs(pct):.0f}% {'more' if pct >= 0 else 'less'}"
            fair.append(f"to serve {ours['fill_rate']:.1%} it needs {m['velocity_stock_for_our_fill']:,.0f} units "
                        f"({more} than ours)")
        else:
            top = max(r["curves"]["velocity"], key=lambda p: p["cover_days"]) if r.get("curves") else None
            if top is not None and top["fill_rate"] < ours["fill_rate"]:
                fair.append(f"even with {top['cover_days']} days of cover it serves only {top['fill_rate']:.1%}, "
                            f"holding {top['avg_stock_units']:,.0f} units")
        if m.get("our_fill_at_velocity_stock") is not None:
            fair.append(f"with the velocity rule's stock ours would have served {m['our_fill_at_velocity_stock']:.1%}")
        if fair:
            lines.append("<b>Like for like</b>: " + "; ".join(fair) + ".")
        mv = r["matched"].get("value") or {}
        if ours.get("fill_rate_value") is not None and mv.get("velocity_fill_at_our_stock") is not None:
            basis = "cost" if r.get("value_basis") == "unit cost" else "selling price" \
                if r.get("value_basis") == "average selling price" else "cost (selling price where no cost)"
            lines.append(f"<small>By value (at {basis}): ours serves {ours['fill_rate_value']:.1%} of demand, the "
                         f"velocity rule {mv['velocity_fill_at_our_stock']:.1%} with the same stock value. "
                         f"The typical (median) product: {ours['median_sku_fill_rate']:.0%} of its demand served "
                         "by ours.</small>")
    return "<br>".join(lines)


class StockTab(BaseTab):
    title = "Stock"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.result: dict[str, Any] | None = None
        content = QWidget()
        outer = QVBoxLayout(content)
        bar = QHBoxLayout()
        self.headline = QLabel()
        self.headline.setWordWrap(True)   # next to four buttons it was cut off at 1200 px
        self.refit_button = QPushButton("Recompute")
        self.export_alerts_button = QPushButton("Export alerts…")
        self.incoming_button = QPushButton("Incoming stock…")
        self.incoming_button.setToolTip("Purchase orders on their way: add, mark received, cancel")
        self.suppliers_button = QPushButton("Suppliers…")
        self.suppliers_button.setToolTip("Lead time, order cycle, MOQ and case pack per supplier; who supplies what")
        bar.addWidget(self.headline, 1)
        bar.addWidget(self.suppliers_button)
        bar.addWidget(self.incoming_button)
        bar.addWidget(self.refit_button)
        bar.addWidget(self.export_alerts_button)
        outer.addLayout(bar)

        split = QSplitter(Qt.Orientation.Vertical)
        self.model = AlertModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        # Status ascending is the policy's own urgency ranking; any header click sorts by that column.
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        split.addWidget(self.table)

        bottom = QWidget()
        bl = QHBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        po_box = QWidget()
        pv = QVBoxLayout(po_box)
        pv.setContentsMargins(0, 0, 0, 0)
        po_bar = QHBoxLayout()
        self.po_label = QLabel("Purchase-order suggestions")
        self.export_po_button = QPushButton("Export PO CSV…")
        po_bar.addWidget(self.po_label, 1)
        po_bar.addWidget(self.export_po_button)
        self.po_model = purchase_order_model()
        self.po_table = QTableView()
        self.po_table.setModel(self.po_model)
        self.po_table.horizontalHeader().setStretchLastSection(True)
        po_header = self.po_table.horizontalHeader()
        for visual, key in enumerate(PO_VIEW_ORDER):
            po_header.moveSection(po_header.visualIndex(PO_COLUMNS.index(key)), visual)
        pv.addLayout(po_bar)
        pv.addWidget(self.po_table, 1)

        bt_box = QWidget()
        bv = QVBoxLayout(bt_box)
        bv.setContentsMargins(0, 0, 0, 0)
        bt_bar = QHBoxLayout()
        self.bt_weeks = QSpinBox()
        self.bt_weeks.setRange(4, 52)
        self.bt_weeks.setValue(13)
        self.bt_button = QPushButton("Replay policy")
        bt_bar.addWidget(QLabel("Policy backtest, last"))
        bt_bar.addWidget(self.bt_weeks)
        bt_bar.addWidget(QLabel("weeks"))
        bt_bar.addStretch(1)
        bt_bar.addWidget(self.bt_button)
        self.bt_result = QLabel("Replays the last weeks of sales: how much of the demand our suggestions "
                                "and the velocity rule would have served, and with how much stock, compared "
                                "like for like.")
        self.bt_result.setWordWrap(True)
        self.bt_result.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.bt_result.setTextFormat(Qt.TextFormat.RichText)
        bv.addLayout(bt_bar)
        bv.addWidget(self.bt_result, 1)
        bl.addWidget(po_box, 3)
        bl.addWidget(bt_box, 2)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        outer.addWidget(split, 1)
        self.set_content(content)

        self.model.edited.connect(self.save_edit)
        self.refit_button.clicked.connect(lambda: self._submit(refit=True))
        self.export_po_button.clicked.connect(lambda: self.export_csv(self.po_rows(), "purchase-orders.csv"))
        self.export_alerts_button.clicked.connect(lambda: self.export_csv(self.alert_rows(), "stock-alerts.csv"))
        self.bt_button.clicked.connect(self.run_policy_backtest)
        self.incoming_button.clicked.connect(self.open_incoming)
        self.suppliers_button.clicked.connect(self.open_suppliers)

    # --- jobs ---------------------------------------------------------------------------------------------
    def reload(self) -> None:
        if self.ctx.store is None:
            self.show_empty("No shop open", NOT_AVAILABLE_TEXT)
            return
        self._submit(refit=False)

    def _submit(self, refit: bool) -> None:
        if self.ctx.store is not None:
            self.run_job("alerts", compute_stock, refit, on_done=self.show_result, message="Computing stock alerts…")

    def show_result(self, result: dict[str, Any]) -> None:
        self.result = result
        if not result["items"]:
            self.model.set_items([])
            self.show_empty("No products or sales yet", NO_DATA_TEXT)
            return
        self.show_content()
        self.model.set_items([dict(it) for it in result["items"]], result.get("as_of"))
        self.table.resizeColumnsToContents()
        self._apply_focus()
        as_of = str(result.get("as_of"))
        self.po_model.formatters["order_by"] = lambda v: "" if v is None else \
            f"overdue since {v}" if str(v) < as_of else str(v)
        self.po_model.set_records(result.get("purchase_orders", []))
        self.fit_po_columns()
        counts: dict[str, int] = {}
        for it in result["items"]:
            counts[it["status"]] = counts.get(it["status"], 0) + 1
        parts = [f"{counts[s]} {STATUS_TEXT[s].lower()}" for s in STATUS_TEXT if counts.get(s)]
        overdue = sum(is_overdue(it, as_of) for it in result["items"])
        if overdue and parts:
            parts[0] += f" ({overdue} past their order-by day)"
        text = f"As of {result['as_of']}: " + ", ".join(parts)
        if counts.get("no_stock_data"):
            text += (". For products without a stock level, type the count in On hand or import an inventory or "
                     "product export (Shopify inventory or products, Amazon FBA inventory, WooCommerce products, "
                     "Etsy listings).")
        self.headline.setText(text)
        suppliers = {r["supplier"] for r in result.get("purchase_orders", [])}
        self.po_label.setText(f"Purchase-order suggestions: {len(result.get('purchase_orders', []))} lines, "
                              f"{len(suppliers)} suppliers")

    def fit_po_columns(self) -> None:
        """Columns as wide as their contents (supplier, SKU and title were cut to a few letters),
        except a long title, which elides: the full one is in the alerts table above."""
        self.po_table.resizeColumnsToContents()
        title = PO_COLUMNS.index("title")
        self.po_table.setColumnWidth(title, min(self.po_table.columnWidth(title), PO_TITLE_MAX_WIDTH))

    def selected_sku(self) -> str | None:
        current = self.table.currentIndex()
        return str(self.model.items[self.proxy.mapToSource(current).row()].get("sku")) if current.isValid() else None

    def open_suppliers(self) -> None:
        """The suppliers dialog; the SKU selected in the alert list can be assigned there."""
        from ui.dialogs.suppliers import SuppliersDialog

        if self.ctx.store is None:
            return
        self.suppliers_dialog = SuppliersDialog(self.ctx, sku=self.selected_sku(), parent=self)
        self.suppliers_dialog.open()

    def open_incoming(self) -> None:
        """The incoming-stock dialog, on the SKU selected in the alert list."""
        from ui.dialogs.incoming import IncomingDialog

        if self.ctx.store is None:
            return
        sku = self.selected_sku()
        suggested = {str(i.get("sku")): i.get("suggested_qty") or 0 for i in self.model.items}
        self.incoming_dialog = IncomingDialog(self.ctx, sku=sku, lead_time_days=self.ctx.settings.lead_time_days,
                                              suggested=suggested, parent=self,
                                              lead_times={str(i.get("sku")): i.get("lead_time_days")
                                                          for i in self.model.items})
        self.incoming_dialog.open()

    def focus_key(self, key: str) -> None:
        """Select one SKU's alert (a drill-down from the dashboard); waits for the table if it is loading."""
        self._focus = str(key)
        self._apply_focus()

    def _apply_focus(self) -> None:
        key = getattr(self, "_focus", None)
        if key is None:
            return
        for row, item in enumerate(self.model.items):
            if str(item.get("sku")) == key:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                self.table.selectRow(index.row())
                self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
                self._focus = None
                return

    def save_edit(self, sku: str, field: str, value: float) -> None:
        as_of = self.result["as_of"] if self.result else dt.date.today().isoformat()
        self.run_job(f"edit.{sku}.{field}", save_stock_edit, sku, field, value, as_of,
                     on_done=lambda _sku: self.ctx.notify_data_changed(), message="Saving…", overlay=False)

    def run_policy_backtest(self) -> None:
        if self.ctx.store is None:
            return
        self.run_job("policy_backtest", policy_backtest, self.bt_weeks.value(), on_done=self.show_backtest,
                     message="Replaying past weeks…")

    def show_backtest(self, r: dict[str, Any]) -> None:
        self.backtest_result = r
        if not r.get("skus"):
            self.bt_result.setText("Not enough sales before the replay window to compare policies.")
            self.bt_result.setToolTip("")
            return
        self.bt_result.setText(backtest_text(r))
        self.bt_result.setToolTip(f"Our policy: {r['our_policy']}. Velocity rule: {r['velocity_rule']}. "
                                  "Unsold demand while out of stock counts as lost.")

    def alert_rows(self) -> tuple[list[str], list[list[Any]]]:
        """The alert list as shown, but "Order by" as a plain date a spreadsheet can sort, and an
        "Overdue" column."""
        headers, rows = model_rows(self.model)
        col = [k for _, k in COLUMNS].index("order_by")
        for row, item in zip(rows, self.model.items, strict=True):
            row[col] = "" if item.get("order_by") is None else str(item["order_by"])
            row.append("yes" if is_overdue(item, self.model.as_of) else "")
        return headers + ["Overdue"], rows

    def po_rows(self) -> tuple[list[str], list[list[Any]]]:
        rows = self.result.get("purchase_orders", []) if self.result else []
        return PO_COLUMNS, [[r.get(c) for c in PO_COLUMNS] for r in rows]
