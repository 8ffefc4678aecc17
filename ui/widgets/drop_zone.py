"""The Import tab's drop target: a dashed panel that takes files dragged from the desktop."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout


def local_files(event) -> list[str]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]


class DropZone(QFrame):
    """Emits `files_dropped(paths)` for dropped files and for files picked with the button."""

    files_dropped = Signal(list)
    pick_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setMinimumHeight(96)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 14, 24, 14)
        text = QVBoxLayout()
        title = QLabel("Drop your export files (or a folder of them) here")
        title.setObjectName("sectionHeading")
        hint = QLabel("Shopify, Etsy, Amazon, eBay and WooCommerce exports, or any CSV, TSV or Excel file "
                      "with dates and amounts. Nothing is imported until you press Import.")
        hint.setObjectName("hintText")
        hint.setWordWrap(True)
        text.addWidget(title)
        text.addWidget(hint)
        self.pick_button = QPushButton("Choose files…")
        self.pick_button.setObjectName("primaryButton")
        self.pick_button.clicked.connect(self.pick_requested)
        layout.addLayout(text, 1)
        layout.addWidget(self.pick_button, 0, Qt.AlignmentFlag.AlignVCenter)

    def _set_dragging(self, on: bool) -> None:
        self.setProperty("dragging", on)
        self.style().unpolish(self)
        self.style().polish(self)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if local_files(event):
            event.acceptProposedAction()
            self._set_dragging(True)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802 - Qt API
        self._set_dragging(False)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        self._set_dragging(False)
        files = local_files(event)
        if files:
            event.acceptProposedAction()
            self.files_dropped.emit(files)
