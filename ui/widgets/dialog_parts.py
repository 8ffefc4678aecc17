"""Pieces the small editing dialogs (promotions, incoming stock, suppliers) are built from."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QPushButton, QTableWidget


def hint_label(text: str) -> QLabel:
    """The grey explanation at the top of a dialog."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setObjectName("hintText")
    return label


def error_label() -> QLabel:
    """Where a refused change says why (the message names the field)."""
    label = QLabel()
    label.setObjectName("errorText")
    label.setWordWrap(True)
    return label


def list_table(columns: Sequence[str], min_height: int = 150) -> QTableWidget:
    """A read-only table of rows to pick one from."""
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().setVisible(False)
    table.setMinimumHeight(min_height)
    return table


def fit_text(*buttons: QPushButton) -> None:
    """Room for each button's text: the default button's bold look was cut off at its plain width."""
    for button in buttons:
        button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 48)
