"""`BaseTab`: what every tab of the main window shares.

A tab subclass sets `title`, builds its widgets in `__init__` (then calls `self.set_content(w)`),
and overrides `reload()` to submit its work; it never queries the store itself:

    class StockTab(BaseTab):
        title = "Stock"

        def __init__(self, ctx):
            super().__init__(ctx)
            self.table = QTableView()
            self.set_content(self.table)

        def reload(self):
            if self.ctx.store is None:
                return self.show_empty("No shop open", NOT_AVAILABLE_TEXT)
            self.run_job("policy", compute_policy, self.ctx.settings, on_done=self.show_policy,
                         message="Computing reorder points…")

* `refresh()` is the entry point others call (first show, `data_changed`, `store_changed`,
  `settings_changed`): debounced, never blocks, and deferred while the tab is hidden.
* `run_job(...)` = `ctx.runner.submit` with the kind namespaced by the tab, a busy overlay with a
  Cancel button bound to the job, and errors shown in the tab's own banner.
* `show_empty(headline, text)` / `show_content()` switch between the content and an honest empty state.
* `export_csv(model_or_headers_rows)` asks for a path and writes a formula-injection-safe CSV.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.context import AppContext
from ui.csv_export import model_rows, write_csv
from ui.jobs import Job
from ui.widgets.busy_overlay import BusyOverlay
from ui.widgets.empty_state import NO_DATA_TEXT, NOT_AVAILABLE_TEXT, NOT_BUILT_TEXT, EmptyState

__all__ = ["NOT_AVAILABLE_TEXT", "NOT_BUILT_TEXT", "NO_DATA_TEXT", "BaseTab", "EmptyState"]

REFRESH_DEBOUNCE_MS = 150


class ErrorBanner(QWidget):
    """A dismissable red strip with the message; the traceback sits behind "Details"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setObjectName("errorText")
        self.details_button = QPushButton("Details")
        self.details_button.setObjectName("flatButton")
        self.details_button.clicked.connect(self._details)
        close = QPushButton("✕")
        close.setObjectName("flatButton")
        close.setFixedWidth(28)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.details_button)
        layout.addWidget(close)
        self._trace = ""
        self.hide()

    def show_error(self, message: str, trace: str = "") -> None:
        self.label.setText(message)
        self._trace = trace
        self.details_button.setVisible(bool(trace))
        self.show()

    def _details(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning, "Error details", self.label.text(), parent=self)
        box.setDetailedText(self._trace)
        box.exec()


class BaseTab(QWidget):
    """Base of every main-window tab (see the module docstring for the contract)."""

    title: str = "Tab"
    refreshed = Signal()   # emitted each time `reload()` has been called (tests wait on it)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._dirty = True
        self._shown_once = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DEBOUNCE_MS)
        self._timer.timeout.connect(self._do_refresh)

        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        self.error_banner = ErrorBanner(self)
        root.addWidget(self.error_banner)
        self._stack = QStackedWidget(self)
        root.addWidget(self._stack, 1)
        self._content: QWidget | None = None
        self.empty_state = EmptyState("Nothing here yet", NO_DATA_TEXT)
        self._stack.addWidget(self.empty_state)
        self.overlay = BusyOverlay(self)

        ctx.data_changed.connect(self.refresh)
        ctx.store_changed.connect(self.refresh)
        ctx.settings_changed.connect(self.refresh)

    # --- content / empty state ----------------------------------------------------------------
    def set_content(self, widget: QWidget) -> None:
        """The tab's main widget, shown unless `show_empty` is active."""
        if self._content is not None:
            self._stack.removeWidget(self._content)
        self._content = widget
        self._stack.addWidget(widget)
        self._stack.setCurrentWidget(widget)

    def show_content(self) -> None:
        if self._content is not None:
            self._stack.setCurrentWidget(self._content)

    def show_empty(self, headline: str = "No data yet", text: str = NO_DATA_TEXT) -> None:
        self.empty_state.set_text(headline, text)
        self._stack.setCurrentWidget(self.empty_state)

    def is_showing_empty(self) -> bool:
        return self._stack.currentWidget() is self.empty_state

    # --- refresh --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Ask for a reload: debounced; deferred until the tab is visible. Never blocks."""
        self._dirty = True
        if self.isVisible():
            self._timer.start()

    def reload(self) -> None:
        """Override: submit the tab's jobs (via `run_job`) and return at once."""

    def _do_refresh(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self.error_banner.hide()
        self.reload()
        self.refreshed.emit()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self._dirty or not self._shown_once:
            self._shown_once = True
            self._dirty = True
            self._timer.start()

    # --- jobs ------------------------------------------------------------------------------------
    def run_job(self, kind: str, fn: Callable[..., Any], *args: Any,
                on_done: Callable[[Any], None] | None = None,
                on_error: Callable[[str, str], None] | None = None,
                on_progress: Callable[[float | None, str], None] | None = None,
                message: str = "Working…", overlay: bool = True, cancellable: bool = True,
                **kwargs: Any) -> Job:
        """Submit `fn(ctx, *args, **kwargs)` as `<TabClass>.<kind>`, with overlay and error banner."""
        job = self.ctx.runner.submit(f"{type(self).__name__}.{kind}", fn, *args, on_done=on_done,
                                     on_error=on_error or self.show_error, on_progress=on_progress,
                                     **kwargs)
        if overlay and not job.is_finished():
            self.overlay.track(job, message, cancellable)
        return job

    def show_error(self, message: str, trace: str = "") -> None:
        self.error_banner.show_error(message, trace)

    # --- export ------------------------------------------------------------------------------------
    def export_csv(self, source: QAbstractItemModel | tuple[Sequence[str], Iterable[Sequence[Any]]],
                   suggested_name: str = "export.csv", path: str | None = None) -> str | None:
        """Write what a table shows to CSV (formula-safe); asks for a path unless given one."""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export to CSV", suggested_name, "CSV files (*.csv)")
            if not path:
                return None
        headers, rows = model_rows(source) if isinstance(source, QAbstractItemModel) else source
        try:
            write_csv(path, headers, rows)
        except OSError as exc:
            self.show_error(f"Could not write {path}: {exc.strerror or exc}")
            return None
        return path
