"""First run: "Create a shop" — folder and name, passphrase, then the recovery code (saved? tick it).

The shop is created (scrypt + schema, in a job) when the owner leaves the passphrase page; that
page is a commit page, so the recovery code page cannot be skipped or backed out of, and Finish
stays disabled until "I have saved it" is ticked.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from merchant_ai.store import Store, default_shop_dir
from ui import shop_tasks
from ui.context import AppContext
from ui.widgets.passphrase_pair import PassphrasePair


def suggested_folder() -> Path:
    """The default shop folder, or the first free `<default>-N` next to it if that one is taken."""
    base = default_shop_dir()
    if not shop_tasks.is_shop_folder(base) and not (base / "shop.key").exists():
        return base
    for n in range(2, 100):
        candidate = base.with_name(f"{base.name}-{n}")
        if not candidate.exists() or not any(candidate.iterdir()):
            return candidate
    return base


def recovery_html(shop_name: str, folder: str, code: str) -> str:
    """The printable sheet: what the code is for, in words someone finds in a drawer in 3 years."""
    return (
        "<h2>Merchant AI — recovery code</h2>"
        f"<p>Shop: <b>{_esc(shop_name)}</b><br>Folder: {_esc(folder)}</p>"
        f"<p style='font-family: monospace; font-size: 16pt; letter-spacing: 2px'>{_esc(code)}</p>"
        "<p>This code opens the shop if the passphrase is forgotten or the key file is lost. "
        "Anyone holding it and a copy of the shop folder can read the shop's data: keep it "
        "somewhere safe, away from the computer.</p>"
    )


def code_lines(code: str, per_line: int = 7) -> str:
    """The code in two even lines of groups, so it never wraps mid-group."""
    groups = code.split("-")
    return "\n".join("-".join(groups[i:i + per_line]) for i in range(0, len(groups), per_line))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ShopPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Create your shop")
        self.setSubTitle("Merchant AI keeps your shop's data in one encrypted folder on this computer.")
        form = QFormLayout(self)
        self.name = QLineEdit("My shop")
        self.folder = QLineEdit(str(suggested_folder()))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        holder = QWidget()
        holder.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        self.problem = QLabel()
        self.problem.setObjectName("errorText")
        self.problem.setWordWrap(True)
        note = QLabel("Nothing leaves this computer: no account, no cloud. Back up the folder like any "
                      "other important file (its contents are encrypted).")
        note.setWordWrap(True)
        note.setObjectName("hintText")
        form.addRow("Shop name", self.name)
        form.addRow("Folder", holder)
        form.addRow("", self.problem)
        form.addRow("", note)
        self.name.textChanged.connect(self.completeChanged)
        self.folder.textChanged.connect(self._check_folder)
        self._check_folder()

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Choose a folder for the shop", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def _check_folder(self) -> None:
        folder = self.folder.text().strip()
        if folder and (shop_tasks.is_shop_folder(folder) or (Path(folder) / "shop.key").exists()):
            self.problem.setText("That folder already holds a shop. Choose another folder, or open that "
                                 "shop from the unlock screen.")
        else:
            self.problem.setText("")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt API
        return bool(self.name.text().strip() and self.folder.text().strip() and not self.problem.text())


class PassphrasePage(QWizardPage):
    """Creates the shop in a job on Next; the wizard moves on by itself when the job is done."""

    def __init__(self, ctx: AppContext, shop_page: ShopPage) -> None:
        super().__init__()
        self.ctx = ctx
        self.shop_page = shop_page
        self.setTitle("Choose a passphrase")
        self.setSubTitle("You type it each time you open the shop. It never leaves this computer and "
                         "cannot be reset by anyone — the recovery code on the next page is the only "
                         "other way in.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Create shop")
        layout = QVBoxLayout(self)
        self.pair = PassphrasePair()
        self.pair.changed.connect(self.completeChanged)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.pair)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.store: Store | None = None
        self.recovery_code = ""
        self._running = False

    def isComplete(self) -> bool:  # noqa: N802 - Qt API
        return self.pair.is_acceptable() and not self._running

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        if self.store is not None:
            return True
        if self._running:
            return False
        self._running = True
        self.busy.show()
        self.status.setText("Creating your encrypted shop…")
        self.pair.setEnabled(False)
        self.completeChanged.emit()
        self.ctx.runner.submit("create_shop", shop_tasks.create_shop,
                               self.shop_page.folder.text().strip(), self.pair.passphrase(),
                               self.shop_page.name.text().strip(), on_done=self._created,
                               on_error=lambda message, _tb: self._failed(message))
        return False

    def _created(self, result: shop_tasks.Unlocked) -> None:
        if result.store is None:
            self._failed(result.message)
            return
        self.store = result.store
        self.recovery_code = result.recovery_code
        self._running = False
        self.busy.hide()
        self.status.setText("")
        self.wizard().next()

    def _failed(self, message: str) -> None:
        self._running = False
        self.busy.hide()
        self.pair.setEnabled(True)
        self.status.setText(message)
        self.status.setObjectName("errorText")
        self.completeChanged.emit()


class RecoveryPage(QWizardPage):
    def __init__(self, pass_page: PassphrasePage, shop_page: ShopPage) -> None:
        super().__init__()
        self.pass_page = pass_page
        self.shop_page = shop_page
        self.setTitle("Save your recovery code")
        self.setSubTitle("If you forget the passphrase, this code is the only way to open your shop. "
                         "Print it or write it down, and keep it away from this computer.")
        layout = QVBoxLayout(self)
        self.code = QLabel()
        self.code.setObjectName("recoveryCode")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setWordWrap(True)
        buttons = QHBoxLayout()
        self.copy_button = QPushButton("Copy")
        self.print_button = QPushButton("Print…")
        self.copy_button.clicked.connect(self.copy)
        self.print_button.clicked.connect(self.print_code)
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        self.saved = QCheckBox("I have saved the recovery code somewhere safe")
        self.saved.toggled.connect(self.completeChanged)
        warn = QLabel("It is shown only this once. Merchant AI cannot show it again later.")
        warn.setObjectName("hintText")
        warn.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(1)
        layout.addWidget(self.code)
        layout.addLayout(buttons)
        layout.addWidget(warn)
        layout.addSpacing(12)
        layout.addWidget(self.saved, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802 - Qt API
        self.code.setText(code_lines(self.pass_page.recovery_code))

    def isComplete(self) -> bool:  # noqa: N802 - Qt API
        return self.saved.isChecked()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.pass_page.recovery_code)
        self.copy_button.setText("Copied")

    def document(self) -> QTextDocument:
        doc = QTextDocument()
        doc.setHtml(recovery_html(self.shop_page.name.text(), self.shop_page.folder.text(),
                                  self.pass_page.recovery_code))
        return doc

    def print_code(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the recovery code")
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            self.document().print_(printer)


class CreateShopWizard(QWizard):
    """After `exec()` returns Accepted, `store` is the new, unlocked shop."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, folder: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Create a shop — Merchant AI")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setMinimumSize(620, 480)
        self.shop_page = ShopPage()
        if folder:
            self.shop_page.folder.setText(folder)
        self.pass_page = PassphrasePage(ctx, self.shop_page)
        self.recovery_page = RecoveryPage(self.pass_page, self.shop_page)
        self.addPage(self.shop_page)
        self.addPage(self.pass_page)
        self.addPage(self.recovery_page)

    @property
    def store(self) -> Store | None:
        return self.pass_page.store

    def reject(self) -> None:
        if self.store is not None and not self.recovery_page.saved.isChecked():
            # The shop exists already: leaving now would lose the only copy of the code on screen.
            self.recovery_page.saved.setFocus()
            return
        super().reject()
