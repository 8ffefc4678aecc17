"""Pricing tab: the fee/margin calculator, true profit per product and channel, price suggestions.

Left: the calculator. It needs no shop data and recomputes as the owner types (pure arithmetic on
the GUI thread, no store access); every fee line shows its rule and source. Below it, the
profit-vs-price curve with a what-if slider, and margin by channel.
Right: one row per SKU x channel from the shop (computed in a job): cost, price, fees, margin,
elasticity with its interval and the suggested price. Editing a cost writes it to the store in a
job; selecting a row loads it into the calculator and draws its expected weekly profit curve.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QDate, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSlider,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from merchant_ai.pricing.calculator import CalcInput, CalcResult, FeeContext, calculate
from merchant_ai.pricing.presets import PresetLibrary
from merchant_ai.wording import counted
from ui.jobs import JobContext
from ui.tabs.base import BaseTab
from ui.widgets.records_model import RecordsModel

MONEY_MAX = 1_000_000.0


# --- jobs (pool threads) ---------------------------------------------------------------------------
def load_pricing(jc: JobContext, target_margin_pct: float, range_pct: float) -> dict[str, Any]:
    """The owner's presets and the per-SKU x channel table, from the store."""
    from merchant_ai.pricing.product_table import sku_channel_table
    from merchant_ai.store import queries

    store = jc.store
    library = PresetLibrary.from_store(store)
    jc.progress(0.05, "Loading sales…")
    sales = queries.sales_lines(store)
    if sales.empty:
        return {"library": library, "items": [], "unknown_cost": [], "alerts": [], "channels": [], "as_of": None}
    orders = queries.orders(store)
    fees = queries.fees(store)
    country = store.get_setting("country") or "US"
    jc.progress(0.3, "Profit, elasticity and suggestions…")
    as_of = sales["order_date"].max().date()
    table = sku_channel_table(sales, orders, fees, library=library, as_of=as_of,
                              target_margin_pct=target_margin_pct, range_pct=range_pct, country=country)
    jc.check()
    return {"library": library, "as_of": as_of, **table}


def save_cost(jc: JobContext, sku: str, cost: float | None) -> str:
    from merchant_ai.pricing.costs import set_unit_cost

    set_unit_cost(jc.store, sku, None if cost is None else Decimal(str(cost)))
    return sku


# --- the product table ----------------------------------------------------------------------------
COLUMNS = ["SKU", "Channel", "Units", "Revenue", "Fees", "Unit cost", "Price now", "Margin %",
           "Suggested", "Elasticity (95% CI)"]
COST_COLUMN = COLUMNS.index("Unit cost")


def _fmt(value: Any, places: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "?"
    return f"{value:,.{places}f}"


class ProductModel(RecordsModel):
    """Rows of `sku_channel_table` items; the unit cost column is editable."""

    cost_edited = Signal(str, object)   # sku, new cost (None clears it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__([(c, c) for c in COLUMNS], parent)
        self.header_tips = {
            "Fees": "Marketplace and payment fees on these sales, from the channel's fee preset or its own "
                    "fee reports",
            "Margin %": "Profit after fees and unit cost, as a share of revenue",
            "Suggested": "A price with more expected profit, only where the price response is measured "
                         "well enough (hover a cell for why or why not)",
            "Elasticity (95% CI)": "How sales answered price changes: -2 means 1% dearer sold about 2% fewer "
                                   "units; the interval is its 95% confidence range",
        }

    @property
    def items(self) -> list[dict[str, Any]]:
        return self.records

    def set_items(self, items: list[dict[str, Any]]) -> None:
        self.set_records(items)

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.column() == COST_COLUMN else base

    def _value(self, it: dict[str, Any], col: int) -> Any:
        return [it["sku"], it["channel"], it["units"], it["revenue"], it["fees"], it["unit_cost"], it["price_now"],
                it["margin_pct"], it["suggested_price"], it["elasticity"]][col]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        it, col = self.items[index.row()], index.column()
        value = self._value(it, col)
        if role == Qt.ItemDataRole.UserRole:           # sort key
            return (-math.inf if value is None else value) if col >= 2 else str(value)
        if role == Qt.ItemDataRole.EditRole:
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COLUMNS.index("Elasticity (95% CI)"):
                return it.get("elasticity_note") or ("estimated from this SKU's own prices"
                                                     if it.get("elasticity_level") == "sku" else None)
            if col == COLUMNS.index("Suggested"):
                return (it.get("suggestion") or {}).get("reason")
            if col == COST_COLUMN and not it["cost_known"]:
                return "Cost unknown: type it here to see profit."
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if col < 2:
            return str(value)
        if col == 2:
            return _fmt(value, 0)
        if col == COLUMNS.index("Margin %"):
            return _fmt(value, 1)
        if col == COLUMNS.index("Suggested") and value is None and (it.get("suggestion") or {}).get("withheld"):
            return "withheld"          # the tooltip says why (the shop's price check, see price_backtest)
        if col == COLUMNS.index("Elasticity (95% CI)"):
            if value is None:
                return "—"
            lo, hi = it["elasticity_ci"]
            tag = {"category": " (category)", "uncertain": " (too uncertain to use)"}.get(
                it.get("elasticity_level") or "", "")
            return f"{value:.2f} [{lo:.2f}, {hi:.2f}]{tag}"
        return _fmt(value)

    def setData(self, index: QModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or index.column() != COST_COLUMN:
            return False
        text = str(value).strip().replace(",", "")
        try:
            cost = None if text == "" else float(text)
        except ValueError:
            return False
        if cost is not None and (cost < 0 or not math.isfinite(cost)):
            return False
        self.cost_edited.emit(self.items[index.row()]["sku"], cost)
        return True


# --- the tab --------------------------------------------------------------------------------------
def _money_box(value: float = 0.0, suffix: str = "") -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(0.0, MONEY_MAX)
    box.setDecimals(2)
    box.setValue(value)
    box.setKeyboardTracking(True)      # recompute on every keystroke
    if suffix:
        box.setSuffix(suffix)
    return box


class PricingTab(BaseTab):
    title = "Pricing"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.library = PresetLibrary()
        self.result: CalcResult | None = None
        self.selected: dict[str, Any] | None = None
        self.range_pct = 20.0
        self.shop_target = 20.0
        self._option_widgets: dict[str, QWidget] = {}
        self._building = False

        root = QSplitter(Qt.Orientation.Horizontal)
        root.addWidget(self._build_calculator())
        root.addWidget(self._build_products())
        root.setStretchFactor(0, 1)
        root.setStretchFactor(1, 1)
        self.set_content(root)
        self._fill_channels()
        self.recalculate()
        scroll = self._calculator_scroll  # as wide as its inputs need, once the channel list is filled
        scroll.setMinimumWidth(scroll.widget().minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())

    # --- building -------------------------------------------------------------------------------
    def _build_calculator(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        inputs = QGroupBox("Calculator")
        form = QGridLayout(inputs)
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)
        self.channel = QComboBox()
        self.price = _money_box(20.0)
        self.price_incl_tax = QCheckBox("price includes tax")
        self.unit_cost = _money_box(5.0)
        self.packaging = _money_box()
        self.shipping_charged = _money_box()
        self.shipping_cost = _money_box()
        self.tax_rate = _money_box(0.0, " %")
        self.discount = _money_box()
        self.return_rate = _money_box(0.0, " %")
        self.return_rate.setMaximum(99.0)
        self.ad_cost = _money_box()
        self.quantity = QSpinBox()
        self.quantity.setRange(1, 100_000)
        self.country = QLineEdit("US")
        self.country.setMaxLength(2)
        self.category = QComboBox()
        self.category.setEditable(True)
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.target = _money_box(20.0, " %")
        self.target.setMaximum(99.0)
        form.addWidget(QLabel("Channel"), 0, 0)
        form.addWidget(self.channel, 0, 1)
        form.addWidget(QLabel("Price per unit"), 0, 2)
        form.addWidget(self.price, 0, 3)
        # Two label/field columns: fifteen inputs in one column did not fit a laptop screen.
        for i, (label, widget) in enumerate((
                ("Unit cost", self.unit_cost), ("Packaging per unit", self.packaging),
                ("Quantity", self.quantity), ("Shipping charged", self.shipping_charged),
                ("Shipping paid", self.shipping_cost), ("Tax rate", self.tax_rate),
                ("Discount per order", self.discount), ("Expected returns", self.return_rate),
                ("Ad cost per order", self.ad_cost), ("Country", self.country),
                ("Category", self.category), ("Fees as of", self.date),
                ("Target margin", self.target))):
            row, col = 1 + i // 2, 2 * (i % 2)
            form.addWidget(QLabel(label), row, col)
            form.addWidget(widget, row, col + 1)
        form.addWidget(self.price_incl_tax, 7, 3)
        self.options_box = QGroupBox("Channel options")
        self.options_form = QFormLayout(self.options_box)
        self.selection_note = QLabel()
        self.selection_note.setWordWrap(True)
        self.selection_note.hide()
        layout.addWidget(self.selection_note)
        layout.addWidget(inputs)
        layout.addWidget(self.options_box)

        self.fee_table = QTableWidget(0, 4)
        self.fee_table.setHorizontalHeaderLabels(["Fee", "Amount", "Rule", "Source"])
        self.fee_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.fee_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.fee_table.setMinimumHeight(110)
        self.fee_table.setMaximumHeight(170)
        layout.addWidget(self.fee_table)
        self.summary = QLabel()
        self.summary.setObjectName("pricingSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)

        self.curve_plot = pg.PlotWidget(background="w")  # white like the other tabs' charts
        self.curve_plot.setLabel("bottom", "price")
        self.curve_plot.setLabel("left", "profit")
        self.curve_plot.addLegend(offset=(10, 10))
        self.curve_plot.setMinimumHeight(160)
        self.order_curve = self.curve_plot.plot([], [], pen=pg.mkPen("#1f77b4", width=2), name="per order")
        self.week_curve = self.curve_plot.plot([], [], pen=pg.mkPen("#2ca02c", width=2), name="expected per week")
        self.week_low = self.curve_plot.plot([], [], pen=pg.mkPen("#2ca02c", style=Qt.PenStyle.DashLine))
        self.week_high = self.curve_plot.plot([], [], pen=pg.mkPen("#2ca02c", style=Qt.PenStyle.DashLine))
        self.week_band = pg.FillBetweenItem(self.week_low, self.week_high, brush=pg.mkBrush(44, 160, 44, 40))
        self.curve_plot.addItem(self.week_band)
        self.what_if_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#d62728", width=1))
        self.curve_plot.addItem(self.what_if_line)
        self.curve_plot.addItem(pg.InfiniteLine(angle=0, pen=pg.mkPen("#888", style=Qt.PenStyle.DotLine)))
        layout.addWidget(self.curve_plot, 1)
        slider_row = QHBoxLayout()
        slider_row.addWidget(QLabel("What if:"))
        self.what_if = QSlider(Qt.Orientation.Horizontal)
        self.what_if.setRange(-int(self.range_pct), int(self.range_pct))
        self.what_if.setValue(0)
        self.what_if.setToolTip("Move the price within the allowed range and see the profit it would make")
        slider_row.addWidget(self.what_if, 1)
        self.what_if_label = QLabel()
        slider_row.addWidget(self.what_if_label)
        layout.addLayout(slider_row)

        for box in (self.price, self.unit_cost, self.packaging, self.shipping_charged, self.shipping_cost,
                    self.tax_rate, self.discount, self.return_rate, self.ad_cost, self.target):
            box.valueChanged.connect(self._input_changed)
        self.quantity.valueChanged.connect(self._input_changed)
        self.price_incl_tax.toggled.connect(self._input_changed)
        self.country.textChanged.connect(self._input_changed)
        self.category.currentTextChanged.connect(self._input_changed)
        self.date.dateChanged.connect(self._input_changed)
        self.channel.currentTextChanged.connect(self._channel_changed)
        self.what_if.valueChanged.connect(self._draw_curve)
        # On a small screen the column scrolls instead of squeezing the inputs into each other.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(panel)
        self._calculator_scroll = scroll
        return scroll

    def _build_products(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        self.products_status = QLabel("Open a shop to see profit per product and channel.")
        self.products_status.setWordWrap(True)
        layout.addWidget(self.products_status)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter SKUs…")
        layout.addWidget(self.filter)
        self.model = ProductModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.proxy.setFilterKeyColumn(0)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        # Biggest sellers first (Qt's default would be column 0 descending: SKUs Z to A).
        self.table.horizontalHeader().setSortIndicator(COLUMNS.index("Revenue"), Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.selectionModel().currentRowChanged.connect(self._row_selected)
        layout.addWidget(self.table, 2)
        self.model.cost_edited.connect(self._save_cost)
        self.alerts_label = QLabel()
        self.alerts_label.setWordWrap(True)
        layout.addWidget(self.alerts_label)
        self.channel_plot = pg.PlotWidget(background="w")
        self.channel_plot.setLabel("left", "margin %")
        self.channel_plot.setTitle("Margin by channel", color="#1f2937")
        self.channel_plot.setMinimumHeight(140)
        self.channel_bars: pg.BarGraphItem | None = None
        layout.addWidget(self.channel_plot, 1)
        return panel

    # --- presets and options ------------------------------------------------------------------
    def _fill_channels(self) -> None:
        current = self.channel.currentText() or "etsy"
        self.channel.blockSignals(True)
        self.channel.clear()
        self.channel.addItems(self.library.names())
        index = self.channel.findText(current)
        self.channel.setCurrentIndex(max(index, 0))
        self.channel.blockSignals(False)
        self._channel_changed(self.channel.currentText())

    def _channel_changed(self, name: str) -> None:
        if not name:
            return
        preset = self.library.get(name)
        self._building = True
        while self.options_form.rowCount():
            self.options_form.removeRow(0)
        self._option_widgets = {}
        for option, spec in preset.options.items():
            default = spec.get("default")
            if isinstance(default, bool):
                widget: QWidget = QCheckBox()
                widget.setChecked(default)
                widget.toggled.connect(self._input_changed)
            elif default is None:
                widget = QLineEdit()
                widget.setPlaceholderText("(none)")
                widget.textChanged.connect(self._input_changed)
            else:
                widget = QComboBox()
                values = sorted({str(default)} | {str(v) for r in preset.rules for k, w in r.when.items()
                                                  if k == option for v in (w if isinstance(w, list) else [w])})
                widget.addItems(values)
                widget.setCurrentText(str(default))
                widget.currentTextChanged.connect(self._input_changed)
            widget.setToolTip(spec.get("note", ""))
            self._option_widgets[option] = widget
            self.options_form.addRow(option.replace("_", " "), widget)
        self.options_box.setVisible(bool(self._option_widgets))
        categories = sorted({str(v) for r in preset.rules for v in (
            r.when["category"] if isinstance(r.when.get("category"), list) else [r.when.get("category")]) if v})
        text = self.category.currentText()
        self.category.blockSignals(True)
        self.category.clear()
        self.category.addItems(["", *categories])
        self.category.setCurrentText(text if text in categories else "")
        self.category.blockSignals(False)
        self._building = False
        self.recalculate()

    def _options(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, widget in self._option_widgets.items():
            if isinstance(widget, QCheckBox):
                out[name] = widget.isChecked()
            elif isinstance(widget, QComboBox):
                out[name] = widget.currentText()
            elif isinstance(widget, QLineEdit) and widget.text().strip():
                try:
                    out[name] = float(widget.text())
                except ValueError:
                    continue
        return out

    # --- calculator ---------------------------------------------------------------------------------
    def _input_changed(self, *_: Any) -> None:
        if not self._building:
            self.recalculate()

    def _context(self) -> FeeContext:
        qdate = self.date.date()
        return FeeContext(preset=self.library.get(self.channel.currentText() or "etsy"),
                          date=dt.date(qdate.year(), qdate.month(), qdate.day()),
                          country=self.country.text().strip().upper() or None,
                          category=self.category.currentText().strip() or None, options=self._options())

    def _input(self, price: float | None = None) -> CalcInput:
        d = lambda box: Decimal(str(round(box.value(), 2)))  # noqa: E731
        return CalcInput(price=Decimal(str(round(price, 4))) if price is not None else d(self.price),
                         unit_cost=d(self.unit_cost), quantity=self.quantity.value(), packaging=d(self.packaging),
                         shipping_charged=d(self.shipping_charged), shipping_cost=d(self.shipping_cost),
                         tax_rate=d(self.tax_rate), price_includes_tax=self.price_incl_tax.isChecked(),
                         discount=d(self.discount), return_rate=d(self.return_rate), ad_cost=d(self.ad_cost))

    def recalculate(self) -> None:
        """Pure arithmetic on the inputs (no store): fast enough to run on every keystroke."""
        if not self.channel.currentText():
            return
        try:
            self.result = calculate(self._input(), self._context(), target_margin_pct=Decimal(str(self.target.value())),
                                    channel=self.channel.currentText())
        except ValueError as exc:
            self.result = None
            self.summary.setText(f"<span style='color:#b00'>{exc}</span>")
            return
        r = self.result
        self.fee_table.setRowCount(len(r.fees))
        for row, fee in enumerate(r.fees):
            for col, text in enumerate((fee.name, f"{fee.amount:.2f}", fee.rule, fee.source)):
                item = QTableWidgetItem(text)
                item.setToolTip(fee.note if col < 3 else fee.source)
                if col == 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.fee_table.setItem(row, col, item)
        self.fee_table.resizeColumnToContents(0)
        money = lambda v: "?" if v is None else f"{v:,.2f}"  # noqa: E731
        lines = [f"Revenue <b>{money(r.revenue)}</b> {r.currency} · fees <b>{money(r.fees_total)}</b> · "
                 f"costs {money(r.cost)}",
                 f"Profit <b>{money(r.profit)}</b> per order ({money(r.profit_per_unit)} per unit) · "
                 f"margin <b>{money(r.margin_pct)}%</b> · markup {money(r.markup_pct)}%",
                 f"Break-even price <b>{money(r.break_even_price)}</b> · price for {self.target.value():.0f}% "
                 f"margin <b>{money(r.price_for_target_margin)}</b> · break-even ROAS {money(r.break_even_roas)}"]
        lines += [f"<span style='color:#8a5a00'>{w}</span>" for w in r.warnings]
        self.summary.setText("<br>".join(lines))
        self._draw_curve()

    def _draw_curve(self, *_: Any) -> None:
        base = self.price.value() or 1.0
        prices = np.linspace(base * 0.5, base * 1.5, 41)
        ctx, profits = self._context(), []
        for p in prices:
            try:
                res = calculate(self._input(float(p)), ctx)
                profits.append(float(res.profit) if res.profit is not None else np.nan)
            except ValueError:
                profits.append(np.nan)
        self.order_curve.setData(prices, np.array(profits))
        what_if = base * (1 + self.what_if.value() / 100)
        self.what_if_line.setValue(what_if)
        text = f"{what_if:,.2f}"
        try:
            at = calculate(self._input(what_if), ctx)
            if at.profit is not None:
                text += f": {at.profit:,.2f} per order, margin {_fmt(at.margin_pct and float(at.margin_pct), 1)}%"
        except ValueError:
            pass
        week = self._weekly_curve(prices)
        if week is None:
            for curve in (self.week_curve, self.week_low, self.week_high):
                curve.setData([], [])
        else:
            mid, low, high = week
            self.week_curve.setData(prices, mid)
            self.week_low.setData(prices, low)
            self.week_high.setData(prices, high)
            i = int(np.argmin(np.abs(prices - what_if)))
            text += f"; expected {mid[i]:,.2f} per week ({min(low[i], high[i]):,.2f} to {max(low[i], high[i]):,.2f})"
        self.what_if_label.setText(text)

    def _weekly_curve(self, prices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Expected weekly profit of the selected product from its elasticity (and its CI ends)."""
        it = self.selected
        if (not it or it.get("elasticity") is None or it.get("elasticity_level") not in ("sku", "category")
                or not it.get("price_now") or it.get("unit_cost") is None):
            return None
        from merchant_ai.pricing.suggest import unit_fee_curve

        fee_fn = unit_fee_curve(self.library.for_channel(it["channel"]), self._context().date,
                                {"country": self.country.text().strip().upper() or None})
        p0, units0 = it["price_now"], it.get("units_per_week") or 1.0
        margin = prices - fee_fn(prices) - it["unit_cost"]
        lo, hi = it["elasticity_ci"]
        curve = lambda e: units0 * (prices / p0) ** e * margin  # noqa: E731
        return curve(it["elasticity"]), curve(lo), curve(hi)

    # --- store side ----------------------------------------------------------------------------------
    def focus_key(self, key: str) -> None:
        """Show one SKU (a drill-down from the dashboard): the products table filtered to it."""
        self.filter.setText(str(key))

    def reload(self) -> None:
        if self.ctx.store is None:
            self.library = PresetLibrary()
            self._fill_channels()
            self.model.set_items([])
            self.products_status.setText("Open a shop to see profit per product and channel.")
            return
        # The shop's target margin (Settings) drives the alerts here, in the weekly report and in the CLI;
        # the calculator starts from it and can still be changed for a what-if.
        self.shop_target = float(self.ctx.settings.target_margin_pct)
        if self.target.value() != self.shop_target:
            self.target.setValue(self.shop_target)
        self.run_job("load", load_pricing, self.shop_target, self.range_pct, on_done=self._loaded,
                     message="Computing margins…")

    def _loaded(self, data: dict[str, Any]) -> None:
        self.library = data["library"]
        self._fill_channels()
        items = data["items"]
        self.model.set_items(items)
        self.table.resizeColumnsToContents()
        if not items:
            self.products_status.setText("No sales yet — import your exports in the Import tab.")
        else:
            unknown = data["unknown_cost"]
            share = sum(u.get("revenue_share") or 0 for u in unknown) * 100
            text = f"{counted(len(items), 'product/channel row')}, sales up to {data['as_of']}."
            if unknown:
                names = ", ".join(str(u["sku"]) for u in unknown[:8]) + ("…" if len(unknown) > 8 else "")
                text += (f" <b>{counted(len(unknown), 'SKU')} without a unit cost</b> ({share:.1f}% of revenue): {names}. "
                         "Double-click a cost cell to enter it.")
            self.products_status.setText(text)
        alerts = data.get("alerts", [])
        below = [a for a in alerts if a["alert"] == "below_break_even"]
        self.alerts_label.setText(
            "" if not alerts else f"Margin alerts: {len(below)} selling at a loss, {len(alerts) - len(below)} "
            f"below the {self.shop_target:.0f}% target margin (Settings) on some channel.")
        self._draw_channels(data.get("channels", []))

    def _draw_channels(self, channels: list[dict[str, Any]]) -> None:
        if self.channel_bars is not None:
            self.channel_plot.removeItem(self.channel_bars)
            self.channel_bars = None
        rows = [c for c in channels if c.get("margin_pct") is not None and not math.isnan(c["margin_pct"])]
        if not rows:
            return
        x = np.arange(len(rows))
        self.channel_bars = pg.BarGraphItem(x=x, height=[c["margin_pct"] for c in rows], width=0.6,
                                            brush="#1f77b4")
        self.channel_plot.addItem(self.channel_bars)
        self.channel_plot.getAxis("bottom").setTicks([[(i, str(c["channel"])) for i, c in enumerate(rows)]])

    def _row_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        it = self.model.items[self.proxy.mapToSource(current).row()]
        self.selected = it
        self._building = True
        index = self.channel.findText(self.library.channel_presets.get(str(it["channel"]).lower(), it["channel"]))
        if index >= 0:
            self.channel.setCurrentIndex(index)
        if it.get("price_now"):
            self.price.setValue(float(it["price_now"]))
        if it.get("unit_cost") is not None:
            self.unit_cost.setValue(float(it["unit_cost"]))
            note = f"Loaded {it['sku']} on {it['channel']}: price and unit cost from the shop."
        else:
            note = (f"Loaded {it['sku']} on {it['channel']}: <b>its unit cost is unknown in the shop</b>; the "
                    f"calculator uses the {self.unit_cost.value():.2f} typed here. Enter the real cost in the "
                    "table's Unit cost column to save it.")
        self.selection_note.setText(note)
        self.selection_note.show()
        self.what_if.setValue(0)
        self._building = False
        self.recalculate()

    def _save_cost(self, sku: str, cost: float | None) -> None:
        self.run_job("save_cost", save_cost, sku, cost, on_done=lambda _sku: self.ctx.notify_data_changed(),
                     message=f"Saving the cost of {sku}…", cancellable=False)
