"""Revenue by week (pyqtgraph): this year, the same weeks last year, and the forecast ahead with its
80% band; the chosen period is shaded. Clicking a week emits `week_clicked(week_start)`.

The forecast is added later (`set_forecast`) because it comes from a slower job: the chart is
useful before it arrives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtWidgets import QWidget

THIS_YEAR, LAST_YEAR, FORECAST = "#2563eb", "#9ca3af", "#ea580c"


def stamp(day: dt.date) -> float:
    """Seconds since the epoch of a day's local midnight (what DateAxisItem expects)."""
    return dt.datetime(day.year, day.month, day.day).timestamp()


class MoneyAxis(pg.AxisItem):
    """Tick labels through the chart's money format ("$8,000") instead of bare numbers."""

    money: Callable[[float], str] | None = None

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        if self.money is None:
            return super().tickStrings(values, scale, spacing)
        return [self.money(v * scale) for v in values]


class RevenueChart(pg.PlotWidget):
    week_clicked = Signal(object)   # datetime.date of the week's first day

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, background="w",
                         axisItems={"bottom": pg.DateAxisItem(), "left": MoneyAxis(orientation="left")})
        self.hideButtons()
        self.setMouseEnabled(x=False, y=False)
        self.getPlotItem().setMenuEnabled(False)
        self.showGrid(x=False, y=True, alpha=0.2)
        self.legend = self.addLegend(offset=(8, 2), labelTextColor="#374151", colCount=3)
        self.region = pg.LinearRegionItem(movable=False, brush=(37, 99, 235, 28), pen=pg.mkPen(None))
        self.region.setZValue(-10)
        for line in self.region.lines:
            line.setPen(pg.mkPen(None))
        self.addItem(self.region)
        self.band = pg.FillBetweenItem(pg.PlotDataItem([], []), pg.PlotDataItem([], []), brush=(234, 88, 12, 45))
        self.addItem(self.band)
        self.last_year = self.plot([], [], pen=pg.mkPen(LAST_YEAR, width=1.5, style=Qt.PenStyle.DashLine),
                                   name="Same weeks last year")
        self.this_year = self.plot([], [], pen=pg.mkPen(THIS_YEAR, width=2.2), symbol="o", symbolSize=5,
                                   symbolBrush=THIS_YEAR, symbolPen=None, name="Net revenue")
        self.forecast = self.plot([], [], pen=pg.mkPen(FORECAST, width=2.2, style=Qt.PenStyle.DashLine),
                                  name="Forecast (80% band)")
        self.weeks: list[dt.date] = []
        self._money: Callable[[float], str] = lambda v: f"{v:,.0f}"
        self._forecast_points: list[dict[str, Any]] = []
        self._rows: list[dict[str, Any]] = []
        self._ahead: list[dict[str, Any]] = []
        self.getAxis("left").setStyle(autoExpandTextSpace=True)
        self.scene().sigMouseClicked.connect(self._clicked)
        self.scene().sigMouseMoved.connect(self._moved)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """Ask for no more than the minimum height: in a scrolled page the preferred heights decide
        how tall the page is, and the layout's stretch shares out any room the window has."""
        return QSize(super().sizeHint().width(), max(self.minimumHeight(), 120))

    def set_weeks(self, rows: Sequence[dict[str, Any]], period: tuple[dt.date, dt.date] | None,
                  money: Callable[[float], str] | None = None,
                  last_year_ahead: Sequence[dict[str, Any]] = ()) -> None:
        """History rows ({week_start, revenue_net, last_year, orders}) and last year's figures for the
        weeks ahead ({week_start, last_year}, drawn under the forecast); clears any old forecast."""
        if money is not None:
            self._money = money
            self.getAxis("left").money = money
        self._rows = list(rows)
        self._ahead = list(last_year_ahead)
        self.weeks = [r["week_start"] for r in rows]
        xs = np.array([stamp(d) for d in self.weeks], float)
        self.this_year.setData(xs, np.array([r["revenue_net"] for r in rows], float))
        ly = self._rows + self._ahead   # None (before the shop's first order) is a gap, not a zero
        self.last_year.setData(np.array([stamp(r["week_start"]) for r in ly], float),
                               np.array([np.nan if r["last_year"] is None else r["last_year"] for r in ly], float),
                               connect="finite")
        self.set_forecast(None)
        if period is not None:
            self.region.setRegion((stamp(period[0]), stamp(period[1]) + 86400 - 1))
            self.region.show()
        else:
            self.region.hide()
        self._fit()

    def set_forecast(self, points: Sequence[dict[str, Any]] | None) -> None:
        """Forecast points ({week_start, mean, lower80, upper80}), joined to the last actual week."""
        self._forecast_points = list(points or [])
        if not self._forecast_points or not self.weeks:
            self.forecast.setData([], [])
            self.band.setCurves(pg.PlotDataItem([], []), pg.PlotDataItem([], []))
            self._fit()
            return
        last_x, last_y = stamp(self.weeks[-1]), self._rows[-1]["revenue_net"]
        xs = np.array([last_x] + [stamp(p["week_start"]) for p in self._forecast_points], float)
        mean = np.array([last_y] + [p["mean"] for p in self._forecast_points], float)
        lower = np.array([last_y] + [p["lower80"] for p in self._forecast_points], float)
        upper = np.array([last_y] + [p["upper80"] for p in self._forecast_points], float)
        self.forecast.setData(xs, mean)
        self.band.setCurves(pg.PlotDataItem(xs, lower), pg.PlotDataItem(xs, upper))
        self._fit()

    def has_forecast(self) -> bool:
        return bool(self._forecast_points)

    def _fit(self) -> None:
        xs = [stamp(d) for d in self.weeks] + [stamp(p["week_start"]) for p in self._forecast_points]
        if not xs:
            return
        xs += [stamp(r["week_start"]) for r in self._ahead]
        ys = [0.0] + [r["revenue_net"] for r in self._rows]
        ys += [r["last_year"] for r in self._rows + self._ahead if r["last_year"] is not None]
        ys += [p["upper80"] for p in self._forecast_points]
        self.setXRange(min(xs) - 3 * 86400, max(xs) + 3 * 86400, padding=0)
        self.setYRange(0, max(ys) * 1.18 or 1.0, padding=0)   # headroom for the legend

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        """The legend in one row when there is room, else stacked (it must not run off the plot)."""
        super().resizeEvent(event)
        legend = self.__dict__.get("legend")   # pyqtgraph resizes once before __init__ has made it
        columns = 3 if self.width() >= 620 else 1
        if legend is not None and legend.columnCount != columns:
            legend.setColumnCount(columns)

    def week_at(self, scene_pos: QPointF) -> dt.date | None:
        """The history week nearest a scene position (within half a week), or None."""
        view = self.getPlotItem().vb
        if not self.weeks or not view.sceneBoundingRect().contains(scene_pos):
            return None
        x = view.mapSceneToView(scene_pos).x()
        xs = np.array([stamp(d) for d in self.weeks])
        i = int(np.argmin(np.abs(xs - x)))
        return self.weeks[i] if abs(xs[i] - x) <= 3.5 * 86400 else None

    def click_week(self, week: dt.date) -> None:
        if week in self.weeks:
            self.week_clicked.emit(week)

    def _clicked(self, event) -> None:
        week = self.week_at(event.scenePos())
        if week is not None:
            self.click_week(week)

    def _moved(self, scene_pos: QPointF) -> None:
        week = self.week_at(scene_pos)
        if week is None:
            self.setToolTip("")
            return
        r = self._rows[self.weeks.index(week)]
        last_year = "no data" if r["last_year"] is None else self._money(r["last_year"])
        self.setToolTip(f"Week of {week:%d %b %Y}: {self._money(r['revenue_net'])} net, {r['orders']:,} orders\n"
                        f"Same week last year: {last_year}\nClick to show this week")
