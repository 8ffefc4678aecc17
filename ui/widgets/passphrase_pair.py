"""Passphrase + repeat fields with a live strength meter: used by create, recover and change."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QProgressBar, QWidget

from ui.passphrase_strength import estimate

MIN_SCORE = 1  # "Weak" is allowed with a warning; "Very weak" (common or tiny) is refused


class PassphrasePair(QWidget):
    """`changed` fires on every keystroke; `is_acceptable()` says whether to enable the next step."""

    changed = Signal()

    def __init__(self, first_label: str = "Passphrase", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.first = QLineEdit()
        self.first.setEchoMode(QLineEdit.EchoMode.Password)
        self.first.setPlaceholderText("e.g. four unrelated words")
        self.second = QLineEdit()
        self.second.setEchoMode(QLineEdit.EchoMode.Password)
        self.meter = QProgressBar()
        self.meter.setObjectName("strengthMeter")
        self.meter.setRange(0, 4)
        self.meter.setTextVisible(False)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setObjectName("hintText")
        self.match = QLabel()
        self.match.setObjectName("hintText")
        form.addRow(first_label, self.first)
        form.addRow("Repeat it", self.second)
        form.addRow("Strength", self.meter)
        form.addRow("", self.hint)
        form.addRow("", self.match)
        self.first.textChanged.connect(self._update)
        self.second.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        strength = estimate(self.first.text())
        self.meter.setValue(strength.score if self.first.text() else 0)
        self.meter.setProperty("score", strength.score)
        self.meter.style().unpolish(self.meter)
        self.meter.style().polish(self.meter)
        self.hint.setText(f"<b>{strength.label}.</b> {strength.hint}" if self.first.text() else strength.hint)
        if self.second.text() and self.second.text() != self.first.text():
            self.match.setText("The two passphrases differ.")
        elif self.second.text():
            self.match.setText("They match.")
        else:
            self.match.setText("")
        self.changed.emit()

    def passphrase(self) -> str:
        return self.first.text()

    def is_acceptable(self) -> bool:
        text = self.first.text()
        return bool(text) and text == self.second.text() and estimate(text).score >= MIN_SCORE

    def clear(self) -> None:
        self.first.clear()
        self.second.clear()
