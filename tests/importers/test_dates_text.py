"""parse_datetimes writes its texts with numpy (values._iso_text): the same texts pandas' strftime
wrote, including years outside the nanosecond range and invalid cells (None)."""

from __future__ import annotations

import pandas as pd

from merchant_ai.importers import values as v


def test_date_texts_match_strftime_for_every_form() -> None:
    cells = pd.Series(["2021-05-13T11:01:13+02:00", "2021-05-13 11:01:13", "13/05/2021", "2021-05-13",
                       "1600-01-01", "2300-12-31 23:59:59", "2022-02-30", "garbage", "", "5/6/2021 1:05 PM"],
                      dtype=object)
    parsed = v.parse_datetimes(cells)

    def texts(series: pd.Series) -> list:
        return [t if isinstance(t, str) else None for t in series]

    assert texts(parsed.created_at) == ["2021-05-13T11:01:13+02:00", "2021-05-13T11:01:13", "2021-05-13",
                                        "2021-05-13", "1600-01-01", "2300-12-31T23:59:59", None, None, None,
                                        "2021-06-05T13:05:00"]      # 13/05 makes the column day-first
    assert texts(parsed.created_utc) == ["2021-05-13 09:01:13", "2021-05-13 11:01:13", "2021-05-13 00:00:00",
                                         "2021-05-13 00:00:00", "1600-01-01 00:00:00", "2300-12-31 23:59:59",
                                         None, None, None, "2021-06-05 13:05:00"]
    assert texts(parsed.order_date) == ["2021-05-13"] * 4 + ["1600-01-01", "2300-12-31", None, None, None,
                                                            "2021-06-05"]
    assert parsed.failed.tolist() == [False] * 6 + [True, True, False, False]


def test_iso_text_is_strftime() -> None:
    stamps = pd.to_datetime(pd.Series(["2010-12-01 08:26:00", None, "1999-01-02 03:04:05"]))
    assert v._iso_text(stamps, "s").tolist() == ["2010-12-01T08:26:00", None, "1999-01-02T03:04:05"]
    assert v._iso_text(stamps, "s", sep=" ").tolist() == ["2010-12-01 08:26:00", None, "1999-01-02 03:04:05"]
    assert v._iso_text(stamps, "D").tolist() == ["2010-12-01", None, "1999-01-02"]
    expected = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S")
    assert [t if isinstance(t, str) else None for t in expected] == v._iso_text(stamps, "s").tolist()
