"""Restore a backup: pick one of the shop's encrypted backups; the current state is backed up first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from ui import shop_tasks
from ui.context import AppContext


def describe_backup(path: str, size: int) -> str:
    """'28 Nov 2026 05:12 — manual (2.4 MB)' from 'shop-20261128-051200-123456-manual.db'."""
    name = Path(path).stem
    parts = name.split("-", 4)
    when = ""
    if len(parts) >= 4:
        try:
            when = dt.datetime.strptime(parts[1] + parts[2], "%Y%m%d%H%M%S").strftime("%d %b %Y %H:%M")
        except ValueError:
            when = ""
    reason = parts[4] if len(parts) == 5 else ""
    return f"{when or name} — {reason or 'backup'} ({size / 1e6:.1f} MB)"


class RestoreBackupDialog(QDialog):
    """Lists backups in a job; restoring cancels running jobs first and emits data_changed."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Restore a backup — Merchant AI")
        self.setMinimumSize(520, 360)
        root = QVBoxLayout(self)
        intro = QLabel("Choose a backup to go back to. Your shop as it is now is backed up first, so a "
                       "restore can itself be undone.")
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.status = QLabel("Loading backups…")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Restore")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.buttons.accepted.connect(self.restore)
        self.buttons.rejected.connect(self.reject)
        self.list.currentRowChanged.connect(
            lambda row: self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(row >= 0))
        for w in (intro, self.list, self.status, self.buttons):
            root.addWidget(w)
        ctx.runner.submit("backups.list", shop_tasks.list_backups, on_done=self._listed,
                          on_error=lambda m, _t: self.status.setText(m))

    def _listed(self, backups: list[tuple[str, int]]) -> None:
        self.list.clear()
        for path, size in backups:
            item = QListWidgetItem(describe_backup(path, size))
            item.setData(Qt.ItemDataRole.UserRole, path)
            self.list.addItem(item)
        self.status.setText("" if backups else "This shop has no backups yet. One is made before every import.")

    def restore(self, confirm: bool = True) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        if confirm and QMessageBox.question(
                self, "Restore this backup?",
                f"Go back to the backup of {item.text()}? Imports made since then will be gone "
                "(the current state is backed up first).") != QMessageBox.StandardButton.Yes:
            return
        self.ctx.runner.cancel_all()
        self.ctx.runner.wait_all(10.0)
        self.buttons.setEnabled(False)
        self.status.setText("Restoring…")
        self.ctx.runner.submit("backups.restore", shop_tasks.restore_backup,
                               item.data(Qt.ItemDataRole.UserRole), on_done=self._restored,
                               on_error=self._failed)

    def _restored(self, _path: str) -> None:
        self.ctx.notify_data_changed()
        self.accept()

    def _failed(self, message: str, _trace: str) -> None:
        self.buttons.setEnabled(True)
        self.status.setText(f"The restore failed: {message}")
