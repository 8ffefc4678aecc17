"""A translucent panel over a tab while its job runs: message, progress bar, Cancel."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QFrame, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from ui.jobs import Job


def show_fraction(bar: QProgressBar, fraction: float | None) -> None:
    """A job's progress on a bar: None (or the signal's -1) means "busy, amount unknown"."""
    if fraction is None or fraction < 0:
        bar.setRange(0, 0)
    else:
        bar.setRange(0, 1000)
        bar.setValue(int(fraction * 1000))


class BusyOverlay(QWidget):
    """Covers its parent and follows its size; bound to one Job at a time via `track(job)`."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("busyOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        card = QFrame(self)
        card.setObjectName("busyCard")
        card.setFixedWidth(360)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(20, 16, 20, 16)
        self.label = QLabel("Working…")
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._cancel)
        inner.addWidget(self.label)
        inner.addWidget(self.bar)
        inner.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignRight)
        outer.addWidget(card)
        self._job: Job | None = None
        parent.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def track(self, job: Job, message: str = "Working…", cancellable: bool = True) -> None:
        """Show for `job` until it finishes; a newer job simply takes over the overlay."""
        self._job = job
        self.label.setText(message)
        self.bar.setRange(0, 0)  # busy until the first progress report
        self.cancel_button.setEnabled(cancellable)
        self.cancel_button.setVisible(cancellable)
        job.progressed.connect(lambda f, m, j=job: self._progress(j, f, m))
        job.finished.connect(lambda j=job: self._finished(j))
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()

    def _progress(self, job: Job, fraction: float, message: str) -> None:
        if job is not self._job:
            return
        show_fraction(self.bar, fraction)
        if message:
            self.label.setText(message)

    def _finished(self, job: Job) -> None:
        if job is self._job:
            self._job = None
            self.hide()

    def _cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self.label.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    @property
    def job(self) -> Job | None:
        return self._job
