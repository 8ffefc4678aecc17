"""The one CSV formula-injection guard: what is neutralised, what stays a number, missing values."""

from __future__ import annotations

import csv
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from merchant_ai.csv_safe import csv_text, safe_cell, write_csv


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"),
    ("\tcmd", "'\tcmd"),
    ("-2+3", "'-2+3"),
    ("-2.5", "-2.5"),
    (np.float64(1.5), "1.5"),
    (np.int64(-4), "-4"),
    (pd.NA, ""),
    (pd.NaT, ""),
    (np.nan, ""),
    (dt.date(2026, 1, 5), "2026-01-05"),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_safe_cell_is_idempotent():
    once = safe_cell("@SUM(A1)")
    assert safe_cell(once) == once == "'@SUM(A1)"


def test_csv_text_and_file_guard_headers_and_cells(tmp_path):
    rows = [["=cmd|' /C calc'!A0", -3, None]]
    text = csv_text(["=h", "n", "empty"], rows, lineterminator="\n")
    assert text.splitlines() == ["'=h,n,empty", "'=cmd|' /C calc'!A0,-3,"]
    path = tmp_path / "x.csv"
    assert write_csv(path, ["=h", "n", "empty"], rows) == 1
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig") as fh:
        assert list(csv.reader(fh))[1] == ["'=cmd|' /C calc'!A0", "-3", ""]
