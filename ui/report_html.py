"""The weekly report as the HTML subset QTextDocument understands (for the PDF, preview and print).

Tables use `<thead>` so Qt repeats their header row on every page a table runs onto. Nothing here
relies on colour: changes carry an arrow and a sign, warnings a word.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from merchant_ai.reports.model import KpiRow
from merchant_ai.reports.weekly import WeeklyReport
from merchant_ai.wording import counted

CHART_URL = "report://revenue-chart"
UP_URL, DOWN_URL = "report://up", "report://down"
MINUS = "-"          # the bundled Noto Sans has no U+2212
SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "CAD": "CA$", "AUD": "A$", "JPY": "¥", "CNY": "CN¥"}

CSS = """
body { font-size: 9pt; color: #000000; }
h1 { font-size: 20pt; font-weight: bold; margin: 0; }
h2 { font-size: 12.5pt; font-weight: bold; margin-top: 14pt; margin-bottom: 4pt; }
h3 { font-size: 9.5pt; font-weight: bold; margin-top: 8pt; margin-bottom: 3pt; }
p { margin-top: 2pt; margin-bottom: 2pt; }
.sub { font-size: 10.5pt; color: #333333; }
.muted { color: #555555; }
.note { color: #333333; font-style: italic; }
table.grid { border-collapse: collapse; }
table.grid th { background-color: #e4e4e4; font-weight: bold; border-bottom: 1px solid #000000; }
table.grid td { border-bottom: 1px solid #c8c8c8; }
table.grid td, table.grid th { padding-left: 4px; padding-right: 4px; }
td.group { font-weight: bold; background-color: #f2f2f2; }
"""


def money(value: float | None, currency: str | None, decimals: int = 2) -> str:
    if value is None:
        return "—"
    sym = SYMBOLS.get(currency or "", "")
    text = f"{abs(value):,.{decimals}f}"
    sign = MINUS if value < 0 else ""
    return f"{sign}{sym}{text}" if sym else f"{sign}{text}{' ' + currency if currency else ''}"


def number(value: float | None, decimals: int = 0) -> str:
    return "—" if value is None else f"{value:,.{decimals}f}"


def day_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return escape(value)
    return f"{value.day} {value.strftime('%b %Y')}"


def change_text(row: KpiRow, change: float | None) -> str:
    """An up/down triangle and the signed change: "+7.0%", or "-3.1 pts" for rates."""
    if change is None:
        return "—"
    if abs(change) < 0.05:
        return "= 0%" if not row.change_in_points else "= 0 pts"
    arrow = _arrow(change)
    unit = " pts" if row.change_in_points else "%"
    sign = "+" if change > 0 else MINUS
    return f"{arrow} {sign}{abs(change):.1f}{unit}"


def _arrow(change: float) -> str:
    """Up/down triangles as small images: neither bundled font has ▲/▼, and a system fallback font
    would differ between machines."""
    return f'<img src="{UP_URL if change > 0 else DOWN_URL}" width="7" height="7">'


def short_key(key: str, keep: int = 14) -> str:
    """Pseudonymous keys are long hashes: their first characters are enough to find one in the app."""
    return key if len(key) <= keep + 2 else key[:keep] + "…"


def kpi_value(row: KpiRow, value: float | None, currency: str | None) -> str:
    if value is None:
        return "—"
    if row.unit == "money":
        return money(value, currency)
    if row.unit == "pct":
        return f"{value:.1f}%"
    return number(value)


def table(headers: list[tuple[str, bool]], rows: list[str], widths: list[int] | None = None) -> str:
    """A full-width grid table; `headers` are (text, numeric) pairs; `rows` are ready `<tr>` strings."""
    cols = "".join(f'<th align="{"right" if num else "left"}"{_w(widths, i)}>{escape(h)}</th>'
                   for i, (h, num) in enumerate(headers))
    return (f'<table class="grid" width="100%" cellspacing="0" cellpadding="2"><thead><tr>{cols}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _w(widths: list[int] | None, i: int) -> str:
    return f' width="{widths[i]}%"' if widths and i < len(widths) else ""


def tr(cells: list[tuple[str, bool]]) -> str:
    return "<tr>" + "".join(f'<td align="{"right" if num else "left"}">{text}</td>' for text, num in cells) + "</tr>"


def note(text: str | None) -> str:
    return f'<p class="note">{escape(text)}</p>' if text else ""


def build_html(report: WeeklyReport, chart_size: tuple[float, float] | None = None) -> str:
    """The whole report; the chart is an image resource at `CHART_URL` (added by the renderer)."""
    cur = report.currency
    parts = [f"<html><head><style>{CSS}</style></head><body>"]
    parts.append(f"<h1>{escape(report.shop_name)}</h1>")
    parts.append(f'<p class="sub">Weekly summary · week {escape(report.week)} · '
                 f"{escape(report.start.strftime('%a'))} {day_text(report.start)} – "
                 f"{escape(report.end.strftime('%a'))} {day_text(report.end)}</p>")
    parts.append(f'<p class="muted">Generated {report.generated_at:%d %b %Y %H:%M}. '
                 f"Only data up to the end of the week is used.</p>")
    parts.append(_actions(report))
    parts.append(_kpis(report))
    parts.append(_revenue(report, chart_size))
    parts.append(_stock(report))
    parts.append(_customers(report))
    parts.append(_pairs(report))
    parts.append(_margins(report, cur))
    parts.append(_freshness(report))
    parts.append("</body></html>")
    return "".join(parts)


def _actions(report: WeeklyReport) -> str:
    actions = report.actions()
    out = ["<h2>This week's actions</h2>"]
    if not actions:
        return out[0] + '<p class="note">Nothing needs doing this week.</p>'
    labels = {"stock": "Stock", "customers": "Customers", "pricing": "Pricing", "recommendations": "Bundles",
              "data": "Data"}
    rows = [tr([(f"<b>{labels.get(a.kind, a.kind)}</b>", False), (escape(a.text), False)]) for a in actions]
    out.append(table([("Area", False), ("Action", False)], rows, [14, 86]))
    return "".join(out)


def _kpis(report: WeeklyReport) -> str:
    k = report.kpis
    out = ["<h2>How the week went</h2>"]
    if not k.rows:
        return out[0] + note(k.note)
    rows = []
    for r in k.rows:
        rows.append(tr([(escape(r.label), False), (kpi_value(r, r.value, k.currency), True),
                        (kpi_value(r, r.previous, k.currency), True), (change_text(r, r.vs_previous_pct), True),
                        (kpi_value(r, r.last_year, k.currency), True), (change_text(r, r.vs_last_year_pct), True)]))
    out.append(table([("", False), ("This week", True), ("Week before", True), ("Change", True),
                      ("Last year", True), ("Change", True)], rows, [26, 16, 16, 12, 16, 14]))
    out.append('<p class="muted">Revenue is product sales after discounts, net of refunds (shipping and tax '
               'excluded). Last year = the same weekdays 52 weeks earlier. Arrows point up or down; rates change in '
               'percentage points (pts).</p>')
    if len(k.channels) > 1:
        rows = [tr([(escape(str(c["channel"])), False), (money(c["revenue_net"], k.currency), True),
                    (number(c["orders"]), True), (money(c.get("aov"), k.currency), True),
                    ("—" if c.get("share") is None else f"{100 * c['share']:.0f}%", True),
                    (_pct(c.get("vs_previous_pct")), True), (_pct(c.get("vs_last_year_pct")), True)])
                for c in k.channels]
        out.append("<h3>By channel</h3>")
        out.append(table([("Channel", False), ("Net revenue", True), ("Orders", True), ("Avg order", True),
                          ("Share", True), ("vs week before", True), ("vs last year", True)], rows))
    out.append(note(k.note))
    return "".join(out)


def _pct(v: float | None) -> str:
    if v is None:
        return "—"
    arrow = _arrow(v) if v else "="
    return f"{arrow} {'+' if v > 0 else MINUS if v < 0 else ''}{abs(v):.1f}%"


def _revenue(report: WeeklyReport, chart_size: tuple[float, float] | None) -> str:
    r = report.revenue
    out = ["<h2>Revenue by week</h2>"]
    if not r.points:
        return out[0] + note(r.note)
    size = f' width="{chart_size[0]:.0f}" height="{chart_size[1]:.0f}"' if chart_size else ""
    ahead = [p for p in r.points if p.forecast is not None]
    caption = ""
    if ahead:
        nxt = ahead[0]
        total = sum(p.forecast for p in ahead[:4])
        caption = (f"Forecast for the week of {day_text(nxt.week_start)}: <b>{money(nxt.forecast, r.currency, 0)}"
                   f"</b> (80% range {money(nxt.lower80, r.currency, 0)} – {money(nxt.upper80, r.currency, 0)}); "
                   f"next four weeks together: {money(total, r.currency, 0)}.<br>")
    # caption and chart in one paragraph, so the heading keeps both on its page
    out.append(f'<p>{caption}<img src="{CHART_URL}"{size}></p>')
    out.append(note(r.note))
    return "".join(out)


def _stock(report: WeeklyReport) -> str:
    s = report.stock
    out = ["<h2>Reorder list</h2>"]
    if s.suppliers:
        rows = []
        for order in s.suppliers:
            total = "" if order.total_cost is None else f" — {money(order.total_cost, report.currency)}"
            rows.append(f'<tr><td class="group" colspan="5">{escape(order.supplier)}{total}</td></tr>')
            for ln in order.lines:
                status = "order now" if ln.get("status") == "order_now" else "order soon"
                due = ln.get("order_by")
                overdue = due is not None and str(due) < report.end.isoformat()
                rows.append(tr([(escape(str(ln["sku"])), False), (escape(ln.get("title") or ""), False),
                                (number(ln.get("quantity")), True),
                                (("overdue since " if overdue else "") + day_text(due), False),
                                (status, False)]))
        out.append(table([("SKU", False), ("Product", False), ("Qty", True), ("Order by", False), ("Status", False)],
                         rows, [18, 40, 8, 20, 14]))
    if s.expedite:
        out.append("<h3>Open orders to chase (stock runs out before they arrive)</h3>")
        rows = [tr([(escape(str(x["sku"])), False), (escape(x.get("title") or ""), False),
                    (escape(x["supplier"]), False), (number(x.get("incoming")), True),
                    (day_text(x.get("stockout_date")), False)]) for x in s.expedite]
        out.append(table([("SKU", False), ("Product", False), ("Supplier", False), ("On order", True),
                          ("Runs out", False)], rows, [18, 36, 22, 10, 14]))
    out.append(note(s.note))
    return "".join(out)


def _customers(report: WeeklyReport) -> str:
    c = report.customers
    out = ["<h2>Customers</h2>"]
    if c.segments:
        rows = [tr([(escape(s["segment"]), False), (number(s["now"]), True), (number(s["week_ago"]), True),
                    (number(s["four_weeks_ago"]), True), (_signed(s["change_week"]), True)]) for s in c.segments]
        out.append(table([("Segment", False), ("Now", True), ("A week ago", True), ("4 weeks ago", True),
                          ("Change this week", True)], rows, [36, 14, 16, 16, 18]))
        out.append(f"<p>{counted(c.slipping, 'customer')} slipped to At risk this week "
                   f"({c.slipping_4w} over the last four weeks).</p>")
    if c.contacts:
        out.append("<h3>Customers to contact first (slipped this week, most expected value first)</h3>")
        rows = [tr([(escape(short_key(x["customer"])), False), (escape(f"{x['segment_before']} > {x['segment_now']}"), False),
                    (number(x["orders"]), True), (money(x["spent"], report.currency), True),
                    (day_text(x["last_order"]), False), (money(x.get("predicted_clv"), report.currency), True)])
                for x in c.contacts]
        out.append(table([("Customer", False), ("Segment", False), ("Orders", True), ("Spent", True),
                          ("Last order", False), ("90-day value", True)], rows, [22, 28, 9, 13, 15, 13]))
    out.append(note(c.note))
    return "".join(out)


def _signed(v: int) -> str:
    return "0" if v == 0 else f"{'+' if v > 0 else MINUS}{abs(v)}"


def _pairs(report: WeeklyReport) -> str:
    pr = report.pairs
    out = ["<h2>Bought together</h2>"]
    if pr.pairs:
        rows = [tr([(escape(p.get("title_a") or p["a"]), False), (escape(p.get("title_b") or p["b"]), False),
                    (number(p["orders"]), True), (f"{100 * p['confidence']:.0f}%", True), (f"{p['lift']:.1f}×", True),
                    (money(p.get("combined_margin"), report.currency), True)]) for p in pr.pairs]
        out.append(table([("Product", False), ("With", False), ("Orders", True), ("Confidence", True),
                          ("Lift", True), ("Bundle margin", True)], rows, [28, 28, 9, 13, 9, 13]))
        out.append(f'<p class="muted">Orders of the last {pr.window_days} days holding both; confidence: share '
                   "of the rarer product's orders that also hold the other; lift: how much more often than "
                   "chance.</p>")
    out.append(note(pr.note))
    return "".join(out)


def _margins(report: WeeklyReport, cur: str | None) -> str:
    m = report.margins
    out = ["<h2>Margin warnings</h2>"]
    if m.warnings:
        out.append(f'<p class="muted">Last four weeks ({day_text(m.window_start)} – {day_text(report.end)}), '
                   f"after channel fees; target margin {m.target_margin_pct:.0f}%.</p>")
        rows = [tr([(escape(w.get("title") or w["sku"]), False), (escape(str(w["channel"])), False),
                    ("LOSS" if w["alert"] == "below_break_even" else "below target", False),
                    (_pct_value(w.get("margin_pct")), True),
                    (money(w.get("profit"), cur), True), (number(w.get("units")), True)]) for w in m.warnings]
        out.append(table([("Product", False), ("Channel", False), ("Problem", False), ("Margin", True),
                          ("Profit", True), ("Units", True)], rows, [38, 13, 15, 11, 13, 10]))
    out.append(note(m.note))
    return "".join(out)


def _pct_value(v: float | None) -> str:
    return "—" if v is None else f"{MINUS if v < 0 else ''}{abs(v):.1f}%"


def _freshness(report: WeeklyReport) -> str:
    f = report.freshness
    out = ["<h2>Data freshness</h2>"]
    if f.channels:
        rows = [tr([(escape(str(c["channel"])), False), (day_text(c["last_import"]), False),
                    (day_text(c["last_order"]), False),
                    ("<b>STALE</b>" if c["stale"] else "ok", False)]) for c in f.channels]
        out.append(table([("Channel", False), ("Last import", False), ("Last order", False), ("Status", False)],
                         rows, [34, 24, 24, 18]))
        out.append(f'<p class="muted">Stale: last import more than {f.stale_after_days} days before this report, '
                   f"or no orders in the {f.stale_after_days} days before the week's end.</p>")
    out.append(note(f.note))
    return "".join(out)
