"""First run: create a shop, open the demo shop, or open an existing shop folder."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QDialog, QFileDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from ui import shop_tasks
from ui.resources import icon_path


class WelcomeDialog(QDialog):
    """`choice` is 'create', 'demo' or 'open' after Accepted; `folder` is set for 'open'."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome — Merchant AI")
        self.setMinimumWidth(520)
        self.choice = ""
        self.folder = ""
        root = QVBoxLayout(self)
        root.setContentsMargins(32, 28, 32, 28)
        root.setSpacing(10)
        logo = QLabel()
        logo.setPixmap(QIcon(str(icon_path())).pixmap(72, 72))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("Welcome to Merchant AI")
        title.setObjectName("welcomeTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        blurb = QLabel("Forecasts, stock alerts, margins and customer insight for your online shop — "
                       "from the exports your marketplaces already give you. Everything stays on this "
                       "computer, encrypted.")
        blurb.setWordWrap(True)
        blurb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        blurb.setObjectName("hintText")
        root.addWidget(logo)
        root.addWidget(title)
        root.addWidget(blurb)
        root.addSpacing(14)
        self.create_button = self._choice_button(
            "Create a shop", "Start with your own data: you will import your exports next.", "create", True)
        self.demo_button = self._choice_button(
            "Open the demo shop", f"Two years of a made-up shop to explore. Its passphrase is "
            f"“{shop_tasks.DEMO_PASSPHRASE}”.", "demo")
        self.open_button = self._choice_button(
            "Open an existing shop…", "A shop folder made earlier on this or another computer.", "open")
        for button in (self.create_button, self.demo_button, self.open_button):
            root.addWidget(button)

    def _choice_button(self, title: str, text: str, choice: str, primary: bool = False) -> QPushButton:
        button = QPushButton(f"{title}\n{text}")
        button.setObjectName("choiceButtonPrimary" if primary else "choiceButton")
        button.setMinimumHeight(64)
        button.clicked.connect(lambda: self._choose(choice))
        return button

    def _choose(self, choice: str) -> None:
        if choice == "open":
            folder = QFileDialog.getExistingDirectory(self, "Open a shop folder")
            if not folder:
                return
            self.folder = folder
        self.choice = choice
        self.accept()
