"""Dashboard tab: how the shop is doing over a chosen period, and what to do this week.

Top: period and channel. KPI cards compare the period with the one before and the same days a
year earlier (`merchant_ai.analytics.kpis`, the same numbers as the weekly report). Charts: net
revenue by week with last year and the forecast ahead; the channel split; the top and bottom
movers. Clicking drills down: a week shows that week, a channel filters by it, a mover opens the
Forecast or Pricing tab on that SKU (through `ctx.navigate`). "This week's actions" come from the
weekly report's `actions()`, each with a link to its tab.

Layout: compact enough that the KPIs and all four panels fit a 1280x800 window without scrolling
(the page still scrolls in a smaller one): KPI cards with a smaller value font and margins, the
revenue chart across two columns, "This week's actions" down the right (a list wants height), the
channel split and the movers side by side under the chart. At 1920x1080 the ten cards sit in one row.

Three jobs, cheapest first: KPIs and charts (`load_dashboard`), then the forecast and the actions,
which fill in when ready; period and channel changes only redo what depends on them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from merchant_ai.analytics.kpis import PERIODS
from ui.dashboard_tasks import Loaded, load_actions, load_dashboard, load_forecast
from ui.tabs.base import NO_DATA_TEXT, BaseTab
from ui.widgets.action_list import ActionList
from ui.widgets.bar_chart import ClickableBarChart, short
from ui.widgets.kpi_card import (
    BAD,
    CARD_STYLE,
    FLAT,
    GOOD,
    CardGrid,
    KpiCard,
    format_change,
    format_count,
    format_money,
    format_pct,
)
from ui.widgets.revenue_chart import RevenueChart

CUSTOM = "custom"
ALL_CHANNELS = "All channels"
# (key, title, tooltip, good when it goes up)
CARDS = [
    ("revenue_net", "Net revenue", "Product sales after line discounts, minus refunds (no shipping or tax)", True),
    ("revenue_gross", "Gross revenue", "Product sales after line discounts, before refunds", True),
    ("orders", "Orders", "Orders placed in the period (cancelled ones left out)", True),
    ("units", "Units sold", "Units sold, net of refunded units", True),
    ("aov", "Average order value", "Net revenue per order", True),
    ("new_customers", "New customers", "Customers whose first order (on any channel) fell in the period", True),
    ("repeat_rate", "Repeat rate", "Share of the period's customers who had ordered before", True),
    ("refund_rate", "Refund rate", "Refunds as a share of gross revenue", False),
    ("gross_profit", "Gross profit", "Net revenue minus unit costs, on products whose cost is known", True),
    ("margin_pct", "Gross margin", "Gross profit as a share of the net revenue it was computed on", True),
]
RATE_KEYS = {"repeat_rate", "refund_rate", "margin_pct"}   # compared in percentage points
SUMMARY_WORDS = {"stock": "stock", "customers": "customers", "pricing": "margin", "recommendations": "bundle ideas",
                 "data": "data"}
MOVER_TARGETS = [("Forecast", "forecast"), ("Pricing", "pricing")]
# Five columns: with six (an "Avg order" one) the changes were elided to "▲ ..." in the ~330 px panel
# of a 1200 px window; the average order moved to the Orders cell's tooltip.
CHANNEL_COLUMNS = ["Channel", "Revenue", "Orders", "vs prev.", "vs last yr"]
# Compact cards: two rows of five at 1280 px take ~190 px instead of ~240, so the panels fit above the fold.
COMPACT_CARD_STYLE = CARD_STYLE + "QLabel#kpiValue { font-size: 13pt; }"
CHART_MIN_HEIGHT = 150      # revenue chart; the 1280x800 page's minimum height must fit its viewport
MOVERS_MIN_HEIGHT = 130     # ten bars
CHANNEL_CHART_MIN_HEIGHT = 60
CHANNEL_ROW_HEIGHT = 22
ACTION_TEXT_MIN_WIDTH = 120
ROOMY_HEIGHT = 880          # tab height from which the cards show their small print (notes)


def span_text(start: dt.date, end: dt.date) -> str:
    """"16 – 22 Nov 2026", "28 Oct – 3 Nov 2026", "1 Dec 2025 – 4 Jan 2026"."""
    if start == end:
        return f"{end.day} {end:%b %Y}"
    if start.year != end.year:
        return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"
    if start.month != end.month:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{start.day} – {end.day} {end:%b %Y}"


def previous_label(start: dt.date, end: dt.date) -> str:
    days = (end - start).days + 1
    if days == 7:
        return "vs previous week"
    if days % 7 == 0:
        return f"vs previous {days // 7} weeks"
    return f"vs prior {days} days"


def points_change(now: float | None, then: float | None, factor: float = 100.0) -> float | None:
    """Change of a rate in percentage points (a margin going 40% -> 42% is +2 points, not +5%);
    `factor` turns the rate into % (100 for a share, 1 for a value already in %)."""
    return None if now is None or then is None else factor * (now - then)


def comparable(comparison: dict[str, Any], first_day: dt.date) -> tuple[bool, bool]:
    """Whether the previous period and last year's lie within the shop's data: one reaching back
    before the first order would be compared half-empty (every customer "new", revenue far lower)."""
    return (dt.date.fromisoformat(comparison["previous"]["start"]) >= first_day,
            dt.date.fromisoformat(comparison["last_year"]["start"]) >= first_day)


def mover_labels(rows: list[dict[str, Any]]) -> list[str]:
    """Product titles, with the SKU where two variants share a title (two "Winter Spruce Candle"s)."""
    titles = [r["title"] or r["sku"] for r in rows]
    return [f"{short(t, 16)} ({r['sku']})" if titles.count(t) > 1 else t for t, r in zip(titles, rows, strict=True)]


def box(title: str, *widgets: QWidget, header: QWidget | None = None) -> QFrame:
    """A white panel with a bold title (and optional controls on the title line)."""
    frame = QFrame()
    frame.setObjectName("dashBox")
    frame.setStyleSheet("QFrame#dashBox { background: #ffffff; border: 1px solid #e2e5ec; border-radius: 8px; }")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(10, 8, 10, 8)
    top = QHBoxLayout()
    top.addWidget(QLabel(f"<b>{title}</b>"))
    top.addStretch(1)
    if header is not None:
        top.addWidget(header)
    layout.addLayout(top)
    for i, w in enumerate(widgets):
        layout.addWidget(w, 1 if i == 0 else 0)   # the first widget (the chart or table) takes the height
    return frame


class DashboardTab(BaseTab):
    title = "Dashboard"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.result: dict[str, Any] | None = None
        self._loaded: Loaded | None = None
        self.forecast: dict[str, Any] | None = None
        self._forecasts: dict[str | None, dict[str, Any] | None] = {}   # per channel, until data changes
        self._kpis_job = self._actions_job = self._forecast_job = None

        page = _Page()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(10, 6, 10, 8)
        outer.setSpacing(6)
        self.headline = QLabel()
        self.compared = QLabel()
        self.compared.setWordWrap(True)
        self.compared.setStyleSheet("color: #4b5563")
        outer.addLayout(self._build_controls())   # the headline shares the controls' line (one row less)

        self.cards: dict[str, KpiCard] = {}
        self.card_grid = CardGrid(min_card_width=170)
        self._card_tips = {key: tip for key, _title, tip, _up in CARDS}
        for key, title, tip, up in CARDS:
            card = KpiCard(title, tip, good_when_up=up)
            card.setStyleSheet(COMPACT_CARD_STYLE)
            card.layout().setContentsMargins(8, 4, 8, 4)
            self.cards[key] = card
            self.card_grid.add(card)
        outer.addWidget(self.card_grid)

        grid = QGridLayout()
        grid.setSpacing(8)
        self.revenue_chart = RevenueChart()
        self.revenue_chart.setMinimumHeight(CHART_MIN_HEIGHT)
        self.forecast_status = QLabel()
        self.forecast_status.setWordWrap(True)
        self.forecast_status.setStyleSheet("color: #4b5563")
        self.forecast_cancel = QPushButton("Cancel")
        self.forecast_cancel.setObjectName("linkButton")
        self.forecast_cancel.hide()
        self.forecast_cancel.clicked.connect(self._cancel_forecast)
        status_line = QWidget()
        sl = QHBoxLayout(status_line)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.forecast_status, 1)
        sl.addWidget(self.forecast_cancel)
        grid.addWidget(box("Net revenue by week", self.revenue_chart, status_line), 0, 0, 1, 2)
        self.actions = ActionList()
        self.actions.heading.hide()
        self.actions.setMinimumWidth(260)
        grid.addWidget(box("This week's actions", self.actions), 0, 2, 2, 1)

        self.channel_chart = ClickableBarChart()
        self.channel_chart.setMinimumHeight(CHANNEL_CHART_MIN_HEIGHT)
        self.channel_table = QTableWidget(0, len(CHANNEL_COLUMNS))
        self.channel_table.setHorizontalHeaderLabels(CHANNEL_COLUMNS)
        self.channel_table.verticalHeader().hide()
        self.channel_table.verticalHeader().setDefaultSectionSize(CHANNEL_ROW_HEIGHT)
        self.channel_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.channel_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # No sideways scrolling in a small window: name and figures take what they need, the two
        # changes share the rest (split evenly over four columns, "▲ 43.1%" was elided to "▲ ...").
        header = self.channel_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for column in (0, 1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.channel_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.channel_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.channel_table.setToolTip("Click a channel to show only its figures")
        grid.addWidget(box("Channels (net revenue)", self.channel_chart, self.channel_table), 1, 0)

        self.mover_target = QComboBox()
        for text, name in MOVER_TARGETS:
            self.mover_target.addItem(f"Click opens {text}", name)
        self.movers_chart = ClickableBarChart()
        self.movers_chart.setMinimumHeight(MOVERS_MIN_HEIGHT)
        self.movers_note = QLabel()
        self.movers_note.setStyleSheet("color: #4b5563")
        grid.addWidget(box("Top and bottom movers", self.movers_chart, self.movers_note, header=self.mover_target),
                       1, 1)
        for col, stretch in enumerate((1, 1, 1)):   # actions ~400 px at 1280: its rows wrap, no sideways scroll
            grid.setColumnStretch(col, stretch)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)
        outer.addLayout(grid, 1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(page)
        self.set_content(scroll)

        self.revenue_chart.week_clicked.connect(self.show_week)
        self.channel_chart.bar_clicked.connect(self.toggle_channel)
        self.channel_table.cellClicked.connect(
            lambda row, _c: self.toggle_channel(self.channel_table.item(row, 0).data(Qt.ItemDataRole.UserRole)))
        self.movers_chart.bar_clicked.connect(self.open_mover)
        self.actions.activated.connect(self.ctx.navigate)
        self.actions.cancel_requested.connect(self._cancel_actions)

    def _build_controls(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.period = QComboBox()
        for key, text in PERIODS:
            self.period.addItem(text, key)
        self.period.addItem("Custom range…", CUSTOM)
        self.start_edit = QDateEdit()
        self.end_edit = QDateEdit()
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.hide()
        self.to_label = QLabel("to")
        self.to_label.hide()
        self.channel = QComboBox()
        self.channel.addItem(ALL_CHANNELS, None)
        self.channel.setMinimumContentsLength(12)
        self.as_of_label = QLabel()
        self.as_of_label.setStyleSheet("color: #6b7280")
        bar.addWidget(QLabel("Period"))
        bar.addWidget(self.period)
        bar.addWidget(self.start_edit)
        bar.addWidget(self.to_label)
        bar.addWidget(self.end_edit)
        bar.addSpacing(12)
        bar.addWidget(QLabel("Channel"))
        bar.addWidget(self.channel)
        bar.addSpacing(16)
        # The comparison sits under the headline: beside it, squeezed between the headline and
        # "Data up to", it wrapped to four lines at the default window width.
        heading = QVBoxLayout()
        heading.setSpacing(0)
        heading.addWidget(self.headline)
        heading.addWidget(self.compared)
        bar.addLayout(heading, 1)
        bar.addWidget(self.as_of_label)
        self.period.currentIndexChanged.connect(self._period_changed)
        self.channel.currentIndexChanged.connect(lambda _i: self.load_kpis())
        self.start_edit.editingFinished.connect(self.load_kpis)
        self.end_edit.editingFinished.connect(self.load_kpis)
        return bar

    # --- jobs -------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Data, shop or settings changed: forget cached forecasts and load everything."""
        self._forecasts.clear()
        self._loaded = None      # the sales lines kept for period changes are stale now
        if self.ctx.store is None:
            self.result = None
            self.show_empty("No shop open", "Open or create a shop to see how it is doing.")
            return
        self.load_kpis()
        self.load_actions()

    def selected_channel(self) -> str | None:
        return self.channel.currentData()

    def custom_range(self) -> tuple[dt.date, dt.date] | None:
        if self.period.currentData() != CUSTOM:
            return None
        return self.start_edit.date().toPython(), self.end_edit.date().toPython()

    def load_kpis(self) -> None:
        if self.ctx.store is None:
            return
        self._kpis_job = self.run_job("kpis", load_dashboard, self.period.currentData(), self.selected_channel(), self.custom_range(),
                     self._loaded, on_done=self.show_result, on_cancelled=self._kpis_cancelled,
                     message="Computing KPIs…")

    def _kpis_cancelled(self) -> None:
        """Cancelled by the owner: put the controls back to what the page still shows."""
        if not _latest_cancelled(self._kpis_job) or not self.result or self.result.get("empty"):
            return
        for combo, value in ((self.period, self.result["period"]), (self.channel, self.result["channel"])):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.blockSignals(False)
        custom = self.result["period"] == CUSTOM
        for w in (self.start_edit, self.to_label, self.end_edit):
            w.setVisible(custom)
        self._set_dates(self.result["start"], self.result["end"])

    def load_forecast(self, channel: str | None) -> None:
        if channel in self._forecasts:
            self.show_forecast(self._forecasts[channel], channel)
            return
        self.forecast_status.setText("Forecast: fitting models on your sales history…")
        self.forecast_cancel.show()
        self._forecast_job = self.run_job(
            "forecast", load_forecast, channel, overlay=False,
            on_done=lambda f, c=channel: self.show_forecast(f, c, fresh=True),
            on_progress=lambda _f, m: self.forecast_status.setText(f"{m}…" if m else "Forecasting…"),
            on_error=self._forecast_failed, on_cancelled=self._forecast_cancelled)

    def load_actions(self) -> None:
        self.actions.set_busy()
        self._actions_job = self.run_job("actions", load_actions, overlay=False, on_done=self.show_actions,
                                         on_progress=self.actions.set_progress, on_error=self._actions_failed,
                                         on_cancelled=self._actions_cancelled)

    # --- controls ---------------------------------------------------------------------------------
    def _period_changed(self, _index: int) -> None:
        custom = self.period.currentData() == CUSTOM
        for w in (self.start_edit, self.to_label, self.end_edit):
            w.setVisible(custom)
        if custom and self.result is not None:   # start from what was shown
            self._set_dates(self.result["start"], self.result["end"])
        self.load_kpis()

    def _set_dates(self, start: dt.date, end: dt.date) -> None:
        for edit, day in ((self.start_edit, start), (self.end_edit, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)

    def show_week(self, week_start: dt.date) -> None:
        """Drill into one week of the revenue chart: the period becomes that week."""
        self._set_dates(week_start, week_start + dt.timedelta(days=6))
        self.period.blockSignals(True)
        self.period.setCurrentIndex(self.period.findData(CUSTOM))
        self.period.blockSignals(False)
        for w in (self.start_edit, self.to_label, self.end_edit):
            w.setVisible(True)
        self.load_kpis()

    def toggle_channel(self, channel: str | None) -> None:
        """Filter by a clicked channel; clicking the channel already shown goes back to all."""
        wanted = None if channel == self.selected_channel() else channel
        index = self.channel.findData(wanted)
        if index >= 0:
            self.channel.setCurrentIndex(index)

    def open_mover(self, sku: str) -> None:
        self.ctx.navigate(self.mover_target.currentData(), sku)

    # --- results ----------------------------------------------------------------------------------
    def show_result(self, result: dict[str, Any]) -> None:
        self.result = result
        self._loaded = result.get("loaded")
        if result.get("empty"):
            self.show_empty("No sales yet", NO_DATA_TEXT)
            return
        self.show_content()
        self._sync_channels(result["channels"], result["channel"])
        comparison = result["comparison"]
        cur = comparison["current"]
        currency = cur["currency"]
        self.as_of_label.setText(f"Data up to {result['as_of']:%d %b %Y}")
        period_text = dict(PERIODS).get(result["period"], "Custom range")
        where = result["channel"] or "all channels"
        self.headline.setText(f"<span style='font-size:11pt'><b>{period_text}</b>: "
                              f"{result['start']:%a} {span_text(result['start'], result['end'])} · {where}</span>")
        prev, ly = comparison["previous"], comparison["last_year"]
        others = ", ".join(format_money(v, k) for k, v in result["other_currencies"].items())
        self.compared.setText(
            f"vs {span_text(dt.date.fromisoformat(prev['start']), dt.date.fromisoformat(prev['end']))} and "
            f"last year {span_text(dt.date.fromisoformat(ly['start']), dt.date.fromisoformat(ly['end']))}"
            + (f" · also sold in other currencies, not included: {others}" if others else ""))
        self.compared.setToolTip(
            "Last year = 52 weeks earlier, so weekdays line up. "
            f"Amounts in {currency or 'the shop currency'}: product sales after discounts; shipping and tax "
            "are not revenue.")
        self._show_cards(comparison, previous_label(result["start"], result["end"]), result["first_day"])
        self.revenue_chart.set_weeks(result["weekly"], (result["start"], result["end"]),
                                     lambda v: format_money(v, currency, 0), result["last_year_ahead"])
        self._show_channels(result["channel_rows"], result["channel"], currency,
                            comparable(comparison, result["first_day"]))
        self._show_movers(result["movers"], currency)
        self.load_forecast(result["channel"])

    def _sync_channels(self, channels: list[str], current: str | None) -> None:
        known = [self.channel.itemData(i) for i in range(1, self.channel.count())]
        if known == channels:
            return
        self.channel.blockSignals(True)
        self.channel.clear()
        self.channel.addItem(ALL_CHANNELS, None)
        for name in channels:
            self.channel.addItem(name, name)
        self.channel.setCurrentIndex(max(0, self.channel.findData(current)))
        self.channel.blockSignals(False)

    def _show_cards(self, comparison: dict[str, Any], prev_text: str, first_day: dt.date) -> None:
        cur, prev, ly = comparison["current"], comparison["previous"], comparison["last_year"]
        changes, currency = comparison["changes"], cur["currency"]
        prev_known, ly_known = comparable(comparison, first_day)
        for key, card in self.cards.items():
            value = cur[key]
            if key in RATE_KEYS:
                factor = 1.0 if key == "margin_pct" else 100.0   # margin_pct is already in %
                vs_prev, vs_ly = points_change(value, prev[key], factor), points_change(value, ly[key], factor)
                shown = "–" if value is None else f"{value * factor:.1f}%"
            else:
                vs_prev, vs_ly = changes[key]["vs_previous_pct"], changes[key]["vs_last_year_pct"]
                shown = format_money(value, currency) if key in {"revenue_net", "revenue_gross", "aov",
                                                                  "gross_profit"} else format_count(value)
            vs_prev, vs_ly = (vs_prev if prev_known else None), (vs_ly if ly_known else None)
            note = self._note(key, cur, currency)
            card.set_values(shown, vs_prev, vs_ly, note, prev_text, unit=" pts" if key in RATE_KEYS else "%")
            card.setToolTip("\n".join(t for t in (self._card_tips[key], note) if t))
        self._apply_density()

    def _apply_density(self) -> None:
        """A short window hides the cards' small print (it stays in their tooltips) so the panels fit."""
        roomy = self.height() >= ROOMY_HEIGHT
        for card in self.cards.values():
            card.note.setVisible(roomy and bool(card.note.text()))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._apply_density()

    @staticmethod
    def _note(key: str, cur: dict[str, Any], currency: str | None) -> str:
        if key == "revenue_net":
            return f"{format_money(cur['refunds'], currency)} refunded"
        if key == "new_customers":
            return f"{cur['returning_customers']:,} returning · {cur['customers']:,} in all"
        if key == "refund_rate":
            return f"{format_money(cur['refunds'], currency)} of {format_money(cur['revenue_gross'], currency)}"
        if key in {"gross_profit", "margin_pct"}:
            coverage = cur["cost_coverage"]
            if coverage is None:
                return "Add unit costs (Pricing tab) to see profit"
            return f"Costs known for {format_pct(min(coverage, 1.0), 0)} of revenue"
        return ""

    def _show_channels(self, rows: list[dict[str, Any]], selected: str | None, currency: str | None,
                       known: tuple[bool, bool]) -> None:
        colours = ["#2563eb" if selected in (None, r["channel"]) else "#c7d2fe" for r in rows]
        total = sum(r["revenue_net"] for r in rows)
        self.channel_chart.set_bars(
            [r["channel"] for r in rows], [r["revenue_net"] for r in rows], [r["channel"] for r in rows], colours,
            value_text=lambda v: f"{format_money(v, currency, 0)} · {format_pct(v / total if total else None, 0)}",
            hover=lambda i: f"{rows[i]['channel']}: {format_money(rows[i]['revenue_net'], currency)} "
                            f"({format_pct(rows[i]['share'], 0)} of net revenue)\nClick to show only this channel")
        self.channel_table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            cells = [r["channel"], format_money(r["revenue_net"], currency, 0), format_count(r["orders"])]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.channel_table.setItem(i, j, item)
            self.channel_table.item(i, 2).setToolTip(f"Average order {format_money(r['aov'], currency)}")
            self.channel_table.item(i, 0).setData(Qt.ItemDataRole.UserRole, r["channel"])
            for j, key, ok in ((3, "vs_previous_pct", known[0]), (4, "vs_last_year_pct", known[1])):
                change = r[key] if ok else None
                text, colour = format_change(change, compact=True)
                item = QTableWidgetItem("–" if change is None else text)
                if change is not None:
                    item.setToolTip(format_change(change)[0])
                item.setForeground(Qt.GlobalColor.gray if change is None else _qcolour(colour))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.channel_table.setItem(i, j, item)
            if r["channel"] == selected:
                self.channel_table.selectRow(i)
        # As tall as its rows: the bar chart above takes the rest of the panel.
        table = self.channel_table
        table.setFixedHeight(table.horizontalHeader().sizeHint().height() + sum(table.rowHeight(i) for i in range(len(rows)))
                             + 2 * table.frameWidth() + 2)

    def _show_movers(self, movers: dict[str, list[dict[str, Any]]], currency: str | None) -> None:
        rows = movers["up"] + movers["down"]
        if not rows:
            self.movers_chart.set_bars([], [])
            self.movers_note.setText("No product sold more or less than in the previous period.")
            return
        self.movers_note.setText("Change in net revenue vs the previous period. Click a product to open it.")
        self.movers_chart.set_bars(
            mover_labels(rows), [r["change"] for r in rows], [r["sku"] for r in rows],
            [GOOD if r["change"] > 0 else BAD for r in rows],
            value_text=lambda v: ("+" if v > 0 else "") + format_money(v, currency, 0),
            hover=lambda i: f"{rows[i]['title'] or rows[i]['sku']} ({rows[i]['sku']})\n"
                            f"{format_money(rows[i]['previous'], currency)} → {format_money(rows[i]['current'], currency)}"
                            f"\nClick to open it in {self.mover_target.currentText().split()[-1]}")

    def show_forecast(self, forecast: dict[str, Any] | None, channel: str | None, fresh: bool = False) -> None:
        if fresh:
            self._forecasts[channel] = forecast
        self.forecast_cancel.hide()
        if self.result is None or self.result.get("empty") or self.result["channel"] != channel:
            return   # the user moved on to another channel; its own forecast is on its way
        self.forecast = forecast
        if forecast is None:
            self.revenue_chart.set_forecast(None)
            self.forecast_status.setText("No forecast: too little sales history yet.")
            return
        self.revenue_chart.set_forecast(forecast["points"])
        weeks = len(forecast["points"])
        quality = ""
        if forecast["model"] == "naive":
            quality = ": next weeks like the last one, as nothing beat that in backtests"
        elif forecast.get("backtest_mase") and forecast.get("naive_mase"):
            better = 1 - forecast["backtest_mase"] / forecast["naive_mase"]
            quality = (f"; in backtests its error was {better:.0%} lower than repeating last week's sales"
                       if better >= 0.005 else "; in backtests it did no better than repeating last week's sales")
        self.forecast_status.setText(f"Forecast for the next {weeks} weeks ({forecast['model']} model{quality}). "
                                     "Shaded: the chosen period. Click a week to show it.")

    def _forecast_failed(self, message: str, _trace: str) -> None:
        self.forecast_cancel.hide()
        self.forecast_status.setText(f"No forecast: {message}")

    def _forecast_cancelled(self) -> None:
        if _latest_cancelled(self._forecast_job):
            self.forecast_cancel.hide()
            self.forecast_status.setText("Forecast cancelled; change the period or channel to try again.")

    def _cancel_forecast(self) -> None:
        if self._forecast_job is not None:
            self._forecast_job.cancel()

    def show_actions(self, result: dict[str, Any]) -> None:
        if not result["available"]:
            self.actions.set_message("The weekly report that lists this week's actions is not built yet.")
            return
        counts: dict[str, int] = {}
        for action in result["actions"]:
            name = SUMMARY_WORDS.get(action["kind"], action["kind"])
            counts[name] = counts.get(name, 0) + 1
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.actions.set_actions(result["actions"], empty_text=f"Nothing to act on for {result['week']}.",
                                 caption=f"From the weekly report for {result['week']}: {summary}.")
        for row in self.actions.rows:
            # A wrapped label asks for ~240 px by default: in a ~400 px panel the link button was pushed
            # out of view behind a sideways scroll bar. Let the text wrap narrower instead.
            row.text.setMinimumWidth(ACTION_TEXT_MIN_WIDTH)

    def _actions_failed(self, message: str, _trace: str) -> None:
        self.actions.set_message(f"Could not list this week's actions: {message}")

    def _actions_cancelled(self) -> None:
        if _latest_cancelled(self._actions_job):
            self.actions.set_message("Cancelled. The list comes back on the next refresh.")

    def _cancel_actions(self) -> None:
        if self._actions_job is not None:
            self._actions_job.cancel()


class _Page(QWidget):
    """The scrolled page: as tall as the viewport whenever its minimum fits (scrolling only below that).

    QScrollArea sizes a page with word-wrapped labels by its preferred height for the width, which
    made a 1280x800 window scroll by ~65 px although everything fitted at its minimum size.
    """

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        return self.minimumSizeHint().height()


def _latest_cancelled(job) -> bool:
    """True when the newest job of a kind was cancelled by the owner; False when it was only
    superseded by a newer one (whose result is on its way)."""
    return job is not None and job.is_cancelled()


def _qcolour(hex_colour: str):
    from PySide6.QtGui import QColor

    return QColor(hex_colour if hex_colour != FLAT else "#6b7280")
