"""Vectorised parsers for the text cells of exports: money, quantities, dates, flags, lists.

Every parser takes a pandas Series of text and returns a `Parsed`: the values plus a boolean mask
`failed` of cells that held something but could not be read, so the caller can report each one as
(file, line, column, value, why) with `Parsed.problems(table, column)`. Empty cells (and eBay's `--`)
are NA, not failures. Work is done on the distinct values only: an export repeats the same date or
price thousands of times, and the UCI file has 23k distinct timestamps in 541k rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from merchant_ai.importers.batch import RowProblem
from merchant_ai.importers.table import Table

EMPTY_TOKENS = frozenset({"", "--", "-", "n/a", "N/A", "NA", "null", "NULL", "None", "none", "—"})


@dataclass
class Parsed:
    """Values aligned with the input, and which non-empty cells failed to parse."""

    values: pd.Series
    failed: pd.Series
    why: str = "could not be read"
    currency: pd.Series | None = None   # money only: code implied by a symbol or code in the cell

    def problems(self, table: Table, column: str, raw: pd.Series | None = None,
                 limit: int = 50) -> list[RowProblem]:
        """RowProblems for failed cells (at most `limit`: one bad column should not flood the screen)."""
        idx = np.flatnonzero(self.failed.to_numpy(dtype=bool))[:limit]
        source = raw if raw is not None else table.col(column)
        return [RowProblem(int(table.line_numbers[i]), column, str(source.iloc[i]), self.why) for i in idx]


def _text(series: pd.Series) -> pd.Series:
    return series.fillna("").astype(str).str.strip()


def distinct_text(series: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """`pd.factorize(_text(series))`, stripping only the distinct raw values.

    Codes per row and the distinct stripped texts (object dtype; NA reads as ''). A column of
    500,000 cells often holds a few thousand values: the text work is done on those.
    """
    codes, uniques = pd.factorize(series, sort=False)
    raw = np.asarray(uniques, dtype=object)
    if (codes < 0).any():
        codes = np.where(codes < 0, len(raw), codes)
        raw = np.append(raw, "")
    text = _text(pd.Series(raw, dtype=object))
    inner, distinct = pd.factorize(text, sort=False)
    codes = inner[codes] if len(codes) else codes
    return codes, pd.Series(np.asarray(distinct, dtype=object), dtype=object)


def _on_uniques(series: pd.Series, func) -> pd.Series:
    """Apply a Series->Series/Frame function to distinct values and broadcast back (order kept)."""
    codes, uniques = pd.factorize(series, sort=False)
    result = func(pd.Series(uniques, dtype=object))
    if isinstance(result, pd.DataFrame):
        out = result.iloc[codes].reset_index(drop=True)
        out.index = series.index
        return out
    out = pd.Series(result.to_numpy()[codes], index=series.index)
    return out


# --- escapes and repairs -----------------------------------------------------------------------
_ESCAPED = re.compile(r"^'(?=[=+\-@\t\r]|[\d(][\d\s().,+\-/]*$)")


def strip_escape(series: pd.Series) -> pd.Series:
    """Remove a leading apostrophe only where it is the spreadsheet/formula escape.

    WooCommerce escapes values starting with = + - @ (`'-1`, `'=SUM`), Shopify and Excel protect
    digit strings (`'4001` zips, `'0850064060010` barcodes, `'+61 488 589 292` phones). Text such
    as `'80s style` or `'Tis` keeps its apostrophe.
    """
    text = series.fillna("").astype(str)
    marked = text.str.startswith("'")
    if not marked.any():
        return text
    out = text.astype(object)
    out[marked] = text[marked].str.replace(_ESCAPED, "", regex=True)
    return out


_MOJIBAKE_HINT = re.compile("[ÃÂÅÄÆÐÑØÙâ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
                            "\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030"
                            "\u2039\u203a\u20ac\u2122]")


def repair_text(value: str) -> str:
    """Undo UTF-8-read-as-cp1252 (`MontrÃ©al` -> `Montréal`) when the round trip proves it.

    Only changes a value whose cp1252 bytes form valid UTF-8 with multi-byte sequences: random
    Latin text almost never does, so genuine text like `Ãlvaro` is left as is.
    """
    if not _MOJIBAKE_HINT.search(value):
        return value
    current = value
    for _ in range(2):  # double-encoded text (`Ã¢Â€Â“`) needs two passes
        try:
            raw = _to_cp1252_bytes(current)
        except UnicodeEncodeError:
            return current
        try:
            fixed = raw.decode("utf-8")
        except UnicodeDecodeError:
            return current
        if len(fixed) >= len(current):
            return current   # nothing multi-byte was recovered: not mojibake
        current = fixed
        if not _MOJIBAKE_HINT.search(current):
            break
    return current


def _to_cp1252_bytes(text: str) -> bytes:
    """cp1252, except its five undefined bytes, which Windows decoders pass through as U+0080-9F."""
    return b"".join(ch.encode("cp1252") if not 0x80 <= ord(ch) <= 0x9f else bytes([ord(ch)]) for ch in text)


def repair_mojibake(series: pd.Series) -> pd.Series:
    """`repair_text` over a column, touching only cells that look like mojibake."""
    text = series.fillna("").astype(str)
    mask = text.str.contains(_MOJIBAKE_HINT, regex=True)
    if not mask.any():
        return text
    out = text.copy()
    out[mask] = text[mask].map(repair_text)
    return out


def clean_text(series: pd.Series) -> pd.Series:
    """Strip, unescape and repair free text (titles, names): the usual treatment of a label column."""
    codes, uniques = distinct_text(series)
    cleaned = repair_mojibake(strip_escape(uniques)).str.strip().to_numpy(dtype=object)
    return pd.Series(cleaned[codes] if len(codes) else cleaned[:0], index=series.index, dtype=object)


def split_list(value: str, sep: str = ",") -> list[str]:
    """Split a WooCommerce/Etsy list cell on `sep`, honouring `\\,` escapes; items stripped."""
    if not value:
        return []
    placeholder = "\x00"
    parts = value.replace("\\" + sep, placeholder).split(sep)
    return [p.replace(placeholder, sep).strip() for p in parts if p.strip()]


_TRUE = {"true", "yes", "y", "1", "on", "t", "ja", "oui", "si", "sí", "是"}
_FALSE = {"false", "no", "n", "0", "off", "f", "nein", "non", "否", "-1"}


def parse_bool(series: pd.Series) -> Parsed:
    """true/false, yes/no, 1/0, TRUE/FALSE (spreadsheet re-save), localised yes/no."""
    text = strip_escape(_text(series)).str.lower()
    out = pd.Series(pd.NA, index=series.index, dtype="boolean")
    out[text.isin(_TRUE)] = True
    out[text.isin(_FALSE)] = False
    failed = out.isna() & ~text.isin(EMPTY_TOKENS)
    return Parsed(out, failed, "is not a yes/no value")


# --- numbers and money -------------------------------------------------------------------------
_SYMBOLS = {"US$": "USD", "US $": "USD", "C$": "CAD", "C $": "CAD", "CA$": "CAD", "AU$": "AUD",
            "AU $": "AUD", "A$": "AUD", "NZ$": "NZD", "HK$": "HKD", "R$": "BRL", "$": "USD", "£": "GBP",
            "€": "EUR", "¥": "JPY", "￥": "CNY", "₹": "INR", "₩": "KRW", "zł": "PLN", "kr": "SEK",
            "CHF": "CHF", "Fr.": "CHF", "R": "ZAR", "৳": "BDT", "₽": "RUB", "руб.": "RUB"}
_SYMBOL_RE = re.compile("|".join(re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True)
                                 if not s.isalpha() or s in ("kr", "R")) + r"|\b[A-Z]{3}\b")
_NUMBER_CHARS = re.compile(r"[^\d.,\-+()'\u00a0\u202f ]")


def _decimal_comma(cleaned: pd.Series) -> bool:
    """Does this column write decimals with a comma (`12,50`, `1.234,56`)? Decided per column."""
    sample = cleaned[cleaned != ""]
    if sample.empty:
        return False
    comma_dec = sample.str.contains(_COMMA_DECIMAL, regex=True).sum()
    dot_dec = sample.str.contains(_DOT_DECIMAL, regex=True).sum()
    return bool(comma_dec > dot_dec)


# Unambiguous forms: a decimal part of 1-2 digits, or both separators in a fixed order.
_COMMA_DECIMAL = r"^[+\-(]?\d+,\d{1,2}\)?-?$|^[+\-(]?\d{1,3}(?:\.\d{3})+,\d+\)?-?$|^[+\-(]?\d+,\d{4,}\)?-?$"
_DOT_DECIMAL = r"^[+\-(]?\d+\.\d{1,2}\)?-?$|^[+\-(]?\d{1,3}(?:,\d{3})+\.\d+\)?-?$|^[+\-(]?\d+\.\d{4,}\)?-?$"


def _numbers(text: pd.Series, decimal_comma: bool | None) -> tuple[pd.Series, pd.Series]:
    """Float values and failure mask for cleaned numeric text (no symbols left)."""
    t = text.str.replace(r"[\s\u00a0\u202f']", "", regex=True)
    negative = t.str.startswith("(") & t.str.endswith(")")
    t = t.where(~negative, t.str.slice(1, -1))
    trailing_minus = t.str.endswith("-") & (t.str.len() > 1)
    t = t.where(~trailing_minus, t.str.slice(0, -1))
    negative = negative | trailing_minus
    if decimal_comma is None:
        decimal_comma = _decimal_comma(t)
    # Values whose form settles it follow their form; ambiguous ones (`1,234`) follow the column.
    comma = t.str.contains(_COMMA_DECIMAL, regex=True)
    if decimal_comma:
        comma = comma | ~t.str.contains(_DOT_DECIMAL, regex=True)
    t = t.where(~comma, t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    t = t.where(comma, t.str.replace(",", "", regex=False))
    values = pd.to_numeric(t.where(t.str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"), None),
                           errors="coerce").astype(float)
    # Infinity (`1e999`) and amounts past 10^12 cannot be money or counts: they are failures,
    # which also keeps them inside the store's int64 fixed-point range.
    values = values.where(np.isfinite(values) & (values.abs() < 1e12))
    values = values.where(~negative, -values.abs())
    values = values.where(values != 0, 0.0)   # `-0` is zero
    failed = values.isna() & (text != "")
    return values, failed


def parse_number(series: pd.Series, decimal_comma: bool | None = None) -> Parsed:
    """Plain numbers (quantities, stock counts): thousands separators, decimal comma, `'-1`, `--`."""
    codes, uniques = distinct_text(series)
    text = strip_escape(uniques).astype(str)
    text = text.where(~text.isin(EMPTY_TOKENS), "")
    if decimal_comma is None:
        decimal_comma = _decimal_comma(text.str.replace(r"[\s']", "", regex=True))
    v_, f_ = _numbers(text, decimal_comma)
    res = pd.DataFrame({"v": v_.to_numpy()[codes] if len(codes) else [],
                        "f": f_.to_numpy()[codes] if len(codes) else []}, index=series.index)
    return Parsed(res["v"].astype(float), res["f"].astype(bool), "is not a number")


def parse_quantity(series: pd.Series, decimal_comma: bool | None = None) -> Parsed:
    """Quantities: numbers, where text like `not stocked` counts as a failure the caller may excuse."""
    parsed = parse_number(series, decimal_comma)
    parsed.why = "is not a quantity"
    return parsed


def parse_money(series: pd.Series, decimal_comma: bool | None = None) -> Parsed:
    """Money cells: `$12.34`, `£1,234.50`, `12,50 €`, `USD 5`, `(3.00)`, `-0`, `--`.

    Returns float amounts (use `batch.money_to_store` for the store) and, in `currency`, the ISO
    code a symbol or code in the cell implies (NA where the cell has none): eBay writes `$`, not USD.
    """
    codes, uniques = distinct_text(series)
    text = strip_escape(uniques).astype(str)
    text = text.where(~text.isin(EMPTY_TOKENS), "")

    def work(u: pd.Series) -> pd.DataFrame:
        u = u.astype(str)
        found = u.str.extract(f"({_SYMBOL_RE.pattern})", expand=False)
        code = found.map(lambda s: _SYMBOLS.get(s.strip(), s.strip()) if isinstance(s, str) else None)
        stripped = u.str.replace(_SYMBOL_RE, "", regex=True).str.strip()
        bad_chars = stripped.str.contains(_NUMBER_CHARS, regex=True)
        return pd.DataFrame({"s": stripped, "c": code, "bad": bad_chars})

    res = work(text)
    stripped = res["s"].astype(str)
    if decimal_comma is None:
        decimal_comma = _decimal_comma(stripped.str.replace(r"[\s']", "", regex=True))
    values, failed = _numbers(stripped, decimal_comma)
    bad = res["bad"].astype(bool)
    values = values.where(~bad)
    failed = (failed | bad) & (text != "")
    currency = res["c"].astype(object).where(res["c"].notna(), None)

    def spread(s: pd.Series, dtype=None) -> pd.Series:
        arr = s.to_numpy()
        return pd.Series(arr[codes] if len(codes) else arr[:0], index=series.index, dtype=dtype)

    return Parsed(spread(values, float), spread(failed, bool), "is not a money amount",
                  currency=spread(currency, object))


# --- dates -------------------------------------------------------------------------------------
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_MONTHS.update({"sept": 9, "mär": 3, "mrz": 3, "okt": 10, "dez": 12, "mai": 5, "juin": 6, "juil": 7,
                "janv": 1, "févr": 2, "fevr": 2, "avr": 4, "déc": 12, "ene": 1, "abr": 4, "ago": 8, "dic": 12,
                "fév": 2, "aoû": 8, "aou": 8})
# North American and European zone abbreviations seen in eBay/Amazon reports, in minutes east of UTC.
_ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "BST": 60, "CET": 60, "CEST": 120, "EET": 120, "EEST": 180,
          "PST": -480, "PDT": -420, "MST": -420, "MDT": -360, "CST": -360, "CDT": -300, "EST": -300,
          "EDT": -240, "AKST": -540, "AKDT": -480, "HST": -600, "AEST": 600, "AEDT": 660, "JST": 540,
          "IST": 330, "NZST": 720, "NZDT": 780}
_TIME = r"(?:[ T,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
_TZ = r"(?:\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|[+-]\d{2}\b|(?:UTC|GMT)(?:[+-]\d{1,2}(?::?\d{2})?)?|[A-Z]{3,4}))?"
_MON = r"(?P<mon>[A-Za-zéäû]{3,10})\.?"   # 'Sep', 'Sept.', 'September', 'Dezember', 'juillet'
_FULL_MONTHS = {name: i for names in (
    "january february march april may june july august september october november december",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre")
    for i, name in enumerate(names.split(), start=1)}


def _month_number(name: str) -> float:
    """Month of an abbreviated ('Sep', 'Sept', 'févr') or full ('September', 'Dezember') name; NaN
    for any other word."""
    month = _MONTHS.get(name, _FULL_MONTHS.get(name))
    return np.nan if month is None else float(month)


_PATTERNS = [
    # 2021-05-13 11:01:13 +0200, 2025-10-09T22:07:18+00:00, 2010-12-01 08:26:00, 2021/05/13
    ("ymd", rf"^(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}{_TZ}$"),
    # 12/31/22, 12/26/2021, 1/4/2024 (month first unless the column proves day first), 13.05.2021
    ("mdy", rf"^(?P<a>\d{{1,2}})(?P<sep>[/.-])(?P<b>\d{{1,2}})(?P=sep)(?P<y>\d{{2}}|\d{{4}}){_TIME}{_TZ}$"),
    # Sep-30-22, Jun-24-2026, Nov-05-2022 00:00:00 AM PDT, Dec 5, 2022
    ("bdy", rf"^{_MON}[- ](?P<d>\d{{1,2}}),?[- ](?P<y>\d{{2}}|\d{{4}}){_TIME}{_TZ}$"),
    # 30-Sep-2022, 5 Dec 2022
    ("dby", rf"^(?P<d>\d{{1,2}})[- ]{_MON}[- ,]+(?P<y>\d{{2}}|\d{{4}}){_TIME}{_TZ}$"),
    # 2021年5月13日 11:01
    ("cjk", rf"^(?P<y>\d{{4}})年(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}})日?{_TIME}{_TZ}$"),
]


@dataclass
class ParsedDates:
    """The three order-time texts of batch.py, aligned with the input, and the failure mask."""

    created_at: pd.Series     # ISO as the export meant it ('2021-05-13T11:01:13+02:00', '2022-12-31')
    created_utc: pd.Series    # 'YYYY-MM-DD HH:MM:SS' UTC (local when no offset is known)
    order_date: pd.Series     # 'YYYY-MM-DD' local day
    failed: pd.Series
    why: str = "is not a date this app can read"
    # The same per distinct cell: `distinct.iloc[codes]` gives the three columns above, and
    # `distinct_utc` the UTC instants (NaT where unreadable), for callers that keep codes.
    codes: np.ndarray | None = None
    distinct: pd.DataFrame | None = None
    distinct_utc: np.ndarray | None = None

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"created_at": self.created_at, "created_utc": self.created_utc,
                             "order_date": self.order_date})

    def problems(self, table: Table, column: str, limit: int = 50) -> list[RowProblem]:
        return Parsed(self.created_at, self.failed, self.why).problems(table, column, limit=limit)


def _tz_minutes(tz: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Offset in minutes (NaN when absent) and a mask of unknown zone names."""
    tz = tz.fillna("")
    out = pd.Series(np.nan, index=tz.index)
    named = tz.map(lambda z: _ZONES.get(z.upper()) if z else None)
    out[named.notna()] = named[named.notna()].astype(float)
    num = tz.str.extract(r"^(?:UTC|GMT)?(?P<sign>[+-])(?P<hh>\d{1,2}):?(?P<mm>\d{2})?$")
    has = num["sign"].notna()
    mins = num["hh"].astype(float) * 60 + num["mm"].fillna("0").astype(float)
    out[has] = np.where(num.loc[has, "sign"] == "-", -mins[has], mins[has])
    unknown = (tz != "") & out.isna()
    return out, unknown


_PLAIN_ISO = re.compile(r"[12][0-9]{3}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?")


def _digits_value(digits: np.ndarray, first: int, count: int) -> np.ndarray:
    """The number written by `count` digit columns from `first` of a digit matrix, as floats."""
    value = np.zeros(len(digits), dtype=np.int64)
    for k in range(first, first + count):
        value = value * 10 + digits[:, k]
    return value.astype(float)


def _plain_iso(u: pd.Series) -> list[tuple[np.ndarray, list[np.ndarray]]]:
    """Positions and fields (year, month, day[, hour, minute, second] as floats) of the cells
    written `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS` (or with `T`), one group
    per length: fixed positions, so the digits are read as a byte matrix."""
    cells = u.to_numpy(dtype=object)
    out = []
    lengths = np.fromiter((len(c) for c in cells), dtype=np.int64, count=len(cells))
    for width in (10, 16, 19):
        at = np.flatnonzero(lengths == width)
        if not len(at):
            continue
        at = at[[_PLAIN_ISO.fullmatch(c) is not None for c in cells[at]]]
        if not len(at):
            continue
        digits = (np.frombuffer("".join(cells[at]).encode("ascii"), dtype=np.uint8).reshape(len(at), width)
                  .astype(np.int64) - 48)

        fields = [_digits_value(digits, 0, 4), _digits_value(digits, 5, 2), _digits_value(digits, 8, 2)]
        if width > 10:
            fields += [_digits_value(digits, 11, 2), _digits_value(digits, 14, 2),
                       _digits_value(digits, 17, 2) if width == 19 else np.zeros(len(at))]
        out.append((at, fields))
    return out


def _iso_text(stamps: pd.Series, unit: str, sep: str = "T") -> np.ndarray:
    """Naive timestamps as ISO text to the day (`unit="D"`) or second (`"s"`), None where NaT.

    What `dt.strftime("%Y-%m-%d")` / `("%Y-%m-%dT%H:%M:%S")` write, but numpy formats in C:
    pandas' strftime was ~5x slower and most of `parse_datetimes` on big files (23,000 distinct
    timestamps in UCI, three texts each)."""
    arr = stamps.to_numpy()     # datetime64 in the Series' own unit (pandas keeps years 1600 or 2300)
    text = np.datetime_as_string(arr, unit=unit).astype(object)
    if sep != "T" and unit != "D":
        text = np.array([t[:10] + sep + t[11:] for t in text], dtype=object)
    text[np.isnat(arr)] = None
    return text


def parse_datetimes(series: pd.Series, day_first: bool | None = None, default_offset: int | None = None) -> ParsedDates:
    """Read every date form in FORMATS.md, keeping per-row offsets (DST changes inside one file).

    `day_first` forces the order of `a/b/yyyy` dates; by default the column decides: if any value
    has a first part above 12 the whole column is day-first (`31.12.2022`, UK exports), and
    dotted dates (`13.05.2021`) are day-first. `default_offset` (minutes) applies to values without
    an offset when the caller knows the report's zone.
    """
    codes, uniques = distinct_text(series)
    u = uniques.where(~uniques.isin(EMPTY_TOKENS), "").astype(str)
    n = len(u)
    y = np.full(n, np.nan)
    mo = np.full(n, np.nan)
    d = np.full(n, np.nan)
    hh = np.zeros(n)
    mi = np.zeros(n)
    ss = np.zeros(n)
    has_time = np.zeros(n, dtype=bool)
    tzmin = np.full(n, np.nan)
    bad = np.zeros(n, dtype=bool)
    done = np.zeros(n, dtype=bool)
    # Plain ISO cells (`2010-12-01 08:26:00`, most big dumps) are read from their digits without
    # a regex; everything else goes through the patterns below, which read these alike.
    for rows, fields in _plain_iso(u):
        y[rows], mo[rows], d[rows] = fields[0], fields[1], fields[2]
        if len(fields) > 3:
            hh[rows], mi[rows], ss[rows] = fields[3], fields[4], fields[5]
            has_time[rows] = True
        done[rows] = True
    for kind, pattern in _PATTERNS:
        todo = ~done & (u != "").to_numpy()
        if not todo.any():
            break
        m = u[todo].str.extract(pattern)
        ok = m.iloc[:, 0].notna().to_numpy()
        if not ok.any():
            continue
        rows = np.flatnonzero(todo)[ok]
        m = m[ok]
        year = m["y"].astype(float).to_numpy()
        year = np.where(year < 100, 2000 + year, year)   # two-digit years in exports are this century
        if kind in ("ymd", "cjk"):
            month, day = m["m"].astype(float).to_numpy(), m["d"].astype(float).to_numpy()
        elif kind == "mdy":
            a, b = m["a"].astype(float).to_numpy(), m["b"].astype(float).to_numpy()
            dotted = (m["sep"] == ".").to_numpy()
            first = day_first if day_first is not None else bool((a > 12).any() and not (b > 12).any())
            swap = dotted | first if day_first is None else np.full(len(a), day_first)
            month, day = np.where(swap, b, a), np.where(swap, a, b)
        else:
            mon = m["mon"].str.lower().map(_month_number)
            month, day = mon.astype(float).to_numpy(), m["d"].astype(float).to_numpy()
        hour = m["H"].astype(float).fillna(0).to_numpy()
        ampm = m["ampm"].fillna("").str.lower().str.replace(".", "", regex=False).to_numpy()
        # eBay writes 24-hour times with AM/PM suffixes ("23:59:59 PM"): apply the suffix only
        # where it can be a 12-hour clock.
        hour = np.where((ampm == "pm") & (hour >= 1) & (hour < 12), hour + 12, hour)
        hour = np.where((ampm == "am") & (hour == 12), 0, hour)
        offs, unknown = _tz_minutes(m["tz"])
        y[rows], mo[rows], d[rows] = year, month, day
        hh[rows], mi[rows] = hour, m["M"].astype(float).fillna(0).to_numpy()
        ss[rows] = m["S"].astype(float).fillna(0).to_numpy()
        has_time[rows] = m["H"].notna().to_numpy()
        tzmin[rows] = offs.to_numpy()
        bad[rows] = unknown.to_numpy()
        done[rows] = True
    if default_offset is not None:
        tzmin = np.where(np.isnan(tzmin) & done, float(default_offset), tzmin)
    local = pd.to_datetime(pd.DataFrame({"year": y, "month": mo, "day": d, "hour": hh, "minute": mi,
                                         "second": ss}), errors="coerce")
    valid = done & local.notna().to_numpy() & ~bad & (hh < 24)
    local = local.where(valid)
    utc = local - pd.to_timedelta(np.nan_to_num(tzmin), unit="m")
    has_tz = ~np.isnan(tzmin)
    day_txt = _iso_text(local, "D")
    time_txt = _iso_text(local, "s")
    created = np.where(has_time, time_txt, day_txt)
    if has_tz.any():   # the offset text only where there is one
        at = np.flatnonzero(has_tz)
        off = np.nan_to_num(tzmin[at]).astype(int)
        stamp = time_txt[at]
        created[at] = [t + f"{'+' if o >= 0 else '-'}{abs(o) // 60:02d}:{abs(o) % 60:02d}" if isinstance(t, str) else t
                       for t, o in zip(stamp, off, strict=True)]
    created = pd.Series(created, dtype=object).where(valid, None)
    utc_txt = pd.Series(_iso_text(utc, "s", sep=" "), dtype=object).where(valid, None)
    failed_u = ~valid & (u != "").to_numpy()

    distinct = pd.DataFrame({"created_at": np.asarray(created, dtype=object),
                             "created_utc": np.asarray(utc_txt, dtype=object),
                             "order_date": np.asarray(pd.Series(day_txt, dtype=object).where(valid, None),
                                                      dtype=object)})

    def spread(name: str) -> pd.Series:
        arr = distinct[name].to_numpy()
        return pd.Series(arr[codes] if n else np.empty(0, dtype=object), index=series.index, dtype=object)

    return ParsedDates(spread("created_at"), spread("created_utc"), spread("order_date"),
                       pd.Series(failed_u[codes] if n else np.zeros(0, bool), index=series.index),
                       codes=codes, distinct=distinct, distinct_utc=utc.where(valid).to_numpy())


# --- whole columns of a table (shared by the platform parsers) --------------------------------
MAX_AMOUNT = 1e11
MAX_QUANTITY = 1e9


def plausible(parsed: Parsed, limit: float) -> Parsed:
    """Count values of absurd size (or inf) as failures, so they are reported, never stored."""
    absurd = ~(parsed.values.abs() < limit) & parsed.values.notna()
    if absurd.any():
        parsed.values = parsed.values.where(~absurd)
        parsed.failed = parsed.failed | absurd
    return parsed


def quantities(table: Table, column: str) -> Parsed:
    """A quantity column, absurd sizes counted as failures."""
    return plausible(parse_quantity(table.col(column)), MAX_QUANTITY)


def money_columns(table: Table, columns: tuple[str, ...] | list[str]) -> dict[str, Parsed]:
    """Several money columns parsed in one `parse_money` call (one decimal convention per file).

    `parse_money` costs tens of milliseconds of fixed pandas overhead per call; an export has a
    dozen money columns, so one call over the stacked columns makes small files 5-10x faster.
    """
    stacked = pd.concat([table.col(c) for c in columns], keys=range(len(columns)), ignore_index=False)
    parsed = plausible(parse_money(stacked), MAX_AMOUNT)
    n = len(table.rows)
    out = {}
    for i, column in enumerate(columns):
        part = slice(i * n, (i + 1) * n)
        out[column] = Parsed(pd.Series(parsed.values.to_numpy()[part], index=table.rows.index),
                                  pd.Series(parsed.failed.to_numpy()[part], index=table.rows.index), parsed.why)
    return out
