"""A read-only table model over a list of dicts: previews, problem lists, import history."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Formatter = Callable[[Any], str]


def plain(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return str(value)


class RecordsModel(QAbstractTableModel):
    """Columns are (key, header) pairs; `formatters` turn a key's raw values into display text."""

    def __init__(self, columns: Sequence[tuple[str, str]] = (), parent=None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[dict] = []
        self.formatters: dict[str, Formatter] = {}
        self.header_tips: dict[str, str] = {}    # key -> what the column means, on hovering its header

    def set_records(self, rows: list[dict], columns: Sequence[tuple[str, str]] | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        if columns is not None:
            self._columns = list(columns)
        elif not self._columns and rows:
            self._columns = [(k, k) for k in rows[0]]
        self.endResetModel()

    def record(self, row: int) -> dict:
        return self._rows[row]

    @property
    def records(self) -> list[dict]:
        """The rows shown, in model order (subclasses that override `data` read them from here)."""
        return self._rows

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        key = self._columns[index.column()][0]
        value = self._rows[index.row()].get(key)
        if role == Qt.ItemDataRole.DisplayRole:
            return self.formatters.get(key, plain)(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, float)):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(value, str) and len(value) > 40:
            return value
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section][1]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.header_tips.get(self._columns[section][0])
        return None
