"""A horizontal bar chart (pyqtgraph) whose bars can be clicked: `bar_clicked(key)`.

Horizontal so the names sit readably on the left axis at any width; a click anywhere on a bar's
row counts (small bars are hard to hit). Long names are shortened on the axis and given in full
in the hover text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSize, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QWidget

LABEL_CHARS = 26


def short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class ClickableBarChart(pg.PlotWidget):
    bar_clicked = Signal(object)

    def __init__(self, value_label: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, background="w")
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.getPlotItem().setMenuEnabled(False)
        self.getPlotItem().invertY(True)          # first bar on top, as in a table
        if value_label:
            self.setLabel("bottom", value_label)
        else:
            self.hideAxis("bottom")    # every bar carries its value: no scale needed
        self._tick_font = QFont()
        self._tick_font.setPointSizeF(8.5)
        self.getAxis("left").setTickFont(self._tick_font)
        self.getAxis("left").setTextPen("#374151")
        self.keys: list[Any] = []
        self.labels: list[str] = []
        self.values: list[float] = []
        self._hover: Callable[[int], str] | None = None
        self._bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.7)
        self.addItem(self._bars)
        self._texts: list[pg.TextItem] = []
        self.scene().sigMouseClicked.connect(self._clicked)
        self.scene().sigMouseMoved.connect(self._moved)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """Ask for no more than the minimum height: in a scrolled page the preferred heights decide
        how tall the page is, and the layout's stretch shares out any room the window has."""
        return QSize(super().sizeHint().width(), max(self.minimumHeight(), 120))

    def set_bars(self, labels: Sequence[str], values: Sequence[float], keys: Sequence[Any] | None = None,
                 colours: Sequence[str] | str = "#4a7bd0", value_text: Callable[[float], str] | None = None,
                 hover: Callable[[int], str] | None = None) -> None:
        """Replace the bars. `value_text` writes each bar's value at its end; `hover(i)` its tooltip."""
        self.labels, self.values = list(labels), [float(v) for v in values]
        self.keys = list(keys) if keys is not None else list(labels)
        self._hover = hover
        n = len(self.values)
        brushes = [colours] * n if isinstance(colours, str) else list(colours)
        # One shared pen: pyqtgraph 0.14 fails on an empty per-bar pen list.
        self._bars.setOpts(x0=[0.0] * n, y=list(range(n)), width=self.values, height=0.7,
                           brushes=brushes or None, brush="#4a7bd0", pens=None, pen=pg.mkPen(None))
        axis = self.getAxis("left")
        names = [short(t) for t in self.labels]
        axis.setTicks([list(enumerate(names))])
        # Width from the names themselves: pyqtgraph drops a tick label that does not fit the axis
        # and only widens it on a later paint, which a narrow window may never get.
        metrics = QFontMetrics(self._tick_font)
        axis.setWidth(max([metrics.horizontalAdvance(t) for t in names], default=0) + 16)
        for item in self._texts:
            self.removeItem(item)
        self._texts = []
        if value_text is not None and n:
            longest = max(abs(v) for v in self.values) or 1.0
            for i, v in enumerate(self.values):
                # Long bars carry their value inside (white), short ones just past their end.
                inside = abs(v) >= 0.45 * longest
                anchor = (1, 0.5) if (v >= 0) == inside else (0, 0.5)
                item = pg.TextItem(value_text(v), color="#ffffff" if inside else "#374151", anchor=anchor)
                item.setPos(v, i)
                self.addItem(item)
                self._texts.append(item)
        if n:
            lo, hi = min(0.0, *self.values), max(0.0, *self.values)
            pad = 0.3 * (hi - lo or 1.0)   # room for the value text past the short bars
            self.setXRange(lo - (pad if lo < 0 else 0), hi + (pad if hi > 0 else 0), padding=0.02)
            self.setYRange(-0.6, n - 0.4, padding=0)

    def row_at(self, scene_pos: QPointF) -> int | None:
        """The bar row under a scene position, or None outside the plot or the bars."""
        view = self.getPlotItem().vb
        if not view.sceneBoundingRect().contains(scene_pos):
            return None
        y = view.mapSceneToView(scene_pos).y()
        row = int(round(y))
        return row if 0 <= row < len(self.values) and abs(y - row) <= 0.45 else None

    def click_row(self, row: int) -> None:
        """What a click on that bar does (also used by tests and keyboard users)."""
        if 0 <= row < len(self.keys):
            self.bar_clicked.emit(self.keys[row])

    def _clicked(self, event) -> None:
        row = self.row_at(event.scenePos())
        if row is not None:
            self.click_row(row)

    def _moved(self, scene_pos: QPointF) -> None:
        row = self.row_at(scene_pos)
        if row is None:
            self.setToolTip("")
            return
        self.setToolTip(self._hover(row) if self._hover else self.labels[row])
