"""The weekly report's revenue chart, drawn with QPainter for print (no pyqtgraph).

Black-and-white friendly: this year is a solid black line, last year a dashed grey one, the
forecast a dotted black line over a light grey 80% band; a legend names them, so nothing relies on
colour.
"""

from __future__ import annotations

import datetime as dt
import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPolygonF

from merchant_ai.reports.model import RevenueSection


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / max(ticks, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def short_money(v: float) -> str:
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.1f}M".replace(".0M", "M")
    if a >= 1e3:
        return f"{v / 1e3:.1f}k".replace(".0k", "k")
    return f"{v:.0f}"


def revenue_chart(section: RevenueSection, width: int, height: int, font: QFont) -> QImage:
    """An RGB image `width` x `height` px of weekly net revenue, last year and forecast."""
    img = QImage(width, height, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    unit = height / 100.0                      # everything scales with the image
    f = QFont(font)
    f.setPixelSize(max(8, int(unit * 5.2)))
    p.setFont(f)
    fm = p.fontMetrics()
    pts = section.points
    values = [v for pt in pts for v in (pt.revenue, pt.last_year, pt.forecast, pt.upper80, pt.lower80) if v is not None]
    top_val = max(values) if values else 1.0
    low_val = min(0.0, min(values) if values else 0.0)
    step = _nice_step(top_val - low_val or 1.0)
    y_max = math.ceil(top_val / step) * step or step
    y_min = math.floor(low_val / step) * step
    label_w = max(fm.horizontalAdvance(short_money(y_max)), fm.horizontalAdvance(short_money(y_min))) + unit * 2
    legend_h = fm.height() * 1.6
    plot = QRectF(label_w + unit, legend_h + unit, width - label_w - unit * 3, height - legend_h - fm.height() * 1.8 - unit * 2)
    n = len(pts)

    def x_at(i: float) -> float:
        return plot.left() + (plot.width() * (i + 0.5) / n if n else 0)

    def y_at(v: float) -> float:
        return plot.bottom() - (v - y_min) / (y_max - y_min) * plot.height()

    grid = QPen(QColor("#d0d0d0"), max(1.0, unit * 0.2))
    p.setPen(grid)
    v = y_min
    while v <= y_max + step / 2:
        y = y_at(v)
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        p.setPen(QColor("#333333"))
        p.drawText(QRectF(0, y - fm.height() / 2, label_w, fm.height()),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, short_money(v))
        p.setPen(grid)
        v += step
    # x labels: about six, on week starts
    every = max(1, round(n / 6))
    p.setPen(QColor("#333333"))
    for i, pt in enumerate(pts):
        if i % every == 0:
            text = _short_date(pt.week_start)
            w = fm.horizontalAdvance(text)
            p.drawText(QPointF(min(max(x_at(i) - w / 2, plot.left()), width - w - 1), plot.bottom() + fm.height() * 1.2),
                       text)
    ahead = [i for i, pt in enumerate(pts) if pt.forecast is not None]
    if ahead:
        # the 80% band, then a rule where the forecast starts
        band = QPolygonF([QPointF(x_at(i), y_at(pts[i].upper80)) for i in ahead if pts[i].upper80 is not None] +
                         [QPointF(x_at(i), y_at(pts[i].lower80)) for i in reversed(ahead) if pts[i].lower80 is not None])
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#dcdcdc"))
        p.drawPolygon(band)
        p.setBrush(Qt.BrushStyle.NoBrush)
        split = x_at(ahead[0] - 0.5)
        p.setPen(QPen(QColor("#808080"), max(1.0, unit * 0.25), Qt.PenStyle.DotLine))
        p.drawLine(QPointF(split, plot.top()), QPointF(split, plot.bottom()))
    _line(p, [(x_at(i), y_at(pt.last_year)) for i, pt in enumerate(pts) if pt.last_year is not None],
          QPen(QColor("#8c8c8c"), unit * 0.6, Qt.PenStyle.DashLine))
    actual = [(x_at(i), y_at(pt.revenue)) for i, pt in enumerate(pts) if pt.revenue is not None]
    _line(p, actual, QPen(QColor("black"), unit * 0.9))
    if ahead:
        fc = ([actual[-1]] if actual else []) + [(x_at(i), y_at(pts[i].forecast)) for i in ahead]
        _line(p, fc, QPen(QColor("black"), unit * 0.7, Qt.PenStyle.DotLine))
    p.setPen(QPen(QColor("#555555"), max(1.0, unit * 0.25)))
    p.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
    _legend(p, fm, unit, plot.left(), bool(ahead))
    p.end()
    return img


def _line(p: QPainter, xy: list[tuple[float, float]], pen: QPen) -> None:
    if len(xy) < 2:
        return
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    path = QPainterPath(QPointF(*xy[0]))
    for x, y in xy[1:]:
        path.lineTo(x, y)
    p.setPen(pen)
    p.drawPath(path)


def _legend(p: QPainter, fm, unit: float, left: float, with_forecast: bool) -> None:
    y = fm.height() * 0.8
    x = left
    items = [("This year", QPen(QColor("black"), unit * 0.9), None),
             ("Last year", QPen(QColor("#8c8c8c"), unit * 0.6, Qt.PenStyle.DashLine), None)]
    if with_forecast:
        items.append(("Forecast (band: 80% range)", QPen(QColor("black"), unit * 0.7, Qt.PenStyle.DotLine),
                      QColor("#dcdcdc")))
    for label, pen, fill in items:
        if fill is not None:
            p.fillRect(QRectF(x, y - unit * 2, unit * 8, unit * 4), fill)
        p.setPen(pen)
        p.drawLine(QPointF(x, y), QPointF(x + unit * 8, y))
        p.setPen(QColor("#222222"))
        p.drawText(QPointF(x + unit * 10, y + fm.ascent() / 2 - unit * 0.5), label)
        x += unit * 14 + fm.horizontalAdvance(label)


def _short_date(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%b')}"


def triangle(up: bool, size: int = 64) -> QImage:
    """A black triangle pointing up (filled) or down (filled too; the direction tells them apart)."""
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("black"))
    m = size * 0.08
    if up:
        pts = [QPointF(size / 2, m), QPointF(size - m, size - m), QPointF(m, size - m)]
    else:
        pts = [QPointF(m, m), QPointF(size - m, m), QPointF(size / 2, size - m)]
    p.drawPolygon(QPolygonF(pts))
    p.end()
    return img
