"""A KPI card (name, value, change vs the previous period and last year) and the number formats
the dashboard uses, so every money amount and percentage reads the same way."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "JPY": "¥", "CNY": "¥", "INR": "₹", "KRW": "₩",
           "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "HKD": "HK$", "SGD": "S$", "CHF": "CHF "}
NO_DECIMALS = {"JPY", "KRW"}
GOOD, BAD, FLAT = "#15803d", "#b91c1c", "#6b7280"
FLAT_PCT = 0.5   # changes smaller than this (in %) are shown as flat, neither good nor bad

CARD_STYLE = """
QFrame#kpiCard { background: #ffffff; border: 1px solid #e2e5ec; border-radius: 8px; }
QLabel#kpiTitle { color: #4b5563; font-size: 9pt; }
QLabel#kpiValue { font-size: 15pt; font-weight: 600; color: #111827; }
QLabel#kpiNote { color: #6b7280; font-size: 8.5pt; }
QLabel#kpiChange { font-size: 9pt; }
"""


def format_money(value: float | None, currency: str | None, decimals: int | None = None) -> str:
    """"$1,234.56", "£12", "1,234.56 SEK"; "–" for no value. Whole units above 10,000 (less noise)."""
    if value is None:
        return "–"
    code = (currency or "").upper()
    if decimals is None:
        decimals = 0 if code in NO_DECIMALS or abs(value) >= 10_000 else 2
    sign = "-" if value < 0 else ""
    number = f"{abs(value):,.{decimals}f}"
    if code in SYMBOLS:
        return f"{sign}{SYMBOLS[code]}{number}"
    return f"{sign}{number} {code}".rstrip()


def format_count(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def format_pct(value: float | None, decimals: int = 1) -> str:
    """A share (0..1) as a percentage."""
    return "–" if value is None else f"{100 * value:.{decimals}f}%"


def format_change(pct: float | None, good_when_up: bool = True, unit: str = "%",
                  compact: bool = False) -> tuple[str, str]:
    """(text, colour) for a change: "▲ 12.3%" green when that is good, red when bad. `unit` " pts"
    for rates compared in percentage points; `compact` drops the decimal for narrow table cells."""
    if pct is None:
        return "no data", FLAT
    flat = FLAT_PCT if unit == "%" else 0.05
    if abs(pct) < flat:
        return f"► 0{unit}", FLAT
    arrow = "▲" if pct > 0 else "▼"
    whole = compact or abs(pct) >= 100
    text = f"{arrow} {abs(pct):,.0f}{unit}" if whole else f"{arrow} {abs(pct):.1f}{unit}"
    return text, GOOD if (pct > 0) == good_when_up else BAD


class KpiCard(QFrame):
    """One number with its two comparisons. `good_when_up=False` for rates where less is better."""

    def __init__(self, title: str, tooltip: str = "", good_when_up: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kpiCard")
        self.setStyleSheet(CARD_STYLE)
        self.good_when_up = good_when_up
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(1)
        self.title = QLabel(title)
        self.title.setObjectName("kpiTitle")
        self.value = QLabel("–")
        self.value.setObjectName("kpiValue")
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.vs_previous = QLabel()
        self.vs_last_year = QLabel()
        for label in (self.vs_previous, self.vs_last_year):
            label.setObjectName("kpiChange")
        self.note = QLabel()
        self.note.setObjectName("kpiNote")
        self.note.setWordWrap(True)
        for w in (self.title, self.value, self.vs_previous, self.vs_last_year, self.note):
            layout.addWidget(w)
        layout.addStretch(1)
        self.setToolTip(tooltip)

    def set_values(self, value: str, vs_previous: float | None, vs_last_year: float | None, note: str = "",
                   previous_label: str = "vs previous period", unit: str = "%") -> None:
        self.value.setText(value)
        for label, pct, what in ((self.vs_previous, vs_previous, previous_label),
                                 (self.vs_last_year, vs_last_year, "vs last year")):
            text, colour = format_change(pct, self.good_when_up, unit)
            label.setText(f'<span style="color:{colour}; font-weight:600">{text}</span> '
                          f'<span style="color:#6b7280">{what}</span>')
        self.note.setText(note)
        self.note.setVisible(bool(note))


class CardGrid(QWidget):
    """Cards in as many columns as fit (at least two), re-flowed when the width changes."""

    def __init__(self, min_card_width: int = 190, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.min_card_width = min_card_width
        self.cards: list[QWidget] = []
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(8)
        self._columns = 0

    def add(self, card: QWidget) -> None:
        self.cards.append(card)
        self._reflow(force=True)

    def columns_for(self, width: int) -> int:
        """As many as fit, then evened out: 10 cards in 6 possible columns make 2 rows of 5."""
        n = max(1, len(self.cards))
        fit = max(2, min(n, width // self.min_card_width))
        rows = math.ceil(n / fit)
        return max(2, math.ceil(n / rows))

    def _reflow(self, force: bool = False) -> None:
        columns = self.columns_for(self.width())
        if columns == self._columns and not force:
            return
        self._columns = columns
        for card in self.cards:
            self._grid.removeWidget(card)
        for i, card in enumerate(self.cards):
            self._grid.addWidget(card, i // columns, i % columns)
        for c in range(self._grid.columnCount()):
            self._grid.setColumnStretch(c, 1 if c < columns else 0)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._reflow()
