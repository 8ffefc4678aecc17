""""This week's actions": one line per action with a link to the tab that deals with it.

Fed with plain dicts {kind, text, tab, key} (the weekly report's `Action`s); clicking a link
emits `activated(tab, key)`. While the list loads it shows a progress bar with Cancel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.busy_overlay import show_fraction

KIND_LABELS = {"stock": ("Stock", "#b45309"), "customers": ("Customers", "#7c3aed"),
               "pricing": ("Margin", "#b91c1c"), "recommendations": ("Bundle", "#0f766e"),
               "data": ("Data", "#4b5563")}
TAB_TITLES = {"stock": "Stock", "customers": "Customers", "pricing": "Pricing",
              "recommendations": "Recommendations", "import": "Import", "forecast": "Forecast"}


class ActionRow(QFrame):
    def __init__(self, action: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.action = action
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        name, colour = KIND_LABELS.get(action.get("kind", ""), (str(action.get("kind", "")).title(), "#4b5563"))
        self.badge = QLabel(name)
        self.badge.setFixedWidth(78)
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.badge.setStyleSheet(f"color: white; background: {colour}; border-radius: 4px; padding: 1px 4px;"
                                 "font-size: 8.5pt; font-weight: 600;")
        self.text = QLabel(action.get("text", ""))
        self.text.setWordWrap(True)
        self.text.setToolTip(action.get("text", ""))
        tab = action.get("tab") or ""
        self.link = QPushButton(f"{TAB_TITLES.get(tab, tab.title())} ›")
        self.link.setObjectName("linkButton")
        self.link.setCursor(Qt.CursorShape.PointingHandCursor)
        self.link.setToolTip(f"Open the {TAB_TITLES.get(tab, tab)} tab")
        self.link.setVisible(bool(tab))
        # The link sits under its badge, not right of the text: in a narrow panel a third column pushed
        # it out of view behind a sideways scroll bar (the dashboard in the app's default 1200 px window).
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.setSpacing(2)
        left.addWidget(self.badge)
        left.addWidget(self.link, 0, Qt.AlignmentFlag.AlignLeft)
        left.addStretch(1)
        layout.addLayout(left)
        layout.addWidget(self.text, 1)


class ActionList(QWidget):
    activated = Signal(str, object)     # tab name, key (or None)
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("<b>This week's actions</b>")
        outer.addWidget(self.heading)
        busy = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("linkButton")
        self.cancel_button.clicked.connect(self.cancel_requested)
        busy.addWidget(self.progress, 1)
        busy.addWidget(self.cancel_button)
        self._busy = QWidget()
        self._busy.setLayout(busy)
        self._busy.hide()
        outer.addWidget(self._busy)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #6b7280")
        outer.addWidget(self.message)
        self._rows_widget = QWidget()
        self._rows = QVBoxLayout(self._rows_widget)
        self._rows.setContentsMargins(0, 0, 4, 0)
        self._rows.setSpacing(4)
        self._rows.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)   # rows wrap instead
        scroll.setWidget(self._rows_widget)
        scroll.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }")
        outer.addWidget(scroll, 1)
        self.rows: list[ActionRow] = []

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """Ask for no more than the minimum height: in a scrolled page the preferred heights decide
        how tall the page is, and the layout's stretch shares out any room the window has."""
        return QSize(super().sizeHint().width(), max(self.minimumHeight(), 120))

    def set_busy(self, message: str = "Looking for this week's actions…") -> None:
        self._busy.show()
        self.cancel_button.setEnabled(True)
        show_fraction(self.progress, None)
        self.message.setText(message)

    def set_progress(self, fraction: float, message: str = "") -> None:
        show_fraction(self.progress, fraction)
        if message:
            self.message.setText(message)

    def set_actions(self, actions: Sequence[dict[str, Any]], empty_text: str = "Nothing urgent this week.",
                    caption: str = "") -> None:
        self._busy.hide()
        for row in self.rows:
            self._rows.removeWidget(row)
            row.deleteLater()
        self.rows = []
        for action in actions:
            row = ActionRow(action)
            row.link.clicked.connect(lambda _=False, a=action: self.activated.emit(a.get("tab") or "", a.get("key")))
            self._rows.insertWidget(self._rows.count() - 1, row)
            self.rows.append(row)
        self.message.setText(caption if actions else empty_text)
        self.message.setVisible(bool(caption) or not actions)

    def set_message(self, text: str) -> None:
        """Instead of the list (e.g. "not available yet" or an error)."""
        self.set_actions([], empty_text=text)
