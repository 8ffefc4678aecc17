"""Later runs: unlock the last shop; "Forgot passphrase?" leads to the recovery-code path.

Every store failure gets its own way out: a wrong passphrase just asks again; a missing or
damaged key file switches to the recovery code; a damaged database offers the latest backup
(the damaged file is kept aside, encrypted); a shop from a newer version is left untouched.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from merchant_ai.store import Store
from ui import shop_tasks
from ui.context import AppContext
from ui.widgets.passphrase_pair import PassphrasePair


class UnlockDialog(QDialog):
    """After `exec()` returns Accepted, `store` is open; `message` may hold a note (backup restored)."""

    def __init__(self, ctx: AppContext, folder: str | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.folder = str(folder)
        self.store: Store | None = None
        self.message = ""
        self.error_kind = ""
        self.setWindowTitle("Unlock your shop — Merchant AI")
        self.setMinimumWidth(520)

        root = QVBoxLayout(self)
        root.setContentsMargins(24, 20, 24, 20)
        self.heading = QLabel("Unlock your shop")
        self.heading.setObjectName("dialogHeading")
        self.where = QLabel()
        self.where.setObjectName("hintText")
        self.where.setWordWrap(True)
        root.addWidget(self.heading)
        root.addWidget(self.where)
        self.pages = QStackedWidget()
        root.addWidget(self.pages)

        # page 0: passphrase
        unlock_page = QWidget()
        form = QFormLayout(unlock_page)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.returnPressed.connect(self.unlock)
        form.addRow("Passphrase", self.passphrase)
        links = QHBoxLayout()
        self.forgot_button = QPushButton("Forgot passphrase?")
        self.forgot_button.setObjectName("linkButton")
        self.forgot_button.clicked.connect(lambda: self.show_recovery())
        self.other_button = QPushButton("Open another shop…")
        self.other_button.setObjectName("linkButton")
        self.other_button.clicked.connect(self._choose_folder)
        links.addWidget(self.forgot_button)
        links.addStretch(1)
        links.addWidget(self.other_button)
        form.addRow("", _wrap(links))
        self.pages.addWidget(unlock_page)

        # page 1: recovery code + new passphrase
        recover_page = QWidget()
        rlayout = QVBoxLayout(recover_page)
        rlayout.setContentsMargins(0, 0, 0, 0)
        intro = QLabel("Type the recovery code you saved when the shop was created, then choose a new "
                       "passphrase. Your data stays as it is.")
        intro.setWordWrap(True)
        rform = QFormLayout()
        self.code = QLineEdit()
        self.code.setPlaceholderText("XXXX-XXXX-XXXX-…")
        rform.addRow("Recovery code", self.code)
        self.new_pair = PassphrasePair("New passphrase")
        self.back_button = QPushButton("Back to passphrase")
        self.back_button.setObjectName("linkButton")
        self.back_button.clicked.connect(lambda: self._set_page(0))
        rlayout.addWidget(intro)
        rlayout.addLayout(rform)
        rlayout.addWidget(self.new_pair)
        rlayout.addWidget(self.back_button)
        self.pages.addWidget(recover_page)

        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(6)
        self.busy.setTextVisible(False)
        self.busy.hide()
        root.addWidget(self.error)
        root.addWidget(self.busy)

        buttons = QHBoxLayout()
        self.restore_button = QPushButton("Restore latest backup")
        self.restore_button.clicked.connect(self.restore_latest)
        self.restore_button.hide()
        self.cancel_button = QPushButton("Quit" if parent is None else "Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button = QPushButton("Unlock")
        self.ok_button.setObjectName("primaryButton")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self._ok)
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok_button)
        root.addLayout(buttons)
        self.code.textChanged.connect(self._update_ok)
        self.new_pair.changed.connect(self._update_ok)
        self._set_folder(self.folder)
        self._set_page(0)

    # --- navigation ------------------------------------------------------------------------------
    def _set_folder(self, folder: str) -> None:
        self.folder = folder
        self.where.setText(f"Shop folder: {folder}")

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Open a shop folder", self.folder)
        if not chosen:
            return
        if not shop_tasks.is_shop_folder(chosen):
            self._show_error("missing", "There is no Merchant AI shop in that folder.")
            return
        self._set_folder(chosen)
        self._show_error("", "")

    def _set_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.heading.setText("Unlock your shop" if index == 0 else "Recover with your recovery code")
        self.ok_button.setText("Unlock" if index == 0 else "Recover and unlock")
        (self.passphrase if index == 0 else self.code).setFocus()
        self._update_ok()

    def show_recovery(self, message: str = "") -> None:
        self._set_page(1)
        self._show_error("key_damaged" if message else "", message)

    def _update_ok(self) -> None:
        if self.pages.currentIndex() == 1:
            self.ok_button.setEnabled(bool(self.code.text().strip()) and self.new_pair.is_acceptable()
                                      and not self.busy.isVisible())
        else:
            self.ok_button.setEnabled(not self.busy.isVisible())

    def _ok(self) -> None:
        if self.pages.currentIndex() == 0:
            self.unlock()
        else:
            self.recover()

    # --- jobs ------------------------------------------------------------------------------------
    def _start(self, fn, *args) -> None:
        self._show_error("", "")
        self.busy.show()
        self.pages.setEnabled(False)
        self._update_ok()
        self.ctx.runner.submit("unlock", fn, *args, on_done=self._finished,
                               on_error=lambda message, _tb: self._finished(
                                   shop_tasks.Unlocked(None, "other", message)))

    def unlock(self) -> None:
        if self.busy.isVisible():
            return
        self._start(shop_tasks.open_shop, self.folder, self.passphrase.text())

    def recover(self) -> None:
        self._start(shop_tasks.recover_shop, self.folder, self.code.text(), self.new_pair.passphrase())

    def restore_latest(self) -> None:
        self._start(shop_tasks.restore_latest_backup, self.folder, self.passphrase.text())

    def _finished(self, result: shop_tasks.Unlocked) -> None:
        self.busy.hide()
        self.pages.setEnabled(True)
        self._update_ok()
        if result.store is not None:
            self.store = result.store
            self.message = result.message
            self.accept()
            return
        if result.error_kind == "key_damaged":
            self.show_recovery(result.message)
            return
        self._show_error(result.error_kind, result.message)
        if result.error_kind == "wrong_passphrase":
            self.passphrase.selectAll()
            self.passphrase.setFocus()

    def _show_error(self, kind: str, message: str) -> None:
        self.error_kind = kind
        self.error.setText(message)
        self.restore_button.setVisible(kind == "damaged" and self.pages.currentIndex() == 0)


def _wrap(layout) -> QWidget:
    holder = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    holder.setLayout(layout)
    return holder
