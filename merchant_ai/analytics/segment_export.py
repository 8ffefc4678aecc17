"""Segment export as CSV in the layout e-mail tools import (Email, First Name, Last Name, Tags).

Written only when the owner asks (it is the one place contact data leaves the encrypted store, so
the caller names the file). Every text cell is made formula-safe: a cell that a spreadsheet would
evaluate (starting with = + - @, tab or carriage return) gets a leading apostrophe, so an e-mail
address like `=HYPERLINK(...)` planted in an order cannot run in the owner's spreadsheet. Numbers
written by us are left alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import pandas as pd

from merchant_ai.csv_safe import csv_text, safe_cell

HEADERS = ["Email", "First Name", "Last Name", "Tags", "Customer ID"]


def segment_rows(segments: pd.DataFrame, contacts: pd.DataFrame, only: Iterable[str] | None = None) -> list[list[str]]:
    """One row per customer with a known e-mail address; tags = RFM segment and cluster.

    `segments`: the segmenter's table (customer, rfm_segment, cluster); `contacts`: customer, email,
    first_name, last_name (customers without an address are skipped: the tools need one).
    """
    wanted = set(only) if only else None
    merged = segments.merge(contacts, on="customer", how="inner")
    rows = []
    for rec in merged.itertuples(index=False):
        if wanted is not None and rec.rfm_segment not in wanted:
            continue
        if not isinstance(rec.email, str) or not rec.email.strip():
            continue
        tags = f"{rec.rfm_segment},cluster-{rec.cluster}"
        rows.append([safe_cell(rec.email.strip()), safe_cell(rec.first_name), safe_cell(rec.last_name),
                     safe_cell(tags), safe_cell(rec.customer)])
    return rows


def to_csv_text(rows: list[list[str]]) -> str:
    """The export as CSV text (CRLF lines, as the e-mail tools' own exports use)."""
    return csv_text(HEADERS, rows)


def write_segment_csv(path: str | os.PathLike, rows: list[list[str]]) -> int:
    """Write the file the owner asked for (UTF-8 with BOM so Excel reads accents); returns rows written."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write(to_csv_text(rows))
    return len(rows)
