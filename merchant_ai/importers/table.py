"""A decoded, split file: what `reading.read_table` hands to the platform parsers.

All cells are text (str, '' for empty) so parsers decide types per column with the file's own
rules (money with symbols, decimal commas, `--` for empty...). `line_numbers[i]` is the
physical line in the file where data row i starts, for error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class Table:
    file_name: str
    header: list[str]
    rows: pd.DataFrame                  # columns == header (deduplicated), dtype object/str, '' for empty
    line_numbers: np.ndarray            # physical line of each row (1-based)
    encoding: str = "utf-8"
    delimiter: str = ","
    preamble: list[str] = field(default_factory=list)   # lines before the header, as text
    footer: list[str] = field(default_factory=list)     # trailing non-data lines (eBay footers)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_rows(cls, header: list[str], rows: list[list[str]], file_name: str = "test.csv",
                  first_line: int = 2) -> Table:
        """Build a table directly (tests, and formats split by other means)."""
        width = len(header)
        padded = [list(r[:width]) + [""] * (width - len(r)) for r in rows]
        frame = pd.DataFrame(padded, columns=header, dtype=object) if padded else pd.DataFrame(
            {h: pd.Series(dtype=object) for h in header})
        return cls(file_name=file_name, header=list(header), rows=frame,
                   line_numbers=np.arange(first_line, first_line + len(rows)))

    def col(self, name: str) -> pd.Series:
        """A column as stripped text ('' when the column is absent)."""
        if name in self.rows.columns:
            return self.rows[name].fillna("").astype(str).str.strip()
        return pd.Series([""] * len(self.rows), index=self.rows.index, dtype=object)

    def has(self, *names: str) -> bool:
        return all(n in self.rows.columns for n in names)
