"""CSV export of what a table shows, safe to open in Excel/LibreOffice/Sheets.

The formula-injection guard and the writer live in the core (`merchant_ai.csv_safe`) so the CLI's
exports and the window's are neutralised the same way; this module adds reading a Qt model.
"""

from __future__ import annotations

from typing import Any

from merchant_ai.csv_safe import safe_cell, write_csv

__all__ = ["model_rows", "safe_cell", "write_csv"]


def model_rows(model) -> tuple[list[str], list[list[Any]]]:
    """Headers and display values of a Qt table model (all rows it currently holds)."""
    from PySide6.QtCore import Qt

    cols = model.columnCount()
    headers = [str(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
               for c in range(cols)]
    rows = []
    for r in range(model.rowCount()):
        rows.append([model.data(model.index(r, c), Qt.ItemDataRole.DisplayRole) for c in range(cols)])
    return headers, rows
