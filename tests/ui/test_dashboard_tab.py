"""Dashboard tab on a small shop whose numbers can be checked by hand.

The shop's last order day is Sunday 15 Nov 2026, so "last complete week" is 9-15 Nov 2026:
  order A (shopify, alice, who bought before): MUG 3 x 10 + TEE 1 x 20      = 50
  order B (etsy, bob, new): MUG 2 x 10, one mug refunded                    = 20 gross, 10 net
Every earlier week since Sep 2025 alice bought one MUG (10) on shopify; MUG costs 4, TEE's cost is
unknown. So the week: gross 70, refunds 10, net 60, 2 orders, 5 units, AOV 30, 1 new + 1 returning,
gross profit 40 - 16 = 24 on 40 of 60 net revenue (margin 60%); the week before and the same week
a year earlier: net 10.
"""

from __future__ import annotations

import datetime as dt

import pytest

from merchant_ai.money import to_store
from ui.context import AppContext
from ui.jobs import SyncJobRunner
from ui.tabs.dashboard_tab import CUSTOM, DashboardTab

pytestmark = pytest.mark.gui

LAST_DAY = dt.date(2026, 11, 15)
FIRST_WEEKLY = dt.date(2025, 9, 3)


def _fill(store) -> None:
    with store.transaction() as conn:
        conn.execute("INSERT INTO channels(id, name, platform, currency) VALUES (1, 'shopify', 'shopify', 'USD')")
        conn.execute("INSERT INTO channels(id, name, platform, currency) VALUES (2, 'etsy', 'etsy', 'USD')")
        conn.execute("INSERT INTO customers(id, key) VALUES (1, 'alice'), (2, 'bob')")
        conn.execute("INSERT INTO products(sku, title, unit_cost, list_price) VALUES ('MUG', 'Mug', ?, ?)",
                     (to_store(4.0), to_store(10.0)))
        conn.execute("INSERT INTO products(sku, title, list_price) VALUES ('TEE', 'Tee', ?)", (to_store(20.0),))
        n = 0

        def order(day, channel, customer, lines, refunded=0.0, refunded_qty=0.0):
            nonlocal n
            n += 1
            total = sum(q * p for _, q, p in lines)
            conn.execute("INSERT INTO orders(id, channel_id, external_id, customer_id, created_at, created_utc, "
                         "order_date, currency, total, refunded, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'USD', ?, ?, "
                         "'paid')", (n, channel, f"#{n}", customer, f"{day}T10:00:00", f"{day}T10:00:00Z",
                                     day.isoformat(), to_store(total), to_store(refunded)))
            for i, (sku, qty, price) in enumerate(lines):
                conn.execute("INSERT INTO order_lines(order_id, line_key, sku, title, quantity, unit_price, "
                             "line_total, refunded_qty) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             (n, str(i), sku, sku.title(), float(qty), to_store(price), to_store(qty * price),
                              refunded_qty if i == 0 else 0.0))

        day = FIRST_WEEKLY
        while day < dt.date(2026, 11, 9):
            order(day, 1, 1, [("MUG", 1, 10.0)])
            day += dt.timedelta(weeks=1)
        order(dt.date(2026, 11, 11), 1, 1, [("MUG", 3, 10.0), ("TEE", 1, 20.0)])
        order(LAST_DAY, 2, 2, [("MUG", 2, 10.0)], refunded=10.0, refunded_qty=1.0)


def _open(qtbot, store) -> DashboardTab:
    tab = DashboardTab(AppContext(store, runner=SyncJobRunner()))
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    with qtbot.waitSignal(tab.refreshed, timeout=20_000):
        tab.show()
    qtbot.waitUntil(lambda: tab.result is not None, timeout=30_000)
    return tab


@pytest.fixture
def tab(qtbot, store):
    _fill(store)
    return _open(qtbot, store)


def _card(tab, key) -> tuple[str, str, str, str]:
    c = tab.cards[key]
    return c.value.text(), c.vs_previous.text(), c.vs_last_year.text(), c.note.text()


def test_kpis_shown_match_the_store(tab):
    assert (tab.result["start"], tab.result["end"]) == (dt.date(2026, 11, 9), LAST_DAY)
    assert "9 – 15 Nov 2026" in tab.headline.text() and "all channels" in tab.headline.text()
    value, vs_prev, vs_ly, note = _card(tab, "revenue_net")
    assert value == "$60.00" and "$10.00 refunded" in note
    assert "▲ 500%" in vs_prev and "vs previous week" in vs_prev and "▲ 500%" in vs_ly
    assert _card(tab, "revenue_gross")[0] == "$70.00"
    assert _card(tab, "orders")[0] == "2" and "▲ 100%" in _card(tab, "orders")[1]
    assert _card(tab, "units")[0] == "5"
    assert _card(tab, "aov")[0] == "$30.00"
    assert _card(tab, "new_customers")[0] == "1" and "1 returning · 2 in all" in _card(tab, "new_customers")[3]
    assert _card(tab, "repeat_rate")[0] == "50.0%"
    assert "▼ 50.0 pts" in _card(tab, "repeat_rate")[1]          # 100% of last week's buyers had bought before
    assert _card(tab, "refund_rate")[0] == "14.3%"
    assert "#b91c1c" in _card(tab, "refund_rate")[1]               # more refunds is bad: red
    assert _card(tab, "gross_profit")[0] == "$24.00"
    assert _card(tab, "margin_pct")[0] == "60.0%" and "67% of revenue" in _card(tab, "margin_pct")[3]
    rows = {tab.channel_table.item(r, 0).text(): tab.channel_table.item(r, 1).text()
            for r in range(tab.channel_table.rowCount())}
    assert rows == {"shopify": "$50", "etsy": "$10"}
    weekly = tab.result["weekly"]
    assert weekly[-1]["week_start"] == dt.date(2026, 11, 9) and weekly[-1]["revenue_net"] == 60.0
    assert weekly[-1]["last_year"] == 10.0 and weekly[-2]["revenue_net"] == 10.0
    assert tab.revenue_chart.weeks[-1] == dt.date(2026, 11, 9)
    assert [m["sku"] for m in tab.result["movers"]["up"]] == ["MUG", "TEE"]


def test_forecast_is_added_after_the_chart(tab):
    assert tab.revenue_chart.has_forecast()
    first = tab.forecast["points"][0]["week_start"]
    assert first == dt.date(2026, 11, 16)                           # the week after the last complete one
    assert "Forecast for the next" in tab.forecast_status.text()
    assert None in tab._forecasts                                   # kept for later period changes


def test_period_change_recomputes(tab, qtbot):
    tab.period.setCurrentIndex(tab.period.findData("last_4_weeks"))
    qtbot.waitUntil(lambda: tab.result["period"] == "last_4_weeks", timeout=20_000)
    assert (tab.result["start"], tab.result["end"]) == (dt.date(2026, 10, 19), LAST_DAY)
    assert _card(tab, "revenue_net")[0] == "$90.00"                 # 3 x 10 + 60
    assert _card(tab, "orders")[0] == "5" and "vs previous 4 weeks" in _card(tab, "orders")[1]
    tab.period.setCurrentIndex(tab.period.findData(CUSTOM))
    assert tab.start_edit.isVisible() and tab.end_edit.isVisible()
    tab.revenue_chart.click_week(dt.date(2026, 11, 2))              # drill into one week of the chart
    qtbot.waitUntil(lambda: tab.result["start"] == dt.date(2026, 11, 2), timeout=20_000)
    assert tab.result["end"] == dt.date(2026, 11, 8) and _card(tab, "revenue_net")[0] == "$10.00"


def test_channel_filter_and_channel_bar_click(tab, qtbot):
    assert [tab.channel.itemText(i) for i in range(tab.channel.count())] == ["All channels", "etsy", "shopify"]
    tab.channel.setCurrentIndex(tab.channel.findData("etsy"))
    qtbot.waitUntil(lambda: tab.result["channel"] == "etsy", timeout=20_000)
    assert _card(tab, "revenue_net")[0] == "$10.00" and _card(tab, "orders")[0] == "1"
    assert _card(tab, "new_customers")[0] == "1"
    assert tab.channel_table.rowCount() == 2                        # the table still lists every channel
    assert "etsy" in tab.headline.text()
    shopify_row = tab.channel_chart.keys.index("shopify")
    tab.channel_chart.click_row(shopify_row)                        # clicking a bar filters by its channel
    qtbot.waitUntil(lambda: tab.result["channel"] == "shopify", timeout=20_000)
    assert _card(tab, "revenue_net")[0] == "$50.00"
    assert _card(tab, "new_customers")[0] == "0"                    # alice bought before: returning
    tab.channel_chart.click_row(tab.channel_chart.keys.index("shopify"))   # again: back to all channels
    qtbot.waitUntil(lambda: tab.result["channel"] is None, timeout=20_000)
    assert _card(tab, "revenue_net")[0] == "$60.00"


def test_clicking_an_action_or_a_mover_switches_tab(qtbot, store):
    from ui.main_window import MainWindow

    _fill(store)
    ctx = AppContext(store, runner=SyncJobRunner())
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    dash = win.tab_widgets["dashboard"]
    qtbot.waitUntil(lambda: dash.result is not None, timeout=30_000)
    dash.show_actions({"available": True, "week": "2026-W46",
                       "actions": [{"kind": "stock", "text": "Reorder 40 x Mug by Friday", "tab": "stock",
                                    "key": "MUG"},
                                   {"kind": "customers", "text": "3 customers slipped to At risk",
                                    "tab": "customers", "key": None}]})
    assert [r.text.text() for r in dash.actions.rows] == ["Reorder 40 x Mug by Friday",
                                                          "3 customers slipped to At risk"]
    dash.actions.rows[1].link.click()
    assert win.tabs.currentWidget() is win.tab_widgets["customers"]
    win.tabs.setCurrentWidget(dash)
    seen = []
    ctx.navigate_requested.connect(lambda tab, key: seen.append((tab, key)))
    dash.mover_target.setCurrentIndex(dash.mover_target.findData("pricing"))
    dash.movers_chart.click_row(dash.movers_chart.keys.index("TEE"))
    assert seen == [("pricing", "TEE")]
    assert win.tabs.currentWidget() is win.tab_widgets["pricing"]
    assert win.tab_widgets["pricing"].filter.text() == "TEE"           # the Pricing tab shows that SKU
    win.tabs.setCurrentWidget(dash)
    dash.mover_target.setCurrentIndex(dash.mover_target.findData("forecast"))
    dash.movers_chart.click_row(dash.movers_chart.keys.index("MUG"))
    forecast = win.tab_widgets["forecast"]
    assert win.tabs.currentWidget() is forecast
    assert forecast.level.currentData() == "sku" and forecast.search.text() == "MUG"


def test_actions_come_from_the_weekly_report(tab, store):
    weekly = pytest.importorskip("merchant_ai.reports.weekly")
    expected = [a.text for a in weekly.build_weekly_report(store).actions()]
    assert [r.text.text() for r in tab.actions.rows] == expected


def test_empty_shop_shows_the_empty_state(qtbot, store):
    tab = DashboardTab(AppContext(store, runner=SyncJobRunner()))
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.refreshed, timeout=20_000):
        tab.show()
    qtbot.waitUntil(lambda: tab.result is not None, timeout=20_000)
    assert tab.is_showing_empty() and "No sales yet" in tab.empty_state.headline.text()


def test_no_shop_open(qtbot):
    tab = DashboardTab(AppContext(runner=SyncJobRunner()))
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.refreshed, timeout=20_000):
        tab.show()
    assert tab.is_showing_empty() and "No shop open" in tab.empty_state.headline.text()


def test_refreshes_when_data_changes(tab, qtbot, store):
    with store.transaction() as conn:
        conn.execute("INSERT INTO orders(id, channel_id, external_id, customer_id, created_at, created_utc, "
                     "order_date, currency, total, status) VALUES (9999, 1, '#9999', 2, '2026-11-14T09:00:00', "
                     "'2026-11-14T09:00:00Z', '2026-11-14', 'USD', ?, 'paid')", (to_store(30.0),))
        conn.execute("INSERT INTO order_lines(order_id, line_key, sku, title, quantity, unit_price, line_total) "
                     "VALUES (9999, '0', 'MUG', 'Mug', 3, ?, ?)", (to_store(10.0), to_store(30.0)))
    with qtbot.waitSignal(tab.refreshed, timeout=20_000):
        tab.ctx.notify_data_changed()
    qtbot.waitUntil(lambda: _card(tab, "revenue_net")[0] == "$90.00", timeout=20_000)
    assert _card(tab, "orders")[0] == "3"


def test_jobs_run_off_the_gui_thread_and_can_be_cancelled(qtbot, store, monkeypatch):
    import threading
    import time

    import ui.tabs.dashboard_tab as dashboard_module

    _fill(store)
    threads: dict[str, threading.Thread] = {}
    real = {name: getattr(dashboard_module, name) for name in ("load_dashboard", "load_forecast")}
    hold = threading.Event()

    def spy(name):
        def run(jc, *args):
            threads[name] = threading.current_thread()
            while hold.is_set():            # a slow load, until the owner presses Cancel
                jc.check()
                time.sleep(0.01)
            return real[name](jc, *args)
        return run

    for name in real:
        monkeypatch.setattr(dashboard_module, name, spy(name))
    ctx = AppContext(store)
    tab = DashboardTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1000, 700)
    tab.show()
    qtbot.waitUntil(lambda: tab.revenue_chart.has_forecast(), timeout=60_000)
    assert threads["load_dashboard"] is not threading.main_thread()
    assert threads["load_forecast"] is not threading.main_thread()

    hold.set()
    tab.period.setCurrentIndex(tab.period.findData("this_year"))
    qtbot.waitUntil(lambda: tab.overlay.isVisible(), timeout=5_000)
    tab.overlay.cancel_button.click()
    qtbot.waitUntil(lambda: not tab.overlay.isVisible(), timeout=10_000)
    assert tab.result["period"] == "last_week"       # the cancelled load changed nothing
    assert tab.period.currentData() == "last_week"   # and the controls say what is shown
    hold.clear()
    assert ctx.shutdown()


def test_no_comparison_with_a_period_before_the_first_order(tab, qtbot):
    tab.period.setCurrentIndex(tab.period.findData("this_year"))     # 1 Jan - 15 Nov 2026; data from Sep 2025
    qtbot.waitUntil(lambda: tab.result["period"] == "this_year", timeout=20_000)
    _value, vs_prev, vs_ly, _note = _card(tab, "revenue_net")
    assert "no data" in vs_prev and "no data" in vs_ly
    assert tab.channel_table.item(0, 4).text() == "–"
    ly = [w["last_year"] for w in tab.result["weekly"]]
    assert ly[0] is None and ly[-1] == 10.0                          # a gap before the first order, not zeros


def test_number_and_date_formats():
    from ui.tabs.dashboard_tab import mover_labels, previous_label, span_text
    from ui.widgets.kpi_card import BAD, GOOD, format_change, format_money

    assert format_money(1234.5, "USD") == "$1,234.50"
    assert format_money(12345.6, "GBP") == "£12,346"                  # whole units from 10,000
    assert format_money(-5, "SEK") == "-5.00 SEK" and format_money(1500, "JPY") == "¥1,500"
    assert format_money(None, "USD") == "–"
    assert format_change(12.34) == ("▲ 12.3%", GOOD)
    assert format_change(12.34, good_when_up=False) == ("▲ 12.3%", BAD)   # e.g. more refunds
    assert format_change(-250.0)[0] == "▼ 250%" and format_change(0.2)[0] == "► 0%"
    assert format_change(None)[0] == "no data" and format_change(-1.5, unit=" pts")[0] == "▼ 1.5 pts"
    assert span_text(dt.date(2026, 10, 26), dt.date(2026, 11, 1)) == "26 Oct – 1 Nov 2026"
    assert span_text(dt.date(2025, 12, 29), dt.date(2026, 1, 4)) == "29 Dec 2025 – 4 Jan 2026"
    assert previous_label(dt.date(2026, 11, 1), dt.date(2026, 11, 28)) == "vs previous 4 weeks"
    assert previous_label(dt.date(2026, 11, 1), dt.date(2026, 11, 11)) == "vs prior 11 days"
    rows = [{"sku": "C-12", "title": "Candle"}, {"sku": "C-8", "title": "Candle"}, {"sku": "M", "title": None}]
    assert mover_labels(rows) == ["Candle (C-12)", "Candle (C-8)", "M"]


def test_actions_job_shows_the_reports_actions(qtbot, store, monkeypatch):
    """The wiring to `build_weekly_report(...).actions()`, with a stand-in report of the agreed shape
    (tests/ui/test_dashboard_tab.py::test_actions_come_from_the_weekly_report checks the real one)."""
    import sys
    import types
    from dataclasses import dataclass

    @dataclass
    class Action:
        kind: str
        text: str
        tab: str
        key: str | None

    calls = []

    class Report:
        week = "2026-W46"

        def actions(self):
            return [Action("stock", "Reorder 40 x Mug", "stock", "MUG"),
                    Action("pricing", "Tee sells below your target margin", "pricing", "TEE")]

    def build_weekly_report(store_, week=None, *, progress=None, cancelled=None):
        calls.append((store_, week, callable(progress), callable(cancelled)))
        return Report()

    fake = types.ModuleType("merchant_ai.reports.weekly")
    fake.build_weekly_report = build_weekly_report
    monkeypatch.setitem(sys.modules, "merchant_ai.reports.weekly", fake)
    _fill(store)
    tab = _open(qtbot, store)
    qtbot.waitUntil(lambda: len(tab.actions.rows) == 2, timeout=20_000)
    assert calls == [(store, None, True, True)]
    assert [(r.badge.text(), r.text.text(), r.link.text()) for r in tab.actions.rows] == [
        ("Stock", "Reorder 40 x Mug", "Stock ›"), ("Margin", "Tee sells below your target margin", "Pricing ›")]
    assert tab.actions.message.text() == "From the weekly report for 2026-W46: 1 stock, 1 margin."
    seen = []
    tab.ctx.navigate_requested.connect(lambda name, key: seen.append((name, key)))
    tab.actions.rows[1].link.click()
    assert seen == [("pricing", "TEE")]


def test_kpis_and_all_panels_fit_a_1280x800_window_without_scrolling(tab, qtbot):
    from PySide6.QtWidgets import QScrollArea

    scroll = tab.findChild(QScrollArea)
    bar = scroll.verticalScrollBar()
    tab.resize(1280, 727)            # what the main window leaves the tab at 1280x800
    qtbot.waitUntil(lambda: bar.maximum() == 0, timeout=5_000)
    card = tab.cards["revenue_net"]
    assert not card.note.isVisible() and "$10.00 refunded" in card.toolTip()   # small print in the tooltip
    assert "$10.00 refunded" in card.note.text()
    page = scroll.widget()
    for panel in (tab.revenue_chart, tab.actions, tab.channel_chart, tab.movers_chart):
        bottom = panel.mapTo(page, panel.rect().bottomLeft()).y()
        assert bottom <= scroll.viewport().height(), panel
    tab.resize(1920, 1007)           # roomy: the notes come back, still no scrolling
    qtbot.waitUntil(lambda: card.note.isVisible(), timeout=5_000)
    assert bar.maximum() == 0
    tab.resize(1000, 420)            # too small to fit: the page scrolls rather than squash the charts
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5_000)
    assert tab.revenue_chart.height() >= tab.revenue_chart.minimumHeight()


def test_channel_changes_are_not_elided_in_a_narrow_panel(tab, qtbot):
    rows = [{"channel": name, "revenue_net": revenue, "orders": orders, "aov": revenue / orders, "share": 0.5,
             "vs_previous_pct": 143.5, "vs_last_year_pct": -38.2}
            for name, revenue, orders in (("woocommerce", 13_372.0, 1_074), ("shopify", 3_283.0, 91))]
    tab._show_channels(rows, None, "USD", (True, True))
    table = tab.channel_table
    table.resize(320, table.height())                    # the panel's width in the default 1200 px window
    table.show()
    qtbot.waitExposed(table)
    metrics = table.fontMetrics()
    for row in range(table.rowCount()):
        for column in range(table.columnCount()):
            text = table.item(row, column).text()
            assert metrics.horizontalAdvance(text) + 6 <= table.columnWidth(column), (row, column, text)
