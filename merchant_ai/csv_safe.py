"""CSV files safe to open in Excel, LibreOffice or Google Sheets: the one formula-injection guard.

Spreadsheets evaluate a cell that starts with = + - @ (or a tab/carriage return) as a formula.
Product titles, customer names and e-mail addresses come from marketplaces, i.e. from strangers,
so `=HYPERLINK(...)` planted in an order could run in the owner's spreadsheet. Such text cells get a
leading apostrophe (OWASP's advice). Real numbers, negative ones included, stay numbers. Every CSV
the app or the CLI writes (purchase orders, segment exports, table exports) goes through here.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_missing(value: object) -> bool:
    """None, NaN, NaT and pandas' NA (whose comparisons raise) are all empty cells."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return True


def _is_number_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def safe_cell(value: object) -> str:
    """One cell as text, neutralised if a spreadsheet would read it as a formula. Idempotent."""
    if _is_missing(value):
        return ""
    if isinstance(value, float):
        return repr(float(value))  # numpy 2 floats repr as "np.float64(...)"
    if isinstance(value, (int, bool)) or hasattr(value, "dtype"):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_START) and not _is_number_text(text.strip()):
        return "'" + text
    return text


def csv_text(headers: Sequence[object], rows: Iterable[Sequence[object]], lineterminator: str = "\r\n") -> str:
    """The whole file as text, every cell (headers included) passed through `safe_cell`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=lineterminator)
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buf.getvalue()


def write_csv(path: str | os.PathLike, headers: Sequence[object], rows: Iterable[Sequence[object]]) -> int:
    """Write UTF-8 with BOM (so Excel detects the encoding); returns the number of data rows."""
    count = 0
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow([safe_cell(h) for h in headers])
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
            count += 1
    return count
