"""Open the demo shop, creating and filling it (in a job, with progress and Cancel) on first use."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from merchant_ai.store import Store
from ui import shop_tasks
from ui.context import AppContext
from ui.widgets.busy_overlay import show_fraction


class DemoShopDialog(QDialog):
    """Starts by itself when shown; Accepted with `store` set, even if the build was cancelled
    (then `note` says the demo shop is incomplete and can be rebuilt by opening it again)."""

    def __init__(self, ctx: AppContext, folder: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.folder = folder or str(shop_tasks.demo_shop_dir())
        self.store: Store | None = None
        self.note = ""
        self.setWindowTitle("Demo shop — Merchant AI")
        self.setMinimumWidth(500)
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 20, 24, 20)
        heading = QLabel("Opening the demo shop")
        heading.setObjectName("dialogHeading")
        about = QLabel(f"The demo shop is made-up data for exploring Merchant AI. It is stored, encrypted "
                       f"like any shop, in {self.folder} with the passphrase "
                       f"“{shop_tasks.DEMO_PASSPHRASE}”.")
        about.setWordWrap(True)
        about.setObjectName("hintText")
        self.status = QLabel("Unlocking…")
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        buttons = QHBoxLayout()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        for w in (heading, about, self.status, self.bar):
            root.addWidget(w)
        root.addLayout(buttons)
        self._job = None
        self._started = False

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not self._started:
            self._started = True
            QTimer.singleShot(0, self.start)

    def start(self) -> None:
        self._job = self.ctx.runner.submit("demo.open", shop_tasks.open_or_create_demo, self.folder,
                                           on_done=self._opened, on_error=self._failed)

    def _opened(self, result: tuple[shop_tasks.Unlocked, bool]) -> None:
        unlocked, needs_data = result
        if unlocked.store is None:
            self._failed(unlocked.message, "")
            return
        self.store = unlocked.store
        if not needs_data:
            self.accept()
            return
        if shop_tasks.demo_builder() is None:
            self.note = "The demo-shop generator is not part of this build yet: the demo shop is empty."
            self.accept()
            return
        self.ctx.runner.store = self.store
        self.status.setText("Building two years of demo data… (first time only)")
        self._job = self.ctx.runner.submit("demo.build", shop_tasks.build_demo_data, on_done=self._built,
                                           on_error=self._build_failed, on_progress=self._progress,
                                           on_cancelled=self._build_cancelled)

    def _progress(self, fraction: float | None, message: str) -> None:
        show_fraction(self.bar, fraction)
        if message:
            self.status.setText(message)

    def _built(self, _summary: dict) -> None:
        self.accept()

    def _build_failed(self, message: str, _trace: str) -> None:
        self.note = f"Building the demo data failed: {message}"
        self.accept()

    def _build_cancelled(self) -> None:
        self.note = "Building the demo data was cancelled; open the demo shop again to finish it."
        self.accept()

    def _failed(self, message: str, _trace: str) -> None:
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.status.setText(message)
        self.status.setObjectName("errorText")
        self.status.style().polish(self.status)
        self.cancel_button.setText("Close")
        self._job = None

    def _cancel(self) -> None:
        if self._job is not None and not self._job.is_finished():
            self._job.cancel()
            self.status.setText("Cancelling…")
            self.cancel_button.setEnabled(False)
        else:
            self.reject()

    def reject(self) -> None:
        if self._job is not None and not self._job.is_finished():
            self._cancel()  # wait for the job to stop; it accepts or fails by itself
            return
        super().reject()
