"""Change the passphrase: checks the current one, then rewraps the data key (instant, no re-encryption)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ui import shop_tasks
from ui.context import AppContext
from ui.widgets.passphrase_pair import PassphrasePair


class ChangePassphraseDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Change passphrase — Merchant AI")
        self.setMinimumWidth(480)
        root = QVBoxLayout(self)
        form = QFormLayout()
        self.current = QLineEdit()
        self.current.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Current passphrase", self.current)
        root.addLayout(form)
        self.pair = PassphrasePair("New passphrase")
        root.addWidget(self.pair)
        note = QLabel("Your recovery code stays the same.")
        note.setObjectName("hintText")
        root.addWidget(note)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        root.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Change passphrase")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        root.addWidget(self.buttons)
        self.pair.changed.connect(self._update)
        self.current.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            bool(self.current.text()) and self.pair.is_acceptable())

    def save(self) -> None:
        self.buttons.setEnabled(False)
        self.error.setText("Checking…")
        self.ctx.runner.submit("change_passphrase", shop_tasks.change_passphrase, self.current.text(),
                               self.pair.passphrase(), on_done=lambda _r: self.accept(),
                               on_error=self._failed)

    def _failed(self, message: str, _trace: str) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(message if "passphrase" not in message.lower()
                           else "The current passphrase is wrong. Nothing was changed.")
