"""The shape of the small editing dialogs: a list of stored rows, a form, changes made through jobs.

Promotions, incoming stock and suppliers each list what is stored, change it through a job (never
SQL on the GUI thread), list it again, and show a refused change's reason in the dialog. A change
bumps the data version; closing the dialog after one tells every tab to recompute.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ui.context import AppContext
from ui.widgets.dialog_parts import error_label, hint_label, list_table


class EditListDialog(QDialog):
    """Subclasses set `load_job` (a job returning what `loaded` shows) and build their form on `root`."""

    load_job: Callable[..., Any]

    def __init__(self, ctx: AppContext, title: str, hint: str, columns: Sequence[str], *, min_width: int,
                 table_height: int = 150, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.changed = False
        self.setWindowTitle(f"{title} — Merchant AI")
        self.setMinimumWidth(min_width)
        self.root = QVBoxLayout(self)
        self.root.addWidget(hint_label(hint))
        self.table = list_table(columns, table_height)
        self.root.addWidget(self.table, 1)
        self.error = error_label()

    def finish(self, primary: QPushButton) -> None:
        """The last rows: the refusal message beside the form's main button, then Close; then load."""
        row = QHBoxLayout()
        row.addWidget(self.error, 1)
        row.addWidget(primary)
        self.root.addLayout(row)
        self.add_close_button()
        self.reload()

    def add_close_button(self) -> None:
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.root.addWidget(buttons)

    # --- jobs ----------------------------------------------------------------------------------------
    def reload(self) -> None:
        self.set_busy(True)
        self.ctx.runner.submit(f"{type(self).__name__}.load", type(self).load_job, on_done=self.loaded,
                               on_error=self.failed)

    def change(self, kind: str, fn: Callable[..., Any], *args: Any) -> None:
        """Run one change as a job; on success list again, on failure say why."""
        self.error.clear()
        self.set_busy(True)
        self.ctx.runner.submit(f"{type(self).__name__}.{kind}", fn, *args, on_done=self.changed_ok,
                               on_error=self.failed)

    def changed_ok(self, _result: Any = None) -> None:
        self.changed = True
        self.reload()

    def failed(self, message: str, _trace: str = "") -> None:
        self.error.setText(message)
        self.set_busy(False)

    # --- for subclasses ------------------------------------------------------------------------------
    def set_busy(self, busy: bool) -> None:
        """Enable the buttons that make sense when no job is running."""

    def loaded(self, data: Any) -> None:
        """Show what `load_job` returned."""
        self.set_busy(False)

    def done(self, result: int) -> None:
        if self.changed:
            self.ctx.notify_data_changed()   # forecasts, stock alerts, dashboard and report recompute
        super().done(result)
