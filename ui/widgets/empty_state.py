"""The honest "nothing to show" panel: a headline, one line of why, and optionally an action."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

NO_DATA_TEXT = "No data yet — import your exports in the Import tab."
NOT_AVAILABLE_TEXT = "Not available yet."
NOT_BUILT_TEXT = "This part of Merchant AI is not built yet."


class EmptyState(QWidget):
    """Centered headline + explanation; `set_text` changes both without rebuilding the widget."""

    def __init__(self, headline: str = "Nothing here yet", text: str = NO_DATA_TEXT,
                 action_text: str | None = None, on_action: Callable[[], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.headline = QLabel(headline)
        self.headline.setObjectName("emptyHeadline")
        self.headline.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel(text)
        self.text.setObjectName("emptyText")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        layout.addWidget(self.headline)
        layout.addWidget(self.text)
        self.button: QPushButton | None = None
        if action_text:
            self.button = QPushButton(action_text)
            self.button.setObjectName("primaryButton")
            if on_action is not None:
                self.button.clicked.connect(on_action)
            layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(2)

    def set_text(self, headline: str, text: str) -> None:
        self.headline.setText(headline)
        self.text.setText(text)
