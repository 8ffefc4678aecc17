"""CSV export of what a table shows, safe to open in Excel/LibreOffice/Sheets.

Spreadsheets execute cells starting with = + - @ (and tab/CR) as formulas; product titles and
customer fields come from marketplaces, i.e. from strangers. Such text cells get a leading
apostrophe (OWASP's advice). Real numbers, including negative ones, are written as numbers.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Sequence
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def safe_cell(value: Any) -> str:
    """One cell as text, neutralised if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, (int, bool)) or hasattr(value, "dtype"):
        return str(value)
    text = str(value)
    if text.startswith(_FORMULA_START) and not _is_number_text(text.strip()):
        return "'" + text
    return text


def write_csv(path: str | os.PathLike, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write UTF-8 with BOM (so Excel detects the encoding); returns the number of data rows."""
    count = 0
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow([safe_cell(h) for h in headers])
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
            count += 1
    return count


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
