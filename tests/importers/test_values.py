"""Value parsers: every money, date and escape form of FORMATS.md, and the failure masks."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from merchant_ai.importers.table import Table
from merchant_ai.importers.values import (
    clean_text,
    parse_bool,
    parse_datetimes,
    parse_money,
    parse_number,
    repair_mojibake,
    split_list,
    strip_escape,
)


def _vals(parsed) -> list:
    return [None if (isinstance(v, float) and math.isnan(v)) else v for v in parsed.values.tolist()]


def test_money_forms() -> None:
    cells = ["$12.34", "£1,234.50", "USD 5", "(3.00)", "-0", "--", "", "70", "-0.3", "3.3", "C $5.00", "'-1"]
    p = parse_money(pd.Series(cells))
    assert _vals(p) == [12.34, 1234.5, 5.0, -3.0, 0.0, None, None, 70.0, -0.3, 3.3, 5.0, -1.0]
    assert not p.failed.any()
    assert p.currency.tolist()[:3] == ["USD", "GBP", "USD"]
    assert p.currency.tolist()[10] == "CAD"


def test_money_decimal_comma_column() -> None:
    p = parse_money(pd.Series(["12,50", "1.234,56", "3,3", "7"]))
    assert _vals(p) == [12.5, 1234.56, 3.3, 7.0]
    p = parse_money(pd.Series(["12,50 €", "1 234,00 €"]))
    assert _vals(p) == [12.5, 1234.0]


def test_money_failures_are_masked_and_reported() -> None:
    table = Table.from_rows(["Total"], [["10.00"], ["ten"], [""], ["5"]])
    p = parse_money(table.col("Total"))
    assert p.failed.tolist() == [False, True, False, False]
    problems = p.problems(table, "Total")
    assert len(problems) == 1 and problems[0].line == 3 and problems[0].value == "ten"
    assert "line 3" in str(problems[0]) and "Total" in str(problems[0])


def test_numbers_and_quantities() -> None:
    p = parse_number(pd.Series(["6", "-2", "1,234", "not stocked", "", "'-11", "2.5"]))
    assert _vals(p) == [6.0, -2.0, 1234.0, None, None, -11.0, 2.5]
    assert p.failed.tolist() == [False, False, False, True, False, False, False]


@pytest.mark.parametrize(("text", "created_at", "utc", "day"), [
    ("2021-05-13 11:01:13 +0200", "2021-05-13T11:01:13+02:00", "2021-05-13 09:01:13", "2021-05-13"),
    ("2021-11-01 23:30:00 -0500", "2021-11-01T23:30:00-05:00", "2021-11-02 04:30:00", "2021-11-01"),
    ("2025-10-09T22:07:18+00:00", "2025-10-09T22:07:18+00:00", "2025-10-09 22:07:18", "2025-10-09"),
    ("2021-05-13T11:01:13Z", "2021-05-13T11:01:13+00:00", "2021-05-13 11:01:13", "2021-05-13"),
    ("12/31/22", "2022-12-31", "2022-12-31 00:00:00", "2022-12-31"),
    ("12/26/2021", "2021-12-26", "2021-12-26 00:00:00", "2021-12-26"),
    ("1/4/2024", "2024-01-04", "2024-01-04 00:00:00", "2024-01-04"),
    ("Sep-30-22", "2022-09-30", "2022-09-30 00:00:00", "2022-09-30"),
    ("Jun-24-2026", "2026-06-24", "2026-06-24 00:00:00", "2026-06-24"),
    ("Dec 5, 2022", "2022-12-05", "2022-12-05 00:00:00", "2022-12-05"),
    ("Nov-05-2022 00:00:00 AM PDT", "2022-11-05T00:00:00-07:00", "2022-11-05 07:00:00", "2022-11-05"),
    ("Dec-05-2022 23:59:59 PM PST", "2022-12-05T23:59:59-08:00", "2022-12-06 07:59:59", "2022-12-05"),
    ("13.05.2021", "2021-05-13", "2021-05-13 00:00:00", "2021-05-13"),
    ("2010-12-01 08:26:00", "2010-12-01T08:26:00", "2010-12-01 08:26:00", "2010-12-01"),
    ("12/1/2010 8:26", "2010-12-01T08:26:00", "2010-12-01 08:26:00", "2010-12-01"),
    ("2021年5月13日", "2021-05-13", "2021-05-13 00:00:00", "2021-05-13"),
    ("September 3, 2026", "2026-09-03", "2026-09-03 00:00:00", "2026-09-03"),
    ("Sept. 3, 2026", "2026-09-03", "2026-09-03 00:00:00", "2026-09-03"),
    ("3 September 2026 14:05", "2026-09-03T14:05:00", "2026-09-03 14:05:00", "2026-09-03"),
    ("12 Dezember 2025", "2025-12-12", "2025-12-12 00:00:00", "2025-12-12"),
    ("1 juillet 2025", "2025-07-01", "2025-07-01 00:00:00", "2025-07-01"),
    ("15 août 2025", "2025-08-15", "2025-08-15 00:00:00", "2025-08-15"),
    ("3 diciembre 2025", "2025-12-03", "2025-12-03 00:00:00", "2025-12-03"),
])
def test_date_forms(text: str, created_at: str, utc: str, day: str) -> None:
    p = parse_datetimes(pd.Series([text]))
    assert (p.created_at[0], p.created_utc[0], p.order_date[0]) == (created_at, utc, day)
    assert not p.failed.any()


def test_offsets_vary_per_row_and_bad_dates_fail() -> None:
    p = parse_datetimes(pd.Series(["2021-03-13 10:00:00 -0500", "2021-03-15 10:00:00 -0400", "2021-02-30",
                                   "soon", ""]))
    assert p.created_utc.tolist()[:2] == ["2021-03-13 15:00:00", "2021-03-15 14:00:00"]
    assert p.failed.tolist() == [False, False, True, True, False]


def test_unknown_month_word_fails() -> None:
    p = parse_datetimes(pd.Series(["Someday 3, 2026", "Septembers 3, 2026", "3 Sept 2026"]))
    assert p.failed.tolist() == [True, True, False]


def test_day_first_is_decided_by_the_column() -> None:
    p = parse_datetimes(pd.Series(["31/12/2021", "01/02/2021"]))
    assert p.order_date.tolist() == ["2021-12-31", "2021-02-01"]
    p = parse_datetimes(pd.Series(["01/02/2021"]), day_first=True)
    assert p.order_date.tolist() == ["2021-02-01"]


def test_escape_only_where_it_is_the_escape() -> None:
    got = strip_escape(pd.Series(["'4001", "'-1", "'+61 488 589 292", "'=SUM(A1)", "'80s style", "'Tis", "it's",
                                  "'0850064060010"]))
    assert got.tolist() == ["4001", "-1", "+61 488 589 292", "=SUM(A1)", "'80s style", "'Tis", "it's",
                            "0850064060010"]


def test_mojibake_repaired_only_when_certain() -> None:
    got = repair_mojibake(pd.Series(["MontrÃ©al", "XuÃ¢n HÃ\xa0", "Ãlvaro", "Muñoz", "Ã¢Â€Â“"]))
    assert got.tolist() == ["Montréal", "Xuân Hà", "Ãlvaro", "Muñoz", "–"]
    assert clean_text(pd.Series(["  MontrÃ©al  "])).tolist() == ["Montréal"]


def test_lists_and_booleans() -> None:
    assert split_list(r"Red\, dark, Blue , ") == ["Red, dark", "Blue"]
    assert split_list("") == []
    p = parse_bool(pd.Series(["TRUE", "false", "yes", "no", "1", "0", "maybe", ""]))
    assert p.values.tolist()[:6] == [True, False, True, False, True, False]
    assert p.failed.tolist() == [False] * 6 + [True, False]


def test_table_column_helpers_live_in_values() -> None:
    """money_columns/quantities are shared by the platform parsers (moved from etsy.py)."""
    from merchant_ai.importers.values import MAX_AMOUNT, money_columns, quantities

    t = Table.from_rows(["a", "b", "q"], [["$1,234.50", "2,5", "3"], ["1e300", "x", "1e12"], ["", "", ""]])
    money = money_columns(t, ["a", "b"])
    assert money["a"].values.iloc[0] == 1234.5 and money["b"].values.iloc[0] == 2.5
    assert money["a"].failed.tolist() == [False, True, False]          # absurd size is a failure
    assert math.isnan(money["a"].values.iloc[1]) and 1e300 > MAX_AMOUNT
    assert money["b"].failed.tolist() == [False, True, False]
    qty = quantities(t, "q")
    assert qty.values.iloc[0] == 3 and qty.failed.tolist() == [False, True, False]
